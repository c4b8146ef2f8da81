/**
 * Distribution-free confidence interval of the median from order statistics (the binomial /
 * sign-test interval): [x(r), x(n+1−r)] (1-based) covers the true median with probability
 * P(r ≤ B ≤ n−r), B ~ Binomial(n, ½). Cheap (one sort, an O(n) binomial tail) and needs no
 * random numbers, so the stopping rule can evaluate it after every batch of samples.
 */
import { quantile, sortedCopy } from './quantile';

/**
 * The largest r ≥ 0 with P(B ≤ r−1) ≤ (1−level)/2; 0 when even [min, max] falls short of the
 * level (n < 6 at 95%). Log-space pmf, so n in the millions does not underflow.
 */
export function medianRankOffset(n: number, level = 0.95): number {
  const alpha = (1 - level) / 2;
  let logPmf = -n * Math.LN2; // P(B = 0)
  let cdf = 0;
  let r = 0;
  for (let k = 0; k < n; k++) {
    cdf += Math.exp(logPmf); // now P(B ≤ k)
    if (cdf > alpha) break;
    r = k + 1;
    logPmf += Math.log((n - k) / (k + 1));
  }
  return r;
}

export interface MedianInterval {
  readonly median: number;
  readonly low: number;
  readonly high: number;
  /** False when n is too small for the level; the interval is then [min, max]. */
  readonly attained: boolean;
}

export function orderStatisticMedianCI(samples: ArrayLike<number>, level = 0.95): MedianInterval {
  const n = samples.length;
  if (n === 0) throw new RangeError('orderStatisticMedianCI: no samples');
  const sorted = sortedCopy(samples);
  const r = medianRankOffset(n, level);
  const lowIndex = Math.max(r - 1, 0);
  return {
    median: quantile(sorted, 0.5),
    low: sorted[lowIndex],
    high: sorted[n - 1 - lowIndex],
    attained: r >= 1,
  };
}
