// A pipeline's output host buffer is reused across runs where the backend downloads into the
// caller's memory (cuda: page-locked blocks): a released output's buffer serves the next run,
// an unreleased one is never touched again, and the timed loop releases every run's output.
import { describe, expect, it } from 'vitest';

import { getBackend } from '../../kernel-bridge/src/backend/registry';
import type { ComputeBackend, DeviceTensor } from '../../kernel-bridge/src/backend/types';
import { PipelineExec } from '../../kernel-bridge/src/pipelines/exec';
import { getPipeline } from '../../kernel-bridge/src/pipelines/registry';
import { measurePipeline } from '../../kernel-bridge/src/pipelines/rtf';
import { seededWeights } from '../../kernel-bridge/src/pipelines/weights';
import { allocData, type DType, type TypedData } from '../../kernel-bridge/src/tensor';
import { withOverrides } from '../helpers/backend-overrides';

/** The cpu backend with caller-memory downloads, counting the host arrays it hands out. */
function withHostArrays(): { backend: ComputeBackend; made: TypedData[] } {
  const cpu = getBackend('cpu');
  const made: TypedData[] = [];
  const extra = {
    hostArray(dtype: DType, n: number): TypedData {
      const a = allocData(dtype, n);
      made.push(a);
      return a;
    },
    async downloadInto(t: DeviceTensor, dst: TypedData): Promise<void> {
      dst.set((await cpu.download(t)).data as never);
    },
  };
  return { backend: withOverrides(cpu, extra), made };
}

describe('pipeline output buffers', () => {
  it('a released output hands its buffer to the next run; an unreleased one keeps it', async () => {
    const { backend, made } = withHostArrays();
    const ex = new PipelineExec(backend, 'f32');
    const t = ex.upload(Float64Array.from([1, 2, 3, 4]), [4]);
    const a = await ex.outputFloats(t);
    expect(Array.from(a())).toEqual([1, 2, 3, 4]);
    a.release();
    expect(Array.from(a())).toEqual([1, 2, 3, 4]); // read before release: still readable
    const b = await ex.outputFloats(t);
    expect(made).toHaveLength(1); // b reused a's buffer
    b.release();
    expect(() => b()).toThrow(/read after release/);
    const c = await ex.outputFloats(t);
    const d = await ex.outputFloats(t); // c not released: d gets a new buffer
    expect(made).toHaveLength(2);
    expect(Array.from(c())).toEqual([1, 2, 3, 4]);
    expect(Array.from(d())).toEqual([1, 2, 3, 4]);
    ex.freeAll();
  });

  it('the timed loop releases each run: one host buffer for all of its runs', async () => {
    const { backend, made } = withHostArrays();
    const spec = getPipeline('fftconv');
    const { config } = spec.resolve({ channels: 4, length: 3000, kernel: 257, streams: 2 });
    const ex = new PipelineExec(backend, 'f32');
    const prepared = await spec.prepare(ex, seededWeights(spec.weights(config), 1), config);
    const input = spec.input(config, 1);
    const m = await measurePipeline(prepared, input, { minSamples: 3, maxSamples: 3, budgetMs: 1e9, warmupMs: 0, target: 1e-9 });
    expect(m.runs).toBeGreaterThanOrEqual(3);
    // One for the staged input (once per input), one output buffer shared by every run.
    expect(made).toHaveLength(2);
    prepared.dispose();
    ex.freeAll();
  });
});
