/** Every op the webgpu backend runs, by name, and the ones it does not, with the reason. */
import type { KernelFamily, OpKernel } from '../kernel-types';
import { activationKernels } from './activation';
import { convKernels } from './conv';
import { elementwiseKernels } from './elementwise';
import { fftKernels } from './fft';
import { stftKernels } from './stft';
import { layoutKernels } from './layout';
import { lstmKernels } from './lstm';
import { normKernels } from './norm';
import { poolKernels } from './pool';
import { quantKernels } from './quant';
import { indexingKernels } from './indexing';
import { matmulKernels } from './matmul';

export const KERNELS: Readonly<Record<string, OpKernel>> = {
  ...matmulKernels,
  ...convKernels,
  ...lstmKernels,
  ...activationKernels,
  ...poolKernels,
  ...normKernels,
  ...layoutKernels,
  ...elementwiseKernels,
  ...fftKernels,
  ...stftKernels,
  ...quantKernels,
  ...indexingKernels,
} satisfies KernelFamily;

/** Catalogue ops with no WGSL kernel here, and why. */
export const UNSUPPORTED: Readonly<Record<string, string>> = {};
