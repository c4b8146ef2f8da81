/**
 * Pluggable stopping rules for the sampling loop (nvbench's "stopping criteria"). A rule sees
 * the samples so far and the time spent sampling and says whether to stop and whether the
 * stop means the measurement converged.
 */
import { invalid } from '../errors';
import { orderStatisticMedianCI } from './median-ci';
import { relativeHalfWidth } from './stats';

export interface StopDecision {
  readonly stop: boolean;
  readonly converged: boolean;
}

export interface StoppingRule {
  decide(samples: number[], elapsedMs: number): StopDecision;
}

export interface CiHalfWidthOptions {
  /** Target relative half-width of the median's 95% CI (0.005 = ±0.5%). */
  readonly target?: number;
  readonly minSamples?: number;
  readonly maxSamples?: number;
  /** Sampling time budget in milliseconds. */
  readonly budgetMs?: number;
}

export interface ResolvedCiHalfWidthOptions {
  readonly target: number;
  readonly minSamples: number;
  readonly maxSamples: number;
  readonly budgetMs: number;
}

export const CI_HALF_WIDTH_DEFAULTS: ResolvedCiHalfWidthOptions = {
  target: 0.005,
  minSamples: 10,
  maxSamples: 1000,
  budgetMs: 3000,
};

export function resolveCiHalfWidthOptions(o: CiHalfWidthOptions = {}): ResolvedCiHalfWidthOptions {
  const r = { ...CI_HALF_WIDTH_DEFAULTS, ...definedOnly(o) };
  if (!(Number.isFinite(r.target) && r.target > 0 && r.target < 1)) {
    throw invalid('target', `must be a number in (0, 1) (relative CI half-width), got ${r.target}`);
  }
  if (!Number.isInteger(r.minSamples) || r.minSamples < 1) {
    throw invalid('minSamples', `must be an integer ≥ 1, got ${r.minSamples}`);
  }
  if (!Number.isInteger(r.maxSamples) || r.maxSamples < r.minSamples) {
    throw invalid('maxSamples', `must be an integer ≥ minSamples (${r.minSamples}), got ${r.maxSamples}`);
  }
  if (!(Number.isFinite(r.budgetMs) && r.budgetMs >= 0)) {
    throw invalid('budgetMs', `must be a finite number ≥ 0, got ${r.budgetMs}`);
  }
  return r;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Stop when the median's 95% CI is narrower than ±target (relative) with at least minSamples
 * samples (converged), or when maxSamples or the time budget is reached (not converged).
 * While sampling, the CI is the distribution-free order-statistic interval (median-ci.ts);
 * the final summary reports the bootstrap CI (stats.ts), which agrees closely for n ≥ 10.
 */
export function ciHalfWidthRule(options: CiHalfWidthOptions = {}): StoppingRule {
  const o = resolveCiHalfWidthOptions(options);
  return {
    decide(samples, elapsedMs) {
      const n = samples.length;
      if (n >= o.minSamples && n > 0) {
        const ci = orderStatisticMedianCI(samples, 0.95);
        if (ci.attained && relativeHalfWidth(ci.low, ci.high, ci.median) < o.target) {
          return { stop: true, converged: true };
        }
      }
      if (n >= o.maxSamples || elapsedMs >= o.budgetMs) return { stop: true, converged: false };
      return { stop: false, converged: false };
    },
  };
}

/** Exactly `count` samples; "converged" by definition (for tests and fixed-count runs). */
export function fixedCountRule(count: number): StoppingRule {
  if (!Number.isInteger(count) || count < 1) throw invalid('samples', `must be an integer ≥ 1, got ${count}`);
  return {
    decide: (samples) => ({ stop: samples.length >= count, converged: samples.length >= count }),
  };
}
