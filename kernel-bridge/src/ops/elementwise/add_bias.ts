import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectShape } from '../op-errors';
import { pInt } from '../params-read';
import { normDim, product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: { dist: 'normal' }, doc: 'any shape, ≥ 1 dim' },
  { name: 'bias', kind: 'float', init: { dist: 'normal', std: 0.5 }, doc: '[input.shape[dim]]' },
];

export const add_bias: OpSpec = {
  name: 'add_bias',
  family: 'elementwise',
  summary: 'input + bias broadcast along one dim (as input + bias.view(C, 1, …))',
  torch: 'torch.add with bias reshaped to broadcast along dim',
  params: {
    dim: { type: 'int', default: 1, doc: 'the dim bias runs along (negative counts from the end)' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'elementwise',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    const dim = normDim('add_bias', 'dim', pInt(p, 'dim'), x.length);
    expectShape('add_bias', 'bias', shapes[1] as Shape, [x[dim]], `input dim ${dim}`);
    return { outputs: [[...x]], native: { dim }, flops: product(x) };
  },
};
