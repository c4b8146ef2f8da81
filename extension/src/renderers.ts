/**
 * Renderers for the workbench's notebook MIME types (kernel-bridge/src/notebook/mime.ts) and for
 * plain plotly JSON. Payloads are untrusted: they are checked before use, strings reach the DOM
 * as text only, and a bad payload renders as a readable error in the output.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import {
  MIME_COMPARISON,
  MIME_FIGURE,
  MIME_PAYLOAD_VERSION,
  MIME_PLOTLY,
  MIME_RESULTS,
  type ComparisonPayload,
  type FigurePayload,
  type ResultsPayload,
} from '../../kernel-bridge/src/notebook/mime';
import type { Comparison } from '../../kernel-bridge/src/results/compare';
import { compareRunsAsync } from './compare-async';
import type { RunFile } from '../../kernel-bridge/src/results/record';
import { fmt, fmtNs } from '../../kernel-bridge/src/plots/units';
import { renderCaseDetail } from './case-detail';
import { el, errorBox } from './dom';
import { narrowComparison, viewFigures } from './plots-for-view';
import { drawPlot, purgePlots, resizePlots, type PlotFigure } from './plotly-view';
import { validateRun } from './run-file';
import { applyFilters, buildRows, rowCounts, rowsFromComparison, sortRows, type DashboardRow, type SortOrder } from './state';
import { VirtualTable, type Column } from './virtual-table';

/** Thrown for a payload that does not have the contract's shape; the message names the field. */
class PayloadError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkFigure(v: unknown, field: string): PlotFigure {
  if (!isObject(v)) throw new PayloadError(`${field}: must be an object with data and layout`);
  if (!Array.isArray(v.data)) throw new PayloadError(`${field}.data: must be an array of traces`);
  if (v.layout !== undefined && !isObject(v.layout)) throw new PayloadError(`${field}.layout: must be an object`);
  return { data: v.data, ...(v.layout ? { layout: v.layout as Record<string, unknown> } : {}) };
}

function checkVersion(v: unknown, mime: string): Record<string, unknown> {
  if (!isObject(v)) throw new PayloadError(`${mime}: the payload must be an object`);
  if (v.version !== MIME_PAYLOAD_VERSION) throw new PayloadError(`${mime}: version must be ${MIME_PAYLOAD_VERSION}, got ${JSON.stringify(v.version)}`);
  return v;
}

/** Base: a widget that draws plots, resizes them with the panel and frees them on dispose. */
abstract class PlotOutput extends Widget implements IRenderMime.IRenderer {
  private readonly observer = new ResizeObserver(() => void resizePlots(this.node));

  constructor(protected readonly mimeType: string) {
    super();
    this.addClass('abw-output');
    this.observer.observe(this.node);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    await purgePlots(this.node);
    this.node.replaceChildren();
    try {
      await this.render(model.data[this.mimeType]);
    } catch (e) {
      this.node.replaceChildren(errorBox(`abw: cannot render ${this.mimeType}`, e instanceof Error ? e.message : String(e)));
    }
  }

  protected abstract render(payload: unknown): Promise<void>;

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    void resizePlots(this.node);
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    void resizePlots(this.node);
  }

  override dispose(): void {
    this.observer.disconnect();
    void purgePlots(this.node);
    super.dispose();
  }
}

export class FigureRenderer extends PlotOutput {
  protected async render(payload: unknown): Promise<void> {
    const p = checkVersion(payload, MIME_FIGURE) as unknown as FigurePayload;
    const figure = checkFigure(p.figure, 'figure');
    const box = el('div', { className: 'abw-plot-box' });
    this.node.append(box);
    if (typeof p.caption === 'string') this.node.append(el('p', { className: 'abw-caption', text: p.caption }));
    await drawPlot(box, figure);
  }
}

export class PlotlyRenderer extends PlotOutput {
  protected async render(payload: unknown): Promise<void> {
    const box = el('div', { className: 'abw-plot-box' });
    this.node.append(box);
    await drawPlot(box, checkFigure(payload, MIME_PLOTLY));
  }
}

const TABLE_COLUMNS: readonly Column[] = [
  { id: 'label', title: 'case', width: 'minmax(12em, 3fr)', text: (r) => r.label },
  { id: 'backend', title: 'backend', width: '6.5em', text: (r) => r.backend },
  { id: 'dtype', title: 'dtype', width: '4.5em', text: (r) => r.dtype },
  { id: 'status', title: 'status', width: '6em', text: (r) => r.status },
  { id: 'precision', title: 'precision', width: '5.5em', text: (r) => r.precision },
  { id: 'medianNs', title: 'median', width: '7em', numeric: true, text: (r) => fmtNs(r.medianNs) },
  { id: 'ratio', title: 'new/base', width: '5.5em', numeric: true, text: (r) => fmt(r.ratio) },
  { id: 'verdict', title: 'verdict', width: '7.5em', text: (r) => r.verdict },
];

/** A sortable case table with a detail pane (for results and comparisons in outputs). */
function caseTable(rows: DashboardRow[], onOpen: (row: DashboardRow, detail: HTMLElement) => void): HTMLElement {
  const detail = el('div', { className: 'abw-detail' });
  let order: SortOrder | undefined;
  const table: VirtualTable = new VirtualTable(
    TABLE_COLUMNS,
    (o) => {
      order = o;
      table.setRows(sortRows(applyFilters(rows, {}), o), order);
    },
    (row) => onOpen(row, detail),
  );
  table.setRows(rows);
  table.node.classList.add('abw-vt-compact');
  const c = rowCounts(rows);
  return el('div', { className: 'abw-case-table' }, [
    el('p', { className: 'abw-counts', text: `${c.total} cases; ${c.regressions} regressed; ${c.precisionFailures} precision failures` }),
    table.node,
    detail,
  ]);
}

export class ResultsRenderer extends PlotOutput {
  protected async render(payload: unknown): Promise<void> {
    const p = checkVersion(payload, MIME_RESULTS) as unknown as ResultsPayload;
    if (!Array.isArray(p.runs) || p.runs.length === 0) throw new PayloadError(`${MIME_RESULTS}: runs must be a non-empty array of run files`);
    const runs: RunFile[] = p.runs.map((r, i) => validateRun(r, `runs[${i}]`));
    const baseline = p.baseline !== undefined ? validateRun(p.baseline, 'baseline') : undefined;
    if (p.samplesTrimmed) this.node.append(el('p', { className: 'abw-muted', text: 'raw samples were trimmed to keep the notebook small' }));
    for (const run of runs) {
      const comparison: Comparison | undefined = baseline ? await compareRunsAsync(baseline, run) : undefined;
      this.node.append(el('h3', { text: `${run.run.matrix.name} on ${run.run.machine.key}: run ${run.run.id}${baseline ? ` vs ${baseline.run.id}` : ''}` }));
      this.node.append(
        caseTable(buildRows(run, comparison), (row, detail) => {
          void purgePlots(detail);
          detail.replaceChildren(renderCaseDetail(run.records[row.index]!, run.run, comparison?.rows.find((x) => x.key === row.key)));
        }),
      );
    }
  }
}

export class ComparisonRenderer extends PlotOutput {
  protected async render(payload: unknown): Promise<void> {
    const p = checkVersion(payload, MIME_COMPARISON) as unknown as ComparisonPayload;
    const c = p.comparison;
    if (!isObject(c) || !Array.isArray(c.rows) || !isObject(c.base) || !isObject(c.current)) throw new PayloadError(`${MIME_COMPARISON}: comparison must be the output of compareRuns (base, current, rows)`);
    const rows = rowsFromComparison(c);
    this.node.append(el('h3', { text: `${c.base.runId} (${c.base.machine}) → ${c.current.runId} (${c.current.machine})` }));
    this.node.append(
      caseTable(rows, (row, detail) => {
        const r = c.rows[row.index]!;
        detail.replaceChildren(
          el('pre', {
            className: 'abw-comparison-row',
            text: `${r.label}\nverdict ${r.verdict}; new/base ${fmt(r.ratio)} [${fmt(r.ratioLow)}, ${fmt(r.ratioHigh)}], p ${fmt(r.p, 2)}; precision ${r.precisionChange}; flags ${r.flags.join(', ') || '–'}`,
          }),
        );
      }),
    );
    const figs = viewFigures([], narrowComparison(c, new Set(c.rows.map((r) => r.key))), undefined).slice(0, 2);
    for (const f of figs) {
      const box = el('div', { className: 'abw-plot-box' });
      this.node.append(box);
      await drawPlot(box, f.figure);
    }
  }
}

/** Lower ranks win. Below text/html (50) so a bundle's rich view is preferred over its HTML fallback. */
export const ABW_RANK = 40;
/** The fallback plotly renderer's rank; jupyterlab-plotly registers at 0. */
export const PLOTLY_FALLBACK_RANK = 45;

export function abwRendererFactories(): IRenderMime.IRendererFactory[] {
  return [
    { safe: true, mimeTypes: [MIME_FIGURE], defaultRank: ABW_RANK, createRenderer: (o) => new FigureRenderer(o.mimeType) },
    { safe: true, mimeTypes: [MIME_RESULTS], defaultRank: ABW_RANK, createRenderer: (o) => new ResultsRenderer(o.mimeType) },
    { safe: true, mimeTypes: [MIME_COMPARISON], defaultRank: ABW_RANK, createRenderer: (o) => new ComparisonRenderer(o.mimeType) },
  ];
}

export const plotlyFallbackFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_PLOTLY],
  defaultRank: PLOTLY_FALLBACK_RANK,
  createRenderer: (o) => new PlotlyRenderer(o.mimeType),
};
