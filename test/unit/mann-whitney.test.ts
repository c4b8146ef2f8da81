import { describe, expect, it } from 'vitest';
import { mannWhitneyU } from '../../kernel-bridge/src/measure/mann-whitney';

/** Two tie-free samples of n each with U(a) = u: a_i = 2k_i − 1 sits above k_i of b = 0, 2, 4, …. */
function samplesWithU(n: number, u: number): { a: number[]; b: number[] } {
  const b = Array.from({ length: n }, (_, i) => 2 * i);
  const a: number[] = [];
  let left = u;
  for (let i = 0; i < n; i++) {
    const k = Math.min(n, left);
    left -= k;
    a.push(2 * k - 1 + i / (10 * n)); // distinct, and still between the same b values
  }
  return { a, b };
}

describe('mannWhitneyU', () => {
  it('reproduces the scipy.stats.mannwhitneyu documentation example', () => {
    // scipy docs (mannwhitneyu, "males/females" example): U1 = 17, exact p = 0.1111111111111111,
    // method="asymptotic" p = 0.11134688653314041.
    const males = [19, 22, 16, 29, 24];
    const females = [20, 11, 17, 12];
    const r = mannWhitneyU(males, females);
    expect(r.u).toBe(17);
    expect(r.method).toBe('exact');
    expect(r.p).toBeCloseTo(0.1111111111111111, 12);
  });

  it('matches the asymptotic p with tie correction', () => {
    // Tie-corrected normal approximation with continuity correction, computed independently
    // (Python, math.erfc): U = 3.5, p = 0.004793348746185464.
    const r = mannWhitneyU([1, 2, 2, 3, 3, 3, 4], [3, 4, 4, 5, 5, 6, 6, 7]);
    expect(r.u).toBe(3.5);
    expect(r.method).toBe('asymptotic');
    expect(r.p).toBeCloseTo(0.004793348746185464, 5);
    expect(r.z).toBeLessThan(0);
  });

  it('agrees with published two-tailed α = 0.05 critical values of U (n1 = n2)', () => {
    // Critical values from standard Mann–Whitney tables (e.g. Siegel & Castellan,
    // Nonparametric Statistics, table J; Zar, Biostatistical Analysis, table B.11):
    // reject when U ≤ U_crit.
    const critical: [number, number][] = [
      [5, 2],
      [6, 5],
      [7, 8],
      [8, 13],
      [9, 17],
      [10, 23],
      [12, 37],
      [15, 64],
      [20, 127],
    ];
    for (const [n, uCrit] of critical) {
      const at = samplesWithU(n, uCrit);
      const above = samplesWithU(n, uCrit + 1);
      const r = mannWhitneyU(at.a, at.b);
      expect(r.u).toBe(uCrit);
      expect(r.method).toBe('exact');
      expect(r.p, `n=${n} U=${uCrit}`).toBeLessThanOrEqual(0.05);
      expect(mannWhitneyU(above.a, above.b).p, `n=${n} U=${uCrit + 1}`).toBeGreaterThan(0.05);
    }
  });

  it('is symmetric and gives p = 1 for identical samples', () => {
    const x = [3, 1, 4, 1, 5, 9, 2, 6];
    expect(mannWhitneyU(x, x).p).toBeCloseTo(1, 12);
    const a = [1.1, 2.2, 3.3, 4.4, 5.5, 6.6];
    const b = [0.5, 1.5, 2.5, 3.5];
    const ab = mannWhitneyU(a, b);
    const ba = mannWhitneyU(b, a);
    expect(ab.p).toBeCloseTo(ba.p, 14);
    expect(ab.u + ba.u).toBe(a.length * b.length);
  });

  it('finds a clear shift significant with large samples', () => {
    const a = Array.from({ length: 50 }, (_, i) => 100 + (i % 10));
    const b = Array.from({ length: 50 }, (_, i) => 104 + (i % 10));
    const r = mannWhitneyU(a, b);
    expect(r.method).toBe('asymptotic');
    expect(r.p).toBeLessThan(0.01);
  });

  it('rejects empty samples and NaN', () => {
    expect(() => mannWhitneyU([], [1])).toThrow(/at least one/);
    expect(() => mannWhitneyU([NaN], [1])).toThrow(/NaN/);
  });
});
