// fftconv in f16 over long audio: the spectrum of a long tone peaks far above f16's range
// (65504) unless it is scaled, so the pipeline uses 'ortho' on both transforms; the f16 output
// is finite and close to the f32 one.
import { describe, expect, it } from 'vitest';

import { getBackend } from '../../kernel-bridge/src/backend/registry';
import { runPipeline } from '../../kernel-bridge/src/pipelines/run';
import { errorMetrics } from '../../kernel-bridge/src/precision/metrics';

describe('fftconv f16 range', () => {
  it('a 600k-sample run stays finite in f16 (with 1/n on the inverse alone, every output is inf)', async () => {
    const params = { channels: 1, length: 600_000, kernel: 512, streams: 1 };
    const f32 = await runPipeline(getBackend('cpu'), 'f32', 'fftconv', { params });
    const f16 = await runPipeline(getBackend('cpu'), 'f16', 'fftconv', { params });
    const out = f16.output.output;
    expect(out.every((v) => Number.isFinite(v))).toBe(true);
    expect(errorMetrics('y', out, f32.output.output, { atol: 0, rtol: 0, dtype: 'f16' }).snrDb).toBeGreaterThan(50);
  });
});
