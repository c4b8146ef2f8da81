/**
 * Shared helpers of the plot builders: plotly figure types, units and axes, and the escaping of
 * strings that come from result files.
 *
 * plotly renders titles, tick labels, legend names and hover text as a small HTML dialect
 * (<b>, <br>, <a href>, <span style>) and treats `$…$` as LaTeX. Result files are untrusted, so
 * every string taken from one goes through `escapeText` before it reaches a figure: `&`, `<`,
 * `>` and `$` become entities, which plotly shows as the plain characters.
 */
import type { ResultRecord } from '../results/record';

export type Trace = Record<string, unknown>;
export interface Layout extends Record<string, unknown> {
  readonly title?: { readonly text: string };
}
/** A plotly figure: what `Plotly.newPlot(div, data, layout)` takes. */
export interface Figure {
  readonly data: Trace[];
  readonly layout: Layout;
}

/** Longest string taken from a result file into a figure (hostile files carry megabytes). */
export const MAX_TEXT = 200;

export function escapeText(s: unknown, max = MAX_TEXT): string {
  let t = typeof s === 'string' ? s : String(s);
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  return t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\$/g, '&#36;');
}

export interface TimeUnit {
  readonly unit: 'ns' | 'µs' | 'ms' | 's';
  /** Nanoseconds per unit. */
  readonly ns: number;
}

/** The unit that suits typical values of `ns` (their median), so tick labels stay short. */
export function timeUnit(ns: readonly number[]): TimeUnit {
  const v = ns.filter((x) => Number.isFinite(x) && x > 0).sort((a, b) => a - b);
  const mid = v.length ? (v[Math.floor(v.length / 2)] as number) : 1;
  if (mid < 1e3) return { unit: 'ns', ns: 1 };
  if (mid < 1e6) return { unit: 'µs', ns: 1e3 };
  if (mid < 1e9) return { unit: 'ms', ns: 1e6 };
  return { unit: 's', ns: 1e9 };
}

/** Axes switch to log when positive values span this many decades. */
export const LOG_DECADES = 2;

export function spansDecades(values: readonly (number | null | undefined)[], decades = LOG_DECADES): boolean {
  let lo = Infinity;
  let hi = 0;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi > 0 && hi / lo >= 10 ** decades;
}

export function axisType(values: readonly (number | null | undefined)[]): 'log' | 'linear' {
  return spansDecades(values) ? 'log' : 'linear';
}

/** A value axis titled `what (unit)`. */
export function valueAxis(what: string, unit: string, values: readonly (number | null | undefined)[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: `${what} (${unit})` }, type: axisType(values), automargin: true, zeroline: false, ...extra };
}

export function categoryAxis(what: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: what }, type: 'category', automargin: true, ...extra };
}

/** 3 significant digits, SI-free: 0.000123 → 1.23e-4, 1234 → 1234, 12.345 → 12.3. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(digits - 1);
  if (a >= 10 ** digits) return Math.round(x).toString();
  return Number(x.toPrecision(digits)).toString();
}

export function fmtNs(ns: number | null | undefined): string {
  if (typeof ns !== 'number' || !Number.isFinite(ns)) return '–';
  const u = timeUnit([ns]);
  return `${fmt(ns / u.ns)} ${u.unit}`;
}

export function fmtBytes(b: number | null | undefined): string {
  if (typeof b !== 'number' || !Number.isFinite(b)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Math.abs(b);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${b < 0 ? '-' : ''}${fmt(v)} ${units[i]}`;
}

export function fmtPct(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${fmt(x * 100)}%` : '–';
}

function paramValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => String(x)).join(', ')}]`;
  return String(v);
}

/** `padding=3, stride=1` (escaped). */
export function paramsText(params: ResultRecord['params'] | undefined): string {
  if (!params) return '';
  const parts = Object.keys(params)
    .sort()
    .map((k) => `${k}=${paramValue(params[k])}`);
  return escapeText(parts.join(', '), 600);
}

export function shapesText(shapes: ResultRecord['shapes'] | undefined): string {
  if (!shapes) return '';
  return escapeText(shapes.map((s) => (s ? `[${s.join('×')}]` : '–')).join(', '), 300);
}

interface CaseLike {
  readonly label: string;
  readonly op: string;
  readonly backend: string;
  readonly dtype: string;
  readonly params: ResultRecord['params'];
  readonly shapes: ResultRecord['shapes'];
}

/** Hover text carrying the case's full parameters; `lines` are trusted, already-formatted text. */
export function caseHover(r: CaseLike, lines: readonly string[] = []): string {
  return [
    `<b>${escapeText(r.label)}</b>`,
    `${escapeText(r.op)} · ${escapeText(r.backend)} · ${escapeText(r.dtype)}`,
    `shapes: ${shapesText(r.shapes)}`,
    `params: ${paramsText(r.params) || '(none)'}`,
    ...lines,
  ].join('<br>');
}

/** `label · backend · dtype`, escaped; unique within one figure (a repeated name gets ` #2`). */
export function caseNames(cases: readonly { readonly label: string; readonly backend: string; readonly dtype: string }[]): string[] {
  const seen = new Map<string, number>();
  return cases.map((c) => {
    const base = `${escapeText(c.label, 80)} · ${escapeText(c.backend, 40)} · ${escapeText(c.dtype, 16)}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  });
}

/** A figure with no data and a message in the middle (e.g. "no pipeline cases in this run"). */
export function emptyFigure(title: string, message: string, xTitle: string, yTitle: string): Figure {
  return {
    data: [],
    layout: {
      title: { text: title },
      xaxis: { title: { text: xTitle }, showticklabels: false, zeroline: false },
      yaxis: { title: { text: yTitle }, showticklabels: false, zeroline: false },
      annotations: [{ text: message, showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, font: { size: 14 } }],
    },
  };
}

/** Colours of the verdicts (same in the forest plot, the tables and the report). */
export const VERDICT_COLORS: Readonly<Record<string, string>> = {
  regression: '#d62728',
  improvement: '#2ca02c',
  ambiguous: '#ff7f0e',
  same: '#7f7f7f',
  new: '#1f77b4',
  missing: '#9467bd',
  unmeasured: '#8c564b',
};

/** A qualitative palette for series (backends, machines, dtypes). */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function color(i: number): string {
  return PALETTE[i % PALETTE.length] as string;
}

/** Records measured with a timing (status ok). */
export function timedRecords(records: readonly ResultRecord[]): ResultRecord[] {
  return records.filter((r) => r.status === 'ok' && r.timing && r.timing.stats.median > 0);
}

/** Height that fits `rows` categories on a vertical axis. */
export function heightFor(rows: number, min = 360, perRow = 22, max = 4000): number {
  return Math.max(min, Math.min(max, 120 + rows * perRow));
}
