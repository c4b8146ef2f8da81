import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { pFloat } from '../params-read';
import { broadcastShapes, product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: { dist: 'normal' }, doc: 'any shape' },
  { name: 'other', kind: 'float', init: { dist: 'normal' }, doc: 'broadcasts with input' },
];

export const add: OpSpec = {
  name: 'add',
  family: 'elementwise',
  summary: 'input + alpha·other, broadcasting',
  torch: 'torch.add',
  params: {
    alpha: { type: 'float', default: 1, doc: 'multiplier of other' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'elementwise',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const out = broadcastShapes('add', shapes[0] as Shape, shapes[1] as Shape, 'input', 'other');
    const alpha = pFloat(p, 'alpha');
    return { outputs: [out], native: { alpha }, flops: (alpha === 1 ? 1 : 2) * product(out) };
  },
};
