import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectRank } from '../op-errors';
import { pBool, pInt } from '../params-read';
import { normDim, product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

// A coarse grid (steps of 1/8, exact in bf16 for |x| < 32) so that rows of a few dozen
// elements often share their maximum: the first-index rule gets tested.
const INPUTS: readonly InputDecl[] = [{ name: 'x', kind: 'float', init: { dist: 'grid', std: 1, step: 0.125 }, doc: 'any shape, ≥ 1 dim' }];

export const argmax: OpSpec = {
  name: 'argmax',
  family: 'indexing',
  summary: 'int32 index of the maximum along dim; ties → the first maximal index, NaN counts as the maximum (the first NaN wins)',
  torch: 'torch.argmax(x, dim, keepdim).to(torch.int32)',
  params: {
    dim: { type: 'int', default: -1, doc: 'the dim to reduce (negative counts from the end)' },
    keepdim: { type: 'bool', default: false, doc: 'keep the reduced dim as size 1' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'indices', kind: 'int32' }],
  dtypes: FLOAT_DTYPES,
  // Comparisons only: every backend must pick the same index as the oracle, bit for bit.
  tolerance: 'exact',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    expectRank('argmax', 'x', x, 1, undefined, true);
    const dim = normDim('argmax', 'dim', pInt(p, 'dim'), x.length);
    const keepdim = pBool(p, 'keepdim');
    const out = keepdim ? x.map((d, i) => (i === dim ? 1 : d)) : x.filter((_, i) => i !== dim);
    return { outputs: [out], native: { dim, keepdim }, flops: product(x), reduction: x[dim] };
  },
};
