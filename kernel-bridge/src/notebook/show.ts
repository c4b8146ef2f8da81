/**
 * `show(x)`: one call for everything a notebook displays. Each kind goes out as one output of
 * one MIME type (tslab's display API has no bundles):
 *   figure (plot builders)        → application/vnd.plotly.v1+json (VS Code and JupyterLab render it)
 *   run file(s), matrix result    → application/vnd.abw.results+json (the workbench's JupyterLab extension)
 *   comparison (compareRuns)      → application/vnd.abw.comparison+json
 *   table (rows, arquero table)   → text/html
 *   string                        → text/plain
 * `abw notebook share` adds HTML, text and PNG fallbacks to the workbench outputs afterwards.
 * Outside a kernel, the text form is printed to stdout instead.
 */
import { AbwError } from '../errors';
import type { Figure } from '../plots/units';
import type { Comparison } from '../results/compare';
import type { RunFile } from '../results/record';
import { displayTarget, type DisplayOutput } from './display-target';
import { DEFAULT_MAX_ROWS, htmlTable, textTable, type Row, type TableOptions } from './html-table';
import { MIME_COMPARISON, MIME_PLOTLY, MIME_RESULTS } from './mime';
import { comparisonPayload, resultsPayload, type ResultsPayloadOptions } from './payloads';
import { comparisonHeadline, comparisonRows, runHeadline, summaryRows } from './summary-rows';
import { escapeHtml } from '../report/html';

/** An arquero table (or anything with `objects()`), e.g. loadRuns(...).table. */
export interface TableLike {
  objects(options?: { limit?: number }): object[];
  numRows(): number;
}

export type Showable = Figure | RunFile | readonly RunFile[] | Comparison | { readonly run: RunFile } | TableLike | readonly Row[] | string;

export function isFigure(x: unknown): x is Figure {
  return typeof x === 'object' && x !== null && Array.isArray((x as Figure).data) && typeof (x as Figure).layout === 'object' && (x as Figure).layout !== null;
}

export function isRunFile(x: unknown): x is RunFile {
  return typeof x === 'object' && x !== null && (x as RunFile).schema === 'abw.run' && Array.isArray((x as RunFile).records);
}

export function isComparison(x: unknown): x is Comparison {
  const c = x as Comparison;
  return typeof x === 'object' && x !== null && Array.isArray(c.rows) && typeof c.base === 'object' && typeof c.current === 'object' && typeof c.counts === 'object';
}

function isTableLike(x: unknown): x is TableLike {
  return typeof x === 'object' && x !== null && typeof (x as TableLike).objects === 'function' && typeof (x as TableLike).numRows === 'function';
}

/** Sends one output, or prints `text` when there is no kernel display. */
function emit(mime: string, data: string | object, text: () => string, out?: DisplayOutput): void {
  const target = out ?? displayTarget()?.display;
  if (target) target.raw(mime, data);
  else process.stdout.write(`${text()}\n`);
}

export function showFigure(figure: Figure): void {
  if (!isFigure(figure)) throw new AbwError('ABW_EINVAL', 'showFigure: figure must be a plotly figure { data: [...], layout: {...} } from a plot builder', 'figure');
  emit(MIME_PLOTLY, figure, () => `[figure] ${String(figure.layout.title?.text ?? '(untitled)')}: ${figure.data.length} trace(s)`);
}

export function showResults(runs: RunFile | readonly RunFile[], options: ResultsPayloadOptions = {}): void {
  const list = (Array.isArray(runs) ? runs : [runs]) as readonly RunFile[];
  list.forEach((r, i) => {
    if (!isRunFile(r)) throw new AbwError('ABW_EINVAL', `showResults: runs[${i}] is not a run file (schema abw.run)`, `runs[${i}]`);
  });
  emit(MIME_RESULTS, resultsPayload(list, options), () => list.map(runHeadline).join('\n'));
}

export function showComparison(comparison: Comparison): void {
  if (!isComparison(comparison)) throw new AbwError('ABW_EINVAL', 'showComparison: expected the output of compareRuns', 'comparison');
  emit(MIME_COMPARISON, comparisonPayload(comparison), () => comparisonHeadline(comparison));
}

/** Rows (objects) or an arquero table as an HTML table. */
export function showTable(rows: readonly Row[] | TableLike, options: TableOptions = {}): void {
  // An arquero table is read only up to the rows shown; the note says how many it has.
  const list = isTableLike(rows) ? (rows.objects({ limit: options.maxRows ?? DEFAULT_MAX_ROWS }) as Row[]) : rows;
  const opts = isTableLike(rows) ? { ...options, totalRows: rows.numRows() } : options;
  emit('text/html', htmlTable(list, opts), () => textTable(list, opts));
}

/** A run's summary table (what `abw run` prints), as HTML. */
export function showSummary(run: RunFile | { readonly run: RunFile }): void {
  const file = isRunFile(run) ? run : run.run;
  showTable(summaryRows(file.records), { caption: runHeadline(file), numeric: ['median [95% CI]', 'throughput'] });
}

/** A comparison's rows as an HTML table (the extension draws the richer view from showComparison). */
export function showComparisonTable(comparison: Comparison, options: { readonly maxRows?: number } = {}): void {
  showTable(comparisonRows(comparison), { caption: comparisonHeadline(comparison), numeric: ['baseline', 'now', 'ratio [95% CI]', 'p'], ...options });
}

export type NoteLevel = 'info' | 'warning';

/** A short message in the notebook (e.g. why a backend or a section is skipped). */
export function note(message: string, level: NoteLevel = 'info'): void {
  const colour = level === 'warning' ? '#8a6d00;background:#fff8e1;border-left:4px solid #e0a800' : '#1f4e79;background:#eef5fb;border-left:4px solid #1f77b4';
  emit(
    'text/html',
    `<div class="abw-note abw-note-${level}" style="color:${colour};padding:6px 10px;font:13px/1.4 system-ui,sans-serif">${escapeHtml(message)}</div>`,
    () => `${level === 'warning' ? 'warning: ' : ''}${message}`,
  );
}

/** Displays `x` with the output kind that fits it (see the header). */
export function show(x: Showable, options: TableOptions = {}): void {
  if (typeof x === 'string') return emit('text/plain', x, () => x);
  if (isFigure(x)) return showFigure(x);
  if (isComparison(x)) return showComparison(x);
  if (isRunFile(x)) return showResults(x);
  if (Array.isArray(x) && x.length > 0 && x.every(isRunFile)) return showResults(x as readonly RunFile[]);
  if (typeof x === 'object' && x !== null && 'run' in x && isRunFile((x as { run: unknown }).run)) return showResults((x as { run: RunFile }).run);
  if (isTableLike(x) || Array.isArray(x)) return showTable(x as readonly Row[] | TableLike, options);
  throw new AbwError('ABW_EINVAL', 'show: cannot display this value; it takes a figure, run file(s), a matrix result, a comparison, table rows, an arquero table or a string', 'x');
}
