import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectRank, expectShape, paramError } from '../op-errors';
import { pFloat, pInt } from '../params-read';
import { product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { NORM_BIAS, NORM_INPUT, NORM_WEIGHT } from './norm-inits';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: NORM_INPUT, doc: '[N, C, …]' },
  { name: 'weight', kind: 'float', optional: true, init: NORM_WEIGHT, doc: '[C]' },
  { name: 'bias', kind: 'float', optional: true, init: NORM_BIAS, doc: '[C]' },
];

export const group_norm: OpSpec = {
  name: 'group_norm',
  family: 'norm',
  summary: 'Normalise each (n, group of channels) over its channels and spatial dims, then scale and shift per channel',
  torch: 'torch.nn.functional.group_norm',
  params: {
    num_groups: { type: 'int', min: 1, doc: 'channel groups; divides C' },
    eps: { type: 'float', default: 1e-5, min: 0, doc: 'added to the variance' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    expectRank('group_norm', 'input', x, 2, '[N, C, …]', true);
    const C = x[1];
    const G = pInt(p, 'num_groups');
    if (C % G !== 0) throw paramError('group_norm', 'num_groups', `${G} must divide the number of channels ${C}`);
    if (shapes[1]) expectShape('group_norm', 'weight', shapes[1], [C], '[C]');
    if (shapes[2]) expectShape('group_norm', 'bias', shapes[2], [C], '[C]');
    return {
      outputs: [[...x]],
      native: { num_groups: G, eps: pFloat(p, 'eps') },
      flops: 8 * product(x),
      reduction: (C / G) * product(x.slice(2)),
    };
  },
};
