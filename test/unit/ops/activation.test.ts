import { describe, expect, it } from 'vitest';
import { expectAbw, outShapes, plan } from './plan-helpers';

describe('unary activations', () => {
  for (const op of ['relu', 'gelu', 'silu', 'elu', 'sigmoid', 'tanh']) {
    it(`${op} keeps the shape`, () => {
      expect(outShapes(op, [[2, 3, 5]])).toEqual([[2, 3, 5]]);
      expect(outShapes(op, [[7]])).toEqual([[7]]);
      expect(plan(op, [[2, 3, 5]]).plan.flops).toBeGreaterThanOrEqual(30);
      expectAbw(() => plan(op, [[2], [2]]), 'inputs');
      expectAbw(() => plan(op, [[2]], { inplace: false }), 'params.inplace', 'ABW_EINVAL');
    });
  }

  it('passes gelu approximate and elu alpha canonically', () => {
    expect(plan('gelu', [[4]]).plan.native).toEqual({ approximate: 'none' });
    expect(plan('gelu', [[4]], { approximate: 'tanh' }).plan.native).toEqual({ approximate: 'tanh' });
    expect(plan('elu', [[4]]).plan.native).toEqual({ alpha: 1 });
    expect(plan('elu', [[4]], { alpha: 0.5 }).plan.native).toEqual({ alpha: 0.5 });
    expect(plan('relu', [[4]]).plan.native).toEqual({});
    expectAbw(() => plan('gelu', [[4]], { approximate: 'erf' }), 'params.approximate');
    expectAbw(() => plan('elu', [[4]], { alpha: NaN }), 'params.alpha');
  });
});

describe('softmax', () => {
  it('resolves dim (default -1)', () => {
    const r = plan('softmax', [[2, 3, 5]]).plan;
    expect(r.outputs).toEqual([[2, 3, 5]]);
    expect(r.native).toEqual({ dim: 2 });
    expect(r.reduction).toBe(5);
    expect(plan('softmax', [[2, 3, 5]], { dim: 1 }).plan.native).toEqual({ dim: 1 });
    expect(plan('softmax', [[2, 3, 5]], { dim: -3 }).plan.reduction).toBe(2);
  });

  it('rejects an out-of-range dim', () => {
    expectAbw(() => plan('softmax', [[2, 3]], { dim: 2 }), 'params.dim', 'ABW_EINVAL');
    expectAbw(() => plan('softmax', [[2, 3]], { dim: -3 }), 'params.dim');
    expectAbw(() => plan('softmax', [[2, 3]], { dim: 0.5 }), 'params.dim');
    expectAbw(() => plan('softmax', [[]]), 'inputs.input', 'ABW_ESHAPE');
  });
});
