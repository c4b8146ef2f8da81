/**
 * Real-time factor per pipeline and backend (RTF = processing time / audio duration; below 1 is
 * faster than real time), with the real-time line at 1 and error bars from the timing CI.
 * (Annotations on a log axis take log10 of the value; shapes take the value itself.)
 */
import type { ResultRecord } from '../results/record';
import { axisType, caseHover, color, emptyFigure, escapeText, fmt, type Figure, type Trace } from './units';

export function rtfBars(records: readonly ResultRecord[]): Figure {
  const title = 'Real-time factor per pipeline (processing time / audio duration)';
  const rs = records.filter((r) => r.status === 'ok' && typeof r.rtf === 'number' && r.rtf > 0);
  if (rs.length === 0) return emptyFigure(title, 'no pipeline with a real-time factor in these results', 'pipeline', 'real-time factor (×)');
  const seriesKeys = [...new Set(rs.map((r) => `${r.backend}\u0000${r.dtype}`))].sort();
  const labels = [...new Set(rs.map((r) => r.label))];
  const data: Trace[] = seriesKeys.map((k, i) => {
    const [backend, dtype] = k.split('\u0000') as [string, string];
    const s = rs.filter((r) => r.backend === backend && r.dtype === dtype);
    const rel = (r: ResultRecord, v: number | undefined) => (r.timing && v !== undefined && r.timing.stats.median > 0 ? (r.rtf! * v) / r.timing.stats.median : r.rtf!);
    return {
      type: 'bar',
      name: `${escapeText(backend, 40)} · ${escapeText(dtype, 16)}`,
      x: s.map((r) => escapeText(r.label, 80)),
      y: s.map((r) => r.rtf),
      error_y: {
        type: 'data',
        symmetric: false,
        array: s.map((r) => Math.max(0, rel(r, r.timing?.stats.ciHigh) - r.rtf!)),
        arrayminus: s.map((r) => Math.max(0, r.rtf! - rel(r, r.timing?.stats.ciLow))),
      },
      marker: { color: color(i) },
      hovertext: s.map((r) => caseHover(r, [`RTF ${fmt(r.rtf)} (${fmt(1 / r.rtf!)}× real time)`, `audio ${fmt(r.audioSeconds)} s`])),
      hoverinfo: 'text',
    };
  });
  const yType = axisType([...rs.map((r) => r.rtf), 1]);
  return {
    data,
    layout: {
      title: { text: title },
      barmode: 'group',
      xaxis: { title: { text: 'pipeline' }, type: 'category', categoryarray: labels.map((l) => escapeText(l, 80)), automargin: true },
      yaxis: { title: { text: 'real-time factor (×, < 1 is faster than real time)' }, type: yType, automargin: true },
      shapes: [{ type: 'line', xref: 'paper', yref: 'y', x0: 0, x1: 1, y0: 1, y1: 1, line: { color: '#d62728', width: 2, dash: 'dash' } }],
      annotations: [{ text: 'real time (RTF = 1)', xref: 'paper', yref: 'y', x: 1, y: yType === 'log' ? 0 : 1, xanchor: 'right', yanchor: 'bottom', showarrow: false, font: { color: '#d62728' } }],
      height: 480,
      hovermode: 'closest',
    },
  };
}
