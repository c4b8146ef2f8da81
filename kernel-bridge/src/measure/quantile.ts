/** Quantiles and medians of sorted samples. */

/**
 * The q-quantile (0 ≤ q ≤ 1) of ascending `sorted`, by linear interpolation between order
 * statistics: numpy's default (`method='linear'`, Hyndman & Fan type 7).
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must be in [0, 1], got ${q}`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Ascending copy as a Float64Array (numeric sort, unlike Array#sort's default). */
export function sortedCopy(samples: ArrayLike<number>): Float64Array {
  return Float64Array.from(samples).sort();
}

export function median(samples: ArrayLike<number>): number {
  return quantile(sortedCopy(samples), 0.5);
}
