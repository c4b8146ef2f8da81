import type { Shape } from '../../tensor';
import { GEMM_DTYPES } from '../dtype-sets';
import { expectRank, expectShape, inputError } from '../op-errors';
import { product } from '../shape-rules';
import type { InputDecl, OpSpec, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: { dist: 'normal' }, doc: '[…, in]' },
  { name: 'weight', kind: 'float', init: { dist: 'fan_in' }, doc: '[out, in]' },
  { name: 'bias', kind: 'float', optional: true, init: { dist: 'fan_in', fanInOf: 'weight' }, doc: '[out]' },
];

export const linear: OpSpec = {
  name: 'linear',
  family: 'matmul',
  summary: 'y = x·Wᵀ + b over the last dim',
  torch: 'torch.nn.functional.linear',
  params: {},
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: GEMM_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[]): Plan {
    const x = shapes[0] as Shape;
    const w = shapes[1] as Shape;
    const bias = shapes[2];
    expectRank('linear', 'input', x, 1, '[…, in]', true);
    expectRank('linear', 'weight', w, 2, '[out, in]');
    const [outF, inF] = w;
    if (x[x.length - 1] !== inF) {
      throw inputError('linear', 'weight', `in_features ${inF} does not match input's last dim ${x[x.length - 1]}`);
    }
    if (bias) expectShape('linear', 'bias', bias, [outF], 'out_features');
    const rows = product(x.slice(0, -1));
    return {
      outputs: [[...x.slice(0, -1), outF]],
      native: {},
      flops: 2 * rows * outF * inF + (bias ? rows * outF : 0),
      reduction: inF,
    };
  },
};
