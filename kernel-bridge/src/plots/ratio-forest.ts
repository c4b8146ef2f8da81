/**
 * Forest plot of new / baseline median time per case with the bootstrap CI, coloured by
 * verdict; regressions are drawn larger and their names set in bold. The shaded band is
 * 1 ± the default threshold (cases with their own threshold say so in the hover text).
 */
import type { Comparison, ComparisonRow, TimeVerdict } from '../results/compare';
import { axisType, caseHover, caseNames, emptyFigure, fmt, fmtNs, fmtPct, heightFor, VERDICT_COLORS, type Figure, type Trace } from './units';

const ORDER: readonly TimeVerdict[] = ['regression', 'ambiguous', 'improvement', 'same'];

function hover(r: ComparisonRow): string {
  return caseHover(r, [
    `<b>${r.verdict}</b>${r.direction ? ` (${r.direction})` : ''}${r.flags.length ? `; ${r.flags.join(', ')}` : ''}`,
    `new / baseline: ${fmt(r.ratio)}× [${fmt(r.ratioLow)}, ${fmt(r.ratioHigh)}]`,
    `Mann–Whitney p = ${fmt(r.p, 2)}; threshold ±${fmtPct(r.threshold)}`,
    `baseline ${fmtNs(r.base?.medianNs)} → new ${fmtNs(r.current?.medianNs)}`,
    `precision: ${r.base?.precision ?? '–'} → ${r.current?.precision ?? '–'}`,
  ]);
}

export function ratioForest(c: Comparison): Figure {
  const rows = c.rows.filter((r) => r.ratio !== undefined && r.ratioLow !== undefined && r.ratioHigh !== undefined);
  const title = 'Change per case: new / baseline median time (95% CI)';
  if (rows.length === 0) return emptyFigure(title, 'no case was measured in both runs', 'new / baseline median time (×)', 'case');
  const plain = caseNames(rows);
  const names = rows.map((r, i) => (r.regressed ? `<b>${plain[i]}</b>` : (plain[i] as string)));
  const data: Trace[] = [];
  for (const v of ORDER) {
    const idx = rows.map((r, i) => (r.verdict === v ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: `${v} (${idx.length})`,
      y: idx.map((i) => names[i]),
      x: idx.map((i) => rows[i]!.ratio),
      error_x: {
        type: 'data',
        symmetric: false,
        array: idx.map((i) => Math.max(0, rows[i]!.ratioHigh! - rows[i]!.ratio!)),
        arrayminus: idx.map((i) => Math.max(0, rows[i]!.ratio! - rows[i]!.ratioLow!)),
        color: VERDICT_COLORS[v],
        thickness: 1.5,
        width: 3,
      },
      marker: { color: VERDICT_COLORS[v], size: v === 'regression' ? 11 : 7, symbol: v === 'regression' ? 'diamond' : 'circle' },
      hovertext: idx.map((i) => hover(rows[i]!)),
      hoverinfo: 'text',
    });
  }
  const t = c.threshold.default ?? 0.05;
  const xs = rows.flatMap((r) => [r.ratioLow, r.ratioHigh]);
  const type = axisType([...xs, 1 - t, 1 + t]);
  return {
    data,
    layout: {
      title: { text: `${title}; ${c.counts.regression} regression${c.counts.regression === 1 ? '' : 's'}` },
      xaxis: { title: { text: 'new / baseline median time (×; > 1 is slower)' }, type, automargin: true, zeroline: false },
      yaxis: { title: { text: 'case (label · backend · dtype)' }, type: 'category', automargin: true, autorange: 'reversed' },
      height: heightFor(rows.length),
      shapes: [
        { type: 'rect', xref: 'x', yref: 'paper', x0: 1 - t, x1: 1 + t, y0: 0, y1: 1, fillcolor: 'rgba(127,127,127,0.15)', line: { width: 0 }, layer: 'below' },
        { type: 'line', xref: 'x', yref: 'paper', x0: 1, x1: 1, y0: 0, y1: 1, line: { color: '#444', width: 1, dash: 'dot' } },
      ],
      legend: { orientation: 'h', y: -0.08 },
      hovermode: 'closest',
    },
  };
}
