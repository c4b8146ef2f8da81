/**
 * Records and comparisons → table rows (plain strings, already formatted), shared by the
 * notebook tables and the text/HTML fallbacks of `abw notebook share`. The formatting is the
 * CLI's (cli/summary-table.ts), so a case reads the same in the terminal and the notebook.
 */
import { formatLatency, formatPrecision, formatThroughput } from '../cli/summary-table';
import type { Comparison, ComparisonRow } from '../results/compare';
import type { ResultRecord, RunFile } from '../results/record';
import { summarizeRun } from '../results/baseline';
import { fmt, fmtNs } from '../plots/units';
import type { Row } from './html-table';

export const SUMMARY_COLUMNS = ['case', 'backend', 'dtype', 'status', 'median [95% CI]', 'throughput', 'precision', 'note'] as const;

function note(r: ResultRecord): string {
  if (r.status === 'unsupported') return r.reason ?? '';
  if (r.error) return `${r.error.code}: ${r.error.message.split('\n')[0] ?? ''}`;
  if (r.precision?.verdict === 'fail') return r.precision.reason ?? '';
  return '';
}

/** One row per record: what `abw run` prints at the end. */
export function summaryRows(records: readonly ResultRecord[]): Row[] {
  return records.map((r) => ({
    case: r.label,
    backend: r.backend,
    dtype: r.dtype,
    status: r.status,
    'median [95% CI]': formatLatency(r),
    throughput: formatThroughput(r),
    precision: formatPrecision(r),
    note: note(r),
  }));
}

/** `run 2026-…: matrix quick on linux-x64-…, backends cpu; 83 records: 80 ok, 3 unsupported; precision 80 pass, 0 fail`. */
export function runHeadline(run: RunFile): string {
  const s = summarizeRun(run);
  const statuses = Object.entries(s.byStatus)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return `run ${s.runId}: matrix ${s.matrix} on ${s.machine}, backends ${s.backends.join(', ')}; ${s.records} records: ${statuses || 'none'}; precision ${s.precision.pass} pass, ${s.precision.fail} fail${s.interrupted ? ' (interrupted)' : ''}`;
}

export const COMPARISON_COLUMNS = ['case', 'backend', 'dtype', 'verdict', 'baseline', 'now', 'ratio [95% CI]', 'p', 'precision', 'flags'] as const;

function ratioText(r: ComparisonRow): string {
  if (r.ratio === undefined) return '';
  const ci = r.ratioLow !== undefined && r.ratioHigh !== undefined ? ` [${fmt(r.ratioLow)}, ${fmt(r.ratioHigh)}]` : '';
  return `${fmt(r.ratio)}×${ci}`;
}

/** One row per compared case, in the comparison's order. */
export function comparisonRows(c: Comparison): Row[] {
  return c.rows.map((r) => ({
    case: r.label,
    backend: r.backend,
    dtype: r.dtype,
    verdict: r.verdict + (r.direction && r.verdict === 'ambiguous' ? ` (${r.direction})` : ''),
    baseline: r.base?.medianNs !== undefined ? fmtNs(r.base.medianNs) : (r.base?.status ?? ''),
    now: r.current?.medianNs !== undefined ? fmtNs(r.current.medianNs) : (r.current?.status ?? ''),
    'ratio [95% CI]': ratioText(r),
    p: r.p !== undefined ? fmt(r.p, 2) : '',
    precision: r.precisionChange,
    flags: r.flags.join(', '),
  }));
}

/** `base → current: 3 regression, 1 improvement, 40 same, …; 0 precision flips`. */
export function comparisonHeadline(c: Comparison): string {
  const counts = Object.entries(c.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return `${c.base.runId} (${c.base.machine}) → ${c.current.runId} (${c.current.machine}): ${counts || 'no cases'}; ${c.precisionFlips} precision flip${c.precisionFlips === 1 ? '' : 's'}, ${c.broken} broken`;
}
