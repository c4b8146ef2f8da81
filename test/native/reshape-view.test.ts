// reshape through a native backend's run() is a view: no copy, the same bytes under another
// shape, and either tensor may be freed first (the bytes go back with the last one). prepare()
// keeps the copy kernel (what the op matrix times); both give the same values.
import { describe, expect, it } from 'vitest';

import { getBackend } from '../../kernel-bridge/src/backend/registry';
import { addon } from '../../kernel-bridge/src/backends/native/addon';

describe.each(['cpu', 'ref'] as const)('reshape view on %s', (id) => {
  const backend = getBackend(id);
  const dtype = id === 'ref' ? 'f64' : 'f32';
  const data = id === 'ref' ? Float64Array.from({ length: 24 }, (_, i) => i * 0.5) : Float32Array.from({ length: 24 }, (_, i) => i * 0.5);

  it('shares the bytes (no allocation) and frees them with the last user, in either order', async () => {
    for (const firstFreed of ['input', 'view'] as const) {
      const x = backend.upload({ dtype, shape: [2, 3, 4], data });
      const before = addon().memoryStats().currentBytes;
      const [y] = await backend.run('reshape', [x], { shape: [6, -1] }, dtype);
      expect(y!.shape).toEqual([6, 4]);
      expect(addon().memoryStats().currentBytes).toBe(before); // a view, not a copy
      backend.free(firstFreed === 'input' ? x : y!);
      const left = firstFreed === 'input' ? y! : x;
      expect(Array.from((await backend.download(left)).data)).toEqual(Array.from(data)); // still readable
      expect(addon().memoryStats().currentBytes).toBe(before);
      backend.free(left);
      expect(addon().memoryStats().currentBytes).toBe(before - data.byteLength);
    }
  });

  it('checks the shape as the op does, and prepare() still copies to the same values', async () => {
    const x = backend.upload({ dtype, shape: [2, 3, 4], data });
    await expect(backend.run('reshape', [x], { shape: [5, 5] }, dtype)).rejects.toThrow(/reshape/);
    const call = backend.prepare('reshape', [x], { shape: [4, 6] }, dtype);
    await call.run();
    expect(Array.from((await backend.download(call.outputs[0]!)).data)).toEqual(Array.from(data));
    call.dispose();
    backend.free(x);
  });

  it('a view of a freed tensor and a view of another element count are clear errors', () => {
    const h = addon().tensor(dtype, [2, 3], id === 'ref' ? new Float64Array(6) : new Float32Array(6));
    expect(() => h.view([4])).toThrow(expect.objectContaining({ code: 'ABW_ESHAPE', message: expect.stringMatching(/\[2, 3\] cannot have shape \[4\]/) }));
    h.free();
    expect(() => h.view([6])).toThrow(/was freed/);
  });
});
