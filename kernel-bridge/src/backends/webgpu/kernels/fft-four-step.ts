/**
 * Lines too long for workgroup memory as two workgroup-memory dispatches (the "four-step" FFT):
 * with n = n1·n2, t = n2·t1 + t2 and k = k1 + n1·k2,
 *   X[k1 + n1·k2] = Σ_t2 W_n^(t2·k1) · W_n2^(t2·k2) · Σ_t1 x[n2·t1 + t2] · W_n1^(t1·k1),
 * so the first dispatch runs the n1-point FFTs of the columns (stride n2, the caller's load fused
 * in) and multiplies by W_n^(t2·k1) (a host f64 table of length n), the second the n2-point FFTs
 * of the rows, written in natural order. Two dispatches instead of one per radix pass.
 */
import type { KernelLimits } from '../kernel-types';
import { cst, scr, u } from '../wgsl';
import { PlanBuilder, radices, twiddles } from './fft-radix';
import { fitsShared, sharedFftPass, type SharedFft } from './fft-shared';

/**
 * Neighbouring columns (rows) per workgroup, loaded and stored line-fastest: the first dispatch's
 * strided loads and both dispatches' strided stores then touch 8 neighbouring points at a time.
 */
const LINES = 8;

/** n = n1·n2 with both lines in workgroup memory, n1 ≤ n2 the divisor nearest √n; undefined if none. */
export function fourStepSplit(n: number, limits: KernelLimits): readonly [number, number] | undefined {
  if (!radices(n)) return undefined;
  let best: [number, number] | undefined;
  for (let d = 2; d * d <= n; d++) {
    if (n % d === 0 && fitsShared(d, limits) && fitsShared(n / d, limits)) best = [d, n / d];
  }
  return best;
}

/** What the first dispatch reads: the caller's bindings, helpers and load (point t of line `line`). */
export type FourStepSource = Pick<SharedFft, 'bindings' | 'helpers' | 'load'>;

/** `count` FFTs of length n = n1·n2 from `src` into scratch `dst` (lines of n, natural order), through scratch `mid`. */
export function fourStep(pb: PlanBuilder, limits: KernelLimits, split: readonly [number, number], count: number, sign: 1 | -1, src: FourStepSource, mid: number, dst: number): void {
  const [n1, n2] = split;
  const n = n1 * n2;
  const twn = pb.addConst(twiddles(n));
  // Columns: shared line c = line·n2 + t2 holds x[n2·t1 + t2] of that line; stored transposed
  // (mid[line][k1][t2]) and twiddled, so the rows are contiguous for the second dispatch.
  pb.passes.push(
    sharedFftPass(pb, limits, {
      label: `fft columns n=${n}=${n1}·${n2}`,
      n: n1,
      count: count * n2,
      sign,
      bindings: [...src.bindings, { name: 'fmid', ref: scr(mid), elem: 'vec2f', write: true }, { name: 'TWN', ref: cst(twn), elem: 'vec2f' }],
      helpers: `${src.helpers ?? ''}
fn src_at(line: u32, t: u32) -> vec2f { return ${src.load}; }
fn twn(idx: u32) -> vec2f { let w = TWN[idx]; return vec2f(w.x, ${sign < 0 ? 'w.y' : '-w.y'}); }`,
      load: `src_at(line / ${u(n2)}, t * ${u(n2)} + line % ${u(n2)})`,
      outLen: n1,
      store: `let c = line % ${u(n2)}; fmid[(line / ${u(n2)}) * ${u(n)} + k * ${u(n2)} + c] = cmul(z(zb + k), twn(c * k));`,
      loadLineFastest: true,
      lineFastest: true,
      minLines: LINES,
    }),
  );
  // Rows: shared line r = line·n1 + k1; point k2 goes to k1 + n1·k2.
  pb.passes.push(
    sharedFftPass(pb, limits, {
      label: `fft rows n=${n}=${n1}·${n2}`,
      n: n2,
      count: count * n1,
      sign,
      bindings: [
        { name: 'fmid', ref: scr(mid), elem: 'vec2f' },
        { name: 'fout', ref: scr(dst), elem: 'vec2f', write: true },
      ],
      load: `fmid[line * ${u(n2)} + t]`,
      outLen: n2,
      store: `fout[(line / ${u(n1)}) * ${u(n)} + line % ${u(n1)} + k * ${u(n1)}] = z(zb + k);`,
      lineFastest: true,
      minLines: LINES,
    }),
  );
}
