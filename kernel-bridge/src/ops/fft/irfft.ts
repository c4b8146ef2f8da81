import type { Shape } from '../../tensor';
import { complexDims } from '../complex-rules';
import { FLOAT_DTYPES } from '../dtype-sets';
import { paramError } from '../op-errors';
import { pInt, pIntOrNull } from '../params-read';
import { normDim, product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { fftFlops, fftParams } from './fft-rules';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'complex' }, doc: 'complex […, m, …, 2] (one-sided)' }];

export const irfft: OpSpec = {
  name: 'irfft',
  family: 'fft',
  summary: 'Inverse of rfft: n real samples from one-sided complex bins',
  torch: 'torch.fft.irfft',
  params: fftParams('output length; null = 2·(m − 1) for m input bins along dim'),
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const dims = complexDims('irfft', 'input', shapes[0] as Shape, 1);
    const dim = normDim('irfft', 'dim', pInt(p, 'dim'), dims.length);
    const m = dims[dim];
    const n = pIntOrNull(p, 'n') ?? 2 * (m - 1);
    if (n < 1) {
      throw paramError('irfft', 'n', `the default 2·(m − 1) is ${n} for m = ${m} bins; give n ≥ 1`);
    }
    const out = [...dims];
    out[dim] = n;
    return {
      outputs: [out],
      native: { n, dim, norm: p.norm ?? 'backward' },
      flops: fftFlops(n, product(out) / n, true),
      reduction: n,
    };
  },
};
