// The addon's CUDA surface on a machine without CUDA (CI): the addon loads, says why cuda is
// unavailable, and every cuda entry point fails with a coded error carrying that reason. On a
// GPU machine (cudaStatus().available) the same file checks device tensors round-trip.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import * as native from '@abw/native';

const status = native.cudaStatus();
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('the CUDA module, seen from the addon', () => {
  it('reports whether the build has the CUDA module', () => {
    expect(typeof native.buildInfo().cudaModule).toBe('boolean');
    expect(typeof status.available).toBe('boolean');
  });

  it('host tensors say where they live, and an unknown device is a coded error', () => {
    const t = native.tensor('f32', [2], new Float32Array([1, 2]), 'host');
    expect(t.info().device).toBe('host');
    expect(codeOf(() => native.tensor('f32', [2], null, 'gpu' as never))).toBe('ABW_EINVAL');
  });
});

describe.skipIf(status.available)('without CUDA (CPU machines, CI)', () => {
  it('gives a reason naming what is missing', () => {
    expect(status.reason).toMatch(/CUDA toolkit|driver|CUDA device|CUDA libraries|module/);
    expect(status.device).toBeUndefined();
  });

  it('device tensors, memory statistics and op lookups fail with the reason, not a crash', () => {
    expect(codeOf(() => native.tensor('f32', [4], null, 'cuda'))).toBe('ABW_ENOKERNEL');
    expect(codeOf(() => native.cudaMemory())).toBe('ABW_ENOKERNEL');
    expect(codeOf(() => native.cudaSync())).toBe('ABW_ENOKERNEL');
    expect(native.cudaHasOp('matmul', 'f32')).toMatch(/^cuda is unavailable: /);
    // No page-locked memory to give: callers fall back to plain arrays.
    expect(native.cudaHostArray('f32', 1 << 22)).toBeUndefined();
    expect(codeOf(() => native.cudaHostArray('f32', -1))).toBe('ABW_EINVAL');
    expect(codeOf(() => native.cudaHostArray('f48' as never, 4))).toBe('ABW_EDTYPE');
    const x = native.tensor('f32', [2, 2], new Float32Array(4));
    expect(codeOf(() => new native.PreparedOp('cuda', 'matmul', 'f32', [x, x], [x], {}))).toBe('ABW_ENOKERNEL');
  });

  it('classifies a module that cannot be loaded (missing file, not a library)', () => {
    const probe = (module: string) =>
      execFileSync(process.execPath, ['-e', "process.stdout.write(require('@abw/native').cudaStatus().reason || '')"], {
        encoding: 'utf8',
        env: { ...process.env, ABW_CUDA_MODULE: module },
      });
    expect(probe('/nonexistent/libabw_cuda.so')).toMatch(/CUDA toolkit|missing next to the addon/);
    expect(probe(path.join(__dirname, 'cuda-module.test.ts'))).toMatch(/could not be loaded/);
  });
});

describe.runIf(status.available)('with CUDA (the GPU machine)', () => {
  it('round-trips data through device memory and accounts for it', () => {
    const before = native.cudaMemory().currentBytes;
    const t = native.tensor('f32', [3], new Float32Array([1.5, -2, 3.25]), 'cuda');
    expect(t.info().device).toBe('cuda');
    expect(native.cudaMemory().currentBytes - before).toBe(12);
    expect(Array.from(t.read())).toEqual([1.5, -2, 3.25]);
    t.free();
    expect(native.cudaMemory().currentBytes).toBe(before);
  });

  it('page-locked host arrays: zeroed, and a large download comes back right from a pinned upload', () => {
    const n = 1 << 20;
    const h = native.cudaHostArray('f32', n) as Float32Array;
    expect(h).toBeInstanceOf(Float32Array);
    expect(h.length).toBe(n);
    expect(h.every((v) => v === 0)).toBe(true);
    for (let i = 0; i < n; i++) h[i] = i;
    const t = native.tensor('f32', [n], h, 'cuda');
    h.fill(-1); // the upload has finished reading by the time it returns
    const back = t.read() as Float32Array;
    const into = native.cudaHostArray('f32', n) as Float32Array;
    t.readInto(into);
    t.free();
    expect(back[0]).toBe(0);
    expect(back[n - 1]).toBe(n - 1);
    expect(into[n - 1]).toBe(n - 1);
    expect(native.cudaHostArray('f32', 16)).toBeUndefined(); // under 1 MiB: not worth pinning
  });

  it('queued calls: inputs freed and their blocks reused before the kernels ran still give the right result', () => {
    const n = 1 << 22;
    const a = native.tensor('f32', [n], new Float32Array(n).fill(1), 'cuda');
    const b = native.tensor('f32', [n], new Float32Array(n).fill(2), 'cuda');
    const o = native.tensor('f32', [n], null, 'cuda');
    const op = new native.PreparedOp('cuda', 'add', 'f32', [a, b], [o], { alpha: 1 });
    for (let i = 0; i < 20; i++) op.enqueue();
    op.release(); // its bound call goes too, while the adds are still queued
    a.free();
    b.free();
    // Same size: the caching allocator hands back a freed block, written behind the queued adds.
    const c = native.tensor('f32', [n], new Float32Array(n).fill(7), 'cuda');
    const got = o.read() as Float32Array;
    expect(got[0]).toBe(3);
    expect(got[n - 1]).toBe(3);
    expect((c.read() as Float32Array)[n - 1]).toBe(7);
    c.free();
    o.free();
  });
});
