export {
  tolerance,
  outputTolerance,
  relL2Allowance,
  reductionScale,
  UNIT_ROUNDOFF,
  TOLERANCE_FAMILIES,
  type Tolerance,
} from './tolerance';
export {
  orderedHalf,
  orderedF32,
  orderedF64,
  ulpDistanceHalfBits,
  ulpDistanceF32,
  ulpDistanceF64,
  type UlpFormat,
} from './ulp';
export { errorMetrics, maxUlpDistance, rms, SNR_CAP_DB, type MetricOptions } from './metrics';
export { judge, toleranceReason, type JudgeInput } from './judge';
export { tensorValues, roundToDType, roundedValues, isIntegerValues, type Values } from './dtype-values';
