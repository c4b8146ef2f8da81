import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectRank } from '../op-errors';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { planWindows } from './pool-rules';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'normal' }, doc: '[N, C, H, W]' }];

export const max_pool2d: OpSpec = {
  name: 'max_pool2d',
  family: 'pool',
  summary: 'Max over sliding 2-D windows; padding acts as −∞',
  torch: 'torch.nn.functional.max_pool2d',
  params: {
    kernel_size: { type: 'int|ints', min: 1, doc: 'int or [kh, kw]' },
    stride: { type: 'int|ints', default: null, nullable: true, min: 1, doc: 'int or [sh, sw]; null = kernel_size' },
    padding: { type: 'int|ints', default: 0, min: 0, doc: 'int or [ph, pw], both sides; ≤ kernel_size/2' },
    dilation: { type: 'int|ints', default: 1, min: 1, doc: 'int or [dh, dw]' },
    ceil_mode: { type: 'bool', default: false, doc: 'ceil instead of floor for the output size' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'elementwise',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    expectRank('max_pool2d', 'input', x, 4, '[N, C, H, W]');
    const w = planWindows('max_pool2d', p, [x[2], x[3]]);
    const window = w.kernel[0] * w.kernel[1];
    return {
      outputs: [[x[0], x[1], w.out[0], w.out[1]]],
      native: { kernel_size: w.kernel, stride: w.stride, padding: w.padding, dilation: w.dilation, ceil_mode: p.ceil_mode },
      flops: x[0] * x[1] * w.out[0] * w.out[1] * window,
      reduction: window,
    };
  },
};
