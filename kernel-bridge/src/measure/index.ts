export { summarize, quantile, relativeHalfWidth } from './stats';
export { median, sortedCopy } from './quantile';
export { bootstrapMedianCI, bootstrapRatioCI, type BootstrapOptions, type Interval } from './bootstrap';
export { mannWhitneyU, type MannWhitneyResult } from './mann-whitney';
export { orderStatisticMedianCI, medianRankOffset, type MedianInterval } from './median-ci';
export {
  ciHalfWidthRule,
  fixedCountRule,
  resolveCiHalfWidthOptions,
  CI_HALF_WIDTH_DEFAULTS,
  type StoppingRule,
  type StopDecision,
  type CiHalfWidthOptions,
} from './stopping';
export { measureCall, iterationsFor, type MeasureCallOptions } from './measure-call';
export { hostMemory, type HostMemory } from './memory';
export { seededRandom } from './random';
