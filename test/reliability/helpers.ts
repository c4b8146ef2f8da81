/**
 * Shared by the reliability suites: the compiled kernel-bridge (isolated runs fork
 * kernel-bridge/dist/matrix/case-worker.js, and the CLI is bin/abw.js over dist/), the fault
 * build of the addon (native/build-fault), and running the real `abw` binary.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ABW_BIN = path.join(ROOT, 'kernel-bridge', 'bin', 'abw.js');
export const FAULT_BUILD = path.join(ROOT, 'native', 'build-fault', 'Release');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Serialises builds between test files running at once (a directory is created atomically). */
function withLock<T>(name: string, fn: () => T): T {
  const lock = path.join(os.tmpdir(), `abw-test-${name}.lock`);
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Stale after 10 minutes (a killed test run).
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 600_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone already
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Compiles kernel-bridge (tsc -b) when src/ is newer than the last build. */
export function ensureTsBuilt(): void {
  const info = path.join(ROOT, 'kernel-bridge', 'tsconfig.tsbuildinfo');
  const stale = () => !fs.existsSync(info) || !fs.existsSync(path.join(ROOT, 'kernel-bridge', 'dist', 'matrix', 'case-worker.js')) || fs.statSync(info).mtimeMs < newestMtime(path.join(ROOT, 'kernel-bridge', 'src'));
  if (!stale()) return;
  withLock('tsc', () => {
    if (!stale()) return;
    // tsc emits even when an unrelated module has a type error; dist/ is what matters here.
    spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'kernel-bridge'], { cwd: ROOT, stdio: 'ignore' });
  });
}

/** Builds native/build-fault (ABW_FAULT_OPS=ON) unless it is there already (~1–2 min). */
export function ensureFaultBuild(): string {
  const addon = path.join(FAULT_BUILD, 'abw_native.node');
  if (fs.existsSync(addon)) return FAULT_BUILD;
  withLock('build-fault', () => {
    if (fs.existsSync(addon)) return;
    execFileSync('npx', ['cmake-js', 'compile', '--out', 'build-fault', '--CDABW_FAULT_OPS=ON'], {
      cwd: path.join(ROOT, 'native'),
      stdio: 'ignore',
      timeout: 900_000,
    });
  });
  return FAULT_BUILD;
}

export function tmpdir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `abw-${prefix}-`));
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

/** Runs bin/abw.js to completion. */
export function abwSync(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): CliResult {
  const r = spawnSync(process.execPath, [ABW_BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, signal: r.signal, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/** Starts bin/abw.js; `done` resolves at exit with its output. */
export function abwStart(args: readonly string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [ABW_BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { child, done };
}

export async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Complete lines of a file (0 when it does not exist). */
export function lineCount(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

/** Files under `dir` (recursive), relative. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

/** A small matrix file (cheap cases) written to `dir`. */
export function writeMatrix(dir: string, body: object, name = 'matrix.json'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(body, null, 1));
  return file;
}

/** Cheap measurement settings for test matrices. */
export const FAST_MEASURE = { budgetMs: 20, warmupMs: 1, minSamples: 3, sampleMs: 0.2 };
