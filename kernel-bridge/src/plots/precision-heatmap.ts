/**
 * Precision heatmap: op (rows) × dtype · backend (columns), coloured by the worst error over
 * tolerance against the FP64 oracle, log10 scale: 0 (white) is exactly at tolerance, green
 * passes, red fails. A cell covers every case of that op, dtype and backend (sizes, params); it
 * shows the worst, and its hover text carries all metrics of that worst case.
 */
import type { ErrorMetrics, ResultRecord } from '../results/record';
import { CASE_DTYPES } from '../tensor';
import { caseHover, emptyFigure, escapeText, fmt, heightFor, type Figure } from './units';

/** Colour range of log10(error / tolerance); beyond it the colour saturates (hover shows the value). */
export const HEATMAP_CLAMP = 4;

function worstMetric(ms: readonly ErrorMetrics[]): ErrorMetrics | undefined {
  let w: ErrorMetrics | undefined;
  for (const m of ms) if (!w || m.worstRatio > w.worstRatio) w = m;
  return w;
}

function metricLines(m: ErrorMetrics, prefix: string): string[] {
  return [
    `${prefix} output ${escapeText(m.output, 40)}: error/tol ${fmt(m.worstRatio)}, violations ${m.violations} of ${m.count}`,
    `${prefix} max abs ${fmt(m.maxAbs)}, max rel ${fmt(m.maxRel)}, rel L2 ${fmt(m.relL2)}, max ULP ${m.maxUlp ?? '–'}, SNR ${fmt(m.snrDb)} dB, NaN ${m.nanCount}, Inf ${m.infCount}`,
  ];
}

interface Cell {
  worst: ResultRecord;
  ratio: number;
  pass: number;
  fail: number;
}

export function precisionHeatmap(records: readonly ResultRecord[]): Figure {
  const judged = records.filter((r) => r.precision && r.precision.verdict !== 'n/a' && r.precision.vsFp64.length > 0);
  const title = 'Precision vs FP64: worst error / tolerance per op, dtype and backend';
  if (judged.length === 0) return emptyFigure(title, 'no case has a precision result', 'dtype · backend', 'op');
  const backends = [...new Set(judged.map((r) => r.backend))].sort();
  const dtypeRank = (d: string) => {
    const i = (CASE_DTYPES as readonly string[]).indexOf(d);
    return i < 0 ? CASE_DTYPES.length : i;
  };
  const colKeys: string[] = [];
  for (const b of backends) {
    const ds = [...new Set(judged.filter((r) => r.backend === b).map((r) => r.dtype as string))].sort((x, y) => dtypeRank(x) - dtypeRank(y) || (x < y ? -1 : 1));
    for (const d of ds) colKeys.push(`${d}\u0000${b}`);
  }
  const ops = [...new Set(judged.map((r) => r.op))];
  const cells = new Map<string, Cell>();
  for (const r of judged) {
    const k = `${r.op}\u0001${r.dtype}\u0000${r.backend}`;
    const ratio = worstMetric(r.precision!.vsFp64)!.worstRatio;
    const c = cells.get(k) ?? { worst: r, ratio, pass: 0, fail: 0 };
    if (ratio > c.ratio) {
      c.worst = r;
      c.ratio = ratio;
    }
    if (r.precision!.verdict === 'pass') c.pass++;
    else c.fail++;
    cells.set(k, c);
  }
  const z: (number | null)[][] = [];
  const text: string[][] = [];
  for (const op of ops) {
    const zr: (number | null)[] = [];
    const tr: string[] = [];
    for (const col of colKeys) {
      const c = cells.get(`${op}\u0001${col}`);
      if (!c) {
        zr.push(null);
        tr.push('');
        continue;
      }
      const p = c.worst.precision!;
      const lr = c.ratio > 0 ? Math.log10(c.ratio) : -HEATMAP_CLAMP;
      zr.push(Math.max(-HEATMAP_CLAMP, Math.min(HEATMAP_CLAMP, lr)));
      const lines = [
        `<b>${p.verdict === 'pass' ? 'pass' : 'FAIL'}</b> (worst of ${c.pass + c.fail} case${c.pass + c.fail === 1 ? '' : 's'}: ${c.pass} pass, ${c.fail} fail)`,
        `family ${escapeText(p.family, 40)}: atol ${fmt(p.atol)}, rtol ${fmt(p.rtol)}${p.rmsRtol !== undefined ? `, rmsRtol ${fmt(p.rmsRtol)}` : ''}`,
        ...p.vsFp64.flatMap((m) => metricLines(m, 'vs FP64')),
        ...(p.vsFp32 ?? []).flatMap((m) => metricLines(m, 'vs FP32')),
        ...(p.reason ? [`reason: ${escapeText(p.reason, 300)}`] : []),
      ];
      tr.push(caseHover(c.worst, lines));
    }
    z.push(zr);
    text.push(tr);
  }
  const x = colKeys.map((k) => {
    const [d, b] = k.split('\u0000');
    return `${escapeText(d, 16)} · ${escapeText(b, 40)}`;
  });
  return {
    data: [
      {
        type: 'heatmap',
        x,
        y: ops.map((o) => escapeText(o, 60)),
        z,
        zmin: -HEATMAP_CLAMP,
        zmax: HEATMAP_CLAMP,
        colorscale: [
          [0, '#1a9850'],
          [0.45, '#d9f0d3'],
          [0.5, '#ffffff'],
          [0.55, '#fddbc7'],
          [1, '#b2182b'],
        ],
        colorbar: { title: { text: 'error / tolerance (×, log scale; ≤ 1 passes)' }, tickvals: [-4, -2, 0, 2, 4], ticktext: ['1e-4', '0.01', '1', '100', '≥1e4'] },
        xgap: 2,
        ygap: 2,
        hovertext: text,
        hoverinfo: 'text',
        hoverongaps: false,
      },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: 'dtype · backend' }, type: 'category', automargin: true },
      yaxis: { title: { text: 'op' }, type: 'category', automargin: true, autorange: 'reversed' },
      height: heightFor(ops.length, 360, 20),
    },
  };
}
