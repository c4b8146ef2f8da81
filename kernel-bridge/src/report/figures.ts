/**
 * The figures of a report, in order: every plot builder of plots/, with an explanatory empty
 * figure where the data for one is absent (no baseline, no pipelines), so a report always has
 * the same sections.
 */
import type { MachineFile } from '../results/ceilings';
import type { Comparison } from '../results/compare';
import type { RunFile } from '../results/record';
import { crossMachine } from '../plots/cross-machine';
import { latencyVsBaseline } from '../plots/latency-vs-baseline';
import { precisionHeatmap } from '../plots/precision-heatmap';
import { ratioForest } from '../plots/ratio-forest';
import { roofline } from '../plots/roofline';
import { rtfBars } from '../plots/rtf-bars';
import { sizeScaling } from '../plots/size-scaling';
import { streamScaling } from '../plots/stream-scaling';
import { emptyFigure, type Figure } from '../plots/units';

export interface ReportInput {
  readonly run: RunFile;
  readonly baseline?: RunFile;
  readonly comparison?: Comparison;
  readonly ceilings?: MachineFile;
  /** Runs of other machines (newest of each) for the cross-machine view. */
  readonly others?: readonly RunFile[];
  /** Shown in the header (ISO time); the caller's clock, so rendering stays pure. */
  readonly generatedAt: string;
  /** Why there is no comparison, when there is none. */
  readonly noBaselineReason?: string;
}

export interface ReportFigure {
  readonly id: string;
  readonly title: string;
  readonly figure: Figure;
}

export function reportFigures(input: ReportInput): ReportFigure[] {
  const records = input.run.records;
  const noBase = input.noBaselineReason ?? 'no baseline to compare with: pin one with `abw baseline set RUN`';
  const c = input.comparison;
  const runs = [input.run, ...(input.baseline && input.baseline.run.machine.key !== input.run.run.machine.key ? [input.baseline] : []), ...(input.others ?? [])];
  return [
    { id: 'latency', title: 'Latency against the baseline', figure: c ? latencyVsBaseline(c) : emptyFigure('Latency per case: new run vs baseline', noBase, 'median time per call (ns)', 'case') },
    { id: 'forest', title: 'Change per case (ratio forest)', figure: c ? ratioForest(c) : emptyFigure('Change per case: new / baseline median time', noBase, 'new / baseline median time (×)', 'case') },
    { id: 'precision', title: 'Precision heatmap', figure: precisionHeatmap(records) },
    { id: 'size-scaling', title: 'Size scaling', figure: sizeScaling(records) },
    { id: 'stream-scaling', title: 'Stream-count scaling', figure: streamScaling(records) },
    { id: 'roofline', title: 'Roofline with measured ceilings', figure: roofline(records, input.ceilings) },
    { id: 'rtf', title: 'Real-time factor per pipeline', figure: rtfBars(records) },
    { id: 'cross-machine', title: 'The same cases across machines', figure: crossMachine(runs) },
  ];
}
