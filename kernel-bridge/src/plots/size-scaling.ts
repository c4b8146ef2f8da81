/**
 * Size scaling: for each op · backend · dtype run at several sizes, median time per call (left)
 * and GFLOP/s (right) against the input size, both on log axes when sizes span decades.
 * Input size = elements over all inputs of the call, which every op has (FLOPs do not: copies).
 */
import type { ResultRecord } from '../results/record';
import { axisType, caseHover, color, emptyFigure, escapeText, fmt, fmtNs, timedRecords, timeUnit, type Figure, type Trace } from './units';

export interface SizeScalingOptions {
  /** Only these ops. */
  readonly ops?: readonly string[];
  /** Series with fewer distinct sizes are left out, default 2. */
  readonly minSizes?: number;
}

export function inputElements(r: Pick<ResultRecord, 'shapes'>): number {
  let n = 0;
  for (const s of r.shapes) if (s) n += s.reduce((a, b) => a * b, 1);
  return n;
}

export function sizeScaling(records: readonly ResultRecord[], options: SizeScalingOptions = {}): Figure {
  const minSizes = options.minSizes ?? 2;
  const title = 'Size scaling: time and throughput against input size';
  const pool = timedRecords(records).filter((r) => r.kind === 'op' && (!options.ops || options.ops.includes(r.op)));
  const series = new Map<string, ResultRecord[]>();
  for (const r of pool) {
    const k = `${r.op}\u0000${r.backend}\u0000${r.dtype}`;
    const list = series.get(k) ?? [];
    list.push(r);
    series.set(k, list);
  }
  const kept = [...series.entries()].filter(([, rs]) => new Set(rs.map(inputElements)).size >= minSizes);
  if (kept.length === 0) {
    return emptyFigure(title, `no op was run at ${minSizes} or more sizes on one backend and dtype`, 'input size (elements)', 'median time per call (ns)');
  }
  const unit = timeUnit(kept.flatMap(([, rs]) => rs.map((r) => r.timing!.stats.median)));
  const data: Trace[] = [];
  kept.forEach(([, rs], i) => {
    const sorted = [...rs].sort((a, b) => inputElements(a) - inputElements(b));
    const first = sorted[0]!;
    const name = `${escapeText(first.op, 40)} · ${escapeText(first.backend, 40)} · ${escapeText(first.dtype, 16)}`;
    const hover = sorted.map((r) =>
      caseHover(r, [
        `input elements: ${inputElements(r)}`,
        `median ${fmtNs(r.timing!.stats.median)} [${fmtNs(r.timing!.stats.ciLow)}, ${fmtNs(r.timing!.stats.ciHigh)}]`,
        `${fmt(r.derived?.gflops)} GFLOP/s, ${fmt(r.derived?.gbps)} GB/s`,
      ]),
    );
    const x = sorted.map(inputElements);
    const common = { mode: 'lines+markers', name, legendgroup: name, line: { color: color(i) }, marker: { color: color(i), size: 7 }, hoverinfo: 'text' };
    data.push({
      type: 'scatter',
      ...common,
      x,
      y: sorted.map((r) => r.timing!.stats.median / unit.ns),
      error_y: {
        type: 'data',
        symmetric: false,
        array: sorted.map((r) => Math.max(0, r.timing!.stats.ciHigh - r.timing!.stats.median) / unit.ns),
        arrayminus: sorted.map((r) => Math.max(0, r.timing!.stats.median - r.timing!.stats.ciLow) / unit.ns),
        thickness: 1,
        width: 2,
      },
      hovertext: hover,
      xaxis: 'x',
      yaxis: 'y',
    });
    const withFlops = sorted.map((r, j) => ({ r, j })).filter(({ r }) => (r.derived?.flops ?? 0) > 0 && r.derived?.gflops !== undefined);
    if (withFlops.length > 0) {
      data.push({
        type: 'scatter',
        ...common,
        showlegend: false,
        x: withFlops.map(({ j }) => x[j]),
        y: withFlops.map(({ r }) => r.derived!.gflops),
        hovertext: withFlops.map(({ j }) => hover[j]),
        xaxis: 'x2',
        yaxis: 'y2',
      });
    }
  });
  const xs = data.flatMap((t) => t.x as number[]);
  const times = data.filter((t) => t.yaxis === 'y').flatMap((t) => t.y as number[]);
  const rates = data.filter((t) => t.yaxis === 'y2').flatMap((t) => t.y as number[]);
  const xType = axisType(xs);
  return {
    data,
    layout: {
      title: { text: title },
      grid: { rows: 1, columns: 2, pattern: 'independent' },
      xaxis: { title: { text: 'input size (elements)' }, type: xType, automargin: true, domain: [0, 0.45] },
      yaxis: { title: { text: `median time per call (${unit.unit})` }, type: axisType(times), automargin: true },
      xaxis2: { title: { text: 'input size (elements)' }, type: xType, automargin: true, domain: [0.55, 1] },
      yaxis2: { title: { text: 'throughput (GFLOP/s)' }, type: axisType(rates), automargin: true, anchor: 'x2' },
      height: 520,
      legend: { orientation: 'h', y: -0.2 },
      hovermode: 'closest',
    },
  };
}
