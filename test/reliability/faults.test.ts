/**
 * Fault injection through the test-only fault ops (native/src/fault, built into
 * native/build-fault only): a matrix with crash, hang, out-of-memory and leak cases among
 * normal ones completes, records crash / timeout / oom with messages and stderr, keeps every
 * other record intact and valid, and this process (the "notebook kernel") survives.
 * The fault build is made here when it is missing (~1–2 min).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { classifyExit, tail } from '../../kernel-bridge/src/matrix/isolated-executor';
import { abwSync, ensureFaultBuild, ensureTsBuilt, FAST_MEASURE, tmpdir, writeMatrix } from './helpers';

type Runner = typeof import('../../kernel-bridge/src/matrix/runner');
type Spec = typeof import('../../kernel-bridge/src/matrix/spec');
type Iso = typeof import('../../kernel-bridge/src/matrix/isolated-executor');
type Expand = typeof import('../../kernel-bridge/src/matrix/expand');
type Validate = typeof import('../../kernel-bridge/src/results/validate');
type Native = typeof import('@abw/native');

let runner: Runner;
let spec: Spec;
let iso: Iso;
let expand: Expand;
let validate: Validate;
let native: Native;

beforeAll(async () => {
  ensureTsBuilt();
  // Before anything loads the addon: this test file's process and its workers use the fault build.
  process.env.ABW_NATIVE_BUILD = ensureFaultBuild();
  native = (await import('@abw/native')) as Native;
  runner = await import('../../kernel-bridge/src/matrix/runner');
  spec = await import('../../kernel-bridge/src/matrix/spec');
  iso = await import('../../kernel-bridge/src/matrix/isolated-executor');
  expand = await import('../../kernel-bridge/src/matrix/expand');
  validate = await import('../../kernel-bridge/src/results/validate');
}, 900_000);

const MATRIX = {
  name: 'faults',
  version: 1,
  defaults: { dtypes: ['f32'], measure: FAST_MEASURE },
  cases: [
    { label: 'relu', op: 'relu', shapes: [[8, 64]] },
    { label: 'segv', op: 'crash', shapes: [[4]], params: { mode: 'segv' } },
    { label: 'matmul', op: 'matmul', shapes: [[16, 8], [8, 4]] },
    { label: 'hang', op: 'hang', shapes: [[4]], timeoutMs: 2500 },
    { label: 'spin', op: 'hang', shapes: [[4]], params: { mode: 'spin' }, timeoutMs: 2500 },
    { label: 'oom-terminate', op: 'exhaust', shapes: [[4]], params: { limit_bytes: 64 * 2 ** 20, mode: 'terminate' } },
    { label: 'oom-clean', op: 'exhaust', shapes: [[4]], params: { limit_bytes: 64 * 2 ** 20 } },
    { label: 'oom-killer', op: 'crash', shapes: [[4]], params: { mode: 'kill' } },
    { label: 'leak', op: 'leak', shapes: [[4]], params: { bytes: 4096 } },
    { label: 'abort', op: 'crash', shapes: [[4]], params: { mode: 'abort' } },
    { label: 'softmax', op: 'softmax', shapes: [[4, 33]] },
    { label: 'slow-but-fine', op: 'hang', shapes: [[4]], params: { ms: 5 }, timeoutMs: 30_000 },
  ],
};

describe('fault ops exist only in the fault build', () => {
  it('the fault build has them, on the fault backend only, with N-API checks of their params', () => {
    expect(native.buildInfo().faultOps).toBe(true);
    const faults = native.listKernels().filter((k) => k.backend === 'fault').map((k) => k.op).sort();
    expect(faults).toEqual(['crash', 'exhaust', 'hang', 'leak']);
    const x = native.tensor('f32', [4], new Float32Array([1, 2, 3, 4]));
    const y = native.tensor('f32', [4]);
    const bad = (params: Record<string, string>) => {
      try {
        new native.PreparedOp('fault', 'crash', 'f32', [x], [y], params).run();
        return 'no error';
      } catch (e) {
        return `${(e as { code?: string }).code}: ${(e as Error).message}`;
      }
    };
    expect(bad({ mode: 'nope' })).toBe("ABW_EINVAL: [crash] parameter `mode` must be one of 'segv', 'abort', 'kill', got 'nope'");
    expect(bad({})).toMatch(/^ABW_EINVAL: \[crash\] parameter `mode`/);
    const leak = new native.PreparedOp('fault', 'leak', 'f32', [x], [y], { bytes: 4096 });
    const before = native.memoryStats().currentBytes;
    leak.run();
    expect(native.memoryStats().currentBytes - before).toBe(4096);
    expect(Array.from(y.read() as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it('a normal build lists no fault op and no fault backend; asking for it says why', () => {
    const env = { ABW_NATIVE_BUILD: '' };
    const ops = JSON.parse(abwSync(['list', 'ops', '--json'], env).out) as { ops: { name: string }[] };
    const names = ops.ops.map((o) => o.name);
    expect(names).toContain('relu');
    for (const f of ['crash', 'hang', 'leak', 'exhaust']) expect(names).not.toContain(f);
    const backends = JSON.parse(abwSync(['list', 'backends', '--json'], env).out) as { backends: { id: string }[] };
    expect(backends.backends.map((b) => b.id)).not.toContain('fault');
    const dir = tmpdir('nofault');
    const m = writeMatrix(dir, { ...MATRIX, cases: [MATRIX.cases[0]] });
    const r = abwSync(['run', '--matrix', m, '--backend', 'fault', '--out', dir, '-q'], env);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/backend fault is unavailable here \(built without ABW_FAULT_OPS/);
    const withFault = JSON.parse(abwSync(['list', 'ops', '--json'], { ABW_NATIVE_BUILD: ensureFaultBuild() }).out) as { ops: { name: string }[] };
    expect(withFault.ops.map((o) => o.name)).toEqual(expect.arrayContaining(['crash', 'hang', 'leak', 'exhaust']));
  });
});

describe('isolated matrix runs survive faulty cases', () => {
  it('records crash / timeout / oom, keeps the other records intact, restarts workers', async () => {
    const out = tmpdir('faults');
    const matrix = spec.parseMatrixSpec(MATRIX, 'faults.json');
    const workers: string[] = [];
    let journalPath = '';
    const t0 = Date.now();
    const { run, path: file } = await runner.runMatrix({
      matrix,
      backends: ['cpu', 'fault'],
      outDir: out,
      seed: 3,
      isolation: { onWorker: (ev) => workers.push(`${ev.type}:${ev.backend}`) },
      onProgress: (ev) => {
        if (ev.type === 'runStarted') journalPath = ev.journalPath;
      },
    });
    const elapsed = Date.now() - t0;
    const by = (label: string, backend: string) => {
      const r = run.records.find((x) => x.label === label && x.backend === backend);
      if (!r) throw new Error(`no record ${label}/${backend}`);
      return r;
    };
    // Every case has its record, in matrix order.
    expect(run.records.map((r) => `${r.label}/${r.backend}`)).toEqual(MATRIX.cases.flatMap((c) => [`${c.label}/cpu`, `${c.label}/fault`]));

    expect(by('segv', 'fault').status).toBe('crash');
    expect(by('segv', 'fault').error?.code).toBe('ABW_ECRASH');
    expect(by('segv', 'fault').error?.message).toMatch(/killed by SIGSEGV \(segmentation fault\)/);
    expect(by('segv', 'fault').error?.stderr).toContain('abw fault: crash (segv) on purpose');
    expect(by('abort', 'fault').status).toBe('crash');
    expect(by('abort', 'fault').error?.message).toMatch(/SIGABRT/);

    for (const label of ['hang', 'spin']) {
      const r = by(label, 'fault');
      expect(r.status, label).toBe('timeout');
      expect(r.error?.code).toBe('ABW_ETIMEOUT');
      expect(r.error?.message).toMatch(/no result within the case timeout of 2500 ms/);
      expect(r.durationMs).toBeGreaterThanOrEqual(2400);
      expect(r.durationMs).toBeLessThan(20_000);
    }
    expect(by('oom-terminate', 'fault').status).toBe('oom');
    expect(by('oom-terminate', 'fault').error?.stderr).toMatch(/std::bad_alloc/);
    expect(by('oom-clean', 'fault').status).toBe('oom');
    expect(by('oom-clean', 'fault').error?.message).toMatch(/out of memory: allocation failed after/);
    expect(by('oom-killer', 'fault').status).toBe('oom');
    expect(by('oom-killer', 'fault').error?.message).toMatch(/SIGKILL without a timeout: .*OOM killer/);
    expect(by('leak', 'fault').status).toBe('ok');
    expect(by('leak', 'fault').memory?.nativePeakBytes).toBeGreaterThanOrEqual(4096);
    expect(by('leak', 'fault').precision).toBeUndefined();
    expect(by('slow-but-fine', 'fault').status).toBe('ok');

    // The normal cases are measured and judged as in a run without faults.
    for (const label of ['relu', 'matmul', 'softmax']) {
      const r = by(label, 'cpu');
      expect(r.status, label).toBe('ok');
      expect(r.precision?.verdict, label).toBe('pass');
      expect(r.timing?.samplesNs.length, label).toBeGreaterThanOrEqual(3);
      expect(by(label, 'fault').status).toBe('unsupported');
    }
    // Fault ops are unsupported on cpu, with the reason.
    expect(by('segv', 'cpu').reason).toMatch(/test-only fault op/);

    // A new worker after each death: crash, 2 timeouts, terminate, kill, abort → 6 restarts of fault's.
    const faultStarts = workers.filter((w) => w === 'started:fault').length;
    expect(faultStarts).toBe(7);
    expect(workers.filter((w) => w === 'started:cpu').length).toBe(1);
    // No worker is left behind; the journal is gone; the file validates.
    expect(workers.filter((w) => w.startsWith('exited')).length).toBe(workers.filter((w) => w.startsWith('started')).length);
    expect(fs.existsSync(journalPath)).toBe(false);
    validate.validateRunFile(JSON.parse(fs.readFileSync(file, 'utf8')), file);
    expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
    // 2 × 2.5 s of timeouts plus a dozen worker starts, on 2 cores.
    expect(elapsed).toBeLessThan(60_000);
  });

  it('per-case timeouts: the --case-timeout-ms override, the matrix value, else an estimate with a floor', () => {
    const matrix = spec.parseMatrixSpec(MATRIX, 'faults.json');
    const cases = expand.expandMatrix(matrix, { backends: ['fault'] });
    const hang = cases.find((c) => c.label === 'hang')!;
    const relu = cases.find((c) => c.label === 'relu')!;
    expect(iso.caseTimeoutMs(hang)).toBe(2500);
    expect(iso.caseTimeoutMs(hang, 100)).toBe(100);
    const est = iso.caseTimeoutMs(relu);
    expect(est).toBeGreaterThanOrEqual(iso.MIN_CASE_TIMEOUT_MS);
    // relu 8×64 with a 20 ms budget: floor + 3 × (20 + 1) ms + a little.
    expect(est).toBeLessThan(iso.MIN_CASE_TIMEOUT_MS + 1000);
    const big = { ...relu, op: 'matmul', shapes: [[2048, 2048], [2048, 2048]], params: { transpose_a: false, transpose_b: false }, measure: {} };
    expect(iso.defaultCaseTimeoutMs(big)).toBeGreaterThan(iso.MIN_CASE_TIMEOUT_MS + 9000 + 20 * 1000 * (2 * 2048 ** 3) / 1e8 - 1);
  });

  it('replaces a worker whose native memory grew past the recycle limit (leaks do not pile up)', async () => {
    const matrix = spec.parseMatrixSpec(
      { ...MATRIX, cases: [{ label: 'leak', op: 'leak', shapes: [[4]], params: { bytes: 2 ** 20 } }, { label: 'leak2', op: 'leak', shapes: [[5]], params: { bytes: 2 ** 20 } }] },
      'leak.json',
    );
    const exec = new iso.IsolatedExecutor({ recycleAboveBytes: 2 ** 20 });
    try {
      for (const c of expand.expandMatrix(matrix, { backends: ['fault'] })) {
        const r = await exec.execute(c, { seed: 1, measure: FAST_MEASURE });
        expect(r.status).toBe('ok');
      }
      expect(exec.stats.started).toBe(2);
      expect(exec.stats.restarts).toBe(1);
    } finally {
      await exec.close();
    }
  });

  it('abw run with --case-timeout-ms, end to end through bin/abw.js', () => {
    const dir = tmpdir('faults-cli');
    const m = writeMatrix(dir, { ...MATRIX, cases: [MATRIX.cases[0], { label: 'hang', op: 'hang', shapes: [[4]] }, MATRIX.cases[1], MATRIX.cases[2]] });
    const r = abwSync(['run', '--matrix', m, '--backend', 'cpu,fault', '--out', dir, '--case-timeout-ms', '1500'], { ABW_NATIVE_BUILD: ensureFaultBuild() });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/8 cases: 2 ok, 4 unsupported, 1 timeout, 1 crash/);
    expect(r.err).toMatch(/hang · fault · f32: timeout ABW_ETIMEOUT: no result within the case timeout of 1500 ms/);
  });
});

describe('classifyExit and the stderr tail', () => {
  const base = { code: null, signal: null, timedOut: false, stderr: '' } as const;
  it('names signals, the OOM killer, V8 heap exhaustion, and timeouts', () => {
    expect(classifyExit({ ...base, signal: 'SIGSEGV', pid: 7 })).toEqual({
      status: 'crash',
      code: 'ABW_ECRASH',
      message: "the case's worker process (pid 7) was killed by SIGSEGV (segmentation fault) while running the case",
    });
    expect(classifyExit({ ...base, signal: 'SIGABRT', stderr: '\n<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n' }).status).toBe('oom');
    expect(classifyExit({ ...base, signal: 'SIGKILL' }).status).toBe('oom');
    expect(classifyExit({ ...base, signal: 'SIGKILL', timedOut: true, timeoutMs: 5 }).status).toBe('timeout');
    expect(classifyExit({ ...base, code: 3 }).message).toMatch(/exited with code 3/);
    expect(classifyExit({ ...base, code: 1, stderr: '==1==ERROR: AddressSanitizer: requested allocation size 0x1000 exceeds maximum' }).status).toBe('oom');
  });

  it('keeps the last 50 lines, at most 60 000 characters (the schema allows 65 536)', () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n');
    const t = tail(`${text}\n`);
    expect(t.split('\n')).toHaveLength(50);
    expect(t.endsWith('line 199')).toBe(true);
    const long = tail('x'.repeat(100_000));
    expect(long.length).toBe(60_000);
    expect(long.startsWith('…')).toBe(true);
  });
});
