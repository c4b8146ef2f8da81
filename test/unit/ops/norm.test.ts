import { describe, expect, it } from 'vitest';
import { expectAbw, plan } from './plan-helpers';

describe('layer_norm', () => {
  it('normalises the trailing dims', () => {
    const r = plan('layer_norm', [[2, 5, 8], [8], [8]], { normalized_shape: 8 }).plan;
    expect(r.outputs).toEqual([[2, 5, 8]]);
    expect(r.native).toEqual({ normalized_shape: [8], eps: 1e-5 });
    expect(r.reduction).toBe(8);
    const two = plan('layer_norm', [[2, 5, 8], [5, 8]], { normalized_shape: [5, 8], eps: 1e-6 }).plan;
    expect(two.native).toEqual({ normalized_shape: [5, 8], eps: 1e-6 });
    expect(two.reduction).toBe(40);
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('layer_norm', [[2, 5, 8]], { normalized_shape: 5 }), 'params.normalized_shape', 'ABW_EINVAL');
    expectAbw(() => plan('layer_norm', [[8]], { normalized_shape: [2, 8] }), 'params.normalized_shape');
    expectAbw(() => plan('layer_norm', [[2, 5, 8], [5]], { normalized_shape: 8 }), 'inputs.weight', 'ABW_ESHAPE');
    expectAbw(() => plan('layer_norm', [[2, 5, 8], null, [5]], { normalized_shape: 8 }), 'inputs.bias');
    expectAbw(() => plan('layer_norm', [[2, 5, 8]], { normalized_shape: 8, eps: -1 }), 'params.eps');
    expectAbw(() => plan('layer_norm', [[2, 5, 8]], {}), 'params.normalized_shape');
  });
});

describe('batch_norm', () => {
  it('keeps the shape in inference mode', () => {
    const r = plan('batch_norm', [[4, 3, 10], [3], [3], [3], [3]]).plan;
    expect(r.outputs).toEqual([[4, 3, 10]]);
    expect(r.native).toEqual({ eps: 1e-5 });
    expect(plan('batch_norm', [[4, 3], [3], [3]]).plan.outputs).toEqual([[4, 3]]);
    expect(plan('batch_norm', [[4, 3, 5, 5], [3], [3]], { eps: 1e-3 }).plan.native).toEqual({ eps: 1e-3 });
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('batch_norm', [[4, 3, 10], [4], [3]]), 'inputs.running_mean', 'ABW_ESHAPE');
    expectAbw(() => plan('batch_norm', [[4, 3, 10], [3], [3], [2]]), 'inputs.weight');
    expectAbw(() => plan('batch_norm', [[4, 3, 10], [3]]), 'inputs.running_var', 'ABW_EINVAL');
    expectAbw(() => plan('batch_norm', [[4], [4], [4]]), 'inputs.input');
    expectAbw(() => plan('batch_norm', [[4, 3, 10], [3], [3]], { training: true }), 'params.training');
  });
});

describe('instance_norm', () => {
  it('normalises per (n, c) over the spatial dims', () => {
    const r = plan('instance_norm', [[2, 3, 10]]).plan;
    expect(r.outputs).toEqual([[2, 3, 10]]);
    expect(r.native).toEqual({ use_input_stats: true, eps: 1e-5, channels_last: false, activation: 'none' });
    expect(r.reduction).toBe(10);
    expect(plan('instance_norm', [[2, 3, 4, 5], null, null, [3], [3]]).plan.reduction).toBe(20);
    const stats = plan('instance_norm', [[2, 3, 10], [3], [3]], { use_input_stats: false }).plan;
    expect(stats.native).toEqual({ use_input_stats: false, eps: 1e-5, channels_last: false, activation: 'none' });
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('instance_norm', [[2, 3]]), 'inputs.input', 'ABW_ESHAPE');
    expectAbw(() => plan('instance_norm', [[2, 3, 1]]), 'inputs.input');
    expectAbw(() => plan('instance_norm', [[2, 3, 10]], { use_input_stats: false }), 'inputs.running_mean');
    expectAbw(() => plan('instance_norm', [[2, 3, 10], [3]], { use_input_stats: false }), 'inputs.running_var');
    expectAbw(() => plan('instance_norm', [[2, 3, 10], null, null, [4]]), 'inputs.weight');
  });

  it('channels_last: input [N, …spatial, C], statistics over the middle dims', () => {
    const r = plan('instance_norm', [[2, 4, 5, 3], null, null, [3], [3]], { channels_last: true }).plan;
    expect(r.outputs).toEqual([[2, 4, 5, 3]]);
    expect(r.native).toEqual({ use_input_stats: true, eps: 1e-5, channels_last: true, activation: 'none' });
    expect(r.reduction).toBe(20);
    expect(plan('instance_norm', [[2, 12, 3], [3], [3]], { channels_last: true, use_input_stats: false }).plan.reduction).toBe(1);
    const w = expectAbw(() => plan('instance_norm', [[2, 3, 10], null, null, [3]], { channels_last: true }), 'inputs.weight', 'ABW_ESHAPE');
    expect(w.message).toContain('C = the last input dim (channels_last)');
    const one = expectAbw(() => plan('instance_norm', [[2, 1, 3]], { channels_last: true }), 'inputs.input', 'ABW_ESHAPE');
    expect(one.message).toContain('more than 1 spatial element');
    const rank = expectAbw(() => plan('instance_norm', [[2, 3]], { channels_last: true }), 'inputs.input', 'ABW_ESHAPE');
    expect(rank.message).toContain('[N, …spatial, C] when channels_last');
  });

  it("activation: 'none' or 'gelu', after the affine", () => {
    const none = plan('instance_norm', [[2, 3, 10]]).plan;
    const gelu = plan('instance_norm', [[2, 3, 10]], { activation: 'gelu' }).plan;
    expect(gelu.native.activation).toBe('gelu');
    expect(gelu.flops).toBe(none.flops + 8 * 60);
    const relu = expectAbw(() => plan('instance_norm', [[2, 3, 10]], { activation: 'relu' }), 'params.activation', 'ABW_EINVAL');
    expect(relu.message).toContain("expected 'none' | 'gelu', got 'relu'");
  });
});

describe('group_norm', () => {
  it('normalises per (n, group)', () => {
    const r = plan('group_norm', [[2, 6, 10], [6], [6]], { num_groups: 3 }).plan;
    expect(r.outputs).toEqual([[2, 6, 10]]);
    expect(r.native).toEqual({ num_groups: 3, eps: 1e-5 });
    expect(r.reduction).toBe(20);
    expect(plan('group_norm', [[2, 6]], { num_groups: 6 }).plan.reduction).toBe(1);
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('group_norm', [[2, 6, 10]], { num_groups: 4 }), 'params.num_groups', 'ABW_EINVAL');
    expectAbw(() => plan('group_norm', [[2, 6, 10]], {}), 'params.num_groups');
    expectAbw(() => plan('group_norm', [[2, 6, 10], [3]], { num_groups: 3 }), 'inputs.weight', 'ABW_ESHAPE');
    expectAbw(() => plan('group_norm', [[6]], { num_groups: 3 }), 'inputs.input');
  });
});
