// A banded pipeline's input goes up as one tensor per band and its output comes back as one
// download per band into its place in the host output (PipelineExec.uploadInputParts and
// outputParts): the same values as uploading the whole input and concatenating on the device,
// and, on a backend with queued copies, each band's download is issued before the next band's
// ops, with one wait for all of them at the end: the schedule that lets cuda overlap a band's
// transfers with the other bands' compute.
import { describe, expect, it } from 'vitest';

import { getBackend } from '../../kernel-bridge/src/backend/registry';
import type { ComputeBackend, ComputeDType, DeviceTensor } from '../../kernel-bridge/src/backend/types';
import type { Params } from '../../kernel-bridge/src/ops/types';
import { PipelineExec } from '../../kernel-bridge/src/pipelines/exec';
import { getPipeline } from '../../kernel-bridge/src/pipelines/registry';
import type { PipelineInput } from '../../kernel-bridge/src/pipelines/types';
import { seededWeights } from '../../kernel-bridge/src/pipelines/weights';
import type { HostTensor, TypedData } from '../../kernel-bridge/src/tensor';
import { withOverrides } from '../helpers/backend-overrides';

/**
 * The cpu backend with queued copies: an upload is made at once, a download is only recorded and
 * lands in its array at the next sync(), so a reader that does not sync sees zeros. `log` is the
 * order of ops, queued downloads and syncs.
 */
function withQueuedCopies(): { backend: ComputeBackend; log: string[] } {
  const cpu = getBackend('cpu');
  const log: string[] = [];
  const pending: { t: DeviceTensor; dst: TypedData; freedEarly: () => boolean }[] = [];
  const freed = new Set<DeviceTensor>();
  const extra = {
    uploadQueued(t: HostTensor): DeviceTensor {
      log.push('upload');
      return cpu.upload({ ...t, data: t.data.slice() });
    },
    downloadQueued(t: DeviceTensor, dst: TypedData): void {
      log.push('download');
      pending.push({ t, dst, freedEarly: () => freed.has(t) });
    },
    async sync(): Promise<void> {
      log.push('sync');
      for (const p of pending.splice(0)) {
        if (p.freedEarly()) throw new Error('a queued download was freed before the sync');
        p.dst.set((await cpu.download(p.t)).data as never);
      }
    },
    free(t: DeviceTensor): void {
      freed.add(t);
      cpu.free(t);
    },
    async run(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): Promise<DeviceTensor[]> {
      log.push(op);
      return cpu.run(op, inputs, params, dtype);
    },
  };
  return { backend: withOverrides(cpu, extra), log };
}

const input: PipelineInput = { data: Float64Array.from({ length: 24 }, (_, i) => i / 7 - 1), shape: [1, 6, 4], audioSeconds: 1 };

describe('PipelineExec.uploadInputParts / outputParts', () => {
  it('pieces hold the slices along the dim, and the assembly is their concatenation', async () => {
    const cpu = getBackend('cpu');
    const ex = new PipelineExec(cpu, 'f32');
    const parts = ex.uploadInputParts(input, [1, 6, 4], 1, 3);
    expect(parts.map((p) => p.shape)).toEqual([[1, 2, 4], [1, 2, 4], [1, 2, 4]]);
    const whole = Float32Array.from(input.data);
    for (let i = 0; i < 3; i++) expect(Array.from((await cpu.download(parts[i]!)).data)).toEqual(Array.from(whole.subarray(i * 8, (i + 1) * 8)));
    const out = ex.outputParts([1, 6, 4], 1, 3);
    // Out of order: each piece lands at its own offset.
    for (const i of [2, 0, 1]) await out.put(i, await ex.op('mul', [parts[i]!, parts[i]!]));
    const y = await out.finish();
    expect(Array.from(y())).toEqual(Array.from(whole, (v) => Math.fround(v * v)));
    ex.free(...parts);
    expect(ex.liveCount).toBe(0); // finish freed the pieces
  });

  it('rejects pieces that are not contiguous, a wrong piece, a piece put twice and a missing one', async () => {
    const ex = new PipelineExec(getBackend('cpu'), 'f32');
    expect(() => ex.uploadInputParts({ ...input, shape: [2, 3, 4] }, [2, 3, 4], 1, 3)).toThrow(/dims before 1 .* must be 1/);
    expect(() => ex.uploadInputParts(input, [1, 6, 4], 1, 4)).toThrow(/4 parts do not divide dim 1/);
    const [a, b] = ex.uploadInputParts(input, [1, 6, 4], 1, 2);
    const out = ex.outputParts([1, 6, 4], 1, 2);
    await expect(out.put(0, ex.upload(new Float64Array(4), [1, 1, 4]))).rejects.toThrow(/expected f32 \[1, 3, 4\]/);
    await out.put(0, a!);
    await expect(out.put(0, b!)).rejects.toThrow(/put twice/);
    await expect(out.finish()).rejects.toThrow(/piece 1 of 2 was never put/);
    ex.freeAll();
  });

  it('fftconv on queued copies: the same output, each band downloaded before the next band runs, one sync', async () => {
    const spec = getPipeline('fftconv');
    const { config } = spec.resolve({ channels: 8, length: 3000, kernel: 257, streams: 4 });
    const weights = seededWeights(spec.weights(config), 3);
    const x = spec.input(config, 5);
    const outputs: Float64Array[] = [];
    let log: string[] = [];
    for (const queued of [false, true]) {
      const q = withQueuedCopies();
      const ex = new PipelineExec(queued ? q.backend : getBackend('cpu'), 'f32');
      const prepared = await spec.prepare(ex, weights, config);
      q.log.length = 0;
      const out = await prepared.run(x);
      outputs.push(Float64Array.from(out.output));
      if (queued) log = q.log;
      prepared.dispose();
      ex.freeAll();
      expect(ex.liveCount).toBe(0);
    }
    expect(Array.from(outputs[1]!)).toEqual(Array.from(outputs[0]!));
    expect(log.filter((e) => e === 'upload')).toHaveLength(4);
    expect(log.filter((e) => e === 'sync')).toEqual(['sync']);
    expect(log.at(-1)).toBe('sync');
    expect(log).not.toContain('concat');
    // Band b's download is queued before band b+1's first op.
    const downloads = log.flatMap((e, i) => (e === 'download' ? [i] : []));
    const ffts = log.flatMap((e, i) => (e === 'rfft' ? [i] : []));
    expect(downloads).toHaveLength(4);
    for (let b = 0; b < 3; b++) expect(downloads[b]!).toBeLessThan(ffts[b + 1]!);
  });
});
