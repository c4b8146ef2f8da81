/**
 * Times one prepared call (DESIGN.md "Measurement policy"): warm up, size a sample so it is far
 * above timer resolution, then take samples in small natively-repeated batches until the
 * stopping rule says stop.
 */
import type { PreparedCall, TimerKind } from '../backend/types';
import { invalid } from '../errors';
import type { Timing } from '../results/record';
import { summarize } from './stats';
import { ciHalfWidthRule, resolveCiHalfWidthOptions, type StoppingRule } from './stopping';

export interface MeasureCallOptions {
  readonly timer: TimerKind;
  /** Evict caches before each sample; a cold sample is one call. */
  readonly cold?: boolean;
  /** Target relative half-width of the median's 95% CI, default 0.005. */
  readonly target?: number;
  readonly minSamples?: number;
  readonly maxSamples?: number;
  /** Sampling budget (after warm-up), ms, default 3000. */
  readonly budgetMs?: number;
  /** Warm-up duration, ms, default 100 (and at least 2 calls). */
  readonly warmupMs?: number;
  /** Minimum duration of one hot sample, ns, default 2e6 (2 ms). */
  readonly minSampleNs?: number;
  /** Samples per native batch, default 5. */
  readonly batch?: number;
  /** Replaces the CI half-width rule (the target/min/max/budget options then only label the record). */
  readonly rule?: StoppingRule;
  /** Seed of the final bootstrap. */
  readonly seed?: number;
}

const DEFAULT_WARMUP_MS = 100;
const DEFAULT_MIN_SAMPLE_NS = 2e6;
const DEFAULT_BATCH = 5;
/** Upper bound on iterations per sample (a call that measures as 0 ns must not loop forever). */
const MAX_ITERATIONS = 1 << 24;

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

function positive(field: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!(Number.isFinite(x) && x >= 0)) throw invalid(field, `must be a finite number ≥ 0, got ${x}`);
  return x;
}

function firstSample(ns: number[], what: string): number {
  const x = ns[0];
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`${what}: the backend returned ${x} ns`);
  return x;
}

/**
 * Warm-up: two plain calls (compilation, plans, handles), then timed single samples of growing
 * length until warmupMs has passed; returns the native per-call time of the last of them.
 */
async function warmUp(call: PreparedCall, warmupMs: number, minSampleNs: number, cold: boolean): Promise<number> {
  const start = nowNs();
  await call.run();
  const secondStart = nowNs();
  await call.run();
  const secondNs = nowNs() - secondStart;
  // A slow call already fills a sample on its own: its host time is a good enough estimate.
  if (!cold && secondNs >= minSampleNs && nowNs() - start >= warmupMs * 1e6) return secondNs;
  let iterations = 1;
  let perCallNs = 0;
  for (;;) {
    perCallNs = firstSample(await call.measure({ iterations, samples: 1, cold }), 'warm-up');
    const doneWarming = nowNs() - start >= warmupMs * 1e6;
    const sampleNs = perCallNs * iterations;
    const longEnough = cold || sampleNs >= minSampleNs || iterations >= MAX_ITERATIONS;
    if (doneWarming && longEnough) return perCallNs;
    if (!cold && sampleNs < minSampleNs) {
      const wanted = perCallNs > 0 ? Math.ceil(minSampleNs / perCallNs) : iterations * 10;
      iterations = Math.min(MAX_ITERATIONS, Math.max(iterations * 2, Math.min(wanted, iterations * 16)));
    }
  }
}

export function iterationsFor(perCallNs: number, minSampleNs: number): number {
  if (!(perCallNs > 0)) return MAX_ITERATIONS;
  return Math.min(MAX_ITERATIONS, Math.max(1, Math.ceil(minSampleNs / perCallNs)));
}

export async function measureCall(call: PreparedCall, opts: MeasureCallOptions): Promise<Timing> {
  if (opts.timer !== 'host' && opts.timer !== 'device') {
    throw invalid('timer', `must be 'host' or 'device', got ${String(opts.timer)}`);
  }
  const stopping = resolveCiHalfWidthOptions(opts);
  const rule = opts.rule ?? ciHalfWidthRule(stopping);
  const cold = opts.cold ?? false;
  const warmupMs = positive('warmupMs', opts.warmupMs, DEFAULT_WARMUP_MS);
  const minSampleNs = positive('minSampleNs', opts.minSampleNs, DEFAULT_MIN_SAMPLE_NS);
  const batch = opts.batch ?? DEFAULT_BATCH;
  if (!Number.isInteger(batch) || batch < 1) throw invalid('batch', `must be an integer ≥ 1, got ${batch}`);

  const wallStart = nowNs();
  const perCallNs = await warmUp(call, warmupMs, minSampleNs, cold);
  const sampleStart = nowNs();
  const warmupNs = sampleStart - wallStart;
  // A cold sample is a single call after the eviction: more calls would be warm.
  const iterations = cold ? 1 : iterationsFor(perCallNs, minSampleNs);

  const samples: number[] = [];
  let converged = false;
  for (;;) {
    const elapsedNs = nowNs() - sampleStart;
    // Smaller batches near the end of the budget keep slow calls from overrunning it much.
    const remainingNs = stopping.budgetMs * 1e6 - elapsedNs;
    const sampleNs = Math.max(perCallNs * iterations, 1);
    const size = Math.max(1, Math.min(batch, Math.floor(remainingNs / sampleNs)));
    const ns = await call.measure({ iterations, samples: size, cold });
    for (const x of ns) {
      if (!Number.isFinite(x) || x < 0) throw new RangeError(`measureCall: the backend returned ${x} ns`);
      samples.push(x);
    }
    const decision = rule.decide(samples, (nowNs() - sampleStart) / 1e6);
    if (decision.stop) {
      converged = decision.converged;
      break;
    }
  }
  return {
    timer: opts.timer,
    mode: cold ? 'cold' : 'hot',
    iterationsPerSample: iterations,
    samplesNs: samples,
    stats: summarize(samples, opts.seed ?? 1),
    converged,
    targetRelHalfWidth: stopping.target,
    warmupNs,
    wallNs: nowNs() - wallStart,
  };
}
