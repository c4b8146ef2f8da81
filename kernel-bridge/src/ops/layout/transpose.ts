import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { pInt } from '../params-read';
import { normDim } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'normal' }, doc: 'any shape, ≥ 1 dim' }];

export const transpose: OpSpec = {
  name: 'transpose',
  family: 'layout',
  summary: 'Two dims swapped (a contiguous copy)',
  torch: 'torch.transpose',
  params: {
    dim0: { type: 'int', doc: 'first dim (negative counts from the end)' },
    dim1: { type: 'int', doc: 'second dim' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'copy',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    const d0 = normDim('transpose', 'dim0', pInt(p, 'dim0'), x.length);
    const d1 = normDim('transpose', 'dim1', pInt(p, 'dim1'), x.length);
    const out = [...x];
    out[d0] = x[d1];
    out[d1] = x[d0];
    return { outputs: [out], native: { dim0: d0, dim1: d1 }, flops: 0 };
  },
};
