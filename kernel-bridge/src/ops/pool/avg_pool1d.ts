import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectRank } from '../op-errors';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { planWindows } from './pool-rules';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'normal' }, doc: '[N, C, L]' }];

export const avg_pool1d: OpSpec = {
  name: 'avg_pool1d',
  family: 'pool',
  summary: 'Mean over sliding windows along L',
  torch: 'torch.nn.functional.avg_pool1d',
  params: {
    kernel_size: { type: 'int|ints', min: 1, doc: 'window length: int or [k]' },
    stride: { type: 'int|ints', default: null, nullable: true, min: 1, doc: 'int or [s]; null = kernel_size' },
    padding: { type: 'int|ints', default: 0, min: 0, doc: 'implicit zero padding on both sides; ≤ kernel_size/2' },
    ceil_mode: { type: 'bool', default: false, doc: 'ceil instead of floor for the output length' },
    count_include_pad: { type: 'bool', default: true, doc: 'padding counts in the divisor' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'elementwise',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    expectRank('avg_pool1d', 'input', x, 3, '[N, C, L]');
    const w = planWindows('avg_pool1d', p, [x[2]]);
    return {
      outputs: [[x[0], x[1], w.out[0]]],
      native: {
        kernel_size: w.kernel[0],
        stride: w.stride[0],
        padding: w.padding[0],
        ceil_mode: p.ceil_mode,
        count_include_pad: p.count_include_pad,
      },
      flops: x[0] * x[1] * w.out[0] * (w.kernel[0] + 1),
      reduction: w.kernel[0],
    };
  },
};
