/**
 * Tolerance policy (DESIGN.md "Precision policy"). An element passes when
 *
 *     |out − ref| ≤ atol + rmsRtol·rms(ref) + rtol·|ref|
 *
 * Base values are torch.testing.assert_close's defaults per dtype. Why the extra terms for
 * reductions is explained at `reductionTolerance`; docs/results-schema.md ("Tolerances") has the argument.
 */
import type { ComputeDType } from '../backend/types';
import { invalid } from '../errors';
import type { ToleranceFamily } from '../ops/types';
import type { Values } from './dtype-values';

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
  /** Absolute slack proportional to the RMS of the reference output (reductions only). */
  readonly rmsRtol: number;
}

export const TOLERANCE_FAMILIES: readonly ToleranceFamily[] = [
  'elementwise',
  'transcendental',
  'reduction',
  'exact',
  'quantized',
  'copy',
];

/** torch.testing defaults (rtol, atol); int8 cases store floats as f32. f64: torch's float64. */
const BASE: Readonly<Record<ComputeDType, { rtol: number; atol: number }>> = {
  f64: { rtol: 1e-7, atol: 1e-7 },
  f32: { rtol: 1.3e-6, atol: 1e-5 },
  tf32: { rtol: 1e-3, atol: 1e-5 },
  f16: { rtol: 1e-3, atol: 1e-5 },
  bf16: { rtol: 1.6e-2, atol: 1e-5 },
  int8: { rtol: 1.3e-6, atol: 1e-5 },
};

/**
 * Relative error per √(reduction length) of the accumulation. Every float dtype accumulates in
 * f32 (f16/bf16 are storage formats: docs/ops.md), so this is the f32 rtol; the oracle in f64.
 */
const ACCUMULATION_RTOL: Readonly<Record<ComputeDType, number>> = {
  f64: 1e-13,
  f32: 1.3e-6,
  tf32: 1.3e-6,
  f16: 1.3e-6,
  bf16: 1.3e-6,
  int8: 1.3e-6,
};

/**
 * TF32 rounds both operands of every product to a 10-bit mantissa. Those errors do not shrink
 * with the output, they scale with the terms: about 2^-10.5·rms(ref) per element for zero-mean
 * inputs. 5e-3 is torch's TF32 matmul test precision (≈ 10σ of that).
 */
const OPERAND_ROUNDING_RMS_RTOL: Readonly<Record<ComputeDType, number>> = {
  f64: 0,
  f32: 0,
  tf32: 5e-3,
  f16: 0,
  bf16: 0,
  int8: 0,
};

/** Unit roundoff of the dtype's values (2^-p): what one rounding of an output can cost. */
export const UNIT_ROUNDOFF: Readonly<Record<ComputeDType, number>> = {
  f64: 2 ** -53,
  f32: 2 ** -24,
  tf32: 2 ** -11,
  f16: 2 ** -11,
  bf16: 2 ** -8,
  int8: 2 ** -24,
};

const EXACT: Tolerance = { atol: 0, rtol: 0, rmsRtol: 0 };

function checkDType(dtype: ComputeDType): void {
  if (!(dtype in BASE)) throw invalid('dtype', `must be one of ${Object.keys(BASE).join(', ')}, got ${String(dtype)}`);
}

export function reductionScale(reduction?: number): number {
  if (reduction === undefined) return 1;
  if (!(Number.isFinite(reduction) && reduction >= 0)) {
    throw invalid('reduction', `must be a finite number ≥ 0, got ${reduction}`);
  }
  return Math.sqrt(Math.max(1, reduction));
}

/**
 * Reductions (matmul, conv, FFT, norms): with s = √K,
 *   rtol    = rtol₀ + acc·s      output rounding (does not grow with K) + accumulation
 *   atol    = atol₀·s            torch's scaled absolute floor
 *   rmsRtol = acc·s (+ 5e-3 TF32)
 * The rms(ref) term is the point: the rounding error of a sum scales with the magnitude of its
 * terms, not of its result, so an output that cancels to near zero (zero-mean matmul, a quiet
 * FFT bin) still carries an error ~ u·√K·rms. A purely relative bound fails correct kernels
 * there; scaling the whole dtype rtol by √K instead (bf16 at K=4096: 1.02) would pass anything.
 * Wrong kernels (an index off by one, a missing bias, swapped gates) err by O(rms), thousands
 * of times this slack in f32, and still several times it in bf16.
 */
function reductionTolerance(dtype: ComputeDType, reduction?: number): Tolerance {
  const s = reductionScale(reduction);
  const base = BASE[dtype];
  const acc = ACCUMULATION_RTOL[dtype];
  return {
    atol: base.atol * s,
    rtol: base.rtol + acc * s,
    rmsRtol: acc * s + OPERAND_ROUNDING_RMS_RTOL[dtype],
  };
}

/**
 * The tolerance of a float output. `exact`/`copy`: bit-exact; `quantized`: integer outputs may
 * differ by one step (atol 1); `transcendental`: rtol × 4 (libm-quality exp/tanh/erf are a few
 * ulps, not one); `elementwise`: the base values.
 */
export function tolerance(family: ToleranceFamily, dtype: ComputeDType, reduction?: number): Tolerance {
  checkDType(dtype);
  switch (family) {
    case 'copy':
    case 'exact':
      return EXACT;
    case 'quantized':
      return { atol: 1, rtol: 0, rmsRtol: 0 };
    case 'elementwise':
      return { ...BASE[dtype], rmsRtol: 0 };
    case 'transcendental':
      return { atol: BASE[dtype].atol, rtol: 4 * BASE[dtype].rtol, rmsRtol: 0 };
    case 'reduction':
      return reductionTolerance(dtype, reduction);
    default:
      throw invalid('tolerance', `must be one of ${TOLERANCE_FAMILIES.join(', ')}, got ${String(family)}`);
  }
}

/**
 * The tolerance for one output: integer outputs are judged by the family's integer rule
 * (quantized: ±1 step, everything else exact); float outputs of `quantized` ops (scales) by
 * the elementwise rule, since the ±1-step allowance is about integer codes.
 */
export function outputTolerance(
  family: ToleranceFamily,
  dtype: ComputeDType,
  reduction: number | undefined,
  integerOutput: boolean,
): Tolerance {
  if (integerOutput) return family === 'quantized' ? tolerance('quantized', dtype) : EXACT;
  if (family === 'quantized') return tolerance('elementwise', dtype === 'int8' ? 'f32' : dtype);
  return tolerance(family, dtype, reduction);
}

/**
 * The per-element slack of an output that an input (`addend`, a residual) is added to: a backend
 * may round the rest of the result (the product or convolution, with its bias) to the case dtype
 * before the add, as PyTorch's `conv2d(x, w, b) + r` does. That rounding costs up to u·|ref − addend|
 * (u the dtype's unit roundoff: one rounding of the product and one of its bias add), which is far
 * above rtol·|ref| where the residual cancels the product. A dropped or misplaced addend errs by
 * |addend| itself, so the check still fails it. f32 gets the same rule (2^-24, negligible).
 */
export function addendSlack(dtype: ComputeDType, ref: Values, addend: Values): Float64Array {
  checkDType(dtype);
  if (addend.length !== ref.length) throw invalid('addend', `has ${addend.length} elements for an output of ${ref.length}`);
  const u = UNIT_ROUNDOFF[dtype];
  const slack = new Float64Array(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const part = Math.abs(ref[i] - addend[i]);
    slack[i] = Number.isFinite(part) ? u * part : 0;
  }
  return slack;
}

/**
 * How much larger the candidate's relative L2 error vs FP64 may be than the FP32 path's:
 * relL2(cand) ≤ relL2(fp32) + k·u(dtype) + acc·√K (K only for reductions). k = 2 for f16/bf16
 * (one output rounding costs at most u, ≈ u/√3 on average); k = 4 for TF32 (two operands
 * rounded, or truncated, per product). A missing bias or a wrong index costs O(1) relL2.
 */
export function relL2Allowance(family: ToleranceFamily, dtype: ComputeDType, reduction?: number): number {
  checkDType(dtype);
  const k = dtype === 'tf32' ? 4 : 2;
  const s = family === 'reduction' ? reductionScale(reduction) : 1;
  return k * UNIT_ROUNDOFF[dtype] + ACCUMULATION_RTOL[dtype] * s;
}
