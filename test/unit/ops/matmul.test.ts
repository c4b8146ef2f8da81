import { describe, expect, it } from 'vitest';
import { expectAbw, outShapes, plan } from './plan-helpers';

describe('matmul', () => {
  it('follows torch.matmul shapes with broadcast batch dims', () => {
    expect(outShapes('matmul', [[3, 4], [4, 5]])).toEqual([[3, 5]]);
    expect(outShapes('matmul', [[2, 1, 3, 4], [7, 4, 5]])).toEqual([[2, 7, 3, 5]]);
    expect(outShapes('matmul', [[4, 3], [4, 5]], { transpose_a: true })).toEqual([[3, 5]]);
    expect(outShapes('matmul', [[3, 4], [5, 4]], { transpose_b: true })).toEqual([[3, 5]]);
    expect(outShapes('matmul', [[6, 4, 3], [5, 4]], { transpose_a: true, transpose_b: true })).toEqual([[6, 3, 5]]);
  });

  it('plans canonical params, flops and reduction', () => {
    const r = plan('matmul', [[2, 3, 4], [4, 5]]).plan;
    expect(r.native).toEqual({ transpose_a: false, transpose_b: false });
    expect(r.flops).toBe(2 * 2 * 3 * 5 * 4);
    expect(r.reduction).toBe(4);
  });

  it('rejects bad shapes', () => {
    expectAbw(() => plan('matmul', [[4], [4, 5]]), 'inputs.a', 'ABW_ESHAPE');
    expectAbw(() => plan('matmul', [[3, 4], [5]]), 'inputs.b', 'ABW_ESHAPE');
    expectAbw(() => plan('matmul', [[3, 4], [3, 5]]), 'inputs.b', 'ABW_ESHAPE');
    expectAbw(() => plan('matmul', [[2, 3, 4], [3, 4, 5]]), 'inputs.b', 'ABW_ESHAPE');
    expectAbw(() => plan('matmul', [[3, 4], [4, 5]], { transpose_a: 'yes' }), 'params.transpose_a', 'ABW_EINVAL');
  });
});

describe('linear', () => {
  it('maps the last dim', () => {
    expect(outShapes('linear', [[8, 16], [32, 16]])).toEqual([[8, 32]]);
    expect(outShapes('linear', [[2, 3, 16], [32, 16], [32]])).toEqual([[2, 3, 32]]);
    expect(outShapes('linear', [[16], [32, 16]])).toEqual([[32]]);
    const r = plan('linear', [[8, 16], [32, 16], [32]]).plan;
    expect(r.native).toEqual({});
    expect(r.reduction).toBe(16);
    expect(r.flops).toBe(2 * 8 * 32 * 16 + 8 * 32);
  });

  it('rejects bad shapes', () => {
    expectAbw(() => plan('linear', [[8, 16], [32, 15]]), 'inputs.weight', 'ABW_ESHAPE');
    expectAbw(() => plan('linear', [[8, 16], [32, 16, 1]]), 'inputs.weight');
    expectAbw(() => plan('linear', [[8, 16], [32, 16], [31]]), 'inputs.bias');
    expectAbw(() => plan('linear', [[8, 16], [32, 16]], { bias: true }), 'params.bias', 'ABW_EINVAL');
  });
});
