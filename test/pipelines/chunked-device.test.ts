// Chunk cutting and weighted overlap-add as device ops (chunked-device.ts) give what the host
// reference (chunking.ts) gives: reflect-padded ends, short last chunks (reflect or zero tail),
// unpadded short signals, batches that do not divide the chunk count; and chunked STFT → iSTFT
// through an identity mask reconstructs the signal (> 100 dB SNR on cpu f32).
import { afterAll, describe, expect, it } from 'vitest';

import { disposeBackends, getBackend } from '../../kernel-bridge/src/backend/registry';
import type { DeviceTensor } from '../../kernel-bridge/src/backend/types';
import { ChunkWeights, deviceOverlapAdd } from '../../kernel-bridge/src/pipelines/chunked-device';
import { overlapAdd, planChunks } from '../../kernel-bridge/src/pipelines/chunking';
import { PipelineExec } from '../../kernel-bridge/src/pipelines/exec';
import { resolveMdx } from '../../kernel-bridge/src/pipelines/mdx23c/config';
import { MdxNetwork } from '../../kernel-bridge/src/pipelines/mdx23c/model';
import { syntheticAudio } from '../../kernel-bridge/src/pipelines/audio';
import { DeviceWeights } from '../../kernel-bridge/src/pipelines/weights';
import { errorMetrics } from '../../kernel-bridge/src/precision/metrics';

afterAll(() => disposeBackends());

/** A model whose output depends on every sample's position in its chunk: [x², x] per chunk. */
function hostModel(chunks: Float64Array, b: number, channels: number, chunk: number): Float64Array {
  const out = new Float64Array(b * 2 * channels * chunk);
  for (let j = 0; j < b; j++) {
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < chunk; i++) {
        const v = chunks[(j * channels + c) * chunk + i]!;
        out[(j * 2 * channels + c) * chunk + i] = v * v;
        out[(j * 2 * channels + channels + c) * chunk + i] = v;
      }
    }
  }
  return out;
}

async function deviceModel(ex: PipelineExec, x: DeviceTensor): Promise<DeviceTensor> {
  const sq = await ex.op('mul', [x, x]);
  const y = await ex.op('concat', [sq, x], { dim: 1 });
  ex.free(sq);
  return y;
}

describe('device overlap-add', () => {
  // [length, chunk, overlaps, batch]: padded with a reflect tail, padded with a zero tail,
  // unpadded (shorter than two borders), one chunk, batch 1.
  const cases = [
    [3000, 400, 4, 3],
    [2301, 500, 4, 2],
    [700, 500, 4, 4],
    [300, 500, 2, 2],
    [1999, 256, 2, 1],
  ] as const;
  for (const [backend, dtype] of [['ref', 'f64'], ['cpu', 'f32']] as const) {
    it(`${backend}: equals the host reference`, async () => {
      const ex = new PipelineExec(getBackend(backend), dtype);
      try {
        for (const [length, chunk, overlaps, batch] of cases) {
          const channels = 2;
          const a = syntheticAudio({ seconds: length / 44100, sampleRate: 44100, channels, seed: length });
          expect(a.frames).toBe(length);
          const opts = { chunk, overlaps, batch, outChannels: 2 * channels };
          const want = await overlapAdd(a.data, channels, length, opts, async (x, b) => hostModel(x, b, channels, chunk));
          const cw = new ChunkWeights(ex, planChunks(length, chunk, overlaps), length);
          const x = ex.upload(a.data, [channels, length]);
          const y = await deviceOverlapAdd(ex, x, cw, opts, (chunks) => deviceModel(ex, chunks));
          expect(y.shape).toEqual([2 * channels, length]);
          const got = await ex.floats(y);
          const m = errorMetrics('y', got, want, { atol: 0, rtol: 0, dtype });
          expect(m.snrDb, `${length}/${chunk}/${overlaps}/${batch}`).toBeGreaterThan(dtype === 'f64' ? 250 : 120);
          ex.free(x, y);
          cw.free();
          expect(ex.liveCount).toBe(0);
        }
      } finally {
        ex.freeAll();
      }
    });
  }

  it('says so when the signal does not match the planned length', async () => {
    const ex = new PipelineExec(getBackend('cpu'), 'f32');
    const cw = new ChunkWeights(ex, planChunks(1000, 200, 4), 1000);
    const x = ex.upload(new Float64Array(2 * 999), [2, 999]);
    await expect(deviceOverlapAdd(ex, x, cw, { chunk: 200, overlaps: 4, batch: 2, outChannels: 2 }, async (c) => c)).rejects.toThrow(/weights planned for \[channels, 1000\]/);
    ex.freeAll();
  });

  for (const [backend, dtype, minDb] of [['ref', 'f64', 200], ['cpu', 'f32', 100]] as const) {
    it(`${backend}: chunked STFT → iSTFT through an identity mask, > ${minDb} dB SNR`, async () => {
      const base = resolveMdx({ config: 'tiny', seconds: 0.2 }).config;
      const cfg = { ...base, dimF: base.nFft / 2 + 1, subbands: 1, instruments: 1 };
      const ex = new PipelineExec(getBackend(backend), dtype);
      const net = new MdxNetwork(ex, new DeviceWeights(ex), cfg);
      const a = syntheticAudio({ seconds: cfg.seconds, sampleRate: 44100, channels: 2, seed: 11 });
      try {
        const cw = new ChunkWeights(ex, planChunks(a.frames, cfg.chunk, cfg.overlaps), a.frames);
        const x = ex.upload(a.data, [2, a.frames]);
        const y = await deviceOverlapAdd(ex, x, cw, { chunk: cfg.chunk, overlaps: cfg.overlaps, batch: 2, outChannels: 2 }, (chunks) => net.identity(chunks));
        const snr = errorMetrics('x', await ex.floats(y), a.data, { atol: 0, rtol: 0, dtype }).snrDb;
        expect(snr).toBeGreaterThan(minDb);
        ex.free(x, y);
        cw.free();
        expect(ex.liveCount).toBe(0);
      } finally {
        ex.freeAll();
      }
    });
  }
});
