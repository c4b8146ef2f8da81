/**
 * Static fallbacks of the workbench outputs for `abw notebook share`: `text/html` and
 * `text/plain` for figures, result sets and comparisons, so that nbconvert, nbviewer and plain
 * Jupyter installs show them without the workbench's extension.
 *
 * Payloads come from a notebook file, which is untrusted: table cells are HTML-escaped, figure
 * JSON goes into its script with `<`, `>`, `&`, U+2028/9 escaped (report/html.ts
 * jsonForScript), so no string in a payload can end the script or add markup.
 */
import { escapeHtml, inlineableScript, jsonForScript } from '../report/html';
import type { Figure } from '../plots/units';
import type { Comparison } from '../results/compare';
import type { RunFile } from '../results/record';
import { validateRunFile } from '../results/validate';
import { AbwError } from '../errors';
import { htmlTable, textTable } from './html-table';
import { comparisonHeadline, comparisonRows, runHeadline, summaryRows } from './summary-rows';
import { isComparison, isFigure } from './show';
import type { ComparisonPayload, FigurePayload, ResultsPayload } from './mime';

/** Rows of a shared table: the notebook stays readable; the full data is still in the payload. */
const SHARE_MAX_ROWS = 100;

/** The plotly.js bundle as a script element (put once, before the first figure). */
export function plotlyScript(plotlyJs: string): string {
  return `<script type="text/javascript" data-abw-plotly="1">${inlineableScript(plotlyJs)}</script>`;
}

export function figureTitle(figure: Figure): string {
  const t = figure.layout?.title;
  const text = typeof t === 'object' && t !== null ? (t as { text?: unknown }).text : t;
  return typeof text === 'string' && text !== '' ? text.replace(/<[^>]*>/g, '') : '(untitled figure)';
}

/**
 * A div and the script that draws `figure` into it with the page's Plotly. Ids are per output
 * (`index`), so that several figures of one notebook do not collide.
 */
export function figureHtml(figure: Figure, index: number, caption?: string): string {
  const id = `abw-plot-${index}`;
  const height = typeof figure.layout?.height === 'number' && figure.layout.height > 0 && figure.layout.height < 5000 ? figure.layout.height : 450;
  const cap = caption ? `<div style="font:12px system-ui,sans-serif;color:#555">${escapeHtml(caption)}</div>` : '';
  return (
    `<div class="abw-plot" id="${id}" style="width:100%;height:${height}px"></div>${cap}` +
    `<script type="text/javascript">(function () {` +
    `var el = document.getElementById(${JSON.stringify(id)}); var f = ${jsonForScript(figure)};` +
    `if (!window.Plotly) { el.textContent = 'plotly.js did not load: this figure cannot be drawn'; return; }` +
    `window.Plotly.newPlot(el, f.data, f.layout, { responsive: true, displaylogo: false }).then(function () { el.setAttribute('data-abw-drawn', '1'); },` +
    ` function (e) { el.setAttribute('data-abw-failed', String(e && e.message ? e.message : e)); });` +
    `})();</script>`
  );
}

export function figureText(figure: Figure, caption?: string): string {
  return `[figure] ${figureTitle(figure)} (${figure.data.length} trace${figure.data.length === 1 ? '' : 's'})${caption ? `: ${caption}` : ''}`;
}

function invalid(what: string, why: string): AbwError {
  return new AbwError('ABW_ESCHEMA', `${what}: ${why}`, what);
}

export function checkFigure(x: unknown, what: string): Figure {
  if (!isFigure(x)) throw invalid(what, 'not a plotly figure { data: [...], layout: {...} }');
  return x;
}

export function checkFigurePayload(x: unknown): FigurePayload {
  const p = x as FigurePayload;
  if (typeof x !== 'object' || x === null) throw invalid('figure payload', 'not an object');
  checkFigure(p.figure, 'figure payload .figure');
  if (p.caption !== undefined && typeof p.caption !== 'string') throw invalid('figure payload .caption', 'not a string');
  return p;
}

/** Each run is validated against the run schema (run.v1). */
export function checkResultsPayload(x: unknown): ResultsPayload {
  const p = x as ResultsPayload;
  if (typeof x !== 'object' || x === null || !Array.isArray(p.runs)) throw invalid('results payload', 'has no runs array');
  p.runs.forEach((r, i) => validateRunFile(r, `results payload .runs[${i}]`));
  if (p.baseline !== undefined) validateRunFile(p.baseline, 'results payload .baseline');
  return p;
}

export function checkComparisonPayload(x: unknown): ComparisonPayload {
  const p = x as ComparisonPayload;
  if (typeof x !== 'object' || x === null || !isComparison(p.comparison)) throw invalid('comparison payload', 'has no comparison (base, current, counts, rows)');
  p.comparison.rows.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || !Array.isArray(r.flags)) throw invalid(`comparison payload .rows[${i}]`, 'is not a comparison row');
  });
  return p;
}

export function resultsHtml(p: ResultsPayload): string {
  const tables = p.runs.map((run: RunFile) =>
    htmlTable(summaryRows(run.records), { caption: runHeadline(run), maxRows: SHARE_MAX_ROWS, numeric: ['median [95% CI]', 'throughput'] }),
  );
  const base = p.baseline ? `<p style="font:12px system-ui,sans-serif">baseline: ${escapeHtml(runHeadline(p.baseline))}</p>` : '';
  return `<div class="abw-results">${tables.join('\n')}${base}</div>`;
}

export function resultsText(p: ResultsPayload): string {
  return p.runs.map((run) => textTable(summaryRows(run.records), { caption: runHeadline(run), maxRows: SHARE_MAX_ROWS })).join('\n\n');
}

export function comparisonHtml(c: Comparison): string {
  return `<div class="abw-comparison">${htmlTable(comparisonRows(c), { caption: comparisonHeadline(c), maxRows: SHARE_MAX_ROWS, numeric: ['baseline', 'now', 'ratio [95% CI]', 'p'] })}</div>`;
}

export function comparisonText(c: Comparison): string {
  return textTable(comparisonRows(c), { caption: comparisonHeadline(c), maxRows: SHARE_MAX_ROWS });
}
