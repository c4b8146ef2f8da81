import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectRank } from '../op-errors';
import { pInt, pIntOrNull } from '../params-read';
import { normDim, product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { fftFlops, fftParams } from './fft-rules';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'audio' }, doc: 'real, ≥ 1 dim' }];

export const rfft: OpSpec = {
  name: 'rfft',
  family: 'fft',
  summary: 'One-sided DFT of a real tensor along one dim: ⌊n/2⌋+1 complex bins',
  torch: 'torch.fft.rfft',
  params: fftParams('transform length: the input is zero-padded or truncated to n along dim; null = its size'),
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    expectRank('rfft', 'input', x, 1, undefined, true);
    const dim = normDim('rfft', 'dim', pInt(p, 'dim'), x.length);
    const n = pIntOrNull(p, 'n') ?? x[dim];
    const out = [...x];
    out[dim] = Math.floor(n / 2) + 1;
    return {
      outputs: [[...out, 2]],
      native: { n, dim, norm: p.norm ?? 'backward' },
      flops: fftFlops(n, product(x) / x[dim], true),
      reduction: n,
    };
  },
};
