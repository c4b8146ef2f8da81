/**
 * Two runs writing into the same results folder at once do not corrupt each other: unique run
 * ids (the journal is created exclusively; a clash draws another id), unique temporary names
 * for the atomic writer, and a lock per run.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { getBackend } from '../../kernel-bridge/src/backend/registry';
import { runMatrix } from '../../kernel-bridge/src/matrix/runner';
import { parseMatrixSpec } from '../../kernel-bridge/src/matrix/spec';
import { Journal } from '../../kernel-bridge/src/results/journal';
import { readRunFile } from '../../kernel-bridge/src/results/read-run';
import { RunLock } from '../../kernel-bridge/src/results/run-lock';
import { abwStart, ensureTsBuilt, FAST_MEASURE, listFiles, ROOT, tmpdir, writeMatrix } from './helpers';
import { fixtureRun } from '../helpers/run-fixture';

const MATRIX = {
  name: 'concurrent',
  version: 1,
  defaults: { dtypes: ['f32'], measure: FAST_MEASURE },
  cases: [
    { label: 'relu', op: 'relu', shapes: [[8, 64]] },
    { label: 'add', op: 'add', shapes: [[8, 64], [8, 64]] },
    { label: 'matmul', op: 'matmul', shapes: [[16, 8], [8, 4]] },
    { label: 'softmax', op: 'softmax', shapes: [[8, 64]] },
  ],
};

beforeAll(() => ensureTsBuilt(), 300_000);

describe('concurrent runs into one results folder', () => {
  it('three `abw run` processes at once: three complete, valid, distinct run files and nothing else', async () => {
    const dir = tmpdir('concurrent');
    const m = writeMatrix(dir, MATRIX);
    const out = path.join(dir, 'results');
    const runs = [1, 2, 3].map((seed) => abwStart(['run', '--matrix', m, '--backend', 'cpu', '--out', out, '-q', '--seed', String(seed)]));
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r.code, r.err).toBe(0);
    const files = listFiles(path.join(out, 'runs'));
    expect(files).toHaveLength(3);
    expect(files.every((f) => f.endsWith('.json'))).toBe(true);
    const ids = new Set<string>();
    const seeds = new Set<unknown>();
    for (const f of files) {
      const run = readRunFile(path.join(out, 'runs', f));
      ids.add(run.run.id);
      seeds.add(run.run.options.seed);
      expect(run.records.map((r) => r.label)).toEqual(['relu', 'add', 'matmul', 'softmax']);
      expect(run.records.every((r) => r.status === 'ok')).toBe(true);
    }
    expect(ids.size).toBe(3);
    expect(seeds).toEqual(new Set([1, 2, 3]));
  });

  it('a run id that is taken is never shared: the second writer fails cleanly, a fresh id is drawn when not pinned', async () => {
    const out = tmpdir('clash');
    const matrix = parseMatrixSpec(MATRIX, 'concurrent.json');
    const opts = { matrix, backends: ['cpu'], outDir: out, isolate: false, backend: getBackend, runId: 'fixed-id' } as const;
    const [a, b] = await Promise.allSettled([runMatrix(opts), runMatrix(opts)]);
    const ok = [a, b].filter((x) => x.status === 'fulfilled');
    const failed = [a, b].filter((x): x is PromiseRejectedResult => x.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(String(failed[0]!.reason.message)).toMatch(/run fixed-id is in use by process|journal .* already exists/);
    // The survivor's file is complete.
    const files = listFiles(path.join(out, 'runs'));
    expect(files).toHaveLength(1);
    expect(readRunFile(path.join(out, 'runs', files[0]!)).records).toHaveLength(4);
    // Exclusive journal creation.
    const j = path.join(out, 'x.journal.jsonl');
    const info = fixtureRun(0).run;
    await (await Journal.create(j, info)).close();
    await expect(Journal.create(j, info)).rejects.toMatchObject({ exists: true });
  });

  it('the lock names a live owner, and a dead owner\'s lock is taken over', () => {
    const dir = tmpdir('lock');
    const file = path.join(dir, 'r.lock');
    const lock = RunLock.acquire(file, 'run r');
    expect(() => RunLock.acquire(file, 'run r')).toThrow(`run r is in use by process ${process.pid}`);
    lock.release();
    fs.writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345 }));
    RunLock.acquire(file, 'run r').release();
    fs.writeFileSync(file, 'garbage');
    fs.utimesSync(file, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
    RunLock.acquire(file, 'run r').release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('atomic writes from four processes to one file: always one whole file, no temporary files left', async () => {
    const dir = tmpdir('atomic');
    const target = path.join(dir, 'runs', 'm', 'same.json');
    const script = `
      const { writeRunFileAtomic } = require(${JSON.stringify(path.join(ROOT, 'kernel-bridge', 'dist', 'results', 'write-run.js'))});
      const run = JSON.parse(process.argv[1]);
      (async () => { for (let i = 0; i < 40; i++) { run.run.options.writer = process.pid; run.run.options.i = i; await writeRunFileAtomic(process.argv[2], run); } })()
        .catch((e) => { console.error(e); process.exit(1); });`;
    const run = fixtureRun(20);
    const writers = [0, 1, 2, 3].map(
      () =>
        new Promise<number | null>((resolve) => {
          const c = spawn(process.execPath, ['-e', script, JSON.stringify(run), target], { stdio: ['ignore', 'ignore', 'inherit'] });
          c.on('close', resolve);
        }),
    );
    let reads = 0;
    const reader = (async () => {
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        if (fs.existsSync(target)) {
          const back = readRunFile(target);
          expect(back.records).toHaveLength(20);
          reads++;
        }
        if (reads > 200) break;
        await new Promise((r) => setImmediate(r));
      }
    })();
    expect(await Promise.all(writers)).toEqual([0, 0, 0, 0]);
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(readRunFile(target).run.options.i).toBe(39);
    expect(fs.readdirSync(path.dirname(target))).toEqual(['same.json']);
  });
});
