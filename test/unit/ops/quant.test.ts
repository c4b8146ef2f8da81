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
