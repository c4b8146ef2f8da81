// The protocol across the process boundary: tensors uploaded to a live mlx:cpu worker (Python,
// numpy, MLX arrays) and downloaded again come back bit for bit, for every dtype and the shape
// edge cases (empty, scalar, ~64 MB). Needs .venv-workers; skipped with the reason when absent.
import { afterAll, describe, expect, it } from 'vitest';

import { PythonWorkerBackend } from '../../kernel-bridge/src/backends/python-worker';
import { allocData, DTYPES, numel, type DType, type HostTensor, type Shape } from '../../kernel-bridge/src/tensor';
import { workerVenvPython } from '../backends/worker-venv';

const python = workerVenvPython();
if (!python.ok) console.log(`worker-protocol-roundtrip: skipped: ${python.reason}`);
const b = python.ok ? new PythonWorkerBackend('mlx', 'cpu', { python: python.path }) : undefined;
afterAll(() => b?.dispose());

function pattern(dtype: DType, shape: Shape): HostTensor {
  const n = numel(shape);
  const data = allocData(dtype, n);
  const bytes = new Uint8Array(data.buffer);
  // Every byte value, NaN payloads and signed zeros included: the pipe and the arrays must not touch them.
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 167 + 13) & 0xff;
  return { dtype, shape, data };
}

function sameBytes(a: HostTensor, c: HostTensor): boolean {
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength));
}

const SHAPES: readonly Shape[] = [[], [0], [4, 0, 3], [1], [13], [3, 1, 5, 2]];

describe.skipIf(!b)('TS ↔ Python round trips through an mlx:cpu worker', () => {
  it.each(DTYPES.flatMap((dt) => SHAPES.map((s) => [dt, s] as const)))('%s %j comes back bit for bit', async (dtype, shape) => {
    const t = pattern(dtype, shape);
    const d = b!.upload(t);
    const back = await b!.download(d);
    b!.free(d);
    expect(back.dtype).toBe(dtype);
    expect(back.shape).toEqual(shape);
    expect(back.data.constructor).toBe(t.data.constructor);
    expect(sameBytes(back, t)).toBe(true);
  });

  it('a ~64 MB f32 tensor round-trips intact', async () => {
    const n = 16 * 1024 * 1024; // 64 MiB
    const t: HostTensor = { dtype: 'f32', shape: [4, n / 4], data: new Float32Array(n) };
    for (let i = 0; i < n; i += 4099) t.data[i] = i;
    t.data[n - 1] = -1.5;
    const d = b!.upload(t);
    const back = await b!.download(d);
    b!.free(d);
    expect(back.data.length).toBe(n);
    expect(sameBytes(back, t)).toBe(true);
  });

  it('a freed handle is a clear error from the worker', async () => {
    const d = b!.upload(pattern('f32', [2]));
    b!.free(d);
    await expect(b!.download(d)).rejects.toThrow(/was freed/);
  });
});
