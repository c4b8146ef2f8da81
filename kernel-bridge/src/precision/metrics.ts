/**
 * Error metrics of one output against a reference (DESIGN.md "Precision policy").
 *
 * - Non-finite elements are counted (nanCount, infCount) and judged apart: a NaN or ±Inf in
 *   `out` is a violation unless `ref` holds the same thing there; a finite `out` where `ref` is
 *   not is one too. maxAbs, maxRel, relL2, SNR and maxUlp cover the pairs finite on both sides.
 * - maxRel = max |out−ref| / (|ref| + guard), guard = max(effective atol, the dtype's smallest
 *   normal; 1 for integers): below the absolute tolerance a relative error means nothing.
 * - maxUlp counts ULPs between `out` and `ref` rounded to the candidate's storage dtype (tf32
 *   and int8-case floats: f32), so 0 means the best representable answer; null for integers.
 * - snrDb = 10·log10(Σref² / Σ(out−ref)²), capped to ±SNR_CAP_DB (JSON has no Infinity):
 *   +999 means bit-exact, as any real error in f64 stays under ~330 dB.
 * - worstRatio = max |out−ref| / (atol + rmsRtol·rms(ref) + rtol·|ref| + slack[i]); a violation
 *   of a zero tolerance, and a non-finite violation, count as Number.MAX_VALUE.
 */
import type { ComputeDType } from '../backend/types';
import { invalid } from '../errors';
import type { ErrorMetrics } from '../results/record';
import type { DType } from '../tensor';
import { addon } from '../backends/native/addon';
import { isIntegerValues, type Values } from './dtype-values';
import { orderedHalf, ulpDistanceF64 } from './ulp';

export const SNR_CAP_DB = 999;

export interface MetricOptions {
  readonly atol: number;
  readonly rtol: number;
  /** Absolute slack proportional to rms(ref); default 0. */
  readonly rmsRtol?: number;
  /** Absolute slack per element, added to the bound (an addend's rounding: tolerance.ts `addendSlack`). */
  readonly slack?: Values;
  /** The candidate's dtype (a case dtype, or a storage dtype). */
  readonly dtype: ComputeDType | DType;
}

const SMALLEST_NORMAL: Readonly<Record<string, number>> = {
  f64: 2 ** -1022,
  f32: 2 ** -126,
  tf32: 2 ** -126,
  int8: 2 ** -126,
  int32: 1,
  f16: 2 ** -14,
  bf16: 2 ** -126,
};

function checkTolerance(o: MetricOptions): void {
  for (const k of ['atol', 'rtol', 'rmsRtol'] as const) {
    const v = o[k] ?? 0;
    if (!(Number.isFinite(v) && v >= 0)) throw invalid(k, `must be a finite number ≥ 0, got ${v}`);
  }
  if (!(o.dtype in SMALLEST_NORMAL)) throw invalid('dtype', `unknown dtype ${String(o.dtype)}`);
}

function checkSlack(name: string, slack: Values | undefined, n: number): void {
  if (slack && slack.length !== n) throw invalid('slack', `has ${slack.length} elements for ${n} in output ${name}`);
}

/** Root mean square of the finite elements of ref (0 when none). */
export function rms(ref: Values): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    if (Number.isFinite(r)) {
      sum += r * r;
      n++;
    }
  }
  return n > 0 ? Math.sqrt(sum / n) : 0;
}

function snrDb(signal: number, noise: number): number {
  if (noise === 0) return SNR_CAP_DB;
  if (signal === 0) return -SNR_CAP_DB;
  const db = 10 * (Math.log10(signal) - Math.log10(noise));
  return Number.isNaN(db) ? 0 : Math.max(-SNR_CAP_DB, Math.min(SNR_CAP_DB, db));
}

/** Sums of squares of huge values may overflow; JSON needs finite numbers. */
function finiteCap(x: number): number {
  return Number.isNaN(x) ? Number.MAX_VALUE : Math.min(x, Number.MAX_VALUE);
}

/** Max ULP distance over the pairs finite on both sides, in the candidate's storage format. */
export function maxUlpDistance(out: Float64Array, ref: Float64Array, dtype: ComputeDType | DType): number {
  // Whole-array passes (this runs on tens of millions of elements): pairs not finite on both
  // sides are zeroed in both copies so they contribute a distance of 0.
  const n = out.length;
  let max = 0;
  if (dtype === 'f64') {
    for (let i = 0; i < n; i++) {
      if (Number.isFinite(out[i]) && Number.isFinite(ref[i])) max = Math.max(max, ulpDistanceF64(out[i], ref[i]));
    }
    return max;
  }
  const o = new Float64Array(n);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(out[i]) && Number.isFinite(ref[i])) {
      o[i] = out[i];
      r[i] = ref[i];
    }
  }
  if (dtype === 'f16' || dtype === 'bf16') {
    const ob = addon().roundTo(dtype, o);
    const rb = addon().roundTo(dtype, r);
    for (let j = 0; j < n; j++) {
      const d = Math.abs(orderedHalf(ob[j]) - orderedHalf(rb[j]));
      if (d > max) max = d;
    }
    return max;
  }
  // f32 storage: read the bits through an Int32Array view and map to ordered integers.
  const ob = new Int32Array(Float32Array.from(o).buffer);
  const rb = new Int32Array(Float32Array.from(r).buffer);
  for (let j = 0; j < n; j++) {
    const a = ob[j] < 0 ? -(ob[j] & 0x7fffffff) : ob[j];
    const b = rb[j] < 0 ? -(rb[j] & 0x7fffffff) : rb[j];
    const d = Math.abs(a - b);
    if (d > max) max = d;
  }
  return max;
}

export function errorMetrics(name: string, out: Values, ref: Values, options: MetricOptions): ErrorMetrics {
  if (out.length !== ref.length) {
    throw invalid(name, `output has ${out.length} elements but the reference has ${ref.length}`);
  }
  checkTolerance(options);
  checkSlack(name, options.slack, out.length);
  const integer = isIntegerValues(out);
  const slack = options.slack;
  const rtol = options.rtol;
  const atol = options.atol + (options.rmsRtol ?? 0) * rms(ref);
  const guard = integer ? 1 : Math.max(atol, SMALLEST_NORMAL[options.dtype]);
  let maxAbs = 0;
  let maxRel = 0;
  let sumRef2 = 0;
  let sumErr2 = 0;
  let nanCount = 0;
  let infCount = 0;
  let violations = 0;
  let worstRatio = 0;
  let worstIndex = -1;
  for (let i = 0; i < out.length; i++) {
    const o = out[i];
    const r = ref[i];
    if (Number.isNaN(o)) nanCount++;
    else if (!Number.isFinite(o)) infCount++;
    if (!Number.isFinite(o) || !Number.isFinite(r)) {
      const same = o === r || (Number.isNaN(o) && Number.isNaN(r));
      if (!same) {
        violations++;
        // The first non-finite violation is the worst one to report.
        if (worstRatio < Number.MAX_VALUE) [worstRatio, worstIndex] = [Number.MAX_VALUE, i];
      }
      continue;
    }
    const err = Math.abs(o - r);
    const tol = atol + rtol * Math.abs(r) + (slack ? slack[i] : 0);
    sumRef2 += r * r;
    sumErr2 += err * err;
    if (err > maxAbs) maxAbs = err;
    const rel = err / (Math.abs(r) + guard);
    if (rel > maxRel) maxRel = rel;
    const ratio = tol > 0 ? err / tol : err > 0 ? Number.MAX_VALUE : 0;
    if (err > tol) violations++;
    if (ratio > worstRatio) [worstRatio, worstIndex] = [ratio, i];
  }
  const maxUlp = integer ? null : maxUlpDistance(toF64(out), toF64(ref), options.dtype);
  const relL2 = sumRef2 > 0 ? Math.sqrt(sumErr2 / sumRef2) : Math.sqrt(sumErr2);
  return {
    output: name,
    maxAbs: finiteCap(maxAbs),
    maxRel: finiteCap(maxRel),
    relL2: finiteCap(relL2),
    maxUlp,
    snrDb: snrDb(sumRef2, sumErr2),
    nanCount,
    infCount,
    violations,
    worstRatio,
    count: out.length,
    atol,
    rtol,
    ...(worstIndex >= 0 ? { worstIndex } : {}),
  };
}

function toF64(v: Values): Float64Array {
  return v instanceof Float64Array ? v : Float64Array.from(v);
}
