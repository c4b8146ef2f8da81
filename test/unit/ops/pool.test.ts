import { describe, expect, it } from 'vitest';
import { expectAbw, outShapes, plan } from './plan-helpers';

describe('max_pool1d / avg_pool1d', () => {
  it('follows floor and ceil_mode output sizes', () => {
    for (const op of ['max_pool1d', 'avg_pool1d']) {
      expect(outShapes(op, [[2, 3, 10]], { kernel_size: 3 })).toEqual([[2, 3, 3]]);
      expect(outShapes(op, [[2, 3, 10]], { kernel_size: 3, stride: 2 })).toEqual([[2, 3, 4]]);
      expect(outShapes(op, [[2, 3, 10]], { kernel_size: 3, stride: 2, ceil_mode: true })).toEqual([[2, 3, 5]]);
      expect(outShapes(op, [[1, 1, 10]], { kernel_size: 3, stride: 3, ceil_mode: true })).toEqual([[1, 1, 4]]);
      // The last ceil window would start in the right padding: dropped.
      expect(outShapes(op, [[1, 1, 5]], { kernel_size: 2, stride: 2, padding: 1, ceil_mode: true })).toEqual([[1, 1, 3]]);
      expect(outShapes(op, [[1, 1, 5]], { kernel_size: 2, stride: 2, padding: 1 })).toEqual([[1, 1, 3]]);
      expect(outShapes(op, [[1, 1, 6]], { kernel_size: 2, stride: 2, padding: 1, ceil_mode: true })).toEqual([[1, 1, 4]]);
    }
    expect(outShapes('max_pool1d', [[1, 1, 10]], { kernel_size: 3, dilation: 2 })).toEqual([[1, 1, 2]]);
  });

  it('plans canonical params', () => {
    expect(plan('max_pool1d', [[1, 1, 10]], { kernel_size: [3] }).plan.native).toEqual({
      kernel_size: 3,
      stride: 3,
      padding: 0,
      dilation: 1,
      ceil_mode: false,
    });
    const avg = plan('avg_pool1d', [[1, 1, 10]], { kernel_size: 4, stride: 2, padding: 2, count_include_pad: false }).plan;
    expect(avg.native).toEqual({ kernel_size: 4, stride: 2, padding: 2, ceil_mode: false, count_include_pad: false });
    expect(avg.reduction).toBe(4);
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('max_pool1d', [[1, 10]], { kernel_size: 2 }), 'inputs.input', 'ABW_ESHAPE');
    expectAbw(() => plan('max_pool1d', [[1, 1, 10]], { kernel_size: 3, padding: 2 }), 'params.padding', 'ABW_EINVAL');
    expectAbw(() => plan('max_pool1d', [[1, 1, 2]], { kernel_size: 3 }), 'inputs.input');
    expectAbw(() => plan('max_pool1d', [[1, 1, 10]], {}), 'params.kernel_size');
    expectAbw(() => plan('max_pool1d', [[1, 1, 10]], { kernel_size: 0 }), 'params.kernel_size');
    expectAbw(() => plan('avg_pool1d', [[1, 1, 10]], { kernel_size: 3, dilation: 2 }), 'params.dilation');
    expectAbw(() => plan('avg_pool1d', [[1, 1, 10]], { kernel_size: 3, ceil_mode: 'yes' }), 'params.ceil_mode');
  });
});

describe('max_pool2d / avg_pool2d', () => {
  it('applies the rule per dim', () => {
    for (const op of ['max_pool2d', 'avg_pool2d']) {
      expect(outShapes(op, [[1, 2, 10, 7]], { kernel_size: 2 })).toEqual([[1, 2, 5, 3]]);
      expect(outShapes(op, [[1, 2, 10, 7]], { kernel_size: 2, ceil_mode: true })).toEqual([[1, 2, 5, 4]]);
      expect(outShapes(op, [[1, 2, 10, 7]], { kernel_size: [3, 2], stride: [1, 2], padding: [1, 0] })).toEqual([[1, 2, 10, 3]]);
    }
    const r = plan('max_pool2d', [[1, 2, 10, 7]], { kernel_size: [3, 2], dilation: [2, 1] }).plan;
    expect(r.native).toEqual({ kernel_size: [3, 2], stride: [3, 2], padding: [0, 0], dilation: [2, 1], ceil_mode: false });
    expect(r.outputs).toEqual([[1, 2, 2, 3]]);
    expect(r.reduction).toBe(6);
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('max_pool2d', [[1, 2, 10]], { kernel_size: 2 }), 'inputs.input');
    expectAbw(() => plan('max_pool2d', [[1, 2, 10, 7]], { kernel_size: [2, 2, 2] }), 'params.kernel_size');
    expectAbw(() => plan('avg_pool2d', [[1, 2, 10, 7]], { kernel_size: [2, 4], padding: [1, 3] }), 'params.padding');
    expectAbw(() => plan('avg_pool2d', [[1, 2, 10, 7]], { kernel_size: 2, divisor_override: 3 }), 'params.divisor_override');
  });
});
