/**
 * The runner with a fake backend beside the real oracle: unsupported rows are recorded with
 * their reason, a throwing case becomes an error record and the run goes on, every record is
 * in the journal before the next case starts, and the run file validates.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import { getBackend } from '../../kernel-bridge/src/backend/registry';
import type { ComputeBackend } from '../../kernel-bridge/src/backend/types';
import { AbwError } from '../../kernel-bridge/src/errors';
import { ProgressRenderer, type ProgressEvent } from '../../kernel-bridge/src/matrix/progress';
import { runMatrix } from '../../kernel-bridge/src/matrix/runner';
import { parseMatrixSpec } from '../../kernel-bridge/src/matrix/spec';
import { readJournal } from '../../kernel-bridge/src/results/journal';
import { validateRunFile } from '../../kernel-bridge/src/results/validate';

/** cpu (its tensors say cpu), except: no tanh at all, and gelu throws when prepared. */
function flaky(): ComputeBackend {
  const cpu = getBackend('cpu');
  return Object.assign(Object.create(cpu) as ComputeBackend, {
    supports: (op: string, dtype: Parameters<ComputeBackend['supports']>[1], params?: Parameters<ComputeBackend['supports']>[2]) =>
      op === 'tanh' ? { ok: false as const, reason: 'flaky has no tanh' } : cpu.supports(op, dtype, params),
    prepare: (...args: Parameters<ComputeBackend['prepare']>) => {
      if (args[0] === 'gelu') throw new AbwError('ABW_ESHAPE', '[gelu] the flaky backend refuses');
      return cpu.prepare(...args);
    },
  });
}

const matrix = parseMatrixSpec(
  {
    name: 'runner-test',
    version: 1,
    defaults: { dtypes: ['f32', 'bf16'], measure: { budgetMs: 20, warmupMs: 1, minSamples: 3, sampleMs: 0.2 } },
    cases: [
      { label: 'relu', op: 'relu', shapes: [[8, 64]] },
      { label: 'gelu', op: 'gelu', shapes: [[8, 64]] },
      { label: 'tanh', op: 'tanh', shapes: [[8, 64]] },
      { label: 'matmul', op: 'matmul', shapes: [[16, 8], [8, 4]] },
    ],
  },
  'runner-test.json',
);

describe('runMatrix', () => {
  it('records unsupported and failing cases, journals each record before the next case, writes a valid run', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-runner-'));
    const events: ProgressEvent[] = [];
    let journal = '';
    const journalCounts: number[] = [];
    const { run, path: file } = await runMatrix({
      matrix,
      backends: ['flaky', 'cpu'],
      outDir: out,
      seed: 7,
      backend: (id) => (id === 'flaky' ? flaky() : getBackend(id)),
      onProgress: (ev) => {
        events.push(ev);
        if (ev.type === 'runStarted') journal = ev.journalPath;
        if (ev.type === 'caseStarted') journalCounts.push(readJournal(journal).records.length);
      },
    });
    const rows = run.records.map((r) => `${r.label}:${r.backend}:${r.dtype}:${r.status}`);
    expect(rows).toEqual([
      'relu:flaky:f32:ok',
      'relu:cpu:f32:ok',
      'relu:flaky:bf16:ok',
      'relu:cpu:bf16:ok',
      'gelu:flaky:f32:error',
      'gelu:cpu:f32:ok',
      'gelu:flaky:bf16:error',
      'gelu:cpu:bf16:ok',
      'tanh:flaky:f32:unsupported',
      'tanh:cpu:f32:ok',
      'tanh:flaky:bf16:unsupported',
      'tanh:cpu:bf16:ok',
      'matmul:flaky:f32:ok',
      'matmul:cpu:f32:ok',
      'matmul:flaky:bf16:ok',
      'matmul:cpu:bf16:ok',
    ]);
    expect(run.records[4]?.error).toEqual({ code: 'ABW_ESHAPE', message: '[gelu] the flaky backend refuses' });
    expect(run.records[8]?.reason).toBe('flaky has no tanh');
    // Same inputs on both backends: identical f32 relu results and seeds.
    expect(run.records[0]?.seed).toBe(run.records[1]?.seed);
    expect(run.records[0]?.precision?.vsFp64).toEqual(run.records[1]?.precision?.vsFp64);
    // Before case i starts, the journal holds the i records before it.
    expect(journalCounts).toEqual(run.records.map((_, i) => i));
    expect(fs.existsSync(journal)).toBe(false);
    expect(events.filter((e) => e.type === 'caseFinished')).toHaveLength(16);
    expect(events.at(-1)?.type).toBe('runFinished');
    const back = validateRunFile(JSON.parse(fs.readFileSync(file, 'utf8')), file);
    expect(back.run.matrix).toEqual({ name: 'runner-test', hash: matrix.hash });
    expect(back.run.options).toMatchObject({ seed: 7, cases: 16 });
    const mm = back.records.find((r) => r.op === 'matmul' && r.backend === 'cpu' && r.dtype === 'f32');
    expect(mm?.derived?.flops).toBe(2 * 16 * 8 * 4);
    expect(mm?.derived?.bytes).toBe((16 * 8 + 8 * 4 + 16 * 4) * 4);
    expect(mm?.memory?.nativePeakBytes).toBeGreaterThan(0);
  });

  it('stops after the current case when aborted and writes what was measured', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-runner-'));
    const abort = new AbortController();
    const { run, interrupted } = await runMatrix({
      matrix,
      backends: ['cpu'],
      outDir: out,
      signal: abort.signal,
      onProgress: (ev) => {
        if (ev.type === 'caseFinished' && ev.done === 2) abort.abort();
      },
    });
    expect(interrupted).toBe(true);
    expect(run.records).toHaveLength(2);
    expect(run.run.options.interrupted).toBe(true);
  });
});

describe('ProgressRenderer', () => {
  const rec = { label: 'relu', backend: 'cpu', dtype: 'f32', status: 'ok', durationMs: 10 } as never;
  it('draws one updating line on a TTY', () => {
    let s = '';
    const r = new ProgressRenderer({ write: (x: string) => void (s += x), isTTY: true, columns: 80 });
    r.handle({ type: 'runStarted', runId: 'x', total: 4, journalPath: 'j' });
    r.handle({ type: 'caseFinished', done: 1, total: 4, etaMs: 65_000, record: rec });
    expect(s).toContain('\r\x1b[2K[#####---------------] 1/4  ETA 1m05s  relu · cpu · f32');
    expect(s).not.toContain('\n');
    r.handle({ type: 'runFinished', total: 4, elapsedMs: 1, path: 'p' });
    expect(s.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('prints one line per finished case elsewhere', () => {
    let s = '';
    const r = new ProgressRenderer({ write: (x: string) => void (s += x), isTTY: false });
    r.handle({ type: 'runStarted', runId: 'x', total: 2, journalPath: 'j' });
    r.handle({ type: 'caseFinished', done: 1, total: 2, etaMs: 10, record: { ...(rec as object), status: 'unsupported', reason: 'nope' } as never });
    expect(s).toBe('running 2 cases (run x)\n[1/2] relu · cpu · f32: unsupported (nope)\n');
  });
});
