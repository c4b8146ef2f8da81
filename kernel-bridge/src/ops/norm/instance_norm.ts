import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectRank, expectShape, inputError } from '../op-errors';
import { pBool, pFloat, pStr } from '../params-read';
import { product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { NORM_BIAS, NORM_INPUT, NORM_WEIGHT, RUNNING_MEAN, RUNNING_VAR } from './norm-inits';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: NORM_INPUT, doc: '[N, C, …spatial]; [N, …spatial, C] when channels_last' },
  { name: 'running_mean', kind: 'float', optional: true, init: RUNNING_MEAN, doc: '[C]; used when use_input_stats is false' },
  { name: 'running_var', kind: 'float', optional: true, init: RUNNING_VAR, doc: '[C]; used when use_input_stats is false' },
  { name: 'weight', kind: 'float', optional: true, init: NORM_WEIGHT, doc: '[C]' },
  { name: 'bias', kind: 'float', optional: true, init: NORM_BIAS, doc: '[C]' },
];

/** Flops per element of the fused activation (as the gelu op counts them). */
const ACTIVATION_FLOPS: Readonly<Record<string, number>> = { none: 0, gelu: 8 };

export const instance_norm: OpSpec = {
  name: 'instance_norm',
  family: 'norm',
  summary: 'Normalise each (n, c) over its spatial dims, then scale and shift per channel (optionally then GELU)',
  torch: 'torch.nn.functional.instance_norm',
  params: {
    use_input_stats: { type: 'bool', default: true, doc: 'statistics from the input (true) or from running_mean / running_var' },
    eps: { type: 'float', default: 1e-5, min: 0, doc: 'added to the variance' },
    channels_last: { type: 'bool', default: false, variant: true, doc: 'input (and output) [N, …spatial, C] instead of [N, C, …spatial]' },
    activation: {
      type: 'string',
      default: 'none',
      enum: ['none', 'gelu'],
      variant: true,
      doc: "applied elementwise after the affine: 'none', or 'gelu' (exact, erf form: torch.nn.functional.gelu's default)",
    },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const op = 'instance_norm';
    const x = shapes[0] as Shape;
    const channelsLast = pBool(p, 'channels_last');
    expectRank(op, 'input', x, 3, channelsLast ? '[N, …spatial, C] when channels_last' : '[N, C, …spatial]', true);
    const C = channelsLast ? x[x.length - 1] : x[1];
    const cWhy = channelsLast ? '[C] with C = the last input dim (channels_last)' : '[C] with C = input dim 1';
    const useInputStats = pBool(p, 'use_input_stats');
    ['running_mean', 'running_var', 'weight', 'bias'].forEach((name, i) => {
      const s = shapes[i + 1];
      if (s) expectShape(op, name, s, [C], cWhy);
    });
    const spatial = product(channelsLast ? x.slice(1, -1) : x.slice(2));
    if (useInputStats && spatial <= 1) {
      // As torch's _verify_spatial_size: one element has no variance to normalise by.
      throw inputError(op, 'input', `expected more than 1 spatial element with use_input_stats, got [${x.join(', ')}]`);
    }
    if (!useInputStats) {
      if (!shapes[1]) throw inputError(op, 'running_mean', 'is required when use_input_stats is false');
      if (!shapes[2]) throw inputError(op, 'running_var', 'is required when use_input_stats is false');
    }
    const activation = pStr(p, 'activation');
    return {
      outputs: [[...x]],
      native: { use_input_stats: useInputStats, eps: pFloat(p, 'eps'), channels_last: channelsLast, activation },
      flops: ((useInputStats ? 8 : 4) + ACTIVATION_FLOPS[activation]) * product(x),
      reduction: useInputStats ? spatial : 1,
    };
  },
};
