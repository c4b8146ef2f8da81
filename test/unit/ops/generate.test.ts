import { describe, expect, it } from 'vitest';
import { OPS, generateInputs, getOp, planCall, Rng } from '../../../kernel-bridge/src/ops';
import type { Shape } from '../../../kernel-bridge/src/tensor';

/** One valid call per op: shapes and params. */
const CASES: Record<string, [(Shape | null)[], Record<string, unknown>]> = {
  matmul: [[[2, 3, 4], [4, 5]], {}],
  linear: [[[3, 8], [4, 8], [4]], {}],
  conv1d: [[[1, 4, 64], [8, 4, 3], [8]], { padding: 'same' }],
  conv2d: [[[1, 2, 8, 8], [3, 2, 3, 3], [3]], {}],
  conv_transpose1d: [[[1, 4, 16], [4, 2, 4], [2]], { stride: 2 }],
  lstm_cell: [[[2, 3], [2, 4], [2, 4], [16, 3], [16, 4], [16], [16]], {}],
  lstm: [[[5, 2, 3], [2, 2, 4], [2, 2, 4], [16, 3], [16, 4], [16], [16], [16, 4], [16, 4], [16], [16]], { num_layers: 2 }],
  relu: [[[100]], {}],
  gelu: [[[100]], {}],
  silu: [[[100]], {}],
  elu: [[[100]], {}],
  sigmoid: [[[100]], {}],
  tanh: [[[100]], {}],
  softmax: [[[4, 100]], {}],
  max_pool1d: [[[1, 2, 20]], { kernel_size: 3 }],
  avg_pool1d: [[[1, 2, 20]], { kernel_size: 3 }],
  max_pool2d: [[[1, 2, 8, 8]], { kernel_size: 2 }],
  avg_pool2d: [[[1, 2, 8, 8]], { kernel_size: 2 }],
  layer_norm: [[[4, 16], [16], [16]], { normalized_shape: 16 }],
  batch_norm: [[[4, 3, 10], [3], [3], [3], [3]], {}],
  instance_norm: [[[4, 3, 10], [3], [3], [3], [3]], {}],
  group_norm: [[[4, 6, 10], [6], [6]], { num_groups: 3 }],
  reshape: [[[4, 6]], { shape: [-1] }],
  transpose: [[[4, 6]], { dim0: 0, dim1: 1 }],
  permute: [[[4, 6]], { dims: [1, 0] }],
  concat: [[[4, 6], [2, 6], [1, 6]], {}],
  pad: [[[4, 6]], { pad: [1, 1] }],
  slice: [[[4, 6]], { start: 1 }],
  add: [[[4, 6], [6]], {}],
  mul: [[[4, 6], [6]], {}],
  add_bias: [[[4, 6, 3], [6]], {}],
  complex_mul: [[[4, 6, 2], [6, 2]], {}],
  fft: [[[4, 16, 2]], {}],
  ifft: [[[4, 16, 2]], {}],
  rfft: [[[4, 16]], {}],
  irfft: [[[4, 9, 2]], {}],
  stft: [[[2, 4000]], { n_fft: 256 }],
  istft: [[[2, 129, 10, 2]], { n_fft: 256 }],
  quantize_ternary: [[[16, 16]], {}],
  quantize_int8: [[[16, 16]], {}],
  ternary_matmul: [[[4, 32], [8, 32]], {}],
  dequantize_int32: [[[4, 32], [4, 1]], {}],
  argmax: [[[4, 32]], {}],
  index_select: [[[16, 8], [5]], {}],
};

function allZero(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(xa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(xa);
  });

  it('draws sensible uniforms and normals', () => {
    const r = new Rng(7);
    let sum = 0;
    let sq = 0;
    const n = 20000;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(sum / n)).toBeLessThan(0.05);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
  });
});

describe('generateInputs', () => {
  it('dequantize_int32: accumulators are int32 up to ±2^20, scales positive as quantize_int8 gives them', () => {
    const [acc, scale] = generateInputs(getOp('dequantize_int32'), [[64, 256], [64, 1]], {}, 11);
    expect(acc).toBeInstanceOf(Int32Array);
    const a = Array.from(acc!);
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(2 ** 20);
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(2 ** 19);
    expect(a.some((v) => v < 0)).toBe(true);
    for (const s of scale!) expect(s >= 20 && s <= 200).toBe(true);
  });

  it('has a valid case for every op', () => {
    expect(Object.keys(CASES).sort()).toEqual(OPS.map((o) => o.name).sort());
  });

  for (const spec of OPS) {
    it(`${spec.name}: typed, deterministic, seed-dependent, never all zeros`, () => {
      const [shapes, userParams] = CASES[spec.name];
      const { params, inputs } = planCall(spec, shapes, userParams);
      const a = generateInputs(spec, shapes, params, 1234);
      const b = generateInputs(spec, shapes, params, 1234);
      const c = generateInputs(spec, shapes, params, 1235);
      expect(a.length).toBe(shapes.length);
      a.forEach((t, i) => {
        const shape = shapes[i];
        if (shape === null) {
          expect(t).toBeNull();
          return;
        }
        expect(t).not.toBeNull();
        const n = shape.reduce((x, y) => x * y, 1);
        expect(t!.length).toBe(n);
        expect(t).toBeInstanceOf(inputs[i].kind === 'int8' ? Int8Array : inputs[i].kind === 'int32' ? Int32Array : Float64Array);
        expect(allZero(t!)).toBe(false);
        for (const v of t!) expect(Number.isFinite(v)).toBe(true);
        expect(Array.from(b[i]!)).toEqual(Array.from(t!));
        if (n > 4) expect(Array.from(c[i]!)).not.toEqual(Array.from(t!));
      });
    });
  }

  it('follows the declared distributions', () => {
    const bn = getOp('batch_norm');
    const [, , rv] = generateInputs(bn, [[4, 3, 10], [3], [3]], {}, 1);
    for (const v of rv!) expect(v).toBeGreaterThan(0);

    const ternary = getOp('ternary_matmul');
    const [xq, wq] = generateInputs(ternary, [[4, 64], [8, 64]], {}, 3);
    for (const v of wq!) expect([-1, 0, 1]).toContain(v);
    expect(Math.min(...xq!)).toBeLessThan(-64);
    expect(Math.max(...xq!)).toBeGreaterThan(64);

    // lstm: U(±1/√H) for every weight and bias, as nn.LSTM.
    const lstm = getOp('lstm');
    const H = 16;
    const g = generateInputs(lstm, [[3, 2, 100], null, null, [4 * H, 100], [4 * H, H], [4 * H], [4 * H]], {}, 5);
    for (const t of g.slice(3)) {
      const m = Math.max(...Array.from(t!, Math.abs));
      expect(m).toBeLessThanOrEqual(1 / Math.sqrt(H));
      expect(m).toBeGreaterThan(0.5 / Math.sqrt(H));
    }

    // conv: weight U(±1/√(Cin/groups·K)); bias the same bound.
    const conv = getOp('conv1d');
    const [x, w, bias] = generateInputs(conv, [[1, 8, 2000], [4, 8, 5], [4]], {}, 9);
    const bound = 1 / Math.sqrt(40);
    for (const v of w!) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    for (const v of bias!) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    // audio: in [-1, 1], not a constant, with energy.
    const peak = Math.max(...Array.from(x!, Math.abs));
    expect(peak).toBeLessThanOrEqual(1);
    expect(peak).toBeGreaterThan(0.5);

    // softmax: wide logits.
    const [logits] = generateInputs(getOp('softmax'), [[1000]], {}, 2);
    expect(Math.max(...logits!) - Math.min(...logits!)).toBeGreaterThan(10);
  });

  it('forces a nonzero value into tiny integer draws', () => {
    const spec = getOp('ternary_matmul');
    for (let seed = 0; seed < 50; seed++) {
      const [, wq] = generateInputs(spec, [[1, 1], [1, 1]], {}, seed);
      expect(wq![0]).not.toBe(0);
    }
  });
});
