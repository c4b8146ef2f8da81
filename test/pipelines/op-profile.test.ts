// A profiled pipeline run says which ops took the time: each op is timed on its own, summed by
// op and dtype, heaviest first; profiling is off again after stopProfile.
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../kernel-bridge/src/backend/registry';
import { PipelineExec } from '../../kernel-bridge/src/pipelines/exec';
import { formatProfile, summarizeProfile } from '../../kernel-bridge/src/pipelines/op-profile';

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
    expect(p.opsMs).toBeGreaterThan(0);
    expect(p.wallMs).toBeGreaterThanOrEqual(p.opsMs);
    await ex.op('relu', [x]);
    expect(ex.stopProfile()).toBeUndefined();
    ex.freeAll();
  });
});
