import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectRank, expectShape } from '../op-errors';
import { pFloat } from '../params-read';
import { product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { NORM_BIAS, NORM_INPUT, NORM_WEIGHT, RUNNING_MEAN, RUNNING_VAR } from './norm-inits';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: NORM_INPUT, doc: '[N, C, …]' },
  { name: 'running_mean', kind: 'float', init: RUNNING_MEAN, doc: '[C]' },
  { name: 'running_var', kind: 'float', init: RUNNING_VAR, doc: '[C], positive' },
  { name: 'weight', kind: 'float', optional: true, init: NORM_WEIGHT, doc: '[C]' },
  { name: 'bias', kind: 'float', optional: true, init: NORM_BIAS, doc: '[C]' },
];

export const batch_norm: OpSpec = {
  name: 'batch_norm',
  family: 'norm',
  summary: 'Inference batch norm: (x − running_mean)/√(running_var + eps)·weight + bias per channel',
  torch: 'torch.nn.functional.batch_norm (training=False)',
  params: {
    eps: { type: 'float', default: 1e-5, min: 0, doc: 'added to the variance' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    expectRank('batch_norm', 'input', x, 2, '[N, C, …]', true);
    const C = x[1];
    const names = ['running_mean', 'running_var', 'weight', 'bias'];
    names.forEach((name, i) => {
      const s = shapes[i + 1];
      if (s) expectShape('batch_norm', name, s, [C], `[C] with C = input dim 1`);
    });
    // Inference uses stored statistics: no reduction feeds an output element.
    return { outputs: [[...x]], native: { eps: pFloat(p, 'eps') }, flops: 4 * product(x), reduction: 1 };
  },
};
