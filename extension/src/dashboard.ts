/**
 * The results dashboard: one run file with its summary, a baseline picker (any stored baseline
 * or run of any machine, listed through the contents API), filters, the comparison plots of the
 * filtered cases, a virtualised sortable table and the full record of a clicked case.
 * Invalid or oversized files end in a readable error in the panel.
 */
import type { Contents } from '@jupyterlab/services';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import type { MachineFile } from '../../kernel-bridge/src/results/ceilings';
import type { Comparison } from '../../kernel-bridge/src/results/compare';
import type { RunFile } from '../../kernel-bridge/src/results/record';
import { fmt, fmtNs, VERDICT_COLORS } from '../../kernel-bridge/src/plots/units';
import { renderCaseDetail } from './case-detail';
import { compareRunsAsync, lastCompareThread } from './compare-async';
import { el, errorBox, kvTable } from './dom';
import { narrowComparison, viewFigures } from './plots-for-view';
import { drawPlot, purgePlots, resizePlots } from './plotly-view';
import { othersFor, renderReportHtml, reportInput, reportPathFor, saveReport } from './report-export';
import { listStored, loadCeilings, loadRun, resultsRootOf, type StoredFile } from './results-store';
import { parseRunText } from './run-file';
import {
  applyFilters,
  buildRows,
  FILTER_FIELDS,
  filterChoices,
  pruneFilters,
  rowCounts,
  sortRows,
  type DashboardRow,
  type FilterField,
  type Filters,
  type SortOrder,
} from './state';
import { VirtualTable, type Column } from './virtual-table';

const NO_BASELINE = '';

const COLUMNS: readonly Column[] = [
  { id: 'label', title: 'case', width: 'minmax(14em, 3fr)', text: (r) => r.label },
  { id: 'op', title: 'op / pipeline', width: 'minmax(7em, 1fr)', text: (r) => r.op },
  { id: 'backend', title: 'backend', width: '6.5em', text: (r) => r.backend },
  { id: 'dtype', title: 'dtype', width: '4.5em', text: (r) => r.dtype },
  { id: 'status', title: 'status', width: '6.5em', text: (r) => r.status },
  { id: 'precision', title: 'precision', width: '5.5em', text: (r) => r.precision },
  { id: 'baseMedianNs', title: 'baseline', width: '7em', numeric: true, text: (r) => fmtNs(r.baseMedianNs) },
  { id: 'medianNs', title: 'median', width: '7em', numeric: true, text: (r) => fmtNs(r.medianNs) },
  { id: 'ratio', title: 'new/base', width: '5.5em', numeric: true, text: (r) => fmt(r.ratio) },
  { id: 'p', title: 'p', width: '4.5em', numeric: true, text: (r) => fmt(r.p, 2) },
  { id: 'verdict', title: 'verdict', width: '7.5em', text: (r) => r.verdict + (r.flags ? ` (${r.flags})` : '') },
];

const FILTER_LABELS: Readonly<Record<FilterField, string>> = { backend: 'backend', dtype: 'dtype', op: 'op / pipeline', status: 'status', verdict: 'verdict' };

export class ResultsDashboard extends Widget {
  private run: RunFile | undefined;
  private runPath = '';
  private root: string | undefined;
  private stored: StoredFile[] = [];
  private baseline: RunFile | undefined;
  private baselinePath = NO_BASELINE;
  private comparison: Comparison | undefined;
  private ceilings: MachineFile | undefined;
  private rows: DashboardRow[] = [];
  private filtered: DashboardRow[] = [];
  private filters: Filters = {};
  private sort: SortOrder | undefined;
  private plotTimer = 0;
  /** Increments per baseline choice, so a slow earlier load cannot overwrite a later choice. */
  private baselineSeq = 0;
  /** The record whose detail is open, re-rendered when the baseline changes. */
  private openIndex: number | undefined;
  private readonly table: VirtualTable;
  private readonly summaryEl = el('section', { className: 'abw-summary' });
  private readonly controlsEl = el('section', { className: 'abw-controls' });
  private readonly countsEl = el('div', { className: 'abw-counts', attrs: { role: 'status' } });
  private readonly plotsEl = el('section', { className: 'abw-plots' });
  private readonly detailEl = el('section', { className: 'abw-detail' });
  private readonly messageEl = el('div', { className: 'abw-message' });

  constructor(private readonly contents: Contents.IManager) {
    super();
    this.addClass('abw-dashboard');
    this.node.tabIndex = -1;
    this.table = new VirtualTable(
      COLUMNS,
      (order) => {
        this.sort = order;
        this.refreshRows();
      },
      (row) => this.openCase(row),
    );
    this.node.append(
      this.messageEl,
      this.summaryEl,
      this.controlsEl,
      this.countsEl,
      el('div', { className: 'abw-main' }, [el('div', { className: 'abw-table-wrap' }, [this.table.node]), this.detailEl]),
      this.plotsEl,
    );
    this.showMessage('loading…');
  }

  /** The run shown, for commands (export). */
  get currentRun(): RunFile | undefined {
    return this.run;
  }

  get path(): string {
    return this.runPath;
  }

  /** Shows a readable error in the panel (file data is set as text). */
  showError(title: string, e: unknown): void {
    this.messageEl.replaceChildren(errorBox(title, e instanceof Error ? e.message : String(e)));
    this.node.dataset.state = 'error';
  }

  private showMessage(text: string): void {
    this.messageEl.replaceChildren(text ? el('p', { className: 'abw-muted', text }) : '');
  }

  /** Opens `path` whose text is already loaded (a document context), or loads it. */
  async showRun(path: string, text?: string): Promise<void> {
    this.runPath = path;
    this.title.label = path.split('/').pop() ?? path;
    try {
      this.run = text !== undefined ? parseRunText(text, path) : await loadRun(this.contents, path);
    } catch (e) {
      this.clearViews();
      this.showError('This file cannot be shown as an abw run', e);
      return;
    }
    this.root = resultsRootOf(path);
    this.stored = this.root !== undefined ? await listStored(this.contents, this.root).catch(() => []) : [];
    this.ceilings = this.root !== undefined ? await loadCeilings(this.contents, this.root, this.run.run.machine.key) : undefined;
    const pinned = this.stored.find((f) => f.kind === 'baseline' && f.machine === this.run!.run.machine.key && f.path !== path);
    await this.setBaseline(pinned?.path ?? NO_BASELINE);
  }

  /** Compares with the run file at `path` ('' = no baseline); errors are shown, the run stays. */
  async setBaseline(path: string): Promise<void> {
    if (!this.run) return;
    const seq = ++this.baselineSeq;
    this.showMessage(path ? `comparing ${this.run.records.length} cases with ${path}…` : '');
    this.baselinePath = path;
    this.baseline = undefined;
    this.comparison = undefined;
    if (path) {
      try {
        const baseline = await loadRun(this.contents, path);
        const comparison = await compareRunsAsync(baseline, this.run);
        if (seq !== this.baselineSeq) return;
        this.baseline = baseline;
        this.comparison = comparison;
        this.node.dataset.compareThread = lastCompareThread() ?? '';
        this.showMessage('');
      } catch (e) {
        if (seq !== this.baselineSeq) return;
        this.baselinePath = NO_BASELINE;
        this.showError(`The baseline ${path} cannot be used`, e);
      }
    }
    this.rows = buildRows(this.run, this.comparison);
    this.filters = pruneFilters(this.filters, this.rows);
    this.node.dataset.state = 'ready';
    this.node.dataset.baseline = this.baselinePath;
    this.renderSummary();
    this.renderControls();
    this.refreshRows();
    const open = this.openIndex !== undefined ? this.rows[this.openIndex] : undefined;
    if (open) this.openCase(open);
  }

  private clearViews(): void {
    this.openIndex = undefined;
    void purgePlots(this.plotsEl);
    for (const e of [this.summaryEl, this.controlsEl, this.countsEl, this.plotsEl, this.detailEl]) e.replaceChildren();
    this.table.setRows([]);
  }

  private renderSummary(): void {
    const run = this.run!;
    const m = run.run.machine;
    const all = rowCounts(this.rows);
    const timed = run.records.filter((r) => r.timing);
    this.summaryEl.replaceChildren(
      el('h2', { text: `${run.run.matrix.name} on ${m.key}` }),
      kvTable([
        ['run', `${run.run.id}${run.run.options.interrupted === true ? ' (interrupted)' : ''}`],
        ['file', this.runPath],
        ['machine', `${m.cpu.model} (${m.cpu.cores} cores), ${m.os.platform} ${m.os.arch}`],
        ['backends', run.run.backends.join(', ')],
        ['time', `${run.run.createdAt} → ${run.run.finishedAt ?? '?'}`],
        ['cases', `${all.total}: ${Object.entries(all.byStatus).map(([k, v]) => `${k} ${v}`).join(', ')}`],
        ['precision failures', String(run.records.filter((r) => r.precision?.verdict === 'fail').length)],
        ['timing', `${timed.length} timed, ${timed.filter((r) => !r.timing!.converged).length} did not reach their noise target`],
        ['ceilings', this.ceilings ? `calibrated ${Object.keys(this.ceilings.ceilings).join(', ')}` : 'not calibrated (abw calibrate)'],
      ]),
    );
  }

  private renderControls(): void {
    const picker = el('select', { className: 'abw-baseline-select', attrs: { 'aria-label': 'baseline' } });
    picker.append(el('option', { text: 'no baseline', attrs: { value: NO_BASELINE } }));
    const groups = new Map<string, HTMLOptGroupElement>();
    for (const f of this.stored) {
      if (f.path === this.runPath) continue;
      const label = f.kind === 'baseline' ? 'pinned baselines' : `runs of ${f.machine}`;
      let g = groups.get(label);
      if (!g) {
        g = document.createElement('optgroup');
        g.label = label;
        groups.set(label, g);
        picker.append(g);
      }
      g.append(el('option', { text: f.kind === 'baseline' ? `${f.machine} (baseline)` : f.name, attrs: { value: f.path } }));
    }
    if (this.baselinePath && !this.stored.some((f) => f.path === this.baselinePath)) {
      picker.append(el('option', { text: this.baselinePath, attrs: { value: this.baselinePath } }));
    }
    picker.value = this.baselinePath;
    picker.addEventListener('change', () => void this.setBaseline(picker.value));

    const choices = filterChoices(this.rows);
    const filters = FILTER_FIELDS.map((f) => {
      const s = el('select', { className: 'abw-filter', data: { filter: f }, attrs: { 'aria-label': FILTER_LABELS[f] } });
      s.append(el('option', { text: `all (${this.rows.length})`, attrs: { value: '' } }));
      for (const c of choices[f]) s.append(el('option', { text: `${c.value} (${c.count})`, attrs: { value: c.value } }));
      s.value = this.filters[f] ?? '';
      s.addEventListener('change', () => {
        this.filters = { ...this.filters, [f]: s.value };
        this.refreshRows();
      });
      return el('label', { className: 'abw-filter-label' }, [el('span', { text: FILTER_LABELS[f] }), s]);
    });
    const search = el('input', { className: 'abw-search', attrs: { type: 'search', placeholder: 'search case, op or key', 'aria-label': 'search' } });
    search.value = this.filters.text ?? '';
    search.addEventListener('input', () => {
      this.filters = { ...this.filters, text: search.value };
      this.refreshRows();
    });
    const exportButton = el('button', { className: 'abw-export jp-Button', text: 'Export report', attrs: { type: 'button' } });
    exportButton.addEventListener('click', () => void this.exportReport().catch((e) => this.showError('Export failed', e)));
    this.controlsEl.replaceChildren(
      el('label', { className: 'abw-filter-label abw-baseline-label' }, [el('span', { text: 'baseline' }), picker]),
      ...filters,
      search,
      exportButton,
    );
  }

  /** Filters and sorts, then updates the table, the counts and (debounced) the plots. */
  private refreshRows(): void {
    const matching = applyFilters(this.rows, this.filters);
    this.filtered = this.sort ? sortRows(matching, this.sort) : matching;
    this.table.setRows(this.filtered, this.sort);
    this.renderCounts();
    window.clearTimeout(this.plotTimer);
    this.plotTimer = window.setTimeout(() => void this.renderPlots(), 150);
  }

  private renderCounts(): void {
    const c = rowCounts(this.filtered);
    const parts: HTMLElement[] = [el('span', { text: `${c.total} of ${this.rows.length} cases` })];
    if (this.comparison) {
      const byVerdict = new Map<string, number>();
      for (const r of this.filtered) byVerdict.set(r.verdict, (byVerdict.get(r.verdict) ?? 0) + 1);
      for (const [v, n] of byVerdict) {
        const s = el('span', { className: 'abw-verdict-count', text: `${n} ${v}`, data: { verdict: v } });
        s.style.color = VERDICT_COLORS[v as keyof typeof VERDICT_COLORS] ?? '';
        parts.push(s);
      }
    }
    parts.push(el('span', { className: c.regressions ? 'abw-flag' : '', text: `${c.regressions} regressed`, data: { count: 'regressions' } }));
    parts.push(el('span', { className: c.precisionFailures ? 'abw-flag' : '', text: `${c.precisionFailures} precision failures`, data: { count: 'precision' } }));
    this.countsEl.replaceChildren(...parts);
  }

  private async renderPlots(): Promise<void> {
    if (!this.run) return;
    await purgePlots(this.plotsEl);
    const keys = new Set(this.filtered.map((r) => r.key));
    const records = this.filtered.map((r) => this.run!.records[r.index]!);
    const figs = viewFigures(records, this.comparison ? narrowComparison(this.comparison, keys) : undefined, this.ceilings);
    const header = el('h3', { text: this.filtered.length > 400 ? `Plots (the 400 most notable of ${this.filtered.length} cases; filter to narrow)` : 'Plots' });
    const boxes = figs.map((f) => {
      const box = el('div', { className: 'abw-plot-box', data: { figure: f.id } });
      return { f, box, figure: el('figure', {}, [el('figcaption', { text: f.title }), box]) };
    });
    this.plotsEl.replaceChildren(header, ...boxes.map((b) => b.figure));
    let drawn = 0;
    await Promise.all(
      boxes.map((b) =>
        drawPlot(b.box, b.f.figure).then(
          () => drawn++,
          (e) => b.box.replaceChildren(errorBox(`plot ${b.f.id} failed`, String(e))),
        ),
      ),
    );
    this.plotsEl.dataset.drawn = String(drawn);
  }

  private openCase(row: DashboardRow): void {
    const r = this.run!.records[row.index]!;
    this.openIndex = row.index;
    void purgePlots(this.detailEl);
    const c = this.comparison?.rows.find((x) => x.key === r.key);
    const close = el('button', { className: 'abw-close jp-Button', text: 'close', attrs: { type: 'button' } });
    close.addEventListener('click', () => {
      void purgePlots(this.detailEl);
      this.detailEl.replaceChildren();
      this.detailEl.classList.remove('abw-open');
      this.openIndex = undefined;
    });
    this.detailEl.replaceChildren(close, renderCaseDetail(r, this.run!.run, c));
    this.detailEl.classList.add('abw-open');
  }

  /** Writes the self-contained report beside the run file (as `abw report` does) and returns its path. */
  async exportReport(): Promise<string> {
    if (!this.run) throw new Error('no run is loaded');
    this.showMessage('building the report…');
    const baselineCeilings = this.baseline && this.root !== undefined ? await loadCeilings(this.contents, this.root, this.baseline.run.machine.key) : undefined;
    const others = await othersFor(this.contents, this.stored, this.run, this.baseline);
    const input = reportInput({
      run: this.run,
      ...(this.baseline ? { baseline: this.baseline } : {}),
      ...(this.comparison ? { comparison: this.comparison } : {}),
      ...(this.ceilings ? { ceilings: this.ceilings } : {}),
      ...(baselineCeilings ? { baselineCeilings } : {}),
      others,
      ...(this.baseline ? {} : { noBaselineReason: 'no baseline chosen in the dashboard' }),
    });
    const html = await renderReportHtml(input);
    const saved = await saveReport(this.contents, reportPathFor(this.runPath), html);
    this.showMessage(`report written: ${saved.path} (${(saved.bytes / 2 ** 20).toFixed(1)} MiB)`);
    this.node.dataset.exported = saved.path;
    return saved.path;
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.table.refresh();
    void resizePlots(this.node);
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.table.refresh();
  }

  override dispose(): void {
    void purgePlots(this.node);
    super.dispose();
  }
}
