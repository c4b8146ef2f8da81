/**
 * Which figures the dashboard draws for the filtered cases, from the shared plot builders
 * (kernel-bridge/src/plots, the same ones `abw report` uses). Pure: data in, figures out.
 * Plots take at most MAX_PLOTTED cases (most severe first) so a filter that matches tens of
 * thousands of cases does not hand plotly a figure it draws for seconds.
 */
import type { Comparison } from '../../kernel-bridge/src/results/compare';
import type { MachineFile } from '../../kernel-bridge/src/results/ceilings';
import type { ResultRecord } from '../../kernel-bridge/src/results/record';
import { latencyVsBaseline } from '../../kernel-bridge/src/plots/latency-vs-baseline';
import { precisionHeatmap } from '../../kernel-bridge/src/plots/precision-heatmap';
import { ratioForest } from '../../kernel-bridge/src/plots/ratio-forest';
import { roofline } from '../../kernel-bridge/src/plots/roofline';
import { rtfBars } from '../../kernel-bridge/src/plots/rtf-bars';
import { sizeScaling } from '../../kernel-bridge/src/plots/size-scaling';
import { streamScaling } from '../../kernel-bridge/src/plots/stream-scaling';
import type { Figure } from '../../kernel-bridge/src/plots/units';
import { sortComparisonRows } from '../../kernel-bridge/src/report/html-document';

export const MAX_PLOTTED = 400;

export interface ViewFigure {
  readonly id: string;
  readonly title: string;
  readonly figure: Figure;
}

/** The comparison restricted to `keys` (the filtered cases), most severe rows first, capped. */
export function narrowComparison(c: Comparison, keys: ReadonlySet<string>, max = MAX_PLOTTED): Comparison {
  const rows = sortComparisonRows(c.rows.filter((r) => keys.has(r.key))).slice(0, max);
  return { ...c, rows };
}

export function viewFigures(records: readonly ResultRecord[], comparison: Comparison | undefined, ceilings: MachineFile | undefined, max = MAX_PLOTTED): ViewFigure[] {
  const shown = records.slice(0, max);
  const figs: ViewFigure[] = [];
  if (comparison) {
    figs.push({ id: 'latency', title: 'Latency against the baseline', figure: latencyVsBaseline(comparison) });
    figs.push({ id: 'forest', title: 'Change per case (ratio forest)', figure: ratioForest(comparison) });
  }
  figs.push(
    { id: 'precision', title: 'Precision heatmap', figure: precisionHeatmap(shown) },
    { id: 'size-scaling', title: 'Size scaling', figure: sizeScaling(shown) },
    { id: 'stream-scaling', title: 'Stream-count scaling', figure: streamScaling(shown) },
    { id: 'roofline', title: 'Roofline with measured ceilings', figure: roofline(shown, ceilings) },
    { id: 'rtf', title: 'Real-time factor per pipeline', figure: rtfBars(shown) },
  );
  return figs;
}
