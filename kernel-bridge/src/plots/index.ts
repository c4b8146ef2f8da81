/**
 * Plot builders: pure functions from results (records, comparisons, records tables) to plotly
 * figure JSON (`{ data, layout }`), for the notebook, the extension and the HTML report.
 * Strings from result files are escaped (units.ts escapeText): nothing in a figure executes.
 */
export * from './units';
export { latencyVsBaseline } from './latency-vs-baseline';
export { ratioForest } from './ratio-forest';
export { precisionHeatmap, HEATMAP_CLAMP } from './precision-heatmap';
export { sizeScaling, inputElements, type SizeScalingOptions } from './size-scaling';
export { streamScaling, type StreamScalingOptions } from './stream-scaling';
export { roofline } from './roofline';
export { rtfBars } from './rtf-bars';
export { crossMachine, type CrossMachineOptions } from './cross-machine';
