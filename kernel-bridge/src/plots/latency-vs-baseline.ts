/**
 * Latency per case, new run against its baseline: median time per call with the bootstrap 95%
 * CI of the median as error bars, one row per case (horizontal, so long labels stay readable).
 */
import type { Comparison, ComparisonRow, CompareSide } from '../results/compare';
import { caseHover, caseNames, emptyFigure, fmt, fmtNs, heightFor, timeUnit, valueAxis, VERDICT_COLORS, type Figure, type Trace } from './units';

function measured(s: CompareSide | undefined): s is CompareSide & { medianNs: number; ciLowNs: number; ciHighNs: number } {
  return !!s && s.status === 'ok' && typeof s.medianNs === 'number' && s.medianNs > 0;
}

function hoverLines(r: ComparisonRow): string[] {
  const lines = [`verdict: ${r.verdict}${r.flags.length ? ` (${r.flags.join(', ')})` : ''}`];
  if (r.ratio !== undefined) lines.push(`new / baseline: ${fmt(r.ratio)}× [${fmt(r.ratioLow)}, ${fmt(r.ratioHigh)}], p = ${fmt(r.p, 2)}`);
  if (measured(r.base)) lines.push(`baseline: ${fmtNs(r.base.medianNs)} [${fmtNs(r.base.ciLowNs)}, ${fmtNs(r.base.ciHighNs)}], n = ${r.base.samples ?? '–'}`);
  if (measured(r.current)) lines.push(`new: ${fmtNs(r.current.medianNs)} [${fmtNs(r.current.ciLowNs)}, ${fmtNs(r.current.ciHighNs)}], n = ${r.current.samples ?? '–'}`);
  return lines;
}

export function latencyVsBaseline(c: Comparison): Figure {
  const rows = c.rows.filter((r) => measured(r.base) || measured(r.current));
  const title = 'Latency per case: new run vs baseline (median, 95% CI)';
  if (rows.length === 0) return emptyFigure(title, 'no case has timings in either run', 'median time per call (ns)', 'case');
  const names = caseNames(rows);
  const all = rows.flatMap((r) => [r.base?.medianNs, r.current?.medianNs]).filter((x): x is number => typeof x === 'number');
  const unit = timeUnit(all);
  const side = (which: 'base' | 'current', name: string, color: string, symbol: string): Trace => {
    const idx = rows.map((r, i) => (measured(r[which]) ? i : -1)).filter((i) => i >= 0);
    const s = (i: number) => rows[i]![which] as CompareSide & { medianNs: number; ciLowNs: number; ciHighNs: number };
    return {
      type: 'scatter',
      mode: 'markers',
      name,
      y: idx.map((i) => names[i]),
      x: idx.map((i) => s(i).medianNs / unit.ns),
      error_x: {
        type: 'data',
        symmetric: false,
        array: idx.map((i) => Math.max(0, s(i).ciHighNs - s(i).medianNs) / unit.ns),
        arrayminus: idx.map((i) => Math.max(0, s(i).medianNs - s(i).ciLowNs) / unit.ns),
        thickness: 1.2,
        width: 3,
      },
      marker: { color, symbol, size: 8 },
      hovertext: idx.map((i) => caseHover(rows[i]!, hoverLines(rows[i]!))),
      hoverinfo: 'text',
    };
  };
  const xs = rows.flatMap((r) => [r.base?.ciLowNs, r.base?.ciHighNs, r.current?.ciLowNs, r.current?.ciHighNs]).map((x) => (typeof x === 'number' ? x / unit.ns : null));
  return {
    data: [side('base', `baseline ${c.base.runId}`, VERDICT_COLORS.same as string, 'diamond-open'), side('current', `new ${c.current.runId}`, VERDICT_COLORS.new as string, 'circle')],
    layout: {
      title: { text: title },
      xaxis: valueAxis('median time per call', unit.unit, xs),
      yaxis: { title: { text: 'case (label · backend · dtype)' }, type: 'category', automargin: true, autorange: 'reversed' },
      height: heightFor(rows.length),
      legend: { orientation: 'h', y: -0.08 },
      hovermode: 'closest',
    },
  };
}
