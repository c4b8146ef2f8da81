/**
 * The precision verdict of one case (DESIGN.md "Precision policy"): every output within
 * tolerance of the FP64 oracle, and, for tf32/f16/bf16 when the FP32 path's outputs are given,
 * relL2(candidate vs FP64) ≤ relL2(FP32 path vs FP64) + relL2Allowance(dtype).
 */
import type { ComputeDType } from '../backend/types';
import { invalid } from '../errors';
import type { ToleranceFamily } from '../ops/types';
import type { ErrorMetrics, PrecisionResult } from '../results/record';
import { isIntegerValues, type Values } from './dtype-values';
import { errorMetrics } from './metrics';
import { addendSlack, outputTolerance, relL2Allowance, tolerance, UNIT_ROUNDOFF } from './tolerance';

export interface JudgeInput {
  readonly family: ToleranceFamily;
  readonly dtype: ComputeDType;
  /** Reduction length from the op's plan (tolerance scaling), if any. */
  readonly reduction?: number;
  readonly outputNames: readonly string[];
  readonly outputs: readonly Values[];
  readonly oracle: readonly Values[];
  /** The same backend's FP32 outputs, for the "not worse than FP32" rule. */
  readonly fp32?: readonly Values[];
  /**
   * Per output, the values of an input added to it after the rest of the result may have been
   * rounded (an `addend` input, such as conv2d's residual; tolerance.ts `addendSlack`), or
   * undefined. `addendInput` names it in the record.
   */
  readonly addends?: readonly (Values | undefined)[];
  readonly addendInput?: string;
}

const DTYPES_CHECKED_AGAINST_FP32: readonly ComputeDType[] = ['tf32', 'f16', 'bf16'];

export function fmt(x: number): string {
  if (x === Number.MAX_VALUE) return '∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  const short = Number(x.toPrecision(3));
  return a >= 1e-3 && a < 1e5 ? String(short) : short.toExponential().replace('e+', 'e');
}

function fmtValue(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

/** "out: 12 of 4096 elements outside atol 1e-5 + rtol 1.3e-6·|ref|, worst 3.2× at index 17 (got …, want …)". */
export function toleranceReason(m: ErrorMetrics, out: Values, ref: Values, addend?: { input: string; slackRtol: number }): string {
  const extra = addend ? ` + ${fmt(addend.slackRtol)}·|ref − ${addend.input}|` : '';
  const bound = `atol ${fmt(m.atol ?? 0)} + rtol ${fmt(m.rtol ?? 0)}·|ref|${extra}`;
  let text = `${m.output}: ${m.violations} of ${m.count} elements outside ${bound}`;
  if (m.worstIndex !== undefined) {
    const i = m.worstIndex;
    const times = m.worstRatio === Number.MAX_VALUE ? '' : ` ${fmt(m.worstRatio)}×`;
    text += `, worst${times} at index ${i} (got ${fmtValue(out[i])}, want ${fmtValue(ref[i])})`;
  }
  return text;
}

function checkInput(input: JudgeInput): void {
  const n = input.outputNames.length;
  if (input.outputs.length !== n) throw invalid('outputs', `has ${input.outputs.length} entries for ${n} output names`);
  if (input.oracle.length !== n) throw invalid('oracle', `has ${input.oracle.length} entries for ${n} output names`);
  if (input.fp32 && input.fp32.length !== n) throw invalid('fp32', `has ${input.fp32.length} entries for ${n} output names`);
  if (input.addends && input.addends.length !== n) throw invalid('addends', `has ${input.addends.length} entries for ${n} output names`);
}

export function judge(input: JudgeInput): PrecisionResult {
  checkInput(input);
  const { family, dtype, reduction } = input;
  const base = tolerance(family, dtype, reduction);
  const vsFp64: ErrorMetrics[] = [];
  const vsFp32: ErrorMetrics[] = [];
  const fp32VsFp64: ErrorMetrics[] = [];
  const reasons: string[] = [];
  const checkFp32 = input.fp32 !== undefined && DTYPES_CHECKED_AGAINST_FP32.includes(dtype);
  const allowance = relL2Allowance(family, dtype, reduction);
  const addendNote = input.addends?.some((a) => a) ? { input: input.addendInput ?? 'addend', slackRtol: UNIT_ROUNDOFF[dtype] } : undefined;

  input.outputNames.forEach((name, i) => {
    const out = input.outputs[i];
    const ref = input.oracle[i];
    const integer = isIntegerValues(out);
    const addend = integer ? undefined : input.addends?.[i];
    const tol = { ...outputTolerance(family, dtype, reduction, integer), ...(addend ? { slack: addendSlack(dtype, ref, addend) } : {}) };
    const m = errorMetrics(name, out, ref, { ...tol, dtype });
    vsFp64.push(m);
    if (m.violations > 0) reasons.push(toleranceReason(m, out, ref, addend ? addendNote : undefined));
    if (!checkFp32 || integer || !input.fp32) return;
    const f32 = input.fp32[i];
    const f32Tol = outputTolerance(family, 'f32', reduction, false);
    const yardstick = errorMetrics(name, f32, ref, { ...f32Tol, dtype: 'f32' });
    fp32VsFp64.push(yardstick);
    vsFp32.push(errorMetrics(name, out, f32, { ...tol, dtype }));
    if (m.relL2 > yardstick.relL2 + allowance) {
      reasons.push(
        `${name}: relative L2 error vs FP64 ${fmt(m.relL2)} exceeds the FP32 path's ${fmt(yardstick.relL2)} ` +
          `+ ${dtype} allowance ${fmt(allowance)}`,
      );
    }
  });

  return {
    verdict: input.outputNames.length === 0 ? 'n/a' : reasons.length === 0 ? 'pass' : 'fail',
    family,
    atol: base.atol,
    rtol: base.rtol,
    ...(base.rmsRtol > 0 ? { rmsRtol: base.rmsRtol } : {}),
    ...(addendNote ? { addend: addendNote } : {}),
    vsFp64,
    ...(checkFp32 ? { vsFp32, fp32VsFp64, relL2Allowance: allowance } : {}),
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
  };
}
