/**
 * Roofline: attained GFLOP/s against arithmetic intensity (FLOP per byte moved, from the op's
 * cost model), log–log, with the machine's measured roofs per backend and dtype:
 * min(peak matmul rate, intensity × copy bandwidth). Without ceilings the points are drawn
 * alone and the figure says how to measure them (`abw calibrate`).
 */
import type { BackendCeilings, MachineFile } from '../results/ceilings';
import type { ResultRecord } from '../results/record';
import { caseHover, color, emptyFigure, escapeText, fmt, fmtPct, timedRecords, type Figure, type Trace } from './units';

type Ceilings = MachineFile | Readonly<Record<string, BackendCeilings>> | undefined;

function ceilingsOf(c: Ceilings): Readonly<Record<string, BackendCeilings>> {
  if (!c) return {};
  return 'schema' in c && (c as MachineFile).schema === 'abw.machine' ? (c as MachineFile).ceilings : (c as Readonly<Record<string, BackendCeilings>>);
}

const DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash'];

export function roofline(records: readonly ResultRecord[], ceilings?: Ceilings): Figure {
  const title = 'Roofline: attained throughput against arithmetic intensity';
  const pts = timedRecords(records).filter((r) => (r.derived?.flops ?? 0) > 0 && (r.derived?.bytes ?? 0) > 0 && (r.derived?.gflops ?? 0) > 0);
  const roofs = ceilingsOf(ceilings);
  const roofBackends = Object.keys(roofs).filter((b) => roofs[b]?.copy && Object.keys(roofs[b]!.matmul).length > 0);
  if (pts.length === 0 && roofBackends.length === 0) {
    return emptyFigure(title, 'no case with FLOPs and timings', 'arithmetic intensity (FLOP/byte)', 'attained throughput (GFLOP/s)');
  }
  const data: Trace[] = [];
  const series = new Map<string, ResultRecord[]>();
  for (const r of pts) {
    const k = `${r.backend}\u0000${r.dtype}`;
    const l = series.get(k) ?? [];
    l.push(r);
    series.set(k, l);
  }
  const intens = pts.map((r) => r.derived!.flops / r.derived!.bytes);
  let xmin = intens.length ? Math.min(...intens) / 2 : 0.05;
  let xmax = intens.length ? Math.max(...intens) * 2 : 100;
  for (const b of roofBackends) {
    const c = roofs[b]!;
    for (const rate of Object.values(c.matmul)) {
      if (!rate) continue;
      const ridge = rate.gflops / c.copy!.gbps;
      xmin = Math.min(xmin, ridge / 8);
      xmax = Math.max(xmax, ridge * 8);
    }
  }
  [...series.entries()].forEach(([, rs], i) => {
    const f = rs[0]!;
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: `${escapeText(f.backend, 40)} · ${escapeText(f.dtype, 16)}`,
      x: rs.map((r) => r.derived!.flops / r.derived!.bytes),
      y: rs.map((r) => r.derived!.gflops),
      marker: { color: color(i), size: 8, opacity: 0.85 },
      hovertext: rs.map((r) =>
        caseHover(r, [
          `intensity ${fmt(r.derived!.flops / r.derived!.bytes)} FLOP/byte`,
          `${fmt(r.derived!.gflops)} GFLOP/s, ${fmt(r.derived!.gbps)} GB/s`,
          `of ceiling: ${fmtPct(r.derived!.pctPeakFlops)} compute, ${fmtPct(r.derived!.pctPeakBandwidth)} bandwidth`,
        ]),
      ),
      hoverinfo: 'text',
    });
  });
  roofBackends.forEach((b, bi) => {
    const c = roofs[b]!;
    const bw = c.copy!.gbps;
    Object.entries(c.matmul).forEach(([dtype, rate], di) => {
      if (!rate) return;
      const ridge = rate.gflops / bw;
      const x = [xmin, Math.max(xmin, Math.min(ridge, xmax)), xmax];
      const y = x.map((v) => Math.min(rate.gflops, v * bw));
      const hover = `roof ${escapeText(b, 40)} · ${escapeText(dtype, 16)}: peak ${fmt(rate.gflops)} GFLOP/s (${escapeText(rate.op, 40)} ${rate.shapes.map((s) => s.join('×')).join(', ')}), copy ${fmt(bw)} GB/s, ridge ${fmt(ridge)} FLOP/byte`;
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: `roof ${escapeText(b, 40)} · ${escapeText(dtype, 16)}`,
        x,
        y,
        line: { color: '#333', width: bi === 0 ? 2 : 1.5, dash: DASHES[di % DASHES.length] },
        hovertext: x.map(() => hover),
        hoverinfo: 'text',
      });
    });
  });
  const layout: Record<string, unknown> = {
    title: { text: title },
    xaxis: { title: { text: 'arithmetic intensity (FLOP/byte)' }, type: 'log', automargin: true },
    yaxis: { title: { text: 'attained throughput (GFLOP/s)' }, type: 'log', automargin: true },
    height: 560,
    hovermode: 'closest',
  };
  if (roofBackends.length === 0) {
    layout.annotations = [{ text: 'no measured ceilings for this machine: run `abw calibrate` to draw the roofs', showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 1.02, yanchor: 'bottom' }];
  }
  return { data, layout: layout as Figure['layout'] };
}
