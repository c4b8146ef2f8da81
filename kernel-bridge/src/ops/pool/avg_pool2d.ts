import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectRank } from '../op-errors';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { planWindows } from './pool-rules';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'normal' }, doc: '[N, C, H, W]' }];

export const avg_pool2d: OpSpec = {
  name: 'avg_pool2d',
  family: 'pool',
  summary: 'Mean over sliding 2-D windows',
  torch: 'torch.nn.functional.avg_pool2d',
  params: {
    kernel_size: { type: 'int|ints', min: 1, doc: 'int or [kh, kw]' },
    stride: { type: 'int|ints', default: null, nullable: true, min: 1, doc: 'int or [sh, sw]; null = kernel_size' },
    padding: { type: 'int|ints', default: 0, min: 0, doc: 'int or [ph, pw], both sides; ≤ kernel_size/2' },
    ceil_mode: { type: 'bool', default: false, doc: 'ceil instead of floor for the output size' },
    count_include_pad: { type: 'bool', default: true, doc: 'padding counts in the divisor' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'elementwise',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    expectRank('avg_pool2d', 'input', x, 4, '[N, C, H, W]');
    const w = planWindows('avg_pool2d', p, [x[2], x[3]]);
    const window = w.kernel[0] * w.kernel[1];
    return {
      outputs: [[x[0], x[1], w.out[0], w.out[1]]],
      native: {
        kernel_size: w.kernel,
        stride: w.stride,
        padding: w.padding,
        ceil_mode: p.ceil_mode,
        count_include_pad: p.count_include_pad,
      },
      flops: x[0] * x[1] * w.out[0] * w.out[1] * (window + 1),
      reduction: window,
    };
  },
};
