import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { broadcastShapes, product } from '../shape-rules';
import type { InputDecl, OpSpec, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: { dist: 'normal' }, doc: 'any shape' },
  { name: 'other', kind: 'float', init: { dist: 'normal' }, doc: 'broadcasts with input' },
];

export const mul: OpSpec = {
  name: 'mul',
  family: 'elementwise',
  summary: 'input·other, broadcasting',
  torch: 'torch.mul',
  params: {},
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'elementwise',
  plan(shapes: readonly (Shape | null)[]): Plan {
    const out = broadcastShapes('mul', shapes[0] as Shape, shapes[1] as Shape, 'input', 'other');
    return { outputs: [out], native: {}, flops: product(out) };
  },
};
