/**
 * Percentile-bootstrap confidence intervals of the median and of a ratio of medians. Seeded and
 * deterministic: the same samples and seed give the same interval on every machine.
 *
 * A resample's median only depends on how many times each order statistic was drawn, so each
 * resample is a counting pass over the sorted sample (O(n)) instead of a sort (O(n log n)).
 */
import { quantile, sortedCopy } from './quantile';
import { seededRandom } from './random';

export interface BootstrapOptions {
  /** Confidence level, default 0.95. */
  readonly level?: number;
  /** Number of resamples, default 2000. */
  readonly resamples?: number;
  readonly seed?: number;
}

export interface Interval {
  readonly low: number;
  readonly high: number;
  /** The statistic on the original sample(s). */
  readonly estimate: number;
}

function checkOptions(o: BootstrapOptions): { level: number; resamples: number; seed: number } {
  const level = o.level ?? 0.95;
  const resamples = o.resamples ?? 2000;
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(resamples) || resamples < 10) {
    throw new RangeError(`bootstrap resamples must be an integer ≥ 10, got ${resamples}`);
  }
  return { level, resamples, seed: o.seed ?? 1 };
}

/** Medians of `resamples` bootstrap resamples of ascending `sorted`. */
function resampledMedians(sorted: Float64Array, resamples: number, random: () => number): Float64Array {
  const n = sorted.length;
  const counts = new Uint32Array(n);
  const out = new Float64Array(resamples);
  // 0-based ranks of the median in a sample of n: one rank when n is odd, two when even.
  const rankLo = (n - 1) >> 1;
  const rankHi = n >> 1;
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[Math.floor(random() * n)]++;
    let seen = 0;
    let lo = NaN;
    let hi = NaN;
    for (let i = 0; i < n; i++) {
      seen += counts[i];
      if (Number.isNaN(lo) && seen > rankLo) lo = sorted[i];
      if (seen > rankHi) {
        hi = sorted[i];
        break;
      }
    }
    out[r] = (lo + hi) / 2;
  }
  return out;
}

function percentileInterval(stats: Float64Array, level: number, estimate: number): Interval {
  stats.sort();
  const tail = (1 - level) / 2;
  return { low: quantile(stats, tail), high: quantile(stats, 1 - tail), estimate };
}

function checkSamples(samples: ArrayLike<number>, what: string): Float64Array {
  if (samples.length === 0) throw new RangeError(`${what}: no samples`);
  const sorted = sortedCopy(samples);
  for (const x of sorted) if (!Number.isFinite(x)) throw new RangeError(`${what}: samples must be finite, got ${x}`);
  return sorted;
}

/** Percentile-bootstrap CI of the median. One sample gives a zero-width interval. */
export function bootstrapMedianCI(samples: ArrayLike<number>, options: BootstrapOptions = {}): Interval {
  const { level, resamples, seed } = checkOptions(options);
  const sorted = checkSamples(samples, 'bootstrapMedianCI');
  const estimate = quantile(sorted, 0.5);
  if (sorted.length === 1) return { low: estimate, high: estimate, estimate };
  return percentileInterval(resampledMedians(sorted, resamples, seededRandom(seed)), level, estimate);
}

/**
 * Percentile-bootstrap CI of median(a) / median(b), resampling a and b independently (e.g.
 * new / baseline timings). Resamples whose denominator median is 0 are dropped.
 */
export function bootstrapRatioCI(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: BootstrapOptions = {},
): Interval {
  const { level, resamples, seed } = checkOptions(options);
  const sa = checkSamples(a, 'bootstrapRatioCI(a)');
  const sb = checkSamples(b, 'bootstrapRatioCI(b)');
  const mb = quantile(sb, 0.5);
  if (mb === 0) throw new RangeError('bootstrapRatioCI: median(b) is 0');
  const estimate = quantile(sa, 0.5) / mb;
  const random = seededRandom(seed);
  const ma = resampledMedians(sa, resamples, random);
  const mbs = resampledMedians(sb, resamples, random);
  const ratios: number[] = [];
  for (let i = 0; i < resamples; i++) if (mbs[i] !== 0) ratios.push(ma[i] / mbs[i]);
  if (ratios.length === 0) throw new RangeError('bootstrapRatioCI: every resampled median(b) is 0');
  return percentileInterval(Float64Array.from(ratios), level, estimate);
}
