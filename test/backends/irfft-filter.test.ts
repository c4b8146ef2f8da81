// irfft's `filter` input: irfft(input · filter), the filter broadcast over the input's leading
// dims (fftconv's spectral product inside the inverse's own pass). ref equals complex_mul then
// irfft to rounding; cpu agrees with ref within f32 rounding, over the last dim and a middle one,
// with zero-padded and truncated bins; a filter whose dims are not the input's trailing ones is
// refused naming the input; backends without the variant refuse it with a reason.
import { describe, expect, it } from 'vitest';

import { getBackend, runOp } from '../../kernel-bridge/src/backend';
import type { ComputeDType } from '../../kernel-bridge/src/backend/types';
import { inputVariantRefusal } from '../../kernel-bridge/src/backend/variant-support';
import { getOp } from '../../kernel-bridge/src/ops/catalogue';
import { planCall } from '../../kernel-bridge/src/ops/plan-call';
import { tensorValues } from '../../kernel-bridge/src/precision/dtype-values';
import type { Shape } from '../../kernel-bridge/src/tensor';
import { normalTensor as normal } from '../helpers/seeded-tensors';

const ref = getBackend('ref');
const cpu = getBackend('cpu');

// [input shape (complex, trailing 2), filter shape, dim, n]
const CASES: [Shape, Shape, number, number][] = [
  [[1, 4, 33, 2], [4, 33, 2], 2, 64], // fftconv's band: [1, C, n/2+1] by [C, n/2+1]
  [[3, 17, 2], [17, 2], 1, 40], // zero-padded bins (m = 17 < n/2 + 1 = 21), one filter row for all
  [[2, 12, 2], [2, 12, 2], 1, 15], // truncated (m = 12 > n/2 + 1 = 8), odd n
  [[2, 9, 3, 2], [9, 3, 2], 1, 16], // over a middle dim
  [[2, 9, 3, 2], [3, 2], 1, 16], // broadcast along the transformed dim too
];

const maxAbs = (v: Float64Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('irfft with filter', () => {
  it.each(CASES)('x %j by %j dim %i n %i: ref equals complex_mul then irfft; cpu agrees', async (xs, fs, dim, n) => {
    const got: Record<string, Float64Array> = {};
    for (const [b, dt] of [[ref, 'f64'], [cpu, 'f32']] as const) {
      const x = normal(xs, 1, dt);
      const f = normal(fs, 2, dt);
      const params = { dim, n, norm: 'ortho' };
      const [fused] = await runOp(b, 'irfft', [x, f], params, dt as ComputeDType);
      const [prod] = await runOp(b, 'complex_mul', [x, f], {}, dt as ComputeDType);
      const [twoOps] = await runOp(b, 'irfft', [prod!], params, dt as ComputeDType);
      expect(fused!.shape).toEqual(twoOps!.shape);
      got[b.id] = Float64Array.from(tensorValues(fused!));
      const want = Float64Array.from(tensorValues(twoOps!));
      const tol = (dt === 'f64' ? 1e-12 : 1e-5) * maxAbs(want);
      got[b.id]!.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(tol));
    }
    const scale = maxAbs(got.ref!);
    expect(scale).toBeGreaterThan(0);
    got.cpu!.forEach((v, i) => expect(Math.abs(v - got.ref![i]!)).toBeLessThanOrEqual(1e-5 * scale));
  });

  it('the filter changes the result (it is not ignored)', async () => {
    const x = normal([1, 2, 9, 2], 3, 'f64');
    const [plain] = await runOp(ref, 'irfft', [x], { dim: 2, n: 16 }, 'f64');
    const [filtered] = await runOp(ref, 'irfft', [x, normal([2, 9, 2], 4, 'f64')], { dim: 2, n: 16 }, 'f64');
    const a = tensorValues(plain!), b = tensorValues(filtered!);
    expect(a.some((v, i) => Math.abs(v - b[i]!) > 1e-3)).toBe(true);
  });

  it("a filter that is not the input's trailing dims is refused naming the input", () => {
    const spec = getOp('irfft');
    expect(planCall(spec, [[1, 4, 33, 2], [4, 33, 2]], { dim: 2, n: 64 }).plan.outputs).toEqual([[1, 4, 64]]);
    expect(() => planCall(spec, [[1, 4, 33, 2], [3, 33, 2]], { dim: 2, n: 64 })).toThrow(/inputs\.filter.*trailing dims.*\[1, 4, 33, 2\].*got \[3, 33, 2\]/);
    expect(() => planCall(spec, [[1, 4, 33, 2], [2, 4, 33, 2, 2]], { dim: 2, n: 64 })).toThrow(/inputs\.filter/);
    expect(() => planCall(spec, [[4, 33, 2], [33]], { dim: 1, n: 64 })).toThrow(/inputs\.filter.*complex/);
  });

  it('a backend without the variant refuses it with a reason', () => {
    const spec = getOp('irfft');
    expect(inputVariantRefusal({ id: 'ort:cpu', variants: {} }, spec, { dim: 1 }, [[2, 9, 2], [9, 2]])).toBe('irfft with input filter is not implemented on ort:cpu');
    expect(inputVariantRefusal({ id: 'ort:cpu', variants: {} }, spec, { dim: 1 }, [[2, 9, 2]])).toBeUndefined();
    expect(inputVariantRefusal(cpu, spec, { dim: 1 }, [[2, 9, 2], [9, 2]])).toBeUndefined();
  });
});
