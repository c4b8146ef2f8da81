/**
 * The dashboard's state as pure functions (unit-tested without a browser): one row per case of
 * the run, joined with its comparison row when a baseline is chosen; the filter choices that
 * exist in the data; filtering; sorting by any column. Rows are plain objects so tens of
 * thousands of them sort and filter in milliseconds.
 */
import type { Comparison, ComparisonRow, TimeVerdict } from '../../kernel-bridge/src/results/compare';
import type { CaseStatus, ResultRecord, RunFile } from '../../kernel-bridge/src/results/record';

/** What a case looks like in the dashboard's table. */
export interface DashboardRow {
  /** Index of the record in run.records (the click target). */
  readonly index: number;
  readonly key: string;
  readonly label: string;
  readonly kind: ResultRecord['kind'];
  /** op name, or pipeline name for kind=pipeline. */
  readonly op: string;
  readonly backend: string;
  readonly dtype: string;
  readonly status: CaseStatus;
  readonly precision: string;
  readonly medianNs?: number;
  readonly baseMedianNs?: number;
  readonly ratio?: number;
  readonly p?: number;
  /** `no baseline` when no baseline is chosen. */
  readonly verdict: TimeVerdict | 'no baseline';
  readonly regressed: boolean;
  /** The precision verdict is fail, or flipped pass → fail against the baseline. */
  readonly precisionFailed: boolean;
  readonly flags: string;
}

export const FILTER_FIELDS = ['backend', 'dtype', 'op', 'status', 'verdict'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];
/** A chosen value per field; absent = all. */
export type Filters = Partial<Record<FilterField, string>> & { readonly text?: string };

export const SORT_COLUMNS = ['label', 'op', 'backend', 'dtype', 'status', 'precision', 'medianNs', 'baseMedianNs', 'ratio', 'p', 'verdict'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export interface SortOrder {
  readonly column: SortColumn;
  readonly descending: boolean;
}

/** Rows of the run, joined by case key with the comparison (rows only in the baseline are left out: they have no record to open). */
export function buildRows(run: RunFile, comparison?: Comparison): DashboardRow[] {
  const byKey = new Map<string, ComparisonRow>();
  for (const c of comparison?.rows ?? []) byKey.set(c.key, c);
  return run.records.map((r, index) => {
    const c = comparison ? byKey.get(r.key) : undefined;
    const precision = r.precision?.verdict ?? 'n/a';
    const flags = c ? [...c.flags, ...(c.statusChange ? [c.statusChange] : [])].join(', ') : '';
    return {
      index,
      key: r.key,
      label: r.label,
      kind: r.kind,
      op: r.op,
      backend: r.backend,
      dtype: r.dtype,
      status: r.status,
      precision,
      ...(r.timing ? { medianNs: r.timing.stats.median } : {}),
      ...(c?.base?.medianNs !== undefined ? { baseMedianNs: c.base.medianNs } : {}),
      ...(c?.ratio !== undefined ? { ratio: c.ratio } : {}),
      ...(c?.p !== undefined ? { p: c.p } : {}),
      verdict: comparison ? (c?.verdict ?? 'new') : 'no baseline',
      regressed: c?.regressed ?? false,
      precisionFailed: precision === 'fail' || c?.precisionChange === 'newly-failing',
      flags,
    };
  });
}

/** Rows of a comparison alone (the notebook's comparison+json payload has no run to join). */
export function rowsFromComparison(c: Comparison): DashboardRow[] {
  return c.rows.map((row, index) => {
    const precision = row.current?.precision ?? 'n/a';
    return {
      index,
      key: row.key,
      label: row.label,
      kind: row.kind,
      op: row.op,
      backend: row.backend,
      dtype: row.dtype,
      status: row.current?.status ?? row.base?.status ?? 'ok',
      precision,
      ...(row.current?.medianNs !== undefined ? { medianNs: row.current.medianNs } : {}),
      ...(row.base?.medianNs !== undefined ? { baseMedianNs: row.base.medianNs } : {}),
      ...(row.ratio !== undefined ? { ratio: row.ratio } : {}),
      ...(row.p !== undefined ? { p: row.p } : {}),
      verdict: row.verdict,
      regressed: row.regressed,
      precisionFailed: precision === 'fail' || row.precisionChange === 'newly-failing',
      flags: [...row.flags, ...(row.statusChange ? [row.statusChange] : [])].join(', '),
    };
  });
}

/** The values each filter can take, sorted, with how many rows have each. */
export function filterChoices(rows: readonly DashboardRow[]): Record<FilterField, { value: string; count: number }[]> {
  const out = {} as Record<FilterField, { value: string; count: number }[]>;
  for (const f of FILTER_FIELDS) {
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(String(r[f]), (counts.get(String(r[f])) ?? 0) + 1);
    out[f] = [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([value, count]) => ({ value, count }));
  }
  return out;
}

/** Rows matching every chosen filter; `text` matches the label, op or key, case-insensitively. */
export function applyFilters(rows: readonly DashboardRow[], filters: Filters): DashboardRow[] {
  const chosen = FILTER_FIELDS.filter((f) => filters[f] !== undefined && filters[f] !== '');
  const text = filters.text?.trim().toLowerCase();
  return rows.filter((r) => {
    for (const f of chosen) if (String(r[f]) !== filters[f]) return false;
    if (text && !r.label.toLowerCase().includes(text) && !r.op.toLowerCase().includes(text) && !r.key.toLowerCase().includes(text)) return false;
    return true;
  });
}

/**
 * Verdicts sort by severity (a regression first), not alphabetically; numbers numerically with
 * missing values last in either direction; ties keep the run's order (stable).
 */
const VERDICT_RANK: Readonly<Record<DashboardRow['verdict'], number>> = {
  regression: 0,
  ambiguous: 1,
  improvement: 2,
  new: 3,
  missing: 4,
  unmeasured: 5,
  same: 6,
  'no baseline': 7,
};

export function sortRows(rows: readonly DashboardRow[], order: SortOrder): DashboardRow[] {
  const { column, descending } = order;
  const sign = descending ? -1 : 1;
  const value = (r: DashboardRow): number | string | undefined => (column === 'verdict' ? VERDICT_RANK[r.verdict] : r[column]);
  return rows
    .map((r) => ({ r, v: value(r) }))
    .sort((a, b) => {
      const av = a.v;
      const bv = b.v;
      if (av === undefined || bv === undefined || (typeof av === 'number' && Number.isNaN(av)) || (typeof bv === 'number' && Number.isNaN(bv))) {
        const am = av === undefined || Number.isNaN(av as number);
        const bm = bv === undefined || Number.isNaN(bv as number);
        if (am !== bm) return am ? 1 : -1;
        return a.r.index - b.r.index;
      }
      const c = typeof av === 'number' && typeof bv === 'number' ? av - bv : String(av).localeCompare(String(bv));
      return c !== 0 ? sign * c : a.r.index - b.r.index;
    })
    .map((x) => x.r);
}

/** The next sort order after a click on a column header: a new column sorts ascending, the same one flips. */
export function toggleSort(current: SortOrder | undefined, column: SortColumn): SortOrder {
  return current?.column === column ? { column, descending: !current.descending } : { column, descending: false };
}

/** Counts for the summary strip of the filtered rows. */
export function rowCounts(rows: readonly DashboardRow[]): { total: number; regressions: number; precisionFailures: number; byStatus: Record<string, number> } {
  const byStatus: Record<string, number> = {};
  let regressions = 0;
  let precisionFailures = 0;
  for (const r of rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.regressed) regressions++;
    if (r.precisionFailed) precisionFailures++;
  }
  return { total: rows.length, regressions, precisionFailures, byStatus };
}

/** Drops filter values that no longer exist (after a baseline switch changes the verdicts). */
export function pruneFilters(filters: Filters, rows: readonly DashboardRow[]): Filters {
  const choices = filterChoices(rows);
  const out: Record<string, string> = {};
  for (const f of FILTER_FIELDS) {
    const v = filters[f];
    if (v !== undefined && v !== '' && choices[f].some((c) => c.value === v)) out[f] = v;
  }
  return { ...out, ...(filters.text ? { text: filters.text } : {}) };
}
