import { describe, expect, it } from 'vitest';
import { checkDType, getOp, planCall } from '../../../kernel-bridge/src/ops';
import { expectAbw, plan } from './plan-helpers';

describe('planCall', () => {
  it('returns resolved params, the plan and the inputs', () => {
    const r = plan('conv1d', [[1, 2, 8], [4, 2, 3]]);
    expect(r.params).toEqual({ stride: 1, padding: 0, dilation: 1, groups: 1 });
    expect(r.inputs.map((d) => d.name)).toEqual(['input', 'weight', 'bias']);
    expect(r.plan.outputs).toEqual([[1, 4, 6]]);
  });

  it('lets trailing optional inputs be left out, other omitted ones be null', () => {
    expect(plan('linear', [[3, 5], [7, 5]]).plan.outputs).toEqual([[3, 7]]);
    expect(plan('linear', [[3, 5], [7, 5], null]).plan.outputs).toEqual([[3, 7]]);
    expect(plan('batch_norm', [[2, 3, 4], [3], [3], null, [3]]).plan.outputs).toEqual([[2, 3, 4]]);
  });

  it('rejects a missing required input, naming it', () => {
    const err = expectAbw(() => plan('linear', [[3, 5]]), 'inputs.weight', 'ABW_EINVAL');
    expect(err.message).toContain('missing');
    expectAbw(() => plan('matmul', [[2, 3], null]), 'inputs.b');
    expectAbw(() => plan('concat', []), 'inputs.tensors[0]');
  });

  it('rejects too many inputs', () => {
    const err = expectAbw(() => plan('relu', [[2], [2]]), 'inputs', 'ABW_EINVAL');
    expect(err.message).toContain('at most 1');
    expect(plan('lstm', [[5, 2, 3], null, null, [16, 3], [16, 4]], { bias: false }).plan.outputs[0]).toEqual([5, 2, 4]);
    expectAbw(() => plan('lstm', [[5, 2, 3], null, null, [16, 3], [16, 4]]), 'inputs.bias_ih_l0');
    expectAbw(() => plan('lstm', [[5, 2, 3], null, null, [16, 3], [16, 4], [16], [16], [16]]), 'inputs');
  });

  it('expands variadic inputs', () => {
    const r = plan('concat', [[2, 3], [4, 3], [1, 3]]);
    expect(r.inputs.map((d) => d.name)).toEqual(['tensors[0]', 'tensors[1]', 'tensors[2]']);
    expect(r.plan.outputs).toEqual([[7, 3]]);
  });

  it('rejects malformed shapes', () => {
    expectAbw(() => plan('relu', [[2, 0]]), 'inputs.input', 'ABW_ESHAPE');
    expectAbw(() => plan('relu', [[2, 1.5]]), 'inputs.input');
    expectAbw(() => plan('relu', [[-1]]), 'inputs.input');
  });

  it('checks params before shapes', () => {
    expectAbw(() => planCall(getOp('conv1d'), [[1, 2, 8], [4, 2, 3]], { bogus: 1 }), 'params.bogus');
  });

  it('checks dtypes', () => {
    expect(checkDType(getOp('matmul'), 'tf32')).toBe('tf32');
    expectAbw(() => checkDType(getOp('relu'), 'tf32'), 'dtype', 'ABW_EDTYPE');
    expectAbw(() => checkDType(getOp('ternary_matmul'), 'f32'), 'dtype', 'ABW_EDTYPE');
  });
});
