import { describe, expect, it } from 'vitest';
import { expectAbw, outShapes, plan } from './plan-helpers';

describe('conv1d', () => {
  it('follows the PyTorch output length formula', () => {
    expect(outShapes('conv1d', [[2, 4, 10], [8, 4, 3]])).toEqual([[2, 8, 8]]);
    expect(outShapes('conv1d', [[2, 4, 10], [8, 4, 3]], { stride: 2, padding: 1 })).toEqual([[2, 8, 5]]);
    expect(outShapes('conv1d', [[1, 4, 10], [8, 2, 3]], { groups: 2, dilation: 2 })).toEqual([[1, 8, 6]]);
    expect(outShapes('conv1d', [[1, 4, 10], [8, 4, 3]], { stride: [3], padding: [2] })).toEqual([[1, 8, 4]]);
    expect(outShapes('conv1d', [[1, 4, 10], [8, 4, 10]], { padding: 'valid' })).toEqual([[1, 8, 1]]);
  });

  it("resolves 'same' padding, the odd element on the right", () => {
    const even = plan('conv1d', [[1, 2, 10], [3, 2, 4]], { padding: 'same' }).plan;
    expect(even.outputs).toEqual([[1, 3, 10]]);
    expect(even.native).toEqual({ stride: 1, padding: [1, 2], dilation: 1, groups: 1 });
    const dil = plan('conv1d', [[1, 2, 10], [3, 2, 4]], { padding: 'same', dilation: 2 }).plan;
    expect(dil.native.padding).toEqual([3, 3]);
    expect(dil.outputs).toEqual([[1, 3, 10]]);
    expect(plan('conv1d', [[1, 2, 10], [3, 2, 5]], { padding: 'same' }).plan.native.padding).toEqual([2, 2]);
    expect(plan('conv1d', [[1, 2, 10], [3, 2, 3]], { padding: 2 }).plan.native.padding).toEqual([2, 2]);
  });

  it('plans flops and reduction', () => {
    const r = plan('conv1d', [[2, 4, 10], [8, 2, 3], [8]], { groups: 2 }).plan;
    expect(r.reduction).toBe(6);
    expect(r.flops).toBe(2 * 2 * 8 * 8 * 6 + 2 * 8 * 8);
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('conv1d', [[4, 10], [8, 4, 3]]), 'inputs.input', 'ABW_ESHAPE');
    expectAbw(() => plan('conv1d', [[1, 4, 10], [8, 3, 3]]), 'inputs.weight', 'ABW_ESHAPE');
    expectAbw(() => plan('conv1d', [[1, 4, 10], [8, 4, 3], [4]]), 'inputs.bias', 'ABW_ESHAPE');
    expectAbw(() => plan('conv1d', [[1, 4, 10], [8, 1, 3]], { groups: 3 }), 'params.groups', 'ABW_EINVAL');
    expectAbw(() => plan('conv1d', [[1, 4, 10], [6, 1, 3]], { groups: 4 }), 'params.groups');
    expectAbw(() => plan('conv1d', [[1, 4, 10], [8, 4, 3]], { padding: 'same', stride: 2 }), 'params.padding');
    expectAbw(() => plan('conv1d', [[1, 4, 2], [8, 4, 3]]), 'inputs.input', 'ABW_ESHAPE');
    expectAbw(() => plan('conv1d', [[1, 4, 10], [8, 4, 3]], { stride: [1, 1] }), 'params.stride');
    expectAbw(() => plan('conv1d', [[1, 4, 10], [8, 4, 3]], { kernel: 3 }), 'params.kernel');
    expectAbw(() => plan('conv1d', [[1, 4, 10], [8, 4, 3]], { stride: NaN }), 'params.stride');
    expectAbw(() => plan('conv1d', [[1, 4, 10]]), 'inputs.weight', 'ABW_EINVAL');
    expectAbw(() => plan('conv1d', [[1, 4, 10], [8, 4, 3], [8], [8]]), 'inputs');
  });
});

describe('conv2d', () => {
  it('follows the PyTorch output size formula per dim', () => {
    expect(outShapes('conv2d', [[1, 3, 32, 20], [16, 3, 3, 5]])).toEqual([[1, 16, 30, 16]]);
    expect(outShapes('conv2d', [[1, 3, 32, 20], [16, 3, 3, 5]], { stride: [2, 1], padding: [1, 2], dilation: [1, 2] })).toEqual([
      [1, 16, 16, 16],
    ]);
    expect(outShapes('conv2d', [[1, 4, 9, 9], [4, 1, 3, 3]], { groups: 4, stride: 2 })).toEqual([[1, 4, 4, 4]]);
  });

  it("resolves 'same' padding for even kernels: extra on bottom and right", () => {
    const r = plan('conv2d', [[1, 2, 7, 8], [3, 2, 2, 4]], { padding: 'same' }).plan;
    expect(r.outputs).toEqual([[1, 3, 7, 8]]);
    expect(r.native).toEqual({ stride: [1, 1], padding: [0, 1, 1, 2], dilation: [1, 1], groups: 1, channels_last: false });
    expect(plan('conv2d', [[1, 2, 7, 8], [3, 2, 3, 3]], { padding: 1 }).plan.native.padding).toEqual([1, 1, 1, 1]);
    expect(plan('conv2d', [[1, 2, 7, 8], [3, 2, 3, 3]], { padding: [1, 0] }).plan.native.padding).toEqual([1, 1, 0, 0]);
    expect(plan('conv2d', [[1, 2, 7, 8], [3, 2, 3, 3]], { padding: 'valid' }).plan.outputs).toEqual([[1, 3, 5, 6]]);
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('conv2d', [[1, 3, 32], [16, 3, 3, 3]]), 'inputs.input');
    expectAbw(() => plan('conv2d', [[1, 3, 32, 32], [16, 3, 3]]), 'inputs.weight');
    expectAbw(() => plan('conv2d', [[1, 3, 32, 32], [16, 3, 3, 3]], { stride: [1, 2, 3] }), 'params.stride');
    expectAbw(() => plan('conv2d', [[1, 3, 32, 32], [16, 3, 3, 3]], { padding: 'same', stride: [1, 2] }), 'params.padding');
    expectAbw(() => plan('conv2d', [[1, 6, 32, 32], [16, 3, 3, 3]], { groups: 4 }), 'params.groups');
    expectAbw(() => plan('conv2d', [[1, 3, 2, 32], [16, 3, 3, 3]]), 'inputs.input');
  });

  describe('channels_last', () => {
    it('takes [N, H, W, Cin] and [Cout, kH, kW, Cin/groups] and gives [N, Hout, Wout, Cout]', () => {
      const r = plan('conv2d', [[2, 32, 20, 3], [16, 3, 5, 3], [16]], { channels_last: true, stride: [2, 1], padding: [1, 2], dilation: [1, 2] }).plan;
      expect(r.outputs).toEqual([[2, 16, 16, 16]]);
      expect(r.native).toEqual({ stride: [2, 1], padding: [1, 1, 2, 2], dilation: [1, 2], groups: 1, channels_last: true });
      // The same call in NCHW: same canonical params but the flag, same flops and reduction.
      const cf = plan('conv2d', [[2, 3, 32, 20], [16, 3, 3, 5], [16]], { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }).plan;
      expect(cf.outputs).toEqual([[2, 16, 16, 16]]);
      expect({ ...cf.native, channels_last: true }).toEqual(r.native);
      expect([cf.flops, cf.reduction]).toEqual([r.flops, r.reduction]);
      expect(outShapes('conv2d', [[1, 9, 9, 4], [4, 3, 3, 1]], { channels_last: true, groups: 4, stride: 2 })).toEqual([[1, 4, 4, 4]]);
    });

    it("resolves 'same' padding on the [H, W] dims (extra on bottom and right)", () => {
      const r = plan('conv2d', [[1, 7, 8, 2], [3, 2, 4, 2]], { channels_last: true, padding: 'same' }).plan;
      expect(r.outputs).toEqual([[1, 7, 8, 3]]);
      expect(r.native.padding).toEqual([0, 1, 1, 2]);
    });

    it('rejects bad input, naming the field and the channels_last layout', () => {
      const cl = { channels_last: true };
      const rank = expectAbw(() => plan('conv2d', [[1, 8, 8, 4], [6, 3, 3]], cl), 'inputs.weight', 'ABW_ESHAPE');
      expect(rank.message).toContain('[Cout, kH, kW, Cin/groups] when channels_last');
      // An NCHW-shaped weight under channels_last: dim 3 is kW, not Cin/groups.
      const nchw = expectAbw(() => plan('conv2d', [[1, 8, 8, 4], [6, 4, 3, 3]], cl), 'inputs.weight', 'ABW_ESHAPE');
      expect(nchw.message).toContain('expected dim 3 = in_channels/groups = 4/1 = 4 (weight [Cout, kH, kW, Cin/groups] when channels_last)');
      const input = expectAbw(() => plan('conv2d', [[1, 8, 8], [6, 3, 3, 4]], cl), 'inputs.input', 'ABW_ESHAPE');
      expect(input.message).toContain('[N, H, W, Cin] when channels_last');
      expectAbw(() => plan('conv2d', [[1, 8, 8, 4], [6, 3, 3, 2]], { ...cl, groups: 3 }), 'params.groups', 'ABW_EINVAL');
      expectAbw(() => plan('conv2d', [[1, 8, 8, 4], [6, 3, 3, 4], [4]], cl), 'inputs.bias', 'ABW_ESHAPE');
      const small = expectAbw(() => plan('conv2d', [[1, 2, 8, 4], [6, 3, 3, 4]], cl), 'inputs.input', 'ABW_ESHAPE');
      expect(small.message).toContain('height 2 when channels_last');
      expectAbw(() => plan('conv2d', [[1, 8, 8, 4], [6, 3, 3, 4]], { channels_last: 1 }), 'params.channels_last', 'ABW_EINVAL');
    });
  });
});

describe('conv_transpose1d', () => {
  it('follows (L−1)·s − 2p + d·(K−1) + output_padding + 1', () => {
    expect(outShapes('conv_transpose1d', [[2, 4, 5], [4, 6, 3]])).toEqual([[2, 6, 7]]);
    expect(outShapes('conv_transpose1d', [[2, 4, 5], [4, 6, 3]], { stride: 2, padding: 1, output_padding: 1 })).toEqual([[2, 6, 10]]);
    expect(outShapes('conv_transpose1d', [[1, 4, 5], [4, 3, 3]], { groups: 2 })).toEqual([[1, 6, 7]]);
    expect(outShapes('conv_transpose1d', [[1, 4, 5], [4, 3, 3]], { dilation: 2, output_padding: 1 })).toEqual([[1, 3, 10]]);
    const r = plan('conv_transpose1d', [[1, 4, 5], [4, 3, 3], [6]], { groups: 2, stride: [2] }).plan;
    expect(r.native).toEqual({ stride: 2, padding: 0, output_padding: 0, groups: 2, dilation: 1 });
    expect(r.reduction).toBe(6);
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('conv_transpose1d', [[1, 4, 5], [4, 3, 3]], { stride: 2, output_padding: 2 }), 'params.output_padding');
    expectAbw(() => plan('conv_transpose1d', [[1, 4, 5], [4, 3, 3]], { output_padding: 1 }), 'params.output_padding');
    expectAbw(() => plan('conv_transpose1d', [[1, 4, 5], [3, 3, 3]]), 'inputs.weight', 'ABW_ESHAPE');
    expectAbw(() => plan('conv_transpose1d', [[1, 4, 5], [4, 3, 3]], { groups: 3 }), 'params.groups');
    expectAbw(() => plan('conv_transpose1d', [[1, 4, 5], [4, 3, 3], [4]]), 'inputs.bias');
    expectAbw(() => plan('conv_transpose1d', [[1, 4, 1], [4, 3, 1]], { padding: 1 }), 'inputs.input');
  });
});
