/**
 * The JupyterLab extension's logic without a browser: dashboard rows, filters and sorting
 * (extension/src/state.ts), reading untrusted run files (run-file.ts), finding the results
 * store from a path (results-store.ts), and the exported report being the very document
 * `abw report` renders (report-export.ts).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { compareRuns } from '../../kernel-bridge/src/results/compare';
import { renderReport } from '../../kernel-bridge/src/report/html';
import { renderReportDocument } from '../../kernel-bridge/src/report/html-document';
import { applyCeilings } from '../../kernel-bridge/src/results/ceilings';
import { narrowComparison, viewFigures } from '../../extension/src/plots-for-view';
import { reportInput, reportPathFor, sha256Base64 } from '../../extension/src/report-export';
import { resultsRootOf, sortStored, type StoredFile } from '../../extension/src/results-store';
import { MAX_DASHBOARD_BYTES, parseRunText, RunFileError } from '../../extension/src/run-file';
import {
  applyFilters,
  buildRows,
  filterChoices,
  pruneFilters,
  rowCounts,
  rowsFromComparison,
  sortRows,
  toggleSort,
  type DashboardRow,
} from '../../extension/src/state';
import { richCases, synthCeilings, synthRecord, synthRun } from '../helpers/synthetic-runs';

const base = synthRun(richCases(), { id: '2026-11-20T10-00-00Z-aaaa' });
const current = synthRun(
  richCases((l) => (l === 'matmul 256' ? 1.4 : l === 'relu 4410' ? 0.7 : 1), 1000),
  { id: '2026-11-21T10-00-00Z-bbbb', createdAt: '2026-11-21T10:00:00.000Z' },
);
const comparison = compareRuns(base, current);

function catchError(f: () => unknown): RunFileError {
  try {
    f();
  } catch (e) {
    return e as RunFileError;
  }
  throw new Error('expected an error');
}

describe('dashboard rows', () => {
  it('has one row per record, verdict "no baseline" without a comparison', () => {
    const rows = buildRows(current);
    expect(rows).toHaveLength(current.records.length);
    expect(new Set(rows.map((r) => r.verdict))).toEqual(new Set(['no baseline']));
    expect(rows.every((r) => !r.regressed)).toBe(true);
    expect(rows.map((r) => r.index)).toEqual(current.records.map((_, i) => i));
  });

  it('joins the comparison by case key: the slowed case is a regression, the sped-up one an improvement', () => {
    const rows = buildRows(current, comparison);
    const matmul = rows.find((r) => r.label === 'matmul 256')!;
    expect(matmul.verdict).toBe('regression');
    expect(matmul.regressed).toBe(true);
    expect(matmul.ratio).toBeGreaterThan(1.3);
    expect(matmul.baseMedianNs).toBeGreaterThan(0);
    expect(rows.find((r) => r.label === 'relu 4410')!.verdict).toBe('improvement');
    expect(rowCounts(rows).regressions).toBeGreaterThanOrEqual(1);
  });

  it('marks precision failures', () => {
    const run = synthRun([
      { op: 'gelu', label: 'gelu ok', medianNs: 1000 },
      { op: 'gelu', label: 'gelu bad', medianNs: 1000, dtype: 'bf16', precision: 'fail', worstRatio: 3 },
    ]);
    const rows = buildRows(run);
    expect(rows.map((r) => r.precisionFailed)).toEqual([false, true]);
    expect(rowCounts(rows).precisionFailures).toBe(1);
  });

  it('builds rows from a comparison alone (the notebook payload)', () => {
    const rows = rowsFromComparison(comparison);
    expect(rows).toHaveLength(comparison.rows.length);
    expect(rows.find((r) => r.label === 'matmul 256')!.regressed).toBe(true);
  });
});

describe('filters', () => {
  const rows = buildRows(current, comparison);

  it('offers the values present, with counts', () => {
    const c = filterChoices(rows);
    expect(c.verdict.find((v) => v.value === 'regression')!.count).toBe(rows.filter((r) => r.verdict === 'regression').length);
    expect(c.dtype.map((d) => d.value)).toEqual([...new Set(rows.map((r) => r.dtype))].sort());
    expect(c.backend.reduce((n, v) => n + v.count, 0)).toBe(rows.length);
  });

  it('keeps rows matching every chosen filter and the text search', () => {
    const dtype = rows[0]!.dtype;
    const byDtype = applyFilters(rows, { dtype });
    expect(byDtype.length).toBeGreaterThan(0);
    expect(byDtype.every((r) => r.dtype === dtype)).toBe(true);
    expect(applyFilters(rows, { verdict: 'regression', dtype }).every((r) => r.verdict === 'regression' && r.dtype === dtype)).toBe(true);
    expect(applyFilters(rows, { text: 'MATMUL 2' }).map((r) => r.label)).toContain('matmul 256');
    expect(applyFilters(rows, { op: 'no-such-op' })).toEqual([]);
    expect(applyFilters(rows, { dtype: '' })).toHaveLength(rows.length);
  });

  it('drops chosen values that no longer exist after a baseline switch', () => {
    const withBase = pruneFilters({ verdict: 'regression', dtype: rows[0]!.dtype, text: 'x' }, rows);
    expect(withBase.verdict).toBe('regression');
    const without = pruneFilters(withBase, buildRows(current));
    expect(without.verdict).toBeUndefined();
    expect(without.dtype).toBe(rows[0]!.dtype);
    expect(without.text).toBe('x');
  });
});

describe('sorting', () => {
  const rows = buildRows(current, comparison);

  it('sorts numbers numerically, missing values last in both directions', () => {
    const asc = sortRows(rows, { column: 'medianNs', descending: false });
    const desc = sortRows(rows, { column: 'medianNs', descending: true });
    const defined = (rs: DashboardRow[]) => rs.filter((r) => r.medianNs !== undefined).map((r) => r.medianNs!);
    expect(defined(asc)).toEqual([...defined(asc)].sort((a, b) => a - b));
    expect(defined(desc)).toEqual([...defined(desc)].sort((a, b) => b - a));
    const missing = rows.filter((r) => r.medianNs === undefined).length;
    if (missing > 0) {
      expect(asc.slice(-missing).every((r) => r.medianNs === undefined)).toBe(true);
      expect(desc.slice(-missing).every((r) => r.medianNs === undefined)).toBe(true);
    }
    expect(asc).toHaveLength(rows.length);
  });

  it('sorts verdicts by severity and keeps the run order among equals', () => {
    const s = sortRows(rows, { column: 'verdict', descending: false });
    expect(s[0]!.verdict).toBe('regression');
    const same = s.filter((r) => r.verdict === 'same').map((r) => r.index);
    expect(same).toEqual([...same].sort((a, b) => a - b));
  });

  it('a header click sorts ascending first and flips on the second click', () => {
    const a = toggleSort(undefined, 'ratio');
    expect(a).toEqual({ column: 'ratio', descending: false });
    expect(toggleSort(a, 'ratio')).toEqual({ column: 'ratio', descending: true });
    expect(toggleSort(a, 'label')).toEqual({ column: 'label', descending: false });
  });

  it('filters and sorts 50 000 cases', () => {
    // Rows made directly: synthesising 50 000 full records (bootstrap CIs) would dominate the test.
    const proto = buildRows(current)[0]!;
    const rows: DashboardRow[] = Array.from({ length: 50_000 }, (_, i) => ({
      ...proto,
      index: i,
      key: `k${i}`,
      label: `case ${i}`,
      op: i % 2 ? 'relu' : 'gelu',
      dtype: i % 3 ? 'f32' : 'bf16',
      medianNs: 1000 + ((i * 7919) % 5000),
    }));
    const filtered = applyFilters(rows, { dtype: 'bf16', op: 'relu' });
    expect(filtered).toHaveLength(rows.filter((r) => r.dtype === 'bf16' && r.op === 'relu').length);
    const sorted = sortRows(filtered, { column: 'medianNs', descending: true });
    for (let i = 1; i < sorted.length; i++) expect(sorted[i - 1]!.medianNs! >= sorted[i]!.medianNs!).toBe(true);
  });
});

describe('untrusted run files in the browser', () => {
  const text = JSON.stringify(current);

  it('reads a valid run', () => {
    expect(parseRunText(text, 'a.json').run.id).toBe(current.run.id);
  });

  it('refuses a file over the size limit before parsing it, naming the limit', () => {
    const e = catchError(() => parseRunText(text, 'big.json', 1000));
    expect(e).toBeInstanceOf(RunFileError);
    expect(e.field).toBe('maxBytes');
    expect(e.message).toMatch(/big\.json: the file is \d+ bytes, over the dashboard's limit of 1000 bytes/);
    expect(MAX_DASHBOARD_BYTES).toBe(64 * 2 ** 20);
  });

  it('locates a JSON syntax error', () => {
    expect(catchError(() => parseRunText(text.slice(0, 300), 'cut.json')).message).toMatch(/cut\.json/);
  });

  it('names the field that breaks the schema', () => {
    const bad = JSON.parse(text) as { records: { status: string }[] };
    bad.records[1]!.status = 'exploded';
    const e = catchError(() => parseRunText(JSON.stringify(bad), 'bad.json'));
    expect(e.message).toMatch(/bad\.json: not an abw run file .*\/records\/1\/status/);
    expect(e.field).toBe('/records/1/status');
  });

  it('rejects prototype-polluting keys and a newer schema version', () => {
    expect(catchError(() => parseRunText('{"__proto__": {"x": 1}}', 'p.json')).message).toMatch(/__proto__/);
    expect(catchError(() => parseRunText(JSON.stringify({ ...current, schemaVersion: 2 }), 'v.json')).message).toMatch(/\/schemaVersion is 2/);
  });
});

describe('the results store from a path', () => {
  it('finds results/ from a run, a baseline, or nothing', () => {
    expect(resultsRootOf('results/runs/linux-x/2026.json')).toBe('results');
    expect(resultsRootOf('a/b/results/baselines/linux-x.json')).toBe('a/b/results');
    expect(resultsRootOf('runs/m/x.json')).toBe('');
    expect(resultsRootOf('notes/x.json')).toBeUndefined();
  });

  it('lists baselines first, then runs by machine, newest first', () => {
    const f = (kind: StoredFile['kind'], machine: string, name: string): StoredFile => ({ path: `${machine}/${name}`, kind, machine, name });
    const sorted = sortStored([f('run', 'b', '2026-01'), f('run', 'a', '2026-01'), f('baseline', 'z', 'z'), f('run', 'a', '2026-02')]);
    expect(sorted.map((s) => `${s.kind}:${s.machine}:${s.name}`)).toEqual(['baseline:z:z', 'run:a:2026-02', 'run:a:2026-01', 'run:b:2026-01']);
  });
});

describe('plots of the filtered cases', () => {
  it('narrows the comparison to the chosen cases, most severe first, capped', () => {
    const keys = new Set(current.records.slice(0, 5).map((r) => r.key));
    const c = narrowComparison(comparison, keys, 3);
    expect(c.rows).toHaveLength(3);
    expect(c.rows.every((r) => keys.has(r.key))).toBe(true);
    const figs = viewFigures(current.records, c, undefined);
    expect(figs.map((f) => f.id)).toEqual(['latency', 'forest', 'precision', 'size-scaling', 'stream-scaling', 'roofline', 'rtf']);
    expect(viewFigures(current.records, undefined, undefined).map((f) => f.id)).not.toContain('latency');
  });
});

describe('export report', () => {
  it('hashes like node:crypto', () => {
    for (const s of ['', 'abc', 'µs → ✓', 'x'.repeat(100_000)]) {
      expect(sha256Base64(s)).toBe(createHash('sha256').update(s, 'utf8').digest('base64'));
    }
  });

  it('renders the very document `abw report` renders for the same inputs', () => {
    const ceilings = synthCeilings(current.run.machine);
    const other = synthRun(richCases(() => 0.5, 2000), { id: '2026-11-19T10-00-00Z-cccc', machine: 'darwin-arm64-apple-m3-8c-16g' });
    const now = new Date('2026-11-21T12:00:00.000Z');
    const input = reportInput({ run: current, baseline: base, ceilings, baselineCeilings: ceilings, others: [other], now });
    const fakePlotly = '/* plotly.js v9.9.9 */ window.Plotly = { newPlot: function () { return Promise.resolve(); } };';
    const browser = renderReportDocument(input, fakePlotly, sha256Base64);
    const run = applyCeilings(current, ceilings);
    const baseline = applyCeilings(base, ceilings);
    const cli = renderReport({ run, baseline, comparison: compareRuns(baseline, run), ceilings, others: [other], generatedAt: now.toISOString() }, fakePlotly);
    expect(browser).toBe(cli);
    expect(browser).toContain('script-src &#39;sha256-');
    // The dashboard passes the comparison its worker computed on the runs without ceilings.
    const reused = reportInput({ run: current, baseline: base, comparison: compareRuns(base, current), ceilings, baselineCeilings: ceilings, others: [other], now });
    expect(renderReportDocument(reused, fakePlotly, sha256Base64)).toBe(cli);
  });

  it('writes beside the run file, as abw report does', () => {
    expect(reportPathFor('results/runs/m/2026-x.json')).toBe('results/runs/m/2026-x.html');
  });
});

it('synthRecord helper still builds records the schema accepts', () => {
  const run = synthRun([{ op: 'relu', label: 'relu 1', medianNs: 10 }]);
  expect(parseRunText(JSON.stringify({ ...run, records: [synthRecord({ op: 'relu', label: 'r', medianNs: 5 })] }), 'x.json').records).toHaveLength(1);
});
