/**
 * Records → a plain-text table for the terminal (pure: no I/O, no colour). One row per record:
 * case, backend, dtype, status, median latency with its 95% CI, throughput, precision.
 */
import type { ResultRecord } from '../results/record';

/** Nanoseconds with an auto-scaled unit: 850 ns, 12.3 µs, 4.56 ms, 1.23 s. */
export function formatNs(ns: number, digits = 3): string {
  if (!Number.isFinite(ns)) return String(ns);
  const [v, unit] = ns < 1e3 ? [ns, 'ns'] : ns < 1e6 ? [ns / 1e3, 'µs'] : ns < 1e9 ? [ns / 1e6, 'ms'] : [ns / 1e9, 's'];
  return `${fmtSig(v, digits)} ${unit}`;
}

/** Three significant digits without exponent for ordinary magnitudes. */
export function fmtSig(v: number, digits = 3): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10 ** digits) return Math.round(v).toString();
  if (a < 1e-3) return v.toExponential(1);
  return Number(v.toPrecision(digits)).toString();
}

function unitFor(ns: number): [number, string] {
  return ns < 1e3 ? [1, 'ns'] : ns < 1e6 ? [1e3, 'µs'] : ns < 1e9 ? [1e6, 'ms'] : [1e9, 's'];
}

/** `4.56 ms [4.52, 4.61]`: the median and its CI bounds in the median's unit. */
export function formatLatency(r: ResultRecord): string {
  const s = r.timing?.stats;
  if (!s) return '';
  const [div, unit] = unitFor(s.median);
  const ci = Number.isFinite(s.ciLow) && Number.isFinite(s.ciHigh) ? ` [${fmtSig(s.ciLow / div)}, ${fmtSig(s.ciHigh / div)}]` : '';
  return `${fmtSig(s.median / div)} ${unit}${ci}${r.timing && !r.timing.converged ? ' ~' : ''}`;
}

/**
 * GFLOP/s when the op does at least one flop per byte, else GB/s. Bytes are counted as if
 * stored in 4 bytes, so one op shows the same unit in every dtype.
 */
export function formatThroughput(r: ResultRecord): string {
  // A pipeline's throughput is its real-time factor: what an audio engineer asks first.
  if (r.kind === 'pipeline' && r.rtf !== undefined && Number.isFinite(r.rtf) && r.rtf > 0) {
    return `RTF ${fmtSig(r.rtf)} (${fmtSig(1 / r.rtf)}× real time)`;
  }
  const d = r.derived;
  if (!d) return '';
  const elementBytes = r.dtype === 'f16' || r.dtype === 'bf16' ? 2 : 4;
  const compute = d.flops > 0 && d.flops >= (d.bytes * 4) / elementBytes;
  if (compute && d.gflops !== undefined) return `${fmtSig(d.gflops)} GFLOP/s`;
  if (d.gbps !== undefined) return `${fmtSig(d.gbps)} GB/s`;
  if (d.gflops !== undefined) return `${fmtSig(d.gflops)} GFLOP/s`;
  return '';
}

export function formatPrecision(r: ResultRecord): string {
  const p = r.precision;
  if (!p) return '';
  if (r.kind === 'pipeline' && r.pipeline) {
    const snr = `${fmtSig(r.pipeline.snrVsFp64Db, 3)} dB SNR`;
    return p.verdict === 'pass' ? `pass ${snr}` : p.verdict === 'fail' ? `FAIL ${snr}` : 'n/a';
  }
  const worst = Math.max(0, ...p.vsFp64.map((m) => m.worstRatio).filter((x) => Number.isFinite(x)));
  const nonFinite = p.vsFp64.some((m) => !Number.isFinite(m.worstRatio));
  const ratio = nonFinite ? 'inf' : fmtSig(worst, 2);
  if (p.verdict === 'pass') return `pass ${ratio}×tol`;
  if (p.verdict === 'fail') return `FAIL ${ratio}×tol`;
  return 'n/a';
}

function note(r: ResultRecord): string {
  if (r.status === 'unsupported') return r.reason ?? '';
  if (r.error) return `${r.error.code}: ${r.error.message.split('\n')[0]}`;
  if (r.precision?.verdict === 'fail') return r.precision.reason ?? '';
  return r.reason ?? '';
}

export interface TableOptions {
  /** Truncate the note column (default 60; 0 = no note column). */
  readonly noteWidth?: number;
  /** Truncate the case label (default 32). */
  readonly labelWidth?: number;
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}

/** Display width: counts code points (µ, × and … are one column each). */
function width(s: string): number {
  return [...s].length;
}

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], rightAlign: readonly boolean[] = []): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(c)));
        return rightAlign[i] ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function summaryTable(records: readonly ResultRecord[], opts: TableOptions = {}): string {
  const noteWidth = opts.noteWidth ?? 60;
  const labelWidth = opts.labelWidth ?? 32;
  const headers = ['case', 'backend', 'dtype', 'status', 'median [95% CI]', 'throughput', 'precision'];
  if (noteWidth > 0) headers.push('note');
  const rows = records.map((r) => {
    const row = [clip(r.label, labelWidth), r.backend, r.dtype, r.status, formatLatency(r), formatThroughput(r), formatPrecision(r)];
    if (noteWidth > 0) row.push(clip(note(r), noteWidth));
    return row;
  });
  return renderTable(headers, rows, [false, false, false, false, true, true, false, false]);
}

export interface RunCounts {
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly precisionPass: number;
  readonly precisionFail: number;
  readonly notConverged: number;
}

export function countRecords(records: readonly ResultRecord[]): RunCounts {
  const byStatus: Record<string, number> = {};
  let precisionPass = 0;
  let precisionFail = 0;
  let notConverged = 0;
  for (const r of records) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.precision?.verdict === 'pass') precisionPass++;
    if (r.precision?.verdict === 'fail') precisionFail++;
    if (r.timing && !r.timing.converged) notConverged++;
  }
  return { total: records.length, byStatus, precisionPass, precisionFail, notConverged };
}

/** One line: `12 cases: 9 ok, 2 unsupported, 1 error; precision 8 pass, 1 FAIL; 3 not converged (~)`. */
export function countsLine(c: RunCounts): string {
  const order = ['ok', 'unsupported', 'error', 'timeout', 'oom', 'crash'];
  const st = order.filter((s) => c.byStatus[s]).map((s) => `${c.byStatus[s]} ${s}`);
  const parts = [`${c.total} case${c.total === 1 ? '' : 's'}: ${st.join(', ') || 'none'}`];
  if (c.precisionPass + c.precisionFail > 0) parts.push(`precision ${c.precisionPass} pass, ${c.precisionFail} FAIL`);
  if (c.notConverged > 0) parts.push(`${c.notConverged} not converged (~)`);
  return parts.join('; ');
}
