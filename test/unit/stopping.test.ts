import { describe, expect, it } from 'vitest';
import type { MeasureOptions, PreparedCall } from '../../kernel-bridge/src/backend/types';
import { measureCall } from '../../kernel-bridge/src/measure/measure-call';
import { seededRandom } from '../../kernel-bridge/src/measure/random';
import { ciHalfWidthRule, fixedCountRule } from '../../kernel-bridge/src/measure/stopping';

function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Feeds a rule samples of a lognormal timer, `msPerSample` of simulated time each. */
function simulate(rule: ReturnType<typeof ciHalfWidthRule>, sigma: number, msPerSample: number, seed = 1) {
  const random = seededRandom(seed);
  const samples: number[] = [];
  for (;;) {
    for (let i = 0; i < 5; i++) samples.push(1e6 * Math.exp(sigma * normal(random)));
    const d = rule.decide(samples, samples.length * msPerSample);
    if (d.stop) return { n: samples.length, converged: d.converged };
  }
}

/** A do-nothing call whose timer says `perCallNs` with relative noise `sigma`. */
function fakeCall(perCallNs: number, sigma: number, seed = 1): PreparedCall & { requests: MeasureOptions[] } {
  const random = seededRandom(seed);
  const requests: MeasureOptions[] = [];
  return {
    outputs: [],
    requests,
    run: async () => undefined,
    measure: async (o) => {
      requests.push(o);
      return Array.from({ length: o.samples }, () => perCallNs * Math.exp(sigma * normal(random)));
    },
    dispose: () => undefined,
  };
}

describe('ciHalfWidthRule', () => {
  it('converges quickly on a quiet timer, never before minSamples', () => {
    const r = simulate(ciHalfWidthRule({ target: 0.005, minSamples: 10 }), 0.001, 2);
    expect(r.converged).toBe(true);
    expect(r.n).toBeGreaterThanOrEqual(10);
    expect(r.n).toBeLessThanOrEqual(15);
  });

  it('stops at the budget without converging on a noisy timer', () => {
    const r = simulate(ciHalfWidthRule({ target: 0.005, budgetMs: 300, maxSamples: 1000 }), 0.3, 2);
    expect(r.converged).toBe(false);
    expect(r.n).toBe(150); // 300 ms / 2 ms per sample
  });

  it('stops at maxSamples without converging', () => {
    const r = simulate(ciHalfWidthRule({ maxSamples: 40, budgetMs: 1e9 }), 0.3, 0);
    expect(r).toEqual({ n: 40, converged: false });
  });

  it('needs more samples for a tighter target', () => {
    const loose = simulate(ciHalfWidthRule({ target: 0.02, budgetMs: 1e9 }), 0.05, 0);
    const tight = simulate(ciHalfWidthRule({ target: 0.005, budgetMs: 1e9, maxSamples: 5000 }), 0.05, 0);
    expect(loose.converged && tight.converged).toBe(true);
    expect(tight.n).toBeGreaterThan(4 * loose.n);
  });

  it('rejects bad options naming the field', () => {
    expect(() => ciHalfWidthRule({ target: 0 })).toThrow(/target/);
    expect(() => ciHalfWidthRule({ minSamples: 20, maxSamples: 10 })).toThrow(/maxSamples/);
    expect(() => ciHalfWidthRule({ budgetMs: NaN })).toThrow(/budgetMs/);
    expect(() => fixedCountRule(0)).toThrow(/samples/);
  });
});

describe('measureCall', () => {
  it('sizes samples to minSampleNs and converges on a quiet timer', async () => {
    const call = fakeCall(1000, 0.001);
    const t = await measureCall(call, { timer: 'host', warmupMs: 0, minSampleNs: 2e6 });
    expect(Math.abs(t.iterationsPerSample - 2000)).toBeLessThanOrEqual(20);
    expect(t.converged).toBe(true);
    expect(t.mode).toBe('hot');
    expect(t.samplesNs.length).toBeGreaterThanOrEqual(10);
    expect(t.stats.n).toBe(t.samplesNs.length);
    expect(Math.abs(t.stats.median / 1000 - 1)).toBeLessThan(0.01);
    expect(t.targetRelHalfWidth).toBe(0.005);
    expect(t.wallNs).toBeGreaterThanOrEqual(t.warmupNs);
    // Samples come in small batches.
    expect(Math.max(...call.requests.map((r) => r.samples))).toBeLessThanOrEqual(5);
  });

  it('reports converged=false when the budget ends first', async () => {
    const t = await measureCall(fakeCall(1000, 0.5), { timer: 'device', warmupMs: 0, budgetMs: 50, maxSamples: 100000 });
    expect(t.converged).toBe(false);
    expect(t.timer).toBe('device');
    expect(t.wallNs).toBeLessThan(5e9);
  });

  it('cold mode times one call per sample with the cache flush requested', async () => {
    const call = fakeCall(1000, 0.001);
    const t = await measureCall(call, { timer: 'host', cold: true, warmupMs: 0 });
    expect(t.mode).toBe('cold');
    expect(t.iterationsPerSample).toBe(1);
    expect(call.requests.every((r) => r.cold === true && r.iterations === 1)).toBe(true);
  });

  it('rejects a backend that returns NaN timings', async () => {
    const call = { ...fakeCall(1000, 0), measure: async () => [NaN] };
    await expect(measureCall(call, { timer: 'host', warmupMs: 0 })).rejects.toThrow(/NaN ns/);
  });
});
