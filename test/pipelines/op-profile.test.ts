// A profiled pipeline run says which ops took the time: each op is timed on its own, summed by
// op and dtype, heaviest first; profiling is off again after stopProfile.
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../kernel-bridge/src/backend/registry';
import { PipelineExec } from '../../kernel-bridge/src/pipelines/exec';
import { callSignature, formatProfile, summarizeProfile } from '../../kernel-bridge/src/pipelines/op-profile';

describe('op profile', () => {
  it('summarizes totals heaviest first with shares of the ops sum', () => {
    const p = summarizeProfile(
      [
        { op: 'relu', dtype: 'f32', calls: 2, ns: 1e6 },
        { op: 'matmul', dtype: 'f16', calls: 1, ns: 3e6 },
      ],
      5e6,
    );
    expect(p.entries.map((e) => e.op)).toEqual(['matmul', 'relu']);
    expect(p.entries[0]!.share).toBeCloseTo(0.75, 12);
    expect(p.opsMs).toBe(4);
    expect(p.wallMs).toBe(5);
    expect(formatProfile(p)).toMatch(/1\.0 ms between ops/);
    expect(summarizeProfile([], 0).entries).toEqual([]);
  });

  it('splits the time by call signature: input shapes and the small params', () => {
    expect(callSignature([[1, 128, 256, 1024], [128, 128, 3, 3], null], { padding: [1, 1], stride: 1, groups: 1, big: new Array(20).fill(0), note: { a: 1 } })).toBe(
      '[1,128,256,1024] [128,128,3,3] - groups=1 padding=1,1 stride=1',
    );
    const p = summarizeProfile(
      [{ op: 'conv2d', dtype: 'f16', calls: 3, ns: 6e6 }],
      7e6,
      [
        { op: 'conv2d', dtype: 'f16', calls: 1, ns: 1e6, signature: 'small' },
        { op: 'conv2d', dtype: 'f16', calls: 2, ns: 5e6, signature: 'big' },
      ],
    );
    expect(p.signatures.map((e) => [e.signature, e.calls])).toEqual([
      ['big', 2],
      ['small', 1],
    ]);
    expect(formatProfile(p)).toMatch(/heaviest call signatures:\n.*conv2d.*big/);
  });

  it('records the ops a pipeline exec runs while on, and nothing after', async () => {
    const backend = getBackend('cpu');
    const ex = new PipelineExec(backend, 'f32');
    const x = ex.upload(Float64Array.from([1, -2, 3, -4]), [2, 2]);
    ex.startProfile();
    const y = await ex.op('relu', [x]);
    const z = await ex.op('add', [y, x]);
    await ex.op('relu', [z]);
    const p = ex.stopProfile()!;
    expect(p.entries.map((e) => [e.op, e.dtype, e.calls]).sort()).toEqual([
      ['add', 'f32', 1],
      ['relu', 'f32', 2],
    ]);
    expect(p.signatures.map((e) => [e.op, e.signature]).sort()).toEqual([
      ['add', '[2,2] [2,2]'],
      ['relu', '[2,2]'],
    ]);
    expect(p.opsMs).toBeGreaterThan(0);
    expect(p.wallMs).toBeGreaterThanOrEqual(p.opsMs);
    await ex.op('relu', [x]);
    expect(ex.stopProfile()).toBeUndefined();
    ex.freeAll();
  });
});
