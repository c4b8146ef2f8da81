/**
 * Plot builders (kernel-bridge/src/plots): figure shapes, axis titles with units, log axes where
 * values span decades, hover text with the case's full parameters, and escaping of strings from
 * result files. That plotly.js accepts and draws them is checked in test/browser/report.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { compareRuns } from '../../kernel-bridge/src/results/compare';
import { applyCeilings } from '../../kernel-bridge/src/results/ceilings';
import { recordsTable } from '../../kernel-bridge/src/results/load-runs';
import {
  crossMachine,
  escapeText,
  fmt,
  HEATMAP_CLAMP,
  latencyVsBaseline,
  precisionHeatmap,
  ratioForest,
  roofline,
  rtfBars,
  sizeScaling,
  spansDecades,
  streamScaling,
  timeUnit,
  type Figure,
  type Trace,
} from '../../kernel-bridge/src/plots';
import { reportFigures } from '../../kernel-bridge/src/report/figures';
import { richCases, synthCeilings, synthRun } from '../helpers/synthetic-runs';

const slower = (label: string) => (label === 'matmul 256' ? 1.4 : label === 'relu 4410' ? 0.7 : 1);
const base = synthRun(richCases(), { id: '2026-11-20T10-00-00Z-aaaa' });
const current = synthRun(richCases(slower, 1000), { id: '2026-11-21T10-00-00Z-bbbb', createdAt: '2026-11-21T10:00:00.000Z' });
const other = synthRun(richCases(() => 0.5, 2000), { id: '2026-11-19T10-00-00Z-cccc', machine: 'darwin-arm64-apple-m3-8c-16g' });
const ceilings = synthCeilings(current.run.machine);
const comparison = compareRuns(base, current);

function axes(f: Figure): [string, Record<string, unknown>][] {
  return Object.entries(f.layout).filter(([k]) => /^[xy]axis\d*$/.test(k)) as [string, Record<string, unknown>][];
}

function axisTitle(a: Record<string, unknown>): string {
  return ((a.title as { text?: string } | undefined)?.text ?? '') as string;
}

function nonFinite(v: unknown, at: string): string[] {
  if (typeof v === 'number') return Number.isFinite(v) ? [] : [at];
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return [];
  if (typeof v !== 'object') return [`${at} (${typeof v})`];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => nonFinite(x, `${at}/${k}`));
}

const ALL: [string, () => Figure][] = [
  ['latencyVsBaseline', () => latencyVsBaseline(comparison)],
  ['ratioForest', () => ratioForest(comparison)],
  ['precisionHeatmap', () => precisionHeatmap(current.records)],
  ['sizeScaling', () => sizeScaling(current.records)],
  ['streamScaling', () => streamScaling(current.records)],
  ['roofline', () => roofline(applyCeilings(current, ceilings).records, ceilings)],
  ['rtfBars', () => rtfBars(current.records)],
  ['crossMachine', () => crossMachine([current, other])],
];

describe('every builder', () => {
  it.each(ALL)('%s returns plotly JSON with data, a title and titled axes', (_name, build) => {
    const f = build();
    expect(Array.isArray(f.data)).toBe(true);
    expect(f.data.length).toBeGreaterThan(0);
    expect(typeof f.layout.title?.text).toBe('string');
    // Plain JSON: every number finite (JSON would turn NaN / Infinity into null), nothing but data.
    expect(nonFinite(f, '')).toEqual([]);
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
    for (const t of f.data) expect(typeof t.type).toBe('string');
    const ax = axes(f);
    expect(ax.length).toBeGreaterThanOrEqual(2);
    for (const [, a] of ax) expect(axisTitle(a).length).toBeGreaterThan(0);
    // Every trace with hover text uses it (not a template that could interpolate file strings).
    for (const t of f.data) if (t.hovertext) expect(t.hoverinfo).toBe('text');
    for (const t of f.data) expect(t.hovertemplate).toBeUndefined();
  });

  it.each(ALL)('%s labels value axes with units', (name, build) => {
    const f = build();
    for (const [, a] of axes(f)) {
      if (a.type === 'category') continue;
      expect(axisTitle(a), `${name} ${axisTitle(a)}`).toMatch(/\((ns|µs|ms|s|×[^)]*|GFLOP\/s|FLOP\/byte|elements|count|MiB)\)|\(×/);
    }
  });
});

describe('axes and units', () => {
  it('switches to log scales where values span decades', () => {
    const lat = latencyVsBaseline(comparison);
    expect((lat.layout.xaxis as { type: string }).type).toBe('log');
    const size = sizeScaling(current.records);
    expect((size.layout.xaxis as { type: string }).type).toBe('log');
    expect((size.layout.xaxis2 as { type: string }).type).toBe('log');
    expect((size.layout.yaxis as { type: string }).type).toBe('log');
    const roof = roofline(current.records, ceilings);
    expect((roof.layout.xaxis as { type: string }).type).toBe('log');
    expect((roof.layout.yaxis as { type: string }).type).toBe('log');
    // Ratios around 1 stay linear.
    expect((ratioForest(comparison).layout.xaxis as { type: string }).type).toBe('linear');
    expect(spansDecades([1, 10])).toBe(false);
    expect(spansDecades([1, 100])).toBe(true);
    expect(spansDecades([0, -5, null, 3])).toBe(false);
  });

  it('picks a time unit that suits the values', () => {
    expect(timeUnit([500, 700])).toEqual({ unit: 'ns', ns: 1 });
    expect(timeUnit([5e3, 7e4, 9e4])).toEqual({ unit: 'µs', ns: 1e3 });
    expect(timeUnit([5e6])).toEqual({ unit: 'ms', ns: 1e6 });
    expect(timeUnit([5e9])).toEqual({ unit: 's', ns: 1e9 });
    expect(fmt(0.000123)).toBe('1.23e-4');
    expect(fmt(12.345)).toBe('12.3');
    expect(fmt(NaN)).toBe('–');
    const lat = latencyVsBaseline(comparison);
    const title = axisTitle(lat.layout.xaxis as Record<string, unknown>);
    const unit = /\((\w+|µs)\)/.exec(title)![1];
    // x values are the medians in that unit.
    const r = comparison.rows.find((x) => x.label === 'matmul 256' && x.dtype === 'f32')!;
    const div = { ns: 1, µs: 1e3, ms: 1e6, s: 1e9 }[unit as 'ns']!;
    const t = lat.data[1]!;
    const i = (t.y as string[]).findIndex((y) => y.startsWith('matmul 256 · cpu · f32'));
    expect((t.x as number[])[i]).toBeCloseTo(r.current!.medianNs! / div, 9);
  });
});

describe('content', () => {
  it('hover text carries the case parameters and shapes', () => {
    const f = sizeScaling(current.records);
    const hover = (f.data as Trace[]).flatMap((t) => t.hovertext as string[]);
    expect(hover.some((h) => h.includes('shapes: [1024×1024], [1024×1024]') && h.includes('params: (none)'))).toBe(true);
    const streams = streamScaling(current.records);
    const sh = (streams.data[0]!.hovertext as string[]).join('\n');
    expect(sh).toMatch(/params: streams=1/);
    expect(sh).toMatch(/peak memory/);
  });

  it('the forest colours verdicts, highlights regressions and shades the threshold band', () => {
    const f = ratioForest(comparison);
    const reg = f.data.find((t) => String(t.name).startsWith('regression'))!;
    expect((reg.marker as { color: string }).color).toBe('#d62728');
    expect((reg.y as string[]).every((y) => y.startsWith('<b>'))).toBe(true);
    expect((reg.y as string[]).some((y) => y.includes('matmul 256'))).toBe(true);
    const imp = f.data.find((t) => String(t.name).startsWith('improvement'))!;
    expect((imp.y as string[]).some((y) => y.includes('relu 4410'))).toBe(true);
    const band = (f.layout.shapes as { type: string; x0: number; x1: number }[]).find((s) => s.type === 'rect')!;
    expect(band.x0).toBeCloseTo(0.95);
    expect(band.x1).toBeCloseTo(1.05);
  });

  it('the heatmap has op rows and dtype · backend columns, clamped, with all metrics in the hover', () => {
    const f = precisionHeatmap(current.records);
    const t = f.data[0]!;
    expect(t.type).toBe('heatmap');
    expect(t.x).toEqual(['f32 · cpu', 'bf16 · cpu']);
    const y = t.y as string[];
    const z = t.z as (number | null)[][];
    const softmax = y.indexOf('softmax');
    expect(z[softmax]![0]).toBeNull();
    expect(z[softmax]![1]).toBeCloseTo(Math.log10(40), 9);
    for (const rowZ of z) for (const v of rowZ) if (v !== null) expect(Math.abs(v)).toBeLessThanOrEqual(HEATMAP_CLAMP);
    const hover = (t.hovertext as string[][])[softmax]![1]!;
    for (const m of ['FAIL', 'max abs', 'max rel', 'rel L2', 'max ULP', 'SNR', 'NaN', 'violations', 'reason']) expect(hover).toContain(m);
  });

  it('the roofline draws one roof per measured dtype, and says so when there are none', () => {
    const f = roofline(current.records, ceilings);
    const roofs = f.data.filter((t) => String(t.name).startsWith('roof'));
    expect(roofs.map((r) => r.name)).toEqual(['roof cpu · f32', 'roof cpu · bf16']);
    const f32 = roofs[0]!;
    const ys = f32.y as number[];
    expect(Math.max(...ys)).toBeCloseTo(100);
    expect(ys[0]).toBeCloseTo((f32.x as number[])[0]! * 20);
    const bare = roofline(current.records);
    expect(JSON.stringify(bare.layout.annotations)).toMatch(/abw calibrate/);
  });

  it('RTF bars have the real-time line; empty inputs give an explanatory empty figure', () => {
    const f = rtfBars(current.records);
    expect((f.layout.shapes as { y0: number }[])[0]!.y0).toBe(1);
    expect(f.data.flatMap((t) => t.y as number[]).sort()).toEqual([0.3, 1.5]);
    const ops = current.records.filter((r) => r.kind === 'op' && !('streams' in r.params));
    for (const e of [rtfBars(ops), streamScaling(ops), sizeScaling([]), precisionHeatmap([]), crossMachine([])]) {
      expect(e.data).toEqual([]);
      expect((e.layout.annotations as { text: string }[])[0]!.text.length).toBeGreaterThan(10);
    }
  });

  it('cross-machine takes the records table of many runs, one trace per machine, newest run each', () => {
    const older = synthRun(richCases(() => 10, 3000), { id: '2026-11-01T10-00-00Z-dddd', createdAt: '2026-11-01T10:00:00.000Z' });
    const f = crossMachine(recordsTable([older, current, other]));
    expect(f.data.map((t) => t.name)).toEqual(['machine darwin-arm64-apple-m3-8c-16g', 'machine linux-x64-test-cpu-8c-32g']);
    const linux = f.data[1]!;
    const i = (linux.x as string[]).findIndex((x) => x === 'matmul 64 · cpu · f32');
    const m = current.records.find((r) => r.label === 'matmul 64' && r.dtype === 'f32')!.timing!.stats.median;
    const unit = { ns: 1, µs: 1e3, ms: 1e6, s: 1e9 }[/\((\w+|µs)\)/.exec(axisTitle(f.layout.yaxis as Record<string, unknown>))![1] as 'ns']!;
    expect((linux.y as number[])[i]).toBeCloseTo(m / unit, 6);
  });

  it('a report has all eight figures, with explanations where data is missing', () => {
    const figs = reportFigures({ run: current, generatedAt: '2026-11-21T12:00:00.000Z' });
    expect(figs.map((f) => f.id)).toEqual(['latency', 'forest', 'precision', 'size-scaling', 'stream-scaling', 'roofline', 'rtf', 'cross-machine']);
    expect(JSON.stringify(figs[0]!.figure.layout)).toMatch(/abw baseline set/);
  });
});

describe('escaping', () => {
  const evil = '<img src=x onerror=alert(1)>&amp;$\\alpha$';
  const hostile = synthRun(
    richCases().map((c, i) => ({ ...c, label: `${evil} ${i}`, op: i % 5 === 0 ? `<b onmouseover=x>${c.op}` : c.op, params: { ...c.params, note: '<script>alert(1)</script>' } })),
    { machine: 'evil-machine' },
  );
  const hostileBase = synthRun(richCases().map((c, i) => ({ ...c, label: `${evil} ${i}`, op: i % 5 === 0 ? `<b onmouseover=x>${c.op}` : c.op, params: { ...c.params, note: '<script>alert(1)</script>' } })), { machine: 'evil-machine' });
  const c = compareRuns(hostileBase, hostile);
  const figs: [string, Figure][] = [
    ['latency', latencyVsBaseline(c)],
    ['forest', ratioForest(c)],
    ['heatmap', precisionHeatmap(hostile.records)],
    ['size', sizeScaling(hostile.records)],
    ['streams', streamScaling(hostile.records)],
    ['roofline', roofline(hostile.records, ceilings)],
    ['rtf', rtfBars(hostile.records)],
    ['cross', crossMachine([hostile, other])],
  ];

  it.each(figs)('%s: no raw markup from a result file reaches the figure', (_n, f) => {
    const json = JSON.stringify(f);
    expect(json).not.toMatch(/<img|<script|<b onmouseover/);
    expect(json).toMatch(/&lt;img src=x onerror=alert\(1\)&gt;&amp;amp;&#36;\\\\alpha&#36;|&lt;b onmouseover/);
  });

  it('escapeText escapes &, <, >, $ and truncates', () => {
    expect(escapeText('<a href="javascript:x">$x$ & y</a>')).toBe('&lt;a href="javascript:x"&gt;&#36;x&#36; &amp; y&lt;/a&gt;');
    expect(escapeText('x'.repeat(1000)).length).toBeLessThanOrEqual(200);
  });
});
