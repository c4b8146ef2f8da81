// Large host blocks (1 MiB and more) go back to a cache on free and serve the next allocation
// of the same rounded size, so a pipeline's per-op outputs stop paying a page fault per 4 KiB.
// What the cache holds is reported apart from the bytes in use; small blocks are never cached.
import { describe, expect, it } from 'vitest';

import { addon } from '../../kernel-bridge/src/backends/native/addon';

const sanitized = /address/.test(addon().buildInfo().sanitizers ?? '');

describe.skipIf(sanitized)('host block cache', () => {
  it('keeps a freed large block, hands it to the next allocation of its size, and leaves currentBytes alone', () => {
    const n = 3 << 20; // 12 MiB of f32
    const a = addon().tensor('f32', [n]);
    const inUse = addon().memoryStats().currentBytes;
    const cachedBefore = addon().memoryStats().cachedBytes;
    a.free();
    const afterFree = addon().memoryStats();
    expect(afterFree.currentBytes).toBe(inUse - 4 * n);
    expect(afterFree.cachedBytes).toBe(cachedBefore + 4 * n); // 12 MiB is a multiple of the 2 MiB rounding
    const b = addon().tensor('f32', [n]);
    expect(addon().memoryStats().cachedBytes).toBe(cachedBefore); // the same block again
    expect(Array.from(b.read().subarray(0, 4))).toEqual([0, 0, 0, 0]); // a reused block still starts zeroed
    b.free();
  });

  it('never caches small blocks', () => {
    const before = addon().memoryStats().cachedBytes;
    const t = addon().tensor('f32', [1000]);
    t.free();
    expect(addon().memoryStats().cachedBytes).toBe(before);
  });
});
