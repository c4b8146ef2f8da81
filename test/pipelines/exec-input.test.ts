// A run's input is rounded to the run's float storage once and reused by later runs: the timed
// runs start from it, as a PyTorch peer's start from a float32 tensor.
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../kernel-bridge/src/backend/registry';
import { PipelineExec } from '../../kernel-bridge/src/pipelines/exec';
import type { PipelineInput } from '../../kernel-bridge/src/pipelines/types';

describe('PipelineExec.uploadInput', () => {
  const backend = getBackend('cpu');
  const input: PipelineInput = { data: Float64Array.from([0.1, -2.5, 1 / 3, 7]), shape: [1, 4], audioSeconds: 1 };

  it('uploads the same values as upload, from one rounding per input and dtype', async () => {
    const ex = new PipelineExec(backend, 'f32');
    const a = ex.uploadInput(input, [1, 4]);
    const b = ex.uploadInput(input, [1, 4]);
    const c = ex.upload(input.data, [1, 4]);
    const [va, vb, vc] = await Promise.all([a, b, c].map((t) => backend.download(t)));
    expect(Array.from(va!.data as Float32Array)).toEqual(Array.from(vc!.data as Float32Array));
    expect(Array.from(vb!.data as Float32Array)).toEqual(Array.from(vc!.data as Float32Array));
    ex.freeAll();
    expect(ex.liveCount).toBe(0);
  });

  it('keeps one staged copy per storage dtype and checks the shape', async () => {
    const f16 = new PipelineExec(backend, 'f16');
    const t = f16.uploadInput(input, [2, 2]);
    expect(t.dtype).toBe('f16');
    expect(t.shape).toEqual([2, 2]);
    expect(() => f16.uploadInput(input, [3, 2])).toThrow(/4 values for shape/);
    f16.freeAll();
  });
});
