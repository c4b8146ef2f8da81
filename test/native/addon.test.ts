// The addon's own surface: handles, errors with codes, async work, native timing loop.
import { describe, expect, it } from 'vitest';

import * as native from '@abw/native';

describe('native addon surface', () => {
  it('reports what the build found', () => {
    const b = native.buildInfo();
    expect(b.cxxStandard).toBeGreaterThanOrEqual(201703);
    expect(typeof b.blas).toBe('string');
    expect(typeof b.fft).toBe('string');
    expect(native.getThreads()).toBeGreaterThanOrEqual(1);
  });

  it('round-trips tensor data in every dtype', () => {
    const cases: [native.NativeDType, native.NativeArray][] = [
      ['f64', new Float64Array([1.5, -2, Math.PI])],
      ['f32', new Float32Array([1.5, -2, 3.25])],
      ['f16', new Uint16Array([0x3c00, 0x7c00, 0x0001])],
      ['bf16', new Uint16Array([0x3f80, 0xff80, 0x7fc0])],
      ['int8', new Int8Array([-128, 0, 127])],
      ['int32', new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1])],
    ];
    for (const [dt, data] of cases) {
      const t = native.tensor(dt, [3], data);
      expect(t.info()).toMatchObject({ dtype: dt, shape: [3], freed: false });
      expect(Array.from(t.read())).toEqual(Array.from(data));
      t.free();
      expect(t.info().freed).toBe(true);
      expect(() => t.read()).toThrow(/freed/);
    }
  });

  it('rejects bad arguments with coded errors naming the argument', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as Error & { code: string };
      }
      throw new Error('expected an error');
    };
    expect(err(() => native.tensor('f17' as never, [2]))).toMatchObject({ code: 'ABW_EDTYPE', message: expect.stringContaining('dtype') });
    expect(err(() => native.tensor('f32', [2, -1]))).toMatchObject({ code: 'ABW_EINVAL', message: expect.stringContaining('shape[1]') });
    expect(err(() => native.tensor('f32', [2], new Float64Array(2)))).toBeInstanceOf(TypeError);
    expect(err(() => native.tensor('f32', [3], new Float32Array(2)))).toMatchObject({ code: 'ABW_ESHAPE' });
    const a = native.tensor('f32', [2], new Float32Array([1, 2]));
    const o = native.tensor('f32', [2]);
    expect(err(() => new native.PreparedOp('cpu', 'no_such_op', 'f32', [a, a], [o], {}))).toMatchObject({ code: 'ABW_ENOKERNEL' });
    expect(err(() => new native.PreparedOp('cpu', 'add', 'f32', [{} as never, a], [o], {}))).toMatchObject({
      code: 'ABW_EDTYPE',
      message: expect.stringContaining('inputs[0]'),
    });
    expect(err(() => new native.PreparedOp('cpu', 'add', 'f32', [a, a], [o], { alpha: { x: 1 } as never }))).toMatchObject({
      code: 'ABW_EINVAL',
      message: expect.stringContaining('alpha'),
    });
  });

  it('runs off the JS thread and times natively', async () => {
    const n = 1 << 16;
    const a = native.tensor('f32', [n], new Float32Array(n).fill(1));
    const b = native.tensor('f32', [n], new Float32Array(n).fill(2));
    const o = native.tensor('f32', [n]);
    const op = new native.PreparedOp('cpu', 'add', 'f32', [a, b], [o], { alpha: 1 });
    const pending = op.runAsync();
    // While the op is queued or running, its tensors cannot be freed under it.
    expect(() => o.free()).toThrow(/in use/);
    await pending;
    expect((o.read() as Float32Array)[n - 1]).toBe(3);
    o.write(new Float32Array(n));
    op.enqueue(); // on cpu backends the call has finished when enqueue returns
    expect((o.read() as Float32Array)[n - 1]).toBe(3);
    const times = await op.measure({ iterations: 10, samples: 4 });
    expect(times).toHaveLength(4);
    for (const t of times) expect(t).toBeGreaterThan(0);
    await expect(op.measure({ iterations: 0 })).rejects.toThrow(/iterations/);
    op.release();
    expect(() => op.run()).toThrow(/released/);
    await expect(op.runAsync()).rejects.toThrow(/released/);
    await expect(op.measure({})).rejects.toThrow(/released/);
  });

  it('tracks native memory', () => {
    native.resetPeakMemory();
    const before = native.memoryStats();
    const t = native.tensor('f64', [1024, 128]);
    const mid = native.memoryStats();
    expect(mid.currentBytes - before.currentBytes).toBe(1024 * 128 * 8);
    t.free();
    expect(native.memoryStats().currentBytes).toBe(before.currentBytes);
    expect(native.memoryStats().peakBytes).toBeGreaterThanOrEqual(before.currentBytes + 1024 * 128 * 8);
  });
});
