/**
 * Stream-count scaling: cases run with a `streams` parameter (n concurrent copies of the case),
 * grouped by everything else. Left: throughput speedup over the smallest stream count,
 * (n / n₀) · t(n₀) / t(n), with the ideal n / n₀ dashed; right: peak memory against n.
 * Pipeline records (fftconv) say how many streams really ran concurrently; the hover shows it.
 */
import type { ResultRecord } from '../results/record';
import { axisType, caseHover, color, emptyFigure, escapeText, fmt, fmtBytes, fmtNs, timedRecords, type Figure, type Trace } from './units';

export interface StreamScalingOptions {
  /** The parameter holding the stream count, default `streams`. */
  readonly param?: string;
}

function streamsOf(r: ResultRecord, param: string): number | undefined {
  const v = Object.prototype.hasOwnProperty.call(r.params, param) ? r.params[param] : undefined;
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : undefined;
}

function peakBytes(r: ResultRecord): number | undefined {
  return r.memory?.devicePeakBytes ?? r.memory?.nativePeakBytes;
}

export function streamScaling(records: readonly ResultRecord[], options: StreamScalingOptions = {}): Figure {
  const param = options.param ?? 'streams';
  const title = 'Stream-count scaling: speedup and memory';
  const groups = new Map<string, { r: ResultRecord; n: number }[]>();
  for (const r of timedRecords(records)) {
    const n = streamsOf(r, param);
    if (n === undefined) continue;
    const rest = Object.fromEntries(Object.entries(r.params).filter(([k]) => k !== param));
    const k = JSON.stringify([r.op, r.backend, r.dtype, r.shapes, rest]);
    const list = groups.get(k) ?? [];
    list.push({ r, n });
    groups.set(k, list);
  }
  const kept = [...groups.values()].filter((g) => new Set(g.map((x) => x.n)).size >= 2);
  if (kept.length === 0) {
    return emptyFigure(title, `no case was run at several stream counts (parameter \`${escapeText(param, 40)}\`)`, 'streams (count)', 'throughput speedup (×)');
  }
  const data: Trace[] = [];
  let lowN = Infinity;
  let highN = 1;
  kept.forEach((g, i) => {
    const sorted = [...g].sort((a, b) => a.n - b.n);
    const n0 = sorted[0]!.n;
    const t0 = sorted[0]!.r.timing!.stats.median;
    lowN = Math.min(lowN, n0);
    highN = Math.max(highN, sorted[sorted.length - 1]!.n);
    const first = sorted[0]!.r;
    const name = `${escapeText(first.label, 60)} · ${escapeText(first.backend, 40)} · ${escapeText(first.dtype, 16)}`;
    const speedup = sorted.map(({ r, n }) => ((n / n0) * t0) / r.timing!.stats.median);
    const hover = sorted.map(({ r, n }, j) =>
      caseHover(r, [
        `streams: ${n}${r.pipeline?.streamsEffective !== undefined && r.pipeline.streamsEffective !== n ? ` (ran as ${r.pipeline.streamsEffective}: the backend has no streams)` : ''}`,
        `median ${fmtNs(r.timing!.stats.median)}; speedup ${fmt(speedup[j])}×`, `peak memory ${fmtBytes(peakBytes(r))}`]),
    );
    const common = { type: 'scatter', mode: 'lines+markers', name, legendgroup: name, line: { color: color(i) }, marker: { color: color(i) }, hoverinfo: 'text', hovertext: hover };
    data.push({ ...common, x: sorted.map((s) => s.n), y: speedup, xaxis: 'x', yaxis: 'y' });
    const mem = sorted.map(({ r }) => peakBytes(r));
    if (mem.some((m) => m !== undefined)) {
      data.push({ ...common, showlegend: false, x: sorted.map((s) => s.n), y: mem.map((m) => (m === undefined ? null : m / 2 ** 20)), xaxis: 'x2', yaxis: 'y2' });
    }
  });
  data.push({ type: 'scatter', mode: 'lines', name: 'ideal (linear)', x: [lowN, highN], y: [1, highN / lowN], line: { dash: 'dash', color: '#999' }, hoverinfo: 'skip', xaxis: 'x', yaxis: 'y' });
  const ns = kept.flatMap((g) => g.map((x) => x.n));
  return {
    data,
    layout: {
      title: { text: title },
      grid: { rows: 1, columns: 2, pattern: 'independent' },
      xaxis: { title: { text: 'streams (count)' }, type: axisType(ns), automargin: true, domain: [0, 0.45] },
      yaxis: { title: { text: 'throughput speedup (×)' }, automargin: true },
      xaxis2: { title: { text: 'streams (count)' }, type: axisType(ns), automargin: true, domain: [0.55, 1] },
      yaxis2: { title: { text: 'peak memory (MiB)' }, automargin: true, anchor: 'x2' },
      height: 480,
      legend: { orientation: 'h', y: -0.2 },
      hovermode: 'closest',
    },
  };
}
