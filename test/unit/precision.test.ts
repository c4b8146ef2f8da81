import { describe, expect, it } from 'vitest';
import * as native from '@abw/native';
import { seededRandom } from '../../kernel-bridge/src/measure/random';
import { roundedValues, roundToDType, tensorValues } from '../../kernel-bridge/src/precision/dtype-values';
import { judge } from '../../kernel-bridge/src/precision/judge';
import { errorMetrics, maxUlpDistance, SNR_CAP_DB } from '../../kernel-bridge/src/precision/metrics';
import { addendSlack, relL2Allowance, tolerance } from '../../kernel-bridge/src/precision/tolerance';
import { ulpDistanceF32, ulpDistanceF64, ulpDistanceHalfBits } from '../../kernel-bridge/src/precision/ulp';

const fr = Math.fround;

function normals(n: number, seed: number, scale = 1): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: n }, () => {
    const u = 1 - random();
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  });
}

function uniforms(n: number, seed: number, bound: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: n }, () => bound * (2 * random() - 1));
}

/** f32 inputs (already rounded, as the runner does) in f64. */
function f32Values(v: Float64Array): Float64Array {
  return Float64Array.from(v, fr);
}

/** Round an f32 to TF32 (10-bit mantissa, ties to even), as tensor cores do with their operands. */
function tf32(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] = (u[0] + 0xfff + ((u[0] >>> 13) & 1)) & ~0x1fff;
  return f[0];
}

/**
 * out[m, n] = Σ_k x[m, k]·w[n, k] (+ bias[n]); `acc` picks the arithmetic: f64, or f32 with a
 * single accumulator (the worst case of a correct kernel; BLAS blocks and does better).
 */
function linear(
  x: Float64Array,
  w: Float64Array,
  bias: Float64Array | null,
  M: number,
  N: number,
  K: number,
  acc: 'f64' | 'f32' | 'tf32',
  bug?: 'off-by-one',
): Float64Array {
  const out = new Float64Array(M * N);
  const operand = acc === 'tf32' ? tf32 : (v: number) => v;
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const kk = bug === 'off-by-one' ? (k + 1) % K : k;
        const p = operand(x[m * K + k]) * operand(w[n * K + kk]);
        s = acc === 'f64' ? s + p : fr(s + fr(p));
      }
      if (bias) s = acc === 'f64' ? s + bias[n] : fr(s + bias[n]);
      out[m * N + n] = s;
    }
  }
  return out;
}

/** Radix-2 complex FFT (interleaved re, im) in f64 or with every operation rounded to f32. */
function fft(re: Float64Array, f32: boolean, bug?: 'twiddle-sign'): Float64Array {
  const n = re.length;
  const r = f32 ? (v: number) => fr(v) : (v: number) => v;
  const xr = Float64Array.from(re);
  const xi = new Float64Array(n);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) [xr[i], xr[j]] = [xr[j], xr[i]];
  }
  for (let len = 2; len <= n; len <<= 1) {
    const sign = bug === 'twiddle-sign' && len === n ? 1 : -1;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = r(Math.cos((2 * Math.PI * k) / len));
        const wi = r(sign * Math.sin((2 * Math.PI * k) / len));
        const a = i + k;
        const b = a + len / 2;
        const tr = r(r(xr[b] * wr) - r(xi[b] * wi));
        const ti = r(r(xr[b] * wi) + r(xi[b] * wr));
        [xr[b], xi[b]] = [r(xr[a] - tr), r(xi[a] - ti)];
        [xr[a], xi[a]] = [r(xr[a] + tr), r(xi[a] + ti)];
      }
    }
  }
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) [out[2 * i], out[2 * i + 1]] = [xr[i], xi[i]];
  return out;
}

describe('ULP distances', () => {
  it('1.0 and its successor are 1 ulp apart in f32, f16, bf16 and f64', () => {
    expect(ulpDistanceF32(1, 1 + 2 ** -23)).toBe(1);
    expect(ulpDistanceHalfBits(0x3c00, 0x3c01)).toBe(1); // f16 1.0, 1 + 2^-10
    expect(ulpDistanceHalfBits(0x3f80, 0x3f81)).toBe(1); // bf16 1.0, 1 + 2^-7
    expect(ulpDistanceF64(1, 1 + Number.EPSILON)).toBe(1);
  });
  it('counts across zero and treats ±0 alike', () => {
    expect(ulpDistanceF32(-(2 ** -149), 2 ** -149)).toBe(2);
    expect(ulpDistanceF32(-0, 0)).toBe(0);
    expect(ulpDistanceHalfBits(0x8001, 0x0001)).toBe(2);
    expect(ulpDistanceHalfBits(0x8000, 0x0000)).toBe(0);
  });
  it('measures arrays in the candidate dtype', () => {
    const ref = Float64Array.of(1, 2, -3);
    expect(maxUlpDistance(Float64Array.of(1 + 2 ** -10, 2, -3), ref, 'f16')).toBe(1);
    expect(maxUlpDistance(Float64Array.of(1, 2 + 2 ** -6, -3), ref, 'bf16')).toBe(1); // spacing in [2, 4): 2^-6
    expect(maxUlpDistance(Float64Array.of(1, 2, -3 - 2 ** -21), ref, 'f32')).toBe(2);
    // The reference is rounded to the dtype first: the best f16 answer is 0 ulps away.
    expect(maxUlpDistance(Float64Array.of(1), Float64Array.of(1 + 2 ** -12), 'f16')).toBe(0);
  });
});

describe('errorMetrics', () => {
  const tol = { atol: 1e-5, rtol: 1.3e-6, dtype: 'f32' as const };

  it('is zero for an exact result, with SNR capped', () => {
    const ref = f32Values(normals(4096, 1));
    const m = errorMetrics('out', Float64Array.from(ref), ref, tol);
    expect(m).toMatchObject({ maxAbs: 0, maxRel: 0, relL2: 0, maxUlp: 0, violations: 0, nanCount: 0, infCount: 0, count: 4096 });
    expect(m.snrDb).toBe(SNR_CAP_DB);
    expect(m.worstRatio).toBe(0);
  });

  it('finds one perturbed element and names its index', () => {
    const ref = f32Values(normals(4096, 2));
    const out = Float64Array.from(ref);
    out[17] += 0.01;
    const m = errorMetrics('out', out, ref, tol);
    expect(m.violations).toBe(1);
    expect(m.worstIndex).toBe(17);
    expect(m.maxAbs).toBeCloseTo(0.01, 6);
    expect(m.snrDb).toBeGreaterThan(40);
    expect(m.snrDb).toBeLessThan(SNR_CAP_DB);
    const r = judge({ family: 'elementwise', dtype: 'f32', outputNames: ['out'], outputs: [out], oracle: [ref] });
    expect(r.verdict).toBe('fail');
    expect(r.reason).toMatch(/^out: 1 of 4096 elements outside atol 1e-5 \+ rtol 1\.3e-6·\|ref\|, worst \S+× at index 17 \(got /);
  });

  it('counts NaN and Inf; a NaN where the reference is finite is a violation', () => {
    const ref = Float64Array.of(1, 2, NaN, 4, Infinity);
    const out = Float64Array.of(1, NaN, NaN, -Infinity, Infinity);
    const m = errorMetrics('y', out, ref, tol);
    expect(m.nanCount).toBe(2);
    expect(m.infCount).toBe(2);
    expect(m.violations).toBe(2); // index 1 (NaN vs 2) and 3 (-Inf vs 4); 2 and 4 match
    expect(m.worstIndex).toBe(1);
    expect(m.worstRatio).toBe(Number.MAX_VALUE);
    expect(Number.isFinite(m.relL2) && Number.isFinite(m.snrDb)).toBe(true);
    const r = judge({ family: 'elementwise', dtype: 'f32', outputNames: ['y'], outputs: [out], oracle: [ref] });
    expect(r.reason).toMatch(/worst at index 1 \(got NaN, want 2\)/);
  });

  it('guards maxRel near zero and rejects mismatched lengths', () => {
    const m = errorMetrics('out', Float64Array.of(1e-9), Float64Array.of(0), tol);
    expect(m.maxRel).toBeCloseTo(1e-9 / 1e-5, 12);
    expect(m.violations).toBe(0);
    expect(() => errorMetrics('out', new Float64Array(2), new Float64Array(3), tol)).toThrow(/out: output has 2/);
  });

  it('judges integer outputs: exact must match, quantized may be off by one', () => {
    const ref = Int32Array.of(5, -7, 100);
    expect(judge({ family: 'exact', dtype: 'int8', outputNames: ['y'], outputs: [Int32Array.of(5, -7, 100)], oracle: [ref] }).verdict).toBe('pass');
    const off = judge({ family: 'exact', dtype: 'int8', outputNames: ['y'], outputs: [Int32Array.of(5, -6, 100)], oracle: [ref] });
    expect(off.verdict).toBe('fail');
    expect(off.vsFp64[0].maxUlp).toBeNull();
    const q = (v: number[]) => judge({ family: 'quantized', dtype: 'int8', outputNames: ['q'], outputs: [Int8Array.from(v)], oracle: [Int8Array.of(3, -3, 127)] }).verdict;
    expect(q([4, -3, 126])).toBe('pass');
    expect(q([5, -3, 127])).toBe('fail');
  });

  it('copy ops must be exact', () => {
    const ref = f32Values(normals(64, 3));
    const out = Float64Array.from(ref);
    expect(judge({ family: 'copy', dtype: 'f32', outputNames: ['out'], outputs: [out], oracle: [ref] }).verdict).toBe('pass');
    out[3] = fr(out[3] * (1 + 2 ** -22));
    expect(judge({ family: 'copy', dtype: 'f32', outputNames: ['out'], outputs: [out], oracle: [ref] }).verdict).toBe('fail');
  });
});

describe('tolerance policy', () => {
  it('uses the torch.testing defaults and exact families', () => {
    expect(tolerance('elementwise', 'f32')).toEqual({ atol: 1e-5, rtol: 1.3e-6, rmsRtol: 0 });
    expect(tolerance('elementwise', 'bf16')).toEqual({ atol: 1e-5, rtol: 1.6e-2, rmsRtol: 0 });
    expect(tolerance('transcendental', 'f16').rtol).toBeCloseTo(4e-3, 12);
    expect(tolerance('copy', 'f16')).toEqual({ atol: 0, rtol: 0, rmsRtol: 0 });
    expect(tolerance('quantized', 'int8').atol).toBe(1);
    // f16/bf16 rtol covers one output rounding (unit roundoff 2^-11, 2^-8).
    expect(tolerance('elementwise', 'f16').rtol).toBeGreaterThan(2 ** -11);
    expect(tolerance('elementwise', 'bf16').rtol).toBeGreaterThan(2 ** -8);
    const r = tolerance('reduction', 'f32', 4096);
    expect(r.atol).toBeCloseTo(64e-5, 12);
    expect(r.rtol).toBeCloseTo(1.3e-6 * 65, 12);
    expect(r.rmsRtol).toBeCloseTo(1.3e-6 * 64, 12);
    expect(() => tolerance('sloppy' as never, 'f32')).toThrow(/tolerance: must be one of/);
    expect(() => tolerance('reduction', 'f32', NaN)).toThrow(/reduction/);
  });

  const M = 16;
  const N = 16;
  const K = 4096;
  const x = f32Values(normals(M * K, 10));
  const w = f32Values(uniforms(N * K, 11, 1 / Math.sqrt(K))); // torch's fan_in init
  const bias = f32Values(uniforms(N, 12, 1 / Math.sqrt(K)));
  const oracle = linear(x, w, bias, M, N, K, 'f64');
  const f32Out = linear(x, w, bias, M, N, K, 'f32');
  const judgeLinear = (out: Float64Array, dtype: 'f32' | 'f16' | 'bf16' | 'tf32', fp32?: Float64Array) =>
    judge({ family: 'reduction', dtype, reduction: K, outputNames: ['out'], outputs: [out], oracle: [oracle], ...(fp32 ? { fp32: [fp32] } : {}) });

  it('passes a correct f32 linear with K = 4096 (zero-mean inputs, single accumulator)', () => {
    const r = judgeLinear(f32Out, 'f32');
    expect(r.reason).toBeUndefined();
    expect(r.verdict).toBe('pass');
    expect(r.vsFp64[0].worstRatio).toBeLessThan(0.5);
  });

  it('passes a correct zero-mean f32 matmul (unit-variance inputs), which needs the rms(ref) term', () => {
    // Outputs have rms √K = 64; the ones that cancel to near 0 still carry ~u·√K·rms of error.
    const a = f32Values(normals(32 * K, 13));
    const b = f32Values(normals(32 * K, 14));
    const ref = linear(a, b, null, 32, 32, K, 'f64');
    const out = linear(a, b, null, 32, 32, K, 'f32');
    const r = judge({ family: 'reduction', dtype: 'f32', reduction: K, outputNames: ['out'], outputs: [out], oracle: [ref] });
    expect(r.reason).toBeUndefined();
    const t = tolerance('reduction', 'f32', K);
    const relativeOnly = errorMetrics('out', out, ref, { atol: 1e-5, rtol: t.rtol, dtype: 'f32' });
    expect(relativeOnly.violations).toBeGreaterThan(0);
  });

  it('fails an off-by-one index and a missing bias in every dtype', () => {
    expect(judgeLinear(linear(x, w, bias, M, N, K, 'f32', 'off-by-one'), 'f32').verdict).toBe('fail');
    const noBias = linear(x, w, null, M, N, K, 'f32');
    const r = judgeLinear(noBias, 'f32');
    expect(r.verdict).toBe('fail');
    expect(r.vsFp64[0].violations).toBeGreaterThan(M * N * 0.9);
    for (const dt of ['f16', 'bf16'] as const) {
      expect(judgeLinear(roundedValues(noBias, dt), dt, f32Out).verdict, dt).toBe('fail');
    }
    expect(judgeLinear(linear(x, w, null, M, N, K, 'tf32'), 'tf32', f32Out).verdict).toBe('fail');
  });

  it('passes correct f16, bf16 (f32 accumulation, one output rounding) and tf32 results', () => {
    for (const dt of ['f16', 'bf16'] as const) {
      const r = judgeLinear(roundedValues(f32Out, dt), dt, f32Out);
      expect(r.reason, dt).toBeUndefined();
      expect(r.vsFp32?.[0].output).toBe('out');
      expect(r.fp32VsFp64?.[0].relL2).toBeLessThan(1e-5);
      expect(r.relL2Allowance).toBeCloseTo(relL2Allowance('reduction', dt, K), 15);
    }
    const t = judgeLinear(linear(x, w, bias, M, N, K, 'tf32'), 'tf32', f32Out);
    expect(t.reason).toBeUndefined();
  });

  it('passes a correct f32 FFT of n = 8192 and fails a wrong twiddle sign', () => {
    const n = 8192;
    const signal = f32Values(normals(n, 20));
    const oracleFft = fft(signal, false);
    const judgeFft = (out: Float64Array) =>
      judge({ family: 'reduction', dtype: 'f32', reduction: n, outputNames: ['spectrum'], outputs: [out], oracle: [oracleFft] });
    const ok = judgeFft(fft(signal, true));
    expect(ok.reason).toBeUndefined();
    expect(ok.vsFp64[0].worstRatio).toBeLessThan(0.1);
    expect(judgeFft(fft(signal, true, 'twiddle-sign')).verdict).toBe('fail');
  });

  it('passes f32 tanh as transcendental and fails a wrong activation', () => {
    const v = f32Values(normals(1000, 30, 2));
    const ref = Float64Array.from(v, Math.tanh);
    const ok = judge({ family: 'transcendental', dtype: 'f32', outputNames: ['y'], outputs: [Float64Array.from(v, (t) => fr(Math.tanh(t)))], oracle: [ref] });
    expect(ok.verdict).toBe('pass');
    const sigmoid = Float64Array.from(v, (t) => fr(1 / (1 + Math.exp(-t))));
    expect(judge({ family: 'transcendental', dtype: 'f32', outputNames: ['y'], outputs: [sigmoid], oracle: [ref] }).verdict).toBe('fail');
  });

  it('fails a half-precision result much worse than the FP32 path even when inside the elementwise bound', () => {
    // bf16 elementwise rtol is 1.6e-2; a systematic 1% gain error stays inside it but costs
    // relL2 0.01, more than the FP32 path's ≈1e-7 + 2·2^-8.
    const v = f32Values(normals(4096, 40));
    const ref = Float64Array.from(v, (t) => t * 0.5);
    const fp32 = Float64Array.from(ref, fr);
    const scaled = roundedValues(Float64Array.from(ref, (t) => t * 1.0101), 'bf16');
    const r = judge({ family: 'elementwise', dtype: 'bf16', outputNames: ['y'], outputs: [scaled], oracle: [ref], fp32: [fp32] });
    expect(r.vsFp64[0].violations).toBe(0);
    expect(r.verdict).toBe('fail');
    expect(r.reason).toMatch(/y: relative L2 error vs FP64 .* exceeds the FP32 path's .* \+ bf16 allowance/);
  });
});

describe('addend slack (a residual added after the product is rounded)', () => {
  // A conv or matmul result `part` with a residual that nearly cancels it: the backend rounds
  // `part` to the dtype, then adds the residual and rounds again, as torch's conv2d(x) + r does.
  const n = 4096;
  const part = normals(n, 31, 4);
  const residual = Float64Array.from(normals(n, 32, 0.01), (e, i) => -part[i] + e);
  const judgeSum = (dtype: 'f16' | 'bf16', out: Float64Array, res: Float64Array, withAddend: boolean) => {
    const ref = Float64Array.from(part, (p, i) => p + res[i]);
    return judge({
      family: 'reduction',
      dtype,
      reduction: 144,
      outputNames: ['out'],
      outputs: [roundedValues(out, dtype)],
      oracle: [ref],
      ...(withAddend ? { addends: [res], addendInput: 'residual' } : {}),
    });
  };

  for (const dtype of ['f16', 'bf16'] as const) {
    const res = roundedValues(residual, dtype);
    const twoRoundings = Float64Array.from(roundedValues(part, dtype), (p, i) => p + res[i]);

    it(`passes ${dtype} with the slack and fails it without (the cancellation the slack is for)`, () => {
      const strict = judgeSum(dtype, twoRoundings, res, false);
      expect(strict.verdict).toBe('fail');
      const r = judgeSum(dtype, twoRoundings, res, true);
      expect(r.reason).toBeUndefined();
      expect(r.verdict).toBe('pass');
      expect(r.addend).toEqual({ input: 'residual', slackRtol: dtype === 'f16' ? 2 ** -11 : 2 ** -8 });
    });

    it(`still fails ${dtype} when the residual is dropped or added twice`, () => {
      const dropped = judgeSum(dtype, roundedValues(part, dtype), res, true);
      expect(dropped.verdict).toBe('fail');
      expect(dropped.reason).toMatch(/·\|ref − residual\|/);
      const twice = judgeSum(dtype, Float64Array.from(twoRoundings, (v, i) => v + res[i]), res, true);
      expect(twice.verdict).toBe('fail');
    });
  }

  it('refuses an addend of the wrong length', () => {
    expect(() => addendSlack('f16', new Float64Array(4), new Float64Array(3))).toThrow(/addend: has 3 elements for an output of 4/);
  });
});

describe('dtype values', () => {
  it('rounds FP64 inputs to each storage dtype and reads tensors back', () => {
    const v = Float64Array.of(1 / 3, -2.5, 65519, 1e-9);
    const f16 = roundToDType(v, 'f16') as Uint16Array;
    expect(Array.from(f16)).toEqual(Array.from(native.roundTo('f16', v)));
    expect(tensorValues({ dtype: 'f16', shape: [4], data: f16 })).toEqual(native.widen('f16', f16));
    expect(roundToDType(v, 'f32')).toEqual(Float32Array.from(v));
    expect(roundedValues(v, 'bf16')[0]).toBe(0.333984375);
    expect(Array.from(roundToDType(Float64Array.of(-128, 127), 'int8'))).toEqual([-128, 127]);
    expect(() => roundToDType(Float64Array.of(128), 'int8')).toThrow(/values\[0\]/);
    expect(() => roundToDType(Float64Array.of(0.5), 'int32')).toThrow(/not an int32/);
    expect(() => tensorValues({ dtype: 'f32', shape: [1], data: new Float64Array(1) })).toThrow(/tensor.data/);
  });
});
