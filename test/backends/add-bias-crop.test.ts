// add_bias's `length` variant: input[..., :length] + bias in one pass (fftconv's crop of the
// inverse FFT with its bias). ref is exact against a slice then the add, cpu agrees within f32
// rounding, for a bias on the first and on a middle dim; a bad length names the param and what
// is allowed; backends without the variant refuse it with a reason.
import { describe, expect, it } from 'vitest';

import { getBackend, runOp } from '../../kernel-bridge/src/backend';
import type { ComputeDType } from '../../kernel-bridge/src/backend/types';
import { variantRefusal } from '../../kernel-bridge/src/backend/variant-support';
import { getOp } from '../../kernel-bridge/src/ops/catalogue';
import { planCall } from '../../kernel-bridge/src/ops/plan-call';
import { tensorValues } from '../../kernel-bridge/src/precision/dtype-values';
import type { Shape } from '../../kernel-bridge/src/tensor';
import { normalTensor as normal } from '../helpers/seeded-tensors';

const ref = getBackend('ref');
const cpu = getBackend('cpu');

// [input shape, bias dim, length]
const CASES: [Shape, number, number][] = [
  [[3, 37], 0, 20],
  [[1, 4, 64], 1, 41],
  [[2, 3, 5, 16], 1, 9],
  [[2, 3, 5, 16], 2, 16],
];

describe('add_bias with length', () => {
  it.each(CASES)('x %j dim %i length %i: ref equals slice + add_bias exactly; cpu agrees', async (shape, dim, length) => {
    const last = shape.length - 1;
    const got: Record<string, Float64Array> = {};
    for (const [b, dt] of [[ref, 'f64'], [cpu, 'f32']] as const) {
      const x = normal(shape, 1, dt);
      const bias = normal([shape[dim]!], 2, dt);
      const [fused] = await runOp(b, 'add_bias', [x, bias], { dim, length }, dt as ComputeDType);
      const [cut] = await runOp(b, 'slice', [x], { dim: last, start: 0, end: length }, dt as ComputeDType);
      const [twoPass] = await runOp(b, 'add_bias', [cut!, bias], { dim }, dt as ComputeDType);
      expect(fused!.shape).toEqual([...shape.slice(0, last), length]);
      got[b.id] = Float64Array.from(tensorValues(fused!));
      expect(got[b.id]).toEqual(Float64Array.from(tensorValues(twoPass!)));
    }
    got.cpu!.forEach((v, i) => expect(Math.abs(v - got.ref![i]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(got.ref![i]!))));
  });

  it('length 0 is the whole input; a bad length names the param and what is allowed', () => {
    const spec = getOp('add_bias');
    expect(planCall(spec, [[2, 8], [2]], { dim: 0, length: 0 }).plan.outputs).toEqual([[2, 8]]);
    expect(() => planCall(spec, [[2, 8], [2]], { dim: 0, length: 9 })).toThrow(/length.*at most the input's last dim 8, got 9/);
    expect(() => planCall(spec, [[2, 8], [8]], { dim: 1, length: 4 })).toThrow(/length.*a dim before the last/);
    expect(() => planCall(spec, [[2, 8], [2]], { dim: 0, length: -1 })).toThrow(/length/);
  });

  it('a backend without the variant refuses it with a reason', () => {
    const spec = getOp('add_bias');
    expect(variantRefusal({ id: 'ort:cpu', variants: {} }, spec, { dim: 1, length: 4 })).toMatch(/add_bias.*length.*ort:cpu/);
    expect(variantRefusal({ id: 'ort:cpu', variants: {} }, spec, { dim: 1 })).toBeUndefined();
    expect(variantRefusal(cpu, spec, { dim: 1, length: 4 })).toBeUndefined();
  });
});
