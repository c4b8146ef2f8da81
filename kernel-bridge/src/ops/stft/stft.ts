import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectRank, inputError, paramError } from '../op-errors';
import { pBool, pStr } from '../params-read';
import { product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { fftFlops } from '../fft/fft-rules';
import { frameParams, resolveFrames } from './stft-rules';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'audio' }, doc: 'real […, L]' }];

export const stft: OpSpec = {
  name: 'stft',
  family: 'stft',
  summary: 'Short-time Fourier transform of real signals with a named window (complex out as […, 2])',
  torch: 'torch.view_as_real(torch.stft(..., return_complex=True))',
  params: {
    ...frameParams(),
    pad_mode: { type: 'string', default: 'reflect', enum: ['reflect', 'constant'], doc: 'how center pads the signal' },
    normalized: { type: 'bool', default: false, doc: 'multiply by n_fft^(−1/2)' },
    onesided: { type: 'bool', default: true, doc: 'keep n_fft/2+1 bins (true) or all n_fft' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    expectRank('stft', 'input', x, 1, '[…, L]', true);
    const { nFft, hop, winLength } = resolveFrames('stft', p);
    const center = pBool(p, 'center');
    const padMode = pStr(p, 'pad_mode');
    const onesided = pBool(p, 'onesided');
    const L = x[x.length - 1];
    const pad = center ? Math.floor(nFft / 2) : 0;
    if (center && padMode === 'reflect' && pad >= L) {
      throw inputError('stft', 'input', `reflect padding of ${pad} (n_fft/2) needs a signal longer than ${pad}, got L = ${L}`);
    }
    const padded = L + 2 * pad;
    if (nFft > padded) {
      throw paramError('stft', 'n_fft', `must be ≤ the ${center ? 'padded ' : ''}signal length ${padded}, got ${nFft}`);
    }
    const frames = 1 + Math.floor((padded - nFft) / hop);
    const nFreq = onesided ? Math.floor(nFft / 2) + 1 : nFft;
    const batch = product(x.slice(0, -1));
    return {
      outputs: [[...x.slice(0, -1), nFreq, frames, 2]],
      native: {
        n_fft: nFft,
        hop_length: hop,
        win_length: winLength,
        window: pStr(p, 'window'),
        center,
        pad_mode: padMode,
        normalized: pBool(p, 'normalized'),
        onesided,
      },
      flops: batch * frames * nFft + fftFlops(nFft, batch * frames, onesided),
      reduction: nFft,
    };
  },
};
