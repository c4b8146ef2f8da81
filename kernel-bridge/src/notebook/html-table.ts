/**
 * Rows → an HTML table for notebook outputs and the shared copy's fallbacks. Every cell is
 * escaped (values may come from result files, which are untrusted); long tables are cut with a
 * visible note rather than flooding the notebook.
 */
import { fmt } from '../plots/units';
import { escapeHtml } from '../report/html';

export type Cell = string | number | boolean | null | undefined;
export type Row = Readonly<Record<string, Cell>>;

export interface TableOptions {
  /** Columns in order (default: the keys of the first row). */
  readonly columns?: readonly string[];
  /** Most rows shown (default 200). */
  readonly maxRows?: number;
  readonly caption?: string;
  /** Columns aligned right (default: the columns whose values are all numbers). */
  readonly numeric?: readonly string[];
  /** The rows given are the first of this many (a table read with a limit). */
  readonly totalRows?: number;
}

export const DEFAULT_MAX_ROWS = 200;
const MAX_CELL = 300;

/** Numbers with 4 significant digits (metrics carry 17); integers and non-finite values as they are. */
function cellText(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v) ? fmt(v, 4) : String(v);
  return s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s;
}

const STYLE = 'border-collapse:collapse;font:12px/1.4 system-ui,sans-serif';
// Explicit alignment: JupyterLab's stylesheet right-aligns every cell of rendered HTML tables.
const TH = 'text-align:left;border-bottom:1px solid #888;padding:2px 8px';
const TD = 'text-align:left;vertical-align:top;border-bottom:1px solid #ddd;padding:2px 8px;max-width:48em';
const TD_NUMERIC = 'text-align:right;vertical-align:top;border-bottom:1px solid #ddd;padding:2px 8px;white-space:nowrap';

export function htmlTable(rows: readonly Row[], options: TableOptions = {}): string {
  const columns = options.columns ?? Object.keys(rows[0] ?? {});
  const max = options.maxRows ?? DEFAULT_MAX_ROWS;
  const shown = rows.slice(0, max);
  const numeric = new Set(options.numeric ?? columns.filter((c) => shown.some((r) => typeof r[c] === 'number') && shown.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number')));
  const head = columns.map((c) => `<th style="${TH}">${escapeHtml(c)}</th>`).join('');
  const body = shown
    .map((r) => `<tr>${columns.map((c) => `<td style="${numeric.has(c) ? TD_NUMERIC : TD}">${escapeHtml(cellText(r[c]))}</td>`).join('')}</tr>`)
    .join('\n');
  const caption = options.caption ? `<caption style="text-align:left;font-weight:600;padding:4px 0">${escapeHtml(options.caption)}</caption>` : '';
  const total = Math.max(rows.length, options.totalRows ?? 0);
  const cut = total > shown.length ? `<p style="font:12px system-ui,sans-serif;color:#666">… ${total - shown.length} more rows not shown (of ${total})</p>` : '';
  return `<table class="abw-table" style="${STYLE}">${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${cut}`;
}

/** The same rows as fixed-width text (the `text/plain` fallback). */
export function textTable(rows: readonly Row[], options: TableOptions = {}): string {
  const columns = options.columns ?? Object.keys(rows[0] ?? {});
  const max = options.maxRows ?? DEFAULT_MAX_ROWS;
  const shown = rows.slice(0, max).map((r) => columns.map((c) => cellText(r[c])));
  const widths = columns.map((c, i) => Math.max([...c].length, ...shown.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...c].length))).join('  ').trimEnd();
  const out = [line(columns), line(widths.map((w) => '-'.repeat(w))), ...shown.map(line)];
  const total = Math.max(rows.length, options.totalRows ?? 0);
  if (total > shown.length) out.push(`… ${total - shown.length} more rows not shown (of ${total})`);
  return (options.caption ? `${options.caption}\n` : '') + out.join('\n');
}
