/**
 * A sortable table that stays fast with tens of thousands of rows: only the rows in view (plus
 * a margin) exist in the DOM; a spacer gives the scroll bar its full height. Rows have a fixed
 * height, so the visible range is arithmetic. Hand-written because JupyterLab ships no data grid
 * for arbitrary DOM cells (@lumino/datagrid draws on a canvas, which cannot be read by tests or
 * screen readers) and the table needs nothing else.
 */
import { el } from './dom';
import { toggleSort, type DashboardRow, type SortColumn, type SortOrder } from './state';

export interface Column {
  readonly id: SortColumn;
  readonly title: string;
  /** CSS grid track, e.g. `minmax(12em, 3fr)` or `7em`. */
  readonly width: string;
  readonly numeric?: boolean;
  readonly text: (r: DashboardRow) => string;
}

export const ROW_HEIGHT = 26;
const OVERSCAN = 10;

export class VirtualTable {
  readonly node: HTMLElement;
  private readonly header: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly body: HTMLElement;
  private rows: readonly DashboardRow[] = [];
  private frame = 0;
  private sort: SortOrder | undefined;

  constructor(
    private readonly columns: readonly Column[],
    private readonly onSort: (order: SortOrder) => void,
    private readonly onOpen: (row: DashboardRow) => void,
  ) {
    const template = columns.map((c) => c.width).join(' ');
    this.header = el('div', { className: 'abw-vt-header', attrs: { role: 'row' } });
    this.header.style.gridTemplateColumns = template;
    for (const c of columns) {
      const h = el('button', { className: 'abw-vt-th', text: c.title, data: { column: c.id }, attrs: { type: 'button', role: 'columnheader' } });
      h.addEventListener('click', () => {
        this.sort = toggleSort(this.sort, c.id);
        this.onSort(this.sort);
      });
      this.header.append(h);
    }
    this.spacer = el('div', { className: 'abw-vt-spacer' });
    this.body = el('div', { className: 'abw-vt-body', attrs: { role: 'rowgroup' } });
    this.body.style.setProperty('--abw-vt-columns', template);
    this.viewport = el('div', { className: 'abw-vt-viewport' }, [this.spacer, this.body]);
    this.viewport.addEventListener('scroll', () => this.schedule());
    this.body.addEventListener('click', (e) => {
      const rowEl = (e.target as HTMLElement).closest<HTMLElement>('.abw-vt-row');
      const i = rowEl ? Number(rowEl.dataset.pos) : NaN;
      const row = this.rows[i];
      if (row) this.onOpen(row);
    });
    this.node = el('div', { className: 'abw-vt', attrs: { role: 'table' } }, [this.header, this.viewport]);
  }

  /** Shows `rows` (already filtered and sorted); `order` marks the sorted header. */
  setRows(rows: readonly DashboardRow[], order?: SortOrder): void {
    this.rows = rows;
    this.sort = order;
    for (const h of Array.from(this.header.children) as HTMLElement[]) {
      const sorted = order?.column === h.dataset.column;
      h.dataset.sort = sorted ? (order!.descending ? 'descending' : 'ascending') : '';
      h.setAttribute('aria-sort', sorted ? (order!.descending ? 'descending' : 'ascending') : 'none');
    }
    this.spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    this.render();
  }

  /** Re-renders after the viewport changed size (the panel was resized). */
  refresh(): void {
    this.render();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((this.viewport.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
    this.body.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    const frag = document.createDocumentFragment();
    for (let i = first; i < last; i++) {
      const r = this.rows[i]!;
      const classes = ['abw-vt-row'];
      if (r.regressed) classes.push('abw-regressed');
      if (r.precisionFailed) classes.push('abw-precision-fail');
      const row = el('div', { className: classes.join(' '), data: { pos: String(i), verdict: r.verdict }, attrs: { role: 'row', tabindex: '0' } });
      for (const c of this.columns) {
        const t = c.text(r);
        row.append(el('div', { className: c.numeric ? 'abw-vt-td abw-num' : 'abw-vt-td', text: t, title: t, attrs: { role: 'cell' } }));
      }
      frag.append(row);
    }
    this.body.replaceChildren(frag);
  }
}
