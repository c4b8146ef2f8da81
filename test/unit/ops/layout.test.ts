import { describe, expect, it } from 'vitest';
import { expectAbw, outShapes, plan } from './plan-helpers';

describe('reshape', () => {
  it('infers one -1', () => {
    expect(plan('reshape', [[2, 3, 4]], { shape: [6, -1] }).plan.native).toEqual({ shape: [6, 4] });
    expect(outShapes('reshape', [[2, 3, 4]], { shape: [-1] })).toEqual([[24]]);
    expect(outShapes('reshape', [[2, 3, 4]], { shape: [4, 1, 6] })).toEqual([[4, 1, 6]]);
  });

  it('rejects bad shapes', () => {
    expectAbw(() => plan('reshape', [[2, 3, 4]], { shape: [5, -1] }), 'params.shape', 'ABW_EINVAL');
    expectAbw(() => plan('reshape', [[2, 3, 4]], { shape: [-1, -1] }), 'params.shape');
    expectAbw(() => plan('reshape', [[2, 3, 4]], { shape: [2, 3] }), 'params.shape');
    expectAbw(() => plan('reshape', [[2, 3, 4]], { shape: [-2, 12] }), 'params.shape[0]');
    expectAbw(() => plan('reshape', [[2, 3, 4]], {}), 'params.shape');
  });
});

describe('transpose / permute', () => {
  it('swaps and permutes dims, resolving negatives', () => {
    const t = plan('transpose', [[2, 3, 4]], { dim0: 0, dim1: -1 }).plan;
    expect(t.outputs).toEqual([[4, 3, 2]]);
    expect(t.native).toEqual({ dim0: 0, dim1: 2 });
    const p = plan('permute', [[2, 3, 4]], { dims: [2, 0, -2] }).plan;
    expect(p.outputs).toEqual([[4, 2, 3]]);
    expect(p.native).toEqual({ dims: [2, 0, 1] });
  });

  it('rejects bad dims', () => {
    expectAbw(() => plan('transpose', [[2, 3]], { dim0: 0, dim1: 2 }), 'params.dim1', 'ABW_EINVAL');
    expectAbw(() => plan('permute', [[2, 3, 4]], { dims: [0, 1] }), 'params.dims');
    expectAbw(() => plan('permute', [[2, 3, 4]], { dims: [0, 1, -3] }), 'params.dims');
    expectAbw(() => plan('permute', [[2, 3, 4]], { dims: [0, 1, 3] }), 'params.dims');
  });
});

describe('concat', () => {
  it('joins along dim', () => {
    expect(outShapes('concat', [[2, 3], [2, 5]], { dim: 1 })).toEqual([[2, 8]]);
    expect(outShapes('concat', [[2, 3], [2, 5]], { dim: -1 })).toEqual([[2, 8]]);
    expect(outShapes('concat', [[2, 3]])).toEqual([[2, 3]]);
    expect(plan('concat', [[2, 3], [4, 3]]).plan.native).toEqual({ dim: 0 });
  });

  it('rejects mismatches', () => {
    expectAbw(() => plan('concat', [[2, 3], [2, 5]]), 'inputs.tensors[1]', 'ABW_ESHAPE');
    expectAbw(() => plan('concat', [[2, 3], [2, 3], [2, 3, 1]], { dim: 1 }), 'inputs.tensors[2]');
    expectAbw(() => plan('concat', [[2, 3], [2, 3]], { dim: 2 }), 'params.dim');
  });
});

describe('pad', () => {
  it('pads from the last dim backwards', () => {
    const r = plan('pad', [[2, 3, 4]], { pad: [1, 2] }).plan;
    expect(r.outputs).toEqual([[2, 3, 7]]);
    expect(r.native).toEqual({ pad: [1, 2], mode: 'constant', value: 0 });
    expect(outShapes('pad', [[2, 3, 4]], { pad: [1, 1, 2, 0] })).toEqual([[2, 5, 6]]);
    expect(outShapes('pad', [[2, 3, 4]], { pad: [-1, -1], value: 3 })).toEqual([[2, 3, 2]]);
    expect(outShapes('pad', [[2, 3, 4]], { pad: [3, 3], mode: 'reflect' })).toEqual([[2, 3, 10]]);
    expect(outShapes('pad', [[2, 3, 4]], { pad: [5, 0, 1, 1], mode: 'replicate' })).toEqual([[2, 5, 9]]);
  });

  it('rejects bad pads', () => {
    expectAbw(() => plan('pad', [[2, 3, 4]], { pad: [1] }), 'params.pad', 'ABW_EINVAL');
    expectAbw(() => plan('pad', [[4]], { pad: [1, 1, 1, 1] }), 'params.pad');
    expectAbw(() => plan('pad', [[2, 3, 4]], { pad: [4, 0], mode: 'reflect' }), 'inputs.input', 'ABW_ESHAPE');
    expectAbw(() => plan('pad', [[2, 3, 4]], { pad: [1, 1], mode: 'circular' }), 'params.mode');
    expectAbw(() => plan('pad', [[2, 3, 4]], { pad: [1, 1], mode: 'reflect', value: 2 }), 'params.value');
    expectAbw(() => plan('pad', [[2, 3, 4]], { pad: [-1, 0], mode: 'replicate' }), 'params.pad');
    expectAbw(() => plan('pad', [[2, 3, 4]], { pad: [-3, -2] }), 'inputs.input');
    expectAbw(() => plan('pad', [[4]], { pad: [1, 1], mode: 'reflect' }), 'params.pad');
  });
});

describe('slice', () => {
  it('resolves Python-style start / end', () => {
    expect(plan('slice', [[10, 4]]).plan.native).toEqual({ dim: 0, start: 0, end: 10, step: 1 });
    expect(plan('slice', [[10, 4]], { start: 2, end: 8, step: 3 }).plan.outputs).toEqual([[2, 4]]);
    expect(plan('slice', [[10, 4]], { start: -3 }).plan.native).toEqual({ dim: 0, start: 7, end: 10, step: 1 });
    expect(plan('slice', [[10, 4]], { start: -30, end: 30 }).plan.native).toEqual({ dim: 0, start: 0, end: 10, step: 1 });
    expect(plan('slice', [[10, 4]], { start: 8, end: 2 }).plan.native).toEqual({ dim: 0, start: 8, end: 8, step: 1 });
    expect(plan('slice', [[10, 4]], { start: 8, end: 2 }).plan.outputs).toEqual([[0, 4]]);
    expect(plan('slice', [[10, 4]], { dim: -1, start: null, end: -1, step: 2 }).plan.native).toEqual({ dim: 1, start: 0, end: 3, step: 2 });
    expect(plan('slice', [[10, 4]], { dim: -1, end: -1, step: 2 }).plan.outputs).toEqual([[10, 2]]);
  });

  it('rejects bad params', () => {
    expectAbw(() => plan('slice', [[10]], { step: 0 }), 'params.step', 'ABW_EINVAL');
    expectAbw(() => plan('slice', [[10]], { step: -1 }), 'params.step');
    expectAbw(() => plan('slice', [[10]], { dim: 1 }), 'params.dim');
  });
});
