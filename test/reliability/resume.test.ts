/**
 * Nothing is lost: `abw run` killed with SIGKILL mid-matrix (as a power cut would), then
 * `abw run --resume RUN`, gives a complete, valid run file equal in case keys, order and
 * statuses to a clean run of the same matrix, with the original run id; finished cases are
 * not run again. Also Ctrl-C (SIGINT) then resume, a torn journal tail, a resume refused while
 * the run is alive, and resuming a finished run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { readJournal } from '../../kernel-bridge/src/results/journal';
import { readRunFile } from '../../kernel-bridge/src/results/read-run';
import type { RunFile } from '../../kernel-bridge/src/results/record';
import { abwStart, abwSync, ensureTsBuilt, lineCount, listFiles, tmpdir, waitFor, writeMatrix } from './helpers';

// ~14 cases of ~150 ms each: long enough to be killed in the middle, short for CI.
const MATRIX = {
  name: 'resume',
  version: 1,
  defaults: { dtypes: ['f32', 'bf16'], measure: { budgetMs: 120, warmupMs: 2, minSamples: 3, sampleMs: 0.5 } },
  cases: [
    { label: 'relu', op: 'relu', shapes: [[8, 64]] },
    { label: 'add', op: 'add', shapes: [[8, 64], [64]] },
    { label: 'tanh', op: 'tanh', shapes: [[8, 64]] },
    { label: 'matmul', op: 'matmul', shapes: [[16, 8], [8, 4]] },
    { label: 'gelu', op: 'gelu', shapes: [[8, 64]] },
    { label: 'softmax', op: 'softmax', shapes: [[8, 64]] },
    { label: 'quantize_ternary', op: 'quantize_ternary', shapes: [[16, 16]], dtypes: ['f32'] },
  ],
};
const TOTAL = 13;

let dir: string;
let matrixFile: string;
let clean: RunFile;

function runFiles(out: string): string[] {
  return listFiles(path.join(out, 'runs')).filter((f) => f.endsWith('.json'));
}

function shapeOf(run: RunFile) {
  return run.records.map((r) => ({ key: r.key, label: r.label, backend: r.backend, dtype: r.dtype, status: r.status, seed: r.seed, verdict: r.precision?.verdict }));
}

/** Starts `abw run`, waits for `lines` journal lines (header + records), returns the child and the journal. */
async function startAndWait(out: string, lines: number) {
  const run = abwStart(['run', '--matrix', matrixFile, '--backend', 'cpu', '--out', out, '-q', '--seed', '11']);
  let journal = '';
  await waitFor(
    () => {
      const j = listFiles(path.join(out, 'runs')).find((f) => f.endsWith('.journal.jsonl'));
      if (j) journal = path.join(out, 'runs', j);
      return journal !== '' && lineCount(journal) >= lines;
    },
    60_000,
    `${lines} journal lines`,
  );
  return { ...run, journal };
}

beforeAll(() => {
  ensureTsBuilt();
  dir = tmpdir('resume');
  matrixFile = writeMatrix(dir, MATRIX);
  const out = path.join(dir, 'clean');
  const r = abwSync(['run', '--matrix', matrixFile, '--backend', 'cpu', '--out', out, '-q', '--seed', '11']);
  expect(r.code, r.err).toBe(0);
  const files = runFiles(out);
  expect(files).toHaveLength(1);
  clean = readRunFile(path.join(out, 'runs', files[0]!));
  expect(clean.records).toHaveLength(TOTAL);
}, 300_000);

describe('abw run --resume', () => {
  it('after kill -9 mid-matrix gives the same run file a clean run gives', async () => {
    const out = path.join(dir, 'killed');
    const { child, done, journal } = await startAndWait(out, 5);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const runId = path.basename(journal, '.journal.jsonl');
    const before = readJournal(journal);
    expect(before.run?.id).toBe(runId);
    const finishedBefore = before.records.length;
    expect(finishedBefore).toBeGreaterThanOrEqual(4);
    expect(finishedBefore).toBeLessThan(TOTAL);
    // No run file yet; a stale lock of the dead process.
    expect(runFiles(out)).toEqual([]);
    expect(fs.existsSync(journal.replace('.journal.jsonl', '.lock'))).toBe(true);

    const r = abwSync(['run', '--resume', runId, '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`resumed run ${runId}: ${finishedBefore} cases from the journal, ${TOTAL - finishedBefore} run now`);
    const file = journal.replace('.journal.jsonl', '.json');
    const resumed = readRunFile(file);
    expect(resumed.run.id).toBe(runId);
    expect(shapeOf(resumed)).toEqual(shapeOf(clean));
    expect(resumed.run.options).toEqual(clean.run.options);
    expect(resumed.run.matrix).toEqual(clean.run.matrix);
    // The records from before the kill are kept as they were, not measured again.
    expect(resumed.records.filter((rec) => before.records.some((b) => b.key === rec.key && b.startedAt === rec.startedAt))).toHaveLength(finishedBefore);
    // Journal, lock and temporary files are gone.
    expect(listFiles(path.join(out, 'runs'))).toEqual([path.relative(path.join(out, 'runs'), file)]);
  });

  it('after Ctrl-C: a partial run file marked interrupted, the journal kept, then resumed to completion', async () => {
    const out = path.join(dir, 'sigint');
    const { child, done, journal } = await startAndWait(out, 3);
    child.kill('SIGINT');
    const stopped = await done;
    expect(stopped.code).toBe(130);
    expect(stopped.out).toMatch(/interrupted: go on with `abw run --resume \S+ --out /);
    const file = journal.replace('.journal.jsonl', '.json');
    const partial = readRunFile(file);
    expect(partial.run.options.interrupted).toBe(true);
    expect(partial.records.length).toBeLessThan(TOTAL);
    // The case in flight at Ctrl-C finished normally (workers ignore SIGINT): no crash records.
    expect(partial.records.every((r) => r.status === 'ok')).toBe(true);
    expect(fs.existsSync(journal)).toBe(true);

    const r = abwSync(['run', '--resume', file]);
    expect(r.code, r.err).toBe(0);
    const full = readRunFile(file);
    expect(full.run.options.interrupted).toBeUndefined();
    expect(shapeOf(full)).toEqual(shapeOf(clean));
    expect(fs.existsSync(journal)).toBe(false);
    // Resuming a finished run changes nothing.
    const again = abwSync(['run', '--resume', journal.replace('.journal.jsonl', '.json')]);
    expect(again.code, again.err).toBe(0);
    expect(readRunFile(file)).toEqual(full);
  });

  it('tolerates a torn last line and garbage lines, and refuses to resume a run that is still going', async () => {
    const out = path.join(dir, 'torn');
    const { child, done, journal } = await startAndWait(out, 4);
    const runId = path.basename(journal, '.journal.jsonl');
    // The run is alive: a second writer is refused, naming the process.
    const busy = abwSync(['run', '--resume', runId, '--out', out]);
    expect(busy.code).not.toBe(0);
    expect(busy.err).toMatch(new RegExp(`run ${runId} is in use by process ${child.pid}`));
    child.kill('SIGKILL');
    await done;
    // A power cut mid-write: half a record, no newline.
    const lines = fs.readFileSync(journal, 'utf8').split('\n');
    fs.appendFileSync(journal, `{"not": json at all\n${lines[1]!.slice(0, 40)}`);
    const r = abwSync(['run', '--resume', journal]);
    expect(r.code, r.err).toBe(0);
    const resumed = readRunFile(journal.replace('.journal.jsonl', '.json'));
    expect(shapeOf(resumed)).toEqual(shapeOf(clean));
  });

  it('refuses what it cannot resume with a clear message', () => {
    const out = path.join(dir, 'refuse');
    fs.mkdirSync(path.join(out, 'runs', 'm'), { recursive: true });
    expect(abwSync(['run', '--resume', 'no-such-run', '--out', out]).err).toMatch(/resume: no run "no-such-run" under .*runs/);
    expect(abwSync(['run', '--resume', '../../etc/passwd!', '--out', out]).err).toMatch(/does not exist|neither a run id/);
    const j = path.join(out, 'runs', 'm', 'x.journal.jsonl');
    fs.writeFileSync(j, '{"key":"a","label":"b"}\n');
    expect(abwSync(['run', '--resume', j]).err).toMatch(/has no header line; it cannot be resumed/);
    const flags = abwSync(['run', '--resume', 'x', '--matrix', 'quick', '--seed', '3']);
    expect(flags.code).toBe(2);
    expect(flags.err).toContain("--resume goes on with the run's own settings; leave out --matrix, --seed");
  });
});
