/**
 * The display helpers without a kernel: what `show` sends for each kind of value (one MIME type
 * per output, JSON payloads as objects), HTML escaping of untrusted strings, live progress as
 * one output updated in place (throttled, ending on the final state), and the `share`
 * transform: fallbacks on every workbench output, plotly.js once, hostile payloads escaped or
 * skipped, idempotent.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { compareRuns } from '../../kernel-bridge/src/results/compare';
import { precisionHeatmap } from '../../kernel-bridge/src/plots/precision-heatmap';
import { bindDisplay, type DisplayTarget } from '../../kernel-bridge/src/notebook/display-target';
import { show, showSummary, showTable, note } from '../../kernel-bridge/src/notebook/show';
import { LiveProgress } from '../../kernel-bridge/src/notebook/live-progress';
import { KEPT_SAMPLES } from '../../kernel-bridge/src/notebook/payloads';
import { shareNotebook } from '../../kernel-bridge/src/notebook/share-notebook';
import { probePipelines } from '../../kernel-bridge/src/notebook/pipelines-probe';
import { runCase } from '../../kernel-bridge/src/notebook/run-case';
import { MIME_COMPARISON, MIME_PLOTLY, MIME_RESULTS, type ResultsPayload } from '../../kernel-bridge/src/notebook/mime';
import type { ProgressEvent } from '../../kernel-bridge/src/matrix/progress';
import type { ResultRecord } from '../../kernel-bridge/src/results/record';
import { richCases, synthRun } from '../helpers/synthetic-runs';

interface Sent {
  readonly output: number;
  readonly mime: string;
  readonly data: unknown;
}

/** A fake kernel display that records every output (and which live output it went to). */
function recorder(): { target: DisplayTarget; sent: Sent[]; outputs: () => number } {
  const sent: Sent[] = [];
  let n = 0;
  const output = () => {
    const id = n++;
    return { raw: (mime: string, data: string | object) => void sent.push({ output: id, mime, data }) };
  };
  const plain = { raw: (mime: string, data: string | object) => void sent.push({ output: n++, mime, data }) };
  return { target: { name: 'test', display: plain, newDisplay: output }, sent, outputs: () => n };
}

const EVIL = '</script><script>window.__pwned=1</script><img src=x onerror=alert(1)>';

afterEach(() => bindDisplay(undefined));

describe('show', () => {
  it('sends figures as plotly JSON objects, runs and comparisons as workbench MIME types', () => {
    const rec = recorder();
    bindDisplay(rec.target);
    const base = synthRun(richCases());
    const current = synthRun(richCases(() => 1.3, 7), { id: '2026-11-22T00-00-00Z-0002' });
    const figure = precisionHeatmap(base.records);
    show(figure);
    show(base);
    show([base, current]);
    show({ run: current });
    show(compareRuns(base, current));
    expect(rec.sent.map((s) => s.mime)).toEqual([MIME_PLOTLY, MIME_RESULTS, MIME_RESULTS, MIME_RESULTS, MIME_COMPARISON]);
    expect(rec.sent[0]!.data).toBe(figure);
    const p = rec.sent[2]!.data as ResultsPayload;
    expect(p.version).toBe(1);
    expect(p.runs.map((r) => r.run.id)).toEqual([base.run.id, current.run.id]);
    expect(p.samplesTrimmed).toBe(true);
    for (const r of p.runs.flatMap((x) => x.records)) if (r.timing) expect(r.timing.samplesNs.length).toBeGreaterThan(0);
    for (const r of p.runs.flatMap((x) => x.records)) if (r.timing) expect(r.timing.samplesNs.length).toBeLessThanOrEqual(KEPT_SAMPLES);
    // The statistics were computed from all samples and are kept as they were.
    expect(p.runs[0]!.records[0]!.timing!.stats).toEqual(base.records[0]!.timing!.stats);
  });

  it('renders tables as escaped HTML, cut with a visible note', () => {
    const rec = recorder();
    bindDisplay(rec.target);
    showTable(Array.from({ length: 250 }, (_, i) => ({ case: i === 0 ? EVIL : `case ${i}`, value: i })));
    const html = rec.sent[0]!.data as string;
    expect(rec.sent[0]!.mime).toBe('text/html');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;/script&gt;');
    expect(html).toContain('50 more rows not shown (of 250)');
    note(EVIL, 'warning');
    expect(rec.sent[1]!.data as string).not.toContain('<img');
  });

  it('shows a run summary with one row per record', () => {
    const rec = recorder();
    bindDisplay(rec.target);
    const run = synthRun(richCases());
    showSummary(run);
    expect(((rec.sent[0]!.data as string).match(/<tr>/g) ?? []).length).toBe(run.records.length + 1);
  });

  it('refuses what it cannot display, naming the argument', () => {
    bindDisplay(recorder().target);
    expect(() => show(42 as unknown as string)).toThrow(/show: cannot display this value/);
  });
});

describe('live progress', () => {
  it('updates one output in place, throttled, and ends on the final state', () => {
    const rec = recorder();
    const progress = new LiveProgress({ output: rec.target.newDisplay(), minIntervalMs: 60_000 });
    const records = synthRun(richCases()).records;
    const events: ProgressEvent[] = [{ type: 'runStarted', runId: 'r1', total: records.length, journalPath: '/tmp/j' }];
    records.forEach((r: ResultRecord, i) => {
      events.push({ type: 'caseStarted', done: i, total: records.length, case: { label: r.label, backend: r.backend, dtype: r.dtype } as never });
      events.push({ type: 'caseFinished', done: i + 1, total: records.length, etaMs: 1000 * (records.length - i - 1), record: r });
    });
    events.push({ type: 'runFinished', total: records.length, elapsedMs: 4321, path: '/tmp/run.json' });
    events.forEach(progress.handle);
    // Every draw went to the same output; with a long interval only the first and last are drawn.
    expect(new Set(rec.sent.map((s) => s.output)).size).toBe(1);
    expect(rec.sent.length).toBe(2);
    const last = rec.sent[rec.sent.length - 1]!.data as string;
    expect(last).toContain(`data-done="${records.length}"`);
    expect(last).toContain('data-finished="true"');
    expect(last).toContain('done: ');
    expect(progress.current.finished).toBe(true);
  });

  it('draws the case running now and the ETA between the ends', () => {
    const rec = recorder();
    const progress = new LiveProgress({ output: rec.target.newDisplay(), minIntervalMs: 0 });
    const r = synthRun(richCases()).records[0]!;
    progress.handle({ type: 'runStarted', runId: 'r1', total: 10, journalPath: '/tmp/j' });
    progress.handle({ type: 'caseFinished', done: 1, total: 10, etaMs: 95_000, record: r });
    progress.handle({ type: 'caseStarted', done: 1, total: 10, case: { label: EVIL, backend: 'cpu', dtype: 'f32' } as never });
    const html = rec.sent[rec.sent.length - 1]!.data as string;
    expect(html).toContain('1/10 cases');
    expect(html).toContain('ETA 1m35s');
    expect(html).toContain('running: &lt;/script&gt;');
    expect(html).not.toContain('<img');
  });
});

function notebookWith(outputs: Record<string, unknown>[]): unknown {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: 'markdown', metadata: {}, source: 'x' },
      { cell_type: 'code', metadata: {}, execution_count: 1, source: '', outputs: outputs.map((data) => ({ output_type: 'display_data', metadata: {}, data })) },
    ],
  };
}

type SharedNb = { cells: { outputs?: { data: Record<string, unknown> }[] }[] };

describe('share', () => {
  const PLOTLY = 'window.Plotly={newPlot:function(){}}; /* </script> <!-- */';
  const base = synthRun(richCases());
  const current = synthRun(richCases(() => 1.3, 7), { id: '2026-11-22T00-00-00Z-0002' });
  const evilFigure = { data: [{ type: 'bar', x: [EVIL], y: [1], name: EVIL }], layout: { title: { text: EVIL } } };

  it('adds text/html and text/plain to every workbench output, with plotly.js once', async () => {
    const input = notebookWith([
      { [MIME_PLOTLY]: precisionHeatmap(base.records) },
      { [MIME_PLOTLY]: evilFigure },
      { [MIME_RESULTS]: { version: 1, runs: [base] } },
      { [MIME_COMPARISON]: { version: 1, comparison: compareRuns(base, current) } },
      { 'text/html': '<b>not ours</b>' },
    ]);
    const { notebook, report } = await shareNotebook(input, { plotlyJs: PLOTLY, pngUnavailable: 'test' });
    expect(report).toMatchObject({ figures: 2, results: 1, comparisons: 1, pngs: 0, skipped: [] });
    const outs = (notebook as SharedNb).cells[1]!.outputs!.map((o) => o.data);
    for (const d of outs.slice(0, 4)) {
      expect(typeof d['text/html']).toBe('string');
      expect(typeof d['text/plain']).toBe('string');
    }
    expect(outs[4]).toEqual({ 'text/html': '<b>not ours</b>' });
    const html = outs.map((d) => String(d['text/html'] ?? ''));
    expect(html.filter((h) => h.includes('data-abw-plotly'))).toHaveLength(1);
    expect(html[0]).toContain('data-abw-plotly');
    // The bundle is made inlineable: its `</script` cannot close the element.
    expect(html[0]).not.toMatch(/<\/script> <!--/);
    // Hostile strings from the figure JSON cannot end the script or add markup.
    expect(html[1]).not.toContain('</script><script>');
    expect(html[1]).toContain('\\u003c/script\\u003e');
    expect(html[2]).toContain(base.records[0]!.label);
    // The input is untouched.
    expect(Object.keys(((input as SharedNb).cells[1]!.outputs![0]!.data))).toEqual([MIME_PLOTLY]);
  });

  it('is idempotent: sharing the shared copy gives the same notebook', async () => {
    const input = notebookWith([{ [MIME_PLOTLY]: evilFigure }, { [MIME_RESULTS]: { version: 1, runs: [base] } }]);
    const once = await shareNotebook(input, { plotlyJs: PLOTLY });
    const twice = await shareNotebook(once.notebook, { plotlyJs: PLOTLY });
    expect(twice.notebook).toEqual(once.notebook);
  });

  it('leaves invalid payloads as they were and says why', async () => {
    const badRun = { ...base, records: [{ ...base.records[0], status: EVIL }] };
    const input = notebookWith([{ [MIME_RESULTS]: { version: 1, runs: [badRun] } }, { [MIME_PLOTLY]: { data: 'nope' } }, { [MIME_COMPARISON]: { version: 1, comparison: { rows: 1 } } }]);
    const { notebook, report } = await shareNotebook(input, { plotlyJs: PLOTLY });
    expect(report.skipped.map((s) => s.mime)).toEqual([MIME_RESULTS, MIME_PLOTLY, MIME_COMPARISON]);
    expect(report.skipped[0]!.reason).toMatch(/status/);
    for (const o of (notebook as SharedNb).cells[1]!.outputs!) expect(o.data['text/html']).toBeUndefined();
  });

  it('rejects what is not an nbformat 4 notebook', async () => {
    await expect(shareNotebook({ nbformat: 3, cells: [] }, { plotlyJs: PLOTLY })).rejects.toThrow(/nbformat must be 4/);
    await expect(shareNotebook([], { plotlyJs: PLOTLY })).rejects.toThrow(/not a JSON object/);
  });
});

describe('single cases and pipelines from a notebook', () => {
  it('runCase names the bad parameter', async () => {
    await expect(runCase({ op: 'conv1d', shapes: [[1, 4, 64], [4, 4, 3], null], params: { stride: 0 } })).rejects.toThrow(/runCase: .*stride/);
  });

  it('runCase runs one op case against the oracle', async () => {
    const r = await runCase({ op: 'relu', shapes: [[4, 64]], measure: { budgetMs: 20 } });
    expect(r.status).toBe('ok');
    expect(r.precision?.verdict).toBe('pass');
    expect(r.timing?.stats.median).toBeGreaterThan(0);
  });

  it('probePipelines says whether this build has pipelines', () => {
    const p = probePipelines();
    if (p.available) expect(p.pipelines.length).toBeGreaterThan(0);
    else expect(p.reason).toMatch(/^pipelines not available in this build/);
  });
});
