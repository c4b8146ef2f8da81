import { describe, expect, it } from 'vitest';
import { bootstrapMedianCI, bootstrapRatioCI } from '../../kernel-bridge/src/measure/bootstrap';
import { medianRankOffset, orderStatisticMedianCI } from '../../kernel-bridge/src/measure/median-ci';
import { seededRandom } from '../../kernel-bridge/src/measure/random';
import { quantile, summarize } from '../../kernel-bridge/src/measure/stats';

// Percentiles checked with numpy 2.4 (np.percentile, default method 'linear').
const FIXED = [12.5, 3.1, 7.7, 9.2, 15.0, 4.4, 8.8, 10.1, 6.3, 11.9, 5.0];

function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

describe('quantile', () => {
  it('matches numpy linear interpolation', () => {
    const sorted = [...FIXED].sort((a, b) => a - b);
    const expected: [number, number][] = [
      [0.05, 3.75],
      [0.25, 5.65],
      [0.5, 8.8],
      [0.75, 11.0],
      [0.9, 12.5],
      [0.95, 13.75],
      [0.99, 14.75],
      [0, 3.1],
      [1, 15.0],
    ];
    for (const [q, v] of expected) expect(quantile(sorted, q)).toBeCloseTo(v, 12);
  });
  it('rejects an empty sample and q outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(/empty/);
    expect(() => quantile([1], 1.5)).toThrow(/\[0, 1\]/);
  });
});

describe('summarize', () => {
  it('gives numpy-verified statistics of a fixed list', () => {
    const s = summarize(FIXED);
    expect(s.n).toBe(11);
    expect(s.median).toBeCloseTo(8.8, 12);
    expect(s.p50).toBe(s.median);
    expect(s.mean).toBeCloseTo(8.545454545454545, 12);
    expect(s.stdev).toBeCloseTo(3.6963126589517934, 12);
    expect(s.mad).toBeCloseTo(3.1, 12);
    expect(s.iqr).toBeCloseTo(11.0 - 5.65, 12);
    expect([s.min, s.max]).toEqual([3.1, 15.0]);
    expect(s.p05).toBeCloseTo(3.75, 12);
    expect(s.p90).toBeCloseTo(12.5, 12);
    expect(s.p95).toBeCloseTo(13.75, 12);
    expect(s.p99).toBeCloseTo(14.75, 12);
    expect(s.outliers).toBe(0);
    expect(s.ciLow).toBeLessThanOrEqual(s.median);
    expect(s.ciHigh).toBeGreaterThanOrEqual(s.median);
    expect(s.relHalfWidth).toBeCloseTo((s.ciHigh - s.ciLow) / 2 / s.median, 12);
  });
  it('MAD, IQR and outliers of a hand example', () => {
    // median 3, |x − 3| = 2 1 0 1 97 → MAD 1; Q1 2, Q3 4 → IQR 2, fences [−1, 7] → 100 is out.
    const s = summarize([1, 2, 3, 4, 100]);
    expect(s.mad).toBe(1);
    expect(s.iqr).toBe(2);
    expect(s.outliers).toBe(1);
  });
  it('handles one sample and rejects empty or non-finite input', () => {
    const s = summarize([5]);
    expect([s.median, s.stdev, s.ciLow, s.ciHigh, s.relHalfWidth]).toEqual([5, 0, 5, 5, 0]);
    expect(() => summarize([])).toThrow(/no samples/);
    expect(() => summarize([1, NaN])).toThrow(/sample 1/);
  });
  it('is deterministic for a seed', () => {
    const random = seededRandom(7);
    const xs = Array.from({ length: 40 }, () => Math.exp(normal(random)));
    expect(summarize(xs, 3)).toEqual(summarize(xs, 3));
  });
});

describe('bootstrap', () => {
  it('is deterministic and seed-dependent', () => {
    const random = seededRandom(11);
    const xs = Array.from({ length: 30 }, () => Math.exp(normal(random)));
    const a = bootstrapMedianCI(xs, { seed: 5 });
    expect(bootstrapMedianCI(xs, { seed: 5 })).toEqual(a);
    expect(bootstrapMedianCI(xs, { seed: 6 })).not.toEqual(a);
  });

  it('covers the true median about 95% of the time (lognormal samples)', () => {
    // Lognormal(0, 0.5): true median 1. 400 samples of 40 → coverage near 0.95 (±0.011 s.e.).
    const random = seededRandom(2024);
    let covered = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const xs = Array.from({ length: 40 }, () => Math.exp(0.5 * normal(random)));
      const ci = bootstrapMedianCI(xs, { seed: t + 1, resamples: 1000 });
      if (ci.low <= 1 && 1 <= ci.high) covered++;
    }
    const coverage = covered / trials;
    expect(coverage).toBeGreaterThan(0.9);
    expect(coverage).toBeLessThan(0.99);
  });

  it('ratio CI brackets the true ratio of medians', () => {
    const random = seededRandom(99);
    const a = Array.from({ length: 60 }, () => 1.2 * Math.exp(0.05 * normal(random)));
    const b = Array.from({ length: 60 }, () => Math.exp(0.05 * normal(random)));
    const ci = bootstrapRatioCI(a, b, { seed: 1 });
    expect(ci.low).toBeLessThan(1.2);
    expect(ci.high).toBeGreaterThan(1.2);
    expect(ci.high - ci.low).toBeLessThan(0.06);
    expect(bootstrapRatioCI(a, b, { seed: 1 })).toEqual(ci);
  });
});

describe('order-statistic median CI', () => {
  it('uses the binomial ranks of the sign-test interval', () => {
    // Tables of the distribution-free CI of the median (e.g. Conover, Practical Nonparametric
    // Statistics, table A3): n = 10 → [x(2), x(9)], n = 20 → [x(6), x(15)] at ≥ 95%.
    expect(medianRankOffset(10)).toBe(2);
    expect(medianRankOffset(20)).toBe(6);
    expect(medianRankOffset(5)).toBe(0);
    const xs = Array.from({ length: 10 }, (_, i) => i + 1);
    const ci = orderStatisticMedianCI(xs);
    expect([ci.low, ci.high, ci.attained]).toEqual([2, 9, true]);
    expect(orderStatisticMedianCI([1, 2, 3]).attained).toBe(false);
  });
  it('does not underflow for large n', () => {
    const r = medianRankOffset(100000);
    expect(r).toBeGreaterThan(49600);
    expect(r).toBeLessThan(49700);
  });
});
