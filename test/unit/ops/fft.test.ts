import { describe, expect, it } from 'vitest';
import { expectAbw, outShapes, plan } from './plan-helpers';

describe('fft / ifft', () => {
  it('transform complex dims; n pads or truncates', () => {
    for (const op of ['fft', 'ifft']) {
      const r = plan(op, [[4, 16, 2]]).plan;
      expect(r.outputs).toEqual([[4, 16, 2]]);
      expect(r.native).toEqual({ n: 16, dim: 1, norm: 'backward' });
      expect(r.reduction).toBe(16);
      expect(r.flops).toBeCloseTo(4 * 5 * 16 * 4);
      expect(outShapes(op, [[4, 16, 2]], { n: 20 })).toEqual([[4, 20, 2]]);
      expect(outShapes(op, [[4, 16, 2]], { n: 8, dim: 0 })).toEqual([[8, 16, 2]]);
      expect(plan(op, [[4, 16, 2]], { dim: -2, norm: 'ortho' }).plan.native).toEqual({ n: 4, dim: 0, norm: 'ortho' });
      expect(plan(op, [[16, 2]], { norm: null }).plan.native).toEqual({ n: 16, dim: 0, norm: 'backward' });
    }
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('fft', [[4, 16]]), 'inputs.input', 'ABW_ESHAPE');
    expectAbw(() => plan('fft', [[2]]), 'inputs.input');
    // The trailing 2 is not a dim.
    expectAbw(() => plan('fft', [[4, 16, 2]], { dim: 2 }), 'params.dim', 'ABW_EINVAL');
    expectAbw(() => plan('fft', [[4, 16, 2]], { n: 0 }), 'params.n');
    expectAbw(() => plan('ifft', [[4, 16, 2]], { norm: 'none' }), 'params.norm');
  });
});

describe('rfft / irfft', () => {
  it('rfft gives ⌊n/2⌋+1 bins', () => {
    const r = plan('rfft', [[3, 16]]).plan;
    expect(r.outputs).toEqual([[3, 9, 2]]);
    expect(r.native).toEqual({ n: 16, dim: 1, norm: 'backward' });
    expect(outShapes('rfft', [[3, 16]], { n: 7 })).toEqual([[3, 4, 2]]);
    expect(outShapes('rfft', [[3, 16]], { dim: 0 })).toEqual([[2, 16, 2]]);
    expect(outShapes('rfft', [[1]])).toEqual([[1, 2]]);
  });

  it('irfft defaults n to 2·(m−1)', () => {
    const r = plan('irfft', [[3, 5, 2]]).plan;
    expect(r.outputs).toEqual([[3, 8]]);
    expect(r.native).toEqual({ n: 8, dim: 1, norm: 'backward' });
    expect(outShapes('irfft', [[3, 5, 2]], { n: 9 })).toEqual([[3, 9]]);
    expect(outShapes('irfft', [[3, 5, 2]], { n: 4 })).toEqual([[3, 4]]);
    expect(outShapes('irfft', [[3, 5, 2]], { dim: 0 })).toEqual([[4, 5]]);
    expect(plan('irfft', [[3, 5, 2]], { norm: 'forward' }).plan.native.norm).toBe('forward');
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('irfft', [[3, 1, 2]]), 'params.n', 'ABW_EINVAL');
    expectAbw(() => plan('irfft', [[3, 5]]), 'inputs.input', 'ABW_ESHAPE');
    expectAbw(() => plan('rfft', [[3, 16]], { dim: 2 }), 'params.dim');
    expectAbw(() => plan('rfft', [[]]), 'inputs.input');
  });
});
