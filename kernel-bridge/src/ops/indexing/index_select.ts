import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectRank } from '../op-errors';
import { pInt } from '../params-read';
import { normDim } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [
  { name: 'x', kind: 'float', init: { dist: 'normal' }, doc: 'any shape, ≥ 1 dim' },
  { name: 'index', kind: 'int32', init: { dist: 'index', of: 'x', dimParam: 'dim' }, doc: "int32 [K], each in [0, x's size along dim)" },
];

export const index_select: OpSpec = {
  name: 'index_select',
  family: 'indexing',
  summary: "x with dim's size K, taking the slices index names (a gather; indices may repeat)",
  torch: 'torch.index_select(x, dim, index)',
  params: {
    dim: { type: 'int', default: 0, doc: 'the dim to index (negative counts from the end)' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  // Index values are data, not shape: ref and cpu reject one outside [0, size) when they run;
  // cuda and webgpu cannot raise from a kernel and clamp it (docs/ops.md).
  tolerance: 'copy',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    const index = shapes[1] as Shape;
    expectRank('index_select', 'x', x, 1, undefined, true);
    expectRank('index_select', 'index', index, 1, '[K]');
    const dim = normDim('index_select', 'dim', pInt(p, 'dim'), x.length);
    const out = [...x];
    out[dim] = index[0];
    return { outputs: [out], native: { dim }, flops: 0 };
  },
};
