import { describe, expect, it } from 'vitest';
import { expectAbw, outShapes, plan } from './plan-helpers';

describe('add / mul', () => {
  it('broadcast like PyTorch', () => {
    for (const op of ['add', 'mul']) {
      expect(outShapes(op, [[2, 3], [2, 3]])).toEqual([[2, 3]]);
      expect(outShapes(op, [[2, 1, 4], [3, 1]])).toEqual([[2, 3, 4]]);
      expect(outShapes(op, [[5], [4, 1]])).toEqual([[4, 5]]);
      expect(outShapes(op, [[], [2, 2]])).toEqual([[2, 2]]);
      expectAbw(() => plan(op, [[2, 3], [4, 3]]), 'inputs.other', 'ABW_ESHAPE');
      expectAbw(() => plan(op, [[2, 3]]), 'inputs.other', 'ABW_EINVAL');
    }
    expect(plan('add', [[2], [2]]).plan.native).toEqual({ alpha: 1 });
    expect(plan('add', [[2], [2]], { alpha: -0.5 }).plan.native).toEqual({ alpha: -0.5 });
    expect(plan('mul', [[2], [2]]).plan.native).toEqual({});
    expectAbw(() => plan('add', [[2], [2]], { alpha: Infinity }), 'params.alpha');
  });
});

describe('add_bias', () => {
  it('adds along dim', () => {
    const r = plan('add_bias', [[2, 3, 5], [3]]).plan;
    expect(r.outputs).toEqual([[2, 3, 5]]);
    expect(r.native).toEqual({ dim: 1 });
    expect(plan('add_bias', [[2, 3, 5], [5]], { dim: -1 }).plan.native).toEqual({ dim: 2 });
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('add_bias', [[2, 3, 5], [5]]), 'inputs.bias', 'ABW_ESHAPE');
    expectAbw(() => plan('add_bias', [[2, 3, 5], [3, 1]]), 'inputs.bias');
    expectAbw(() => plan('add_bias', [[5], [5]]), 'params.dim', 'ABW_EINVAL');
  });
});

describe('complex_mul', () => {
  it('broadcasts over the complex dims', () => {
    expect(outShapes('complex_mul', [[4, 3, 2], [4, 3, 2]])).toEqual([[4, 3, 2]]);
    expect(outShapes('complex_mul', [[4, 1, 2], [5, 2]])).toEqual([[4, 5, 2]]);
    expect(outShapes('complex_mul', [[2], [3, 2]])).toEqual([[3, 2]]);
    expect(plan('complex_mul', [[4, 3, 2], [4, 3, 2]]).plan.flops).toBe(72);
  });

  it('rejects non-complex or mismatched input', () => {
    expectAbw(() => plan('complex_mul', [[4, 3], [4, 3, 2]]), 'inputs.a', 'ABW_ESHAPE');
    expectAbw(() => plan('complex_mul', [[4, 2], [3, 2]]), 'inputs.b');
  });
});
