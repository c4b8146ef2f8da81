import { describe, expect, it } from 'vitest';
import { generateInputs } from '../../../kernel-bridge/src/ops/generate';
import { getOp } from '../../../kernel-bridge/src/ops';
import { expectAbw, plan } from './plan-helpers';

describe('argmax', () => {
  it('drops dim (or keeps it as 1) and returns int32 indices', () => {
    const r = plan('argmax', [[4, 8, 32]]).plan;
    expect(r.outputs).toEqual([[4, 8]]);
    expect(r.native).toEqual({ dim: 2, keepdim: false });
    expect(r.reduction).toBe(32);
    expect(plan('argmax', [[4, 8, 32]], { dim: 1, keepdim: true }).plan.outputs).toEqual([[4, 1, 32]]);
    expect(plan('argmax', [[4, 8, 32]], { dim: -3 }).plan.native).toEqual({ dim: 0, keepdim: false });
    expect(plan('argmax', [[7]]).plan.outputs).toEqual([[]]);
    expect(getOp('argmax').outputs[0].kind).toBe('int32');
  });

  it('rejects bad dims, params and inputs, naming the field', () => {
    expect(expectAbw(() => plan('argmax', [[4, 8]], { dim: 2 }), 'params.dim', 'ABW_EINVAL').message).toContain('[argmax] params.dim');
    expectAbw(() => plan('argmax', [[4, 8]], { keepdim: 1 }), 'params.keepdim', 'ABW_EINVAL');
    expectAbw(() => plan('argmax', [[]]), 'inputs.x', 'ABW_ESHAPE');
    expectAbw(() => plan('argmax', [[4, 0]]), 'inputs.x', 'ABW_ESHAPE');
  });

  it('generates inputs on a coarse grid, so rows share their maximum now and then', () => {
    const [x] = generateInputs(getOp('argmax'), [[64, 64]], {}, 3) as [Float64Array];
    for (const v of x) expect(Number.isInteger(v * 8)).toBe(true);
    let tied = 0;
    for (let r = 0; r < 64; r++) {
      const row = x.subarray(r * 64, (r + 1) * 64);
      const m = Math.max(...row);
      if (row.filter((v) => v === m).length > 1) tied++;
    }
    expect(tied).toBeGreaterThan(0);
    expect(tied).toBeLessThan(64);
  });
});

describe('index_select', () => {
  it("gives x with dim's size K", () => {
    const r = plan('index_select', [[16, 8], [5]]).plan;
    expect(r.outputs).toEqual([[5, 8]]);
    expect(r.native).toEqual({ dim: 0 });
    expect(plan('index_select', [[2, 3, 8], [4]], { dim: -2 }).plan.outputs).toEqual([[2, 4, 8]]);
    expect(getOp('index_select').inputs({})[1].kind).toBe('int32');
  });

  it('rejects bad dims and index shapes, naming the field', () => {
    expect(expectAbw(() => plan('index_select', [[4, 8], [2]], { dim: 2 }), 'params.dim', 'ABW_EINVAL').message).toContain('[index_select] params.dim');
    expectAbw(() => plan('index_select', [[4, 8], [2, 1]]), 'inputs.index', 'ABW_ESHAPE');
    expectAbw(() => plan('index_select', [[4, 8], []]), 'inputs.index', 'ABW_ESHAPE');
    expectAbw(() => plan('index_select', [[], [2]]), 'inputs.x', 'ABW_ESHAPE');
    expectAbw(() => plan('index_select', [[4, 8], [0]]), 'inputs.index', 'ABW_ESHAPE');
    expectAbw(() => plan('index_select', [[4, 8]]), 'inputs.index', 'ABW_EINVAL');
  });

  it('generates int32 indices in range along dim', () => {
    const [, idx] = generateInputs(getOp('index_select'), [[3, 7, 5], [200]], { dim: 1 }, 5) as [Float64Array, Int32Array];
    expect(idx).toBeInstanceOf(Int32Array);
    expect(Math.min(...idx)).toBe(0);
    expect(Math.max(...idx)).toBe(6);
    const [, one] = generateInputs(getOp('index_select'), [[1, 4], [6]], {}, 5) as [Float64Array, Int32Array];
    expect(Array.from(one)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
