/**
 * Summary statistics of timing samples (DESIGN.md "Measurement policy"). Quantiles use linear
 * interpolation (numpy's default); the median's 95% CI is a seeded percentile bootstrap.
 */
import type { Statistics } from '../results/record';
import { bootstrapMedianCI } from './bootstrap';
import { quantile, sortedCopy } from './quantile';

export { quantile } from './quantile';

/** Resamples of the final bootstrap: enough for a stable 2.5%/97.5% percentile. */
const SUMMARY_RESAMPLES = 2000;

/**
 * Statistics of `samples` (finite numbers, at least one). MAD is the unscaled median absolute
 * deviation; outliers are the samples outside Tukey's fences [Q1 − 1.5·IQR, Q3 + 1.5·IQR].
 */
export function summarize(samples: readonly number[], seed = 1): Statistics {
  const n = samples.length;
  if (n === 0) throw new RangeError('summarize: no samples');
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(samples[i])) throw new RangeError(`summarize: sample ${i} is ${samples[i]}, not finite`);
  }
  const sorted = sortedCopy(samples);
  const median = quantile(sorted, 0.5);
  let sum = 0;
  for (const x of sorted) sum += x;
  const mean = sum / n;
  let ss = 0;
  for (const x of sorted) ss += (x - mean) * (x - mean);
  const stdev = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const deviations = sortedCopy(Array.from(sorted, (x) => Math.abs(x - median)));
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const iqr = q3 - q1;
  let outliers = 0;
  for (const x of sorted) if (x < q1 - 1.5 * iqr || x > q3 + 1.5 * iqr) outliers++;
  const ci = bootstrapMedianCI(sorted, { level: 0.95, resamples: SUMMARY_RESAMPLES, seed });
  return {
    n,
    median,
    mean,
    stdev,
    mad: quantile(deviations, 0.5),
    iqr,
    min: sorted[0],
    max: sorted[n - 1],
    p05: quantile(sorted, 0.05),
    p50: median,
    p90: quantile(sorted, 0.9),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    ciLow: ci.low,
    ciHigh: ci.high,
    relHalfWidth: relativeHalfWidth(ci.low, ci.high, median),
    outliers,
  };
}

/**
 * (high − low) / 2 / |centre|. A zero centre gives 0 for a zero-width interval and 1 (100%)
 * otherwise, so the value stays finite (JSON) and never reads as converged.
 */
export function relativeHalfWidth(low: number, high: number, centre: number): number {
  const half = (high - low) / 2;
  if (centre === 0) return half === 0 ? 0 : 1;
  return half / Math.abs(centre);
}
