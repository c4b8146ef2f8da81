// Chunked STFT → iSTFT through an identity mask reconstructs the signal (> 100 dB SNR), and the
// overlap-add weights of the chunking sum to one at every sample.
import { afterAll, describe, expect, it } from 'vitest';

import { disposeBackends, getBackend } from '../../kernel-bridge/src/backend/registry';
import { chunkWindow, cutChunk, overlapAdd, planChunks } from '../../kernel-bridge/src/pipelines/chunking';
import { PipelineExec } from '../../kernel-bridge/src/pipelines/exec';
import { resolveMdx, type MdxConfig } from '../../kernel-bridge/src/pipelines/mdx23c/config';
import { MdxNetwork } from '../../kernel-bridge/src/pipelines/mdx23c/model';
import { syntheticAudio } from '../../kernel-bridge/src/pipelines/audio';
import { DeviceWeights } from '../../kernel-bridge/src/pipelines/weights';
import { errorMetrics } from '../../kernel-bridge/src/precision/metrics';

afterAll(() => disposeBackends());

describe('overlap-add chunking', () => {
  it('plans chunks like the reference inference: step, border, reflect padding, fade length', () => {
    const p = planChunks(10_000, 992, 4);
    expect(p).toMatchObject({ step: 248, border: 744, fade: 99, padded: true, paddedLength: 10_000 + 2 * 744 });
    expect(p.starts[1]).toBe(248);
    expect(p.starts[p.starts.length - 1]! + p.step).toBeGreaterThanOrEqual(p.paddedLength);
    // Too short to pad both ends by the border: no padding.
    expect(planChunks(1000, 992, 4).padded).toBe(false);
    expect(() => planChunks(1000, 992, 0)).toThrow(/overlaps: must be an integer in \[1, chunk\]/);
  });

  it('fade windows: linear, none at the outer edges, and the weights sum to one everywhere', () => {
    for (const [length, chunk, overlaps] of [[10_000, 992, 4], [5000, 400, 2], [3001, 500, 8], [700, 500, 4]] as const) {
      const plan = planChunks(length, chunk, overlaps);
      const counter = new Float64Array(plan.paddedLength);
      const windows = plan.starts.map((_, k) => chunkWindow(plan, k));
      windows.forEach((w, k) => {
        const l = Math.min(chunk, plan.paddedLength - plan.starts[k]!);
        for (let i = 0; i < l; i++) counter[plan.starts[k]! + i] += w[i]!;
      });
      expect(windows[0]![0]).toBe(1);
      if (plan.starts.length > 2) {
        expect(windows[1]![0]).toBe(0);
        expect(windows[1]![plan.fade - 1]).toBe(1);
        expect(windows[1]![chunk - 1]).toBe(0);
      }
      // Normalised by the summed weights, each sample's chunk weights add up to exactly one.
      for (let i = 0; i < plan.paddedLength; i++) {
        expect(counter[i]).toBeGreaterThan(0);
        let sum = 0;
        windows.forEach((w, k) => {
          const j = i - plan.starts[k]!;
          if (j >= 0 && j < chunk && plan.starts[k]! + j < plan.paddedLength) sum += w[j]! / counter[i]!;
        });
        expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
      }
    }
  });

  it('an identity model gives the input back exactly (reflect-padded chunks, short last chunk)', async () => {
    const a = syntheticAudio({ seconds: 0.05, sampleRate: 44100, channels: 2, seed: 3 });
    const out = await overlapAdd(a.data, 2, a.frames, { chunk: 500, overlaps: 4, batch: 3, outChannels: 2 }, async (x) => x);
    expect(errorMetrics('x', out, a.data, { atol: 0, rtol: 0, dtype: 'f64' }).snrDb).toBeGreaterThan(280);
  });

  it('cuts reflect-padded chunks from the original signal', () => {
    const data = Float64Array.from({ length: 20 }, (_, i) => i);
    const plan = planChunks(20, 8, 2); // border 4: padded signal is 3 2 1 0 | 0…19 | 18 17 16 15
    const out = new Float64Array(8);
    cutChunk(data, 1, 20, plan, 0, out);
    expect([...out]).toEqual([4, 3, 2, 1, 0, 1, 2, 3]);
  });
});

/** The MDX23C front end with the network replaced by identity: all bins kept (dim_f = n_fft/2 + 1, one subband). */
function identityConfig(): MdxConfig {
  const base = resolveMdx({ config: 'tiny', seconds: 0.2 }).config;
  return { ...base, dimF: base.nFft / 2 + 1, subbands: 1, instruments: 1 };
}

describe('STFT → iSTFT chunked reconstruction through an identity mask', () => {
  for (const [backend, dtype, minDb] of [['ref', 'f64', 200], ['cpu', 'f32', 100]] as const) {
    it(`${backend}: > ${minDb} dB SNR over a chunked signal`, async () => {
      const cfg = identityConfig();
      const ex = new PipelineExec(getBackend(backend), dtype);
      const net = new MdxNetwork(ex, new DeviceWeights(ex), cfg);
      const a = syntheticAudio({ seconds: cfg.seconds, sampleRate: 44100, channels: 2, seed: 11 });
      try {
        const out = await overlapAdd(a.data, 2, a.frames, { chunk: cfg.chunk, overlaps: cfg.overlaps, batch: 2, outChannels: 2 }, async (chunks, b) => {
          const x = ex.upload(chunks, [b, 2, cfg.chunk]);
          const y = await net.identity(x);
          const v = await ex.floats(y);
          ex.free(x, y);
          return v;
        });
        const snr = errorMetrics('x', out, a.data, { atol: 0, rtol: 0, dtype }).snrDb;
        expect(snr).toBeGreaterThan(minDb);
        expect(ex.liveCount).toBe(0);
      } finally {
        ex.freeAll();
      }
    });
  }
});
