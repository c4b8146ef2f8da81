/** Every op the `ort` backend expresses as an ONNX graph, and the ones it cannot, with the reason. */
import { activationGraphs } from './activation';
import { convGraphs } from './conv';
import { elementwiseGraphs } from './elementwise';
import { fftGraphs } from './fft';
import { layoutGraphs } from './layout';
import { lstmGraphs } from './lstm';
import { matmulGraphs } from './matmul';
import { normGraphs } from './norm';
import { poolGraphs } from './pool';
import { quantGraphs } from './quant';
import { indexingGraphs } from './indexing';
import { stftGraphs } from './stft';
import type { Family, OpGraph } from './types';

export const GRAPHS: Readonly<Record<string, OpGraph>> = {
  ...matmulGraphs,
  ...convGraphs,
  ...lstmGraphs,
  ...activationGraphs,
  ...poolGraphs,
  ...normGraphs,
  ...layoutGraphs,
  ...elementwiseGraphs,
  ...fftGraphs,
  ...stftGraphs,
  ...quantGraphs,
  ...indexingGraphs,
} satisfies Family;

/** Catalogue ops with no ONNX graph here, and why. */
export const UNSUPPORTED: Readonly<Record<string, string>> = {
  irfft:
    'ONNX DFT has no complex-to-real inverse (onesided applies to the forward real transform only); a hand-built Hermitian extension would not measure the runtime\'s own kernel',
  istft: 'ONNX has no inverse STFT op (opset ≤ 23); overlap-add with the window envelope would have to be hand-composed',
};

export type { GraphCtx, OpGraph } from './types';
