import { describe, expect, it } from 'vitest';
import { expectAbw, plan } from './plan-helpers';

describe('quantize_ternary', () => {
  it('gives int8 q of the same shape and a scalar scale', () => {
    const r = plan('quantize_ternary', [[64, 32]]).plan;
    expect(r.outputs).toEqual([[64, 32], []]);
    expect(r.native).toEqual({});
  });
});

describe('quantize_int8', () => {
  it('keeps dim as 1 in the scale', () => {
    const r = plan('quantize_int8', [[4, 8, 32]]).plan;
    expect(r.outputs).toEqual([[4, 8, 32], [4, 8, 1]]);
    expect(r.native).toEqual({ dim: 2 });
    expect(plan('quantize_int8', [[4, 8, 32]], { dim: 1 }).plan.outputs).toEqual([[4, 8, 32], [4, 1, 32]]);
    expect(plan('quantize_int8', [[4, 8, 32]], { dim: -3 }).plan.native).toEqual({ dim: 0 });
  });

  it('rejects bad dims', () => {
    expectAbw(() => plan('quantize_int8', [[4, 8]], { dim: 2 }), 'params.dim', 'ABW_EINVAL');
    expectAbw(() => plan('quantize_int8', [[]]), 'inputs.x', 'ABW_ESHAPE');
  });
});

describe('ternary_matmul', () => {
  it('gives int32 [..., N]', () => {
    const r = plan('ternary_matmul', [[2, 5, 64], [16, 64]]).plan;
    expect(r.outputs).toEqual([[2, 5, 16]]);
    expect(r.flops).toBe(2 * 10 * 16 * 64);
    expect(r.reduction).toBe(64);
    expect(plan('ternary_matmul', [[64], [16, 64]]).plan.outputs).toEqual([[16]]);
  });

  it('rejects bad shapes', () => {
    expectAbw(() => plan('ternary_matmul', [[2, 64], [16, 63]]), 'inputs.wq', 'ABW_ESHAPE');
    expectAbw(() => plan('ternary_matmul', [[2, 64], [64]]), 'inputs.wq');
  });
});

describe('dequantize_int32', () => {
  it('gives a float [..., N] of acc’s shape, the scale broadcast along dim', () => {
    const r = plan('dequantize_int32', [[4, 16], [4, 1]], { weight_scale: 0.02 });
    expect(r.plan.outputs).toEqual([[4, 16]]);
    expect(r.plan.native).toEqual({ dim: 1, weight_scale: 0.02 });
    expect(r.plan.flops).toBe(2 * 64);
    expect(plan('dequantize_int32', [[2, 5, 8], [2, 1, 8]], { dim: -2 }).plan.native).toEqual({ dim: 1, weight_scale: 1 });
    expect(r.inputs.map((d) => d.kind)).toEqual(['int32', 'wide']);
  });

  it('takes the scale exactly as quantize_int8 gives it for the same dim', () => {
    const q = plan('quantize_int8', [[3, 7, 32]], { dim: 1 }).plan.outputs[1];
    expect(plan('dequantize_int32', [[3, 7, 32], q], { dim: 1 }).plan.outputs).toEqual([[3, 7, 32]]);
  });

  it('rejects a weight_scale that is not a positive finite f32, naming the field', () => {
    for (const bad of [0, -0.5, -1e-30, 1e300, 1e-50]) {
      const e = expectAbw(() => plan('dequantize_int32', [[4, 16], [4, 1]], { weight_scale: bad }), 'params.weight_scale', 'ABW_EINVAL');
      expect(e.message).toContain('[dequantize_int32] params.weight_scale');
      expect(e.message).toContain('> 0');
    }
    expectAbw(() => plan('dequantize_int32', [[4, 16], [4, 1]], { weight_scale: Number.NaN }), 'params.weight_scale', 'ABW_EINVAL');
    expectAbw(() => plan('dequantize_int32', [[4, 16], [4, 1]], { weight_scale: Infinity }), 'params.weight_scale', 'ABW_EINVAL');
    expectAbw(() => plan('dequantize_int32', [[4, 16], [4, 1]], { weight_scale: '1' }), 'params.weight_scale', 'ABW_EINVAL');
  });

  it('rejects scales of the wrong shape and bad dims', () => {
    const e = expectAbw(() => plan('dequantize_int32', [[4, 16], [1, 16]]), 'inputs.scale', 'ABW_ESHAPE');
    expect(e.message).toContain('[4, 1]');
    expectAbw(() => plan('dequantize_int32', [[4, 16], [4]]), 'inputs.scale', 'ABW_ESHAPE');
    expectAbw(() => plan('dequantize_int32', [[4, 16], [4, 1]], { dim: 2 }), 'params.dim', 'ABW_EINVAL');
    expectAbw(() => plan('dequantize_int32', [[4, 16]]), 'inputs.scale', 'ABW_EINVAL');
  });
});
