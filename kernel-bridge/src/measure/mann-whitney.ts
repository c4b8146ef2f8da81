/**
 * Two-sided Mann–Whitney U test (Wilcoxon rank-sum) of "a and b come from the same
 * distribution", used to tell a real timing change from noise.
 *
 * u is U for `a` (the number of pairs with a > b, ties counting ½), as scipy.stats.mannwhitneyu
 * reports it. Without ties and with both samples ≤ 20 the p value is exact (the permutation
 * distribution of U); otherwise the normal approximation with tie correction and continuity
 * correction (scipy's `method='asymptotic'`, `use_continuity=True`).
 */
export interface MannWhitneyResult {
  readonly u: number;
  /** Standardised statistic of the normal approximation (also given for exact p values). */
  readonly z: number;
  readonly p: number;
  readonly method: 'exact' | 'asymptotic';
}

export const EXACT_MAX_N = 20;

export function mannWhitneyU(a: ArrayLike<number>, b: ArrayLike<number>): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU: both samples need at least one value');
  for (const x of [...Array.from(a), ...Array.from(b)]) {
    if (Number.isNaN(x)) throw new RangeError('mannWhitneyU: samples must not contain NaN');
  }
  const { rankSumA, tieTerm } = ranks(a, b);
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const meanU = (n1 * n2) / 2;
  const varU = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const uMax = Math.max(u, n1 * n2 - u);
  const z = varU > 0 ? (uMax - meanU - 0.5) / Math.sqrt(varU) : 0;
  if (tieTerm === 0 && n1 <= EXACT_MAX_N && n2 <= EXACT_MAX_N) {
    return { u, z: signedZ(u, meanU, varU), p: Math.min(1, 2 * exactUpperTail(uMax, n1, n2)), method: 'exact' };
  }
  const p = varU > 0 ? Math.min(1, 2 * normalUpperTail(z)) : 1;
  return { u, z: signedZ(u, meanU, varU), p, method: 'asymptotic' };
}

function signedZ(u: number, meanU: number, varU: number): number {
  return varU > 0 ? (u - meanU) / Math.sqrt(varU) : 0;
}

/** Mid-ranks of a in the pooled sample and Σ(t³ − t) over tie groups. */
function ranks(a: ArrayLike<number>, b: ArrayLike<number>): { rankSumA: number; tieTerm: number } {
  const pooled: { v: number; fromA: boolean }[] = [];
  for (let i = 0; i < a.length; i++) pooled.push({ v: a[i], fromA: true });
  for (let i = 0; i < b.length; i++) pooled.push({ v: b[i], fromA: false });
  pooled.sort((x, y) => x.v - y.v);
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (j + 1 < pooled.length && pooled[j + 1].v === pooled[i].v) j++;
    const midRank = (i + j) / 2 + 1;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (pooled[k].fromA) rankSumA += midRank;
    i = j + 1;
  }
  return { rankSumA, tieTerm };
}

/**
 * P(U ≥ u) under H0 without ties: counts of arrangements by U, from the recurrence
 * c(m, n, k) = c(m−1, n, k−n) + c(m, n−1, k), divided by C(m+n, m).
 */
function exactUpperTail(u: number, n1: number, n2: number): number {
  const maxU = n1 * n2;
  // counts[j][k]: arrangements of i values of a and j of b with U = k (i advances by rows).
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n2; j++) {
    const row = new Float64Array(maxU + 1);
    row[0] = 1; // i = 0: U = 0
    prev.push(row);
  }
  for (let i = 1; i <= n1; i++) {
    const cur: Float64Array[] = [];
    for (let j = 0; j <= n2; j++) {
      const row = new Float64Array(maxU + 1);
      for (let k = 0; k <= i * j; k++) {
        // Largest value from a (exceeds all j of b) or from b (adds nothing).
        const fromA = k - j >= 0 ? prev[j][k - j] : 0;
        const fromB = j > 0 ? cur[j - 1][k] : 0;
        row[k] = fromA + fromB;
      }
      cur.push(row);
    }
    prev = cur;
  }
  const counts = prev[n2];
  let total = 0;
  let tail = 0;
  const threshold = Math.ceil(u - 1e-9);
  for (let k = 0; k <= maxU; k++) {
    total += counts[k];
    if (k >= threshold) tail += counts[k];
  }
  return tail / total;
}

/** P(Z > z) for a standard normal. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes erfcc, fractional error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
