/**
 * `abw doctor`: is this machine ready to run the workbench, and if not, what to do. Exit 0 when
 * the essentials are OK (Node, the native addon, a writable results dir); missing optional
 * libraries (BLAS, FFT) are warnings with the command that fixes them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { listBackends } from '../backend/registry';
import { machineInfo } from '../backend/machine';
import { addon, addonLoadProblem } from '../backends/native/addon';
import { repoResultsDir } from '../matrix/load-matrix';
import { parseFlags, stringFlag, type Flags } from './args';
import type { Io } from './io';
import { applyPythonFlag, PYTHON_FLAG } from './python-flag';

export const DOCTOR_FLAGS: Flags = {
  out: { type: 'string', value: 'DIR', doc: 'results directory to check (default results/ of this checkout)' },
  json: { type: 'boolean', doc: 'print the checks as JSON' },
  python: PYTHON_FLAG,
  help: { type: 'boolean', short: 'h', doc: 'show this help' },
};

export type CheckLevel = 'ok' | 'warn' | 'fail';

export interface Check {
  readonly name: string;
  readonly level: CheckLevel;
  readonly detail: string;
  readonly fix?: string;
  /** Essential checks decide the exit code. */
  readonly essential: boolean;
}

const MIN_NODE_MAJOR = 20;

function libraryFix(what: 'blas' | 'fft'): string {
  if (process.platform === 'darwin') {
    return what === 'blas'
      ? 'macOS: Accelerate is part of the OS; rebuild with `npm run build --workspace @abw/native`'
      : '`brew install fftw pkg-config`, then `npm run build --workspace @abw/native`';
  }
  if (process.platform === 'win32') return 'install OpenBLAS / FFTW via vcpkg, then `npm run build --workspace @abw/native`';
  return '`apt-get install libopenblas-dev libfftw3-dev pkg-config`, then `npm run build --workspace @abw/native`';
}

function writable(dir: string): string | undefined {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.abw-doctor-${process.pid}`);
    fs.writeFileSync(probe, 'ok');
    fs.unlinkSync(probe);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export function runChecks(resultsDir: string): Check[] {
  const checks: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({
    name: 'node',
    level: major >= MIN_NODE_MAJOR ? 'ok' : 'fail',
    detail: `${process.version} (${process.platform}-${process.arch})`,
    ...(major >= MIN_NODE_MAJOR ? {} : { fix: `install Node ${MIN_NODE_MAJOR} or newer` }),
    essential: true,
  });

  const problem = addonLoadProblem();
  if (problem) {
    checks.push({
      name: 'native addon',
      level: 'fail',
      detail: 'not loaded',
      fix: problem.split('\n').slice(1).join('\n') || 'npm run build --workspace @abw/native',
      essential: true,
    });
  } else {
    const b = addon().buildInfo();
    checks.push({ name: 'native addon', level: 'ok', detail: `loaded (${b.buildType}, N-API ${b.napiVersion}, SIMD ${b.simd || 'none'})`, essential: true });
    checks.push({ name: 'compiler', level: 'ok', detail: `${b.compiler}, C++ ${b.cxxStandard}`, essential: false });
    const blasOk = !!b.blas && b.blas !== 'none';
    checks.push({
      name: 'BLAS',
      level: blasOk ? 'ok' : 'warn',
      detail: blasOk ? b.blas : 'missing: cpu matmul/conv use the built-in loops (slow)',
      ...(blasOk ? {} : { fix: libraryFix('blas') }),
      essential: false,
    });
    const fftOk = !!b.fft && b.fft !== 'none';
    const badPlanner = b.fftPlanner === 'invalid';
    checks.push({
      name: 'FFT',
      level: fftOk && !badPlanner ? 'ok' : 'warn',
      detail: !fftOk
        ? 'missing: cpu fft/stft use the built-in transform (slow)'
        : badPlanner
          ? `${b.fft}: ABW_FFTW_PLANNER must be estimate, measure or patient, got '${process.env.ABW_FFTW_PLANNER}' (every cpu transform will fail)`
          : `${b.fft}${b.fftPlanner ? `, ${b.fftPlanner} planner` : ''}`,
      ...(fftOk ? (badPlanner ? { fix: 'unset ABW_FFTW_PLANNER, or set it to estimate, measure or patient' } : {}) : { fix: libraryFix('fft') }),
      essential: false,
    });
    checks.push({ name: 'threads', level: 'ok', detail: `${addon().getThreads()} (logical cores: ${os.cpus().length})`, essential: false });
    if (b.sanitizers) checks.push({ name: 'sanitizers', level: 'warn', detail: `${b.sanitizers}: timings are not representative`, essential: false });
    if (b.buildType !== 'Release') checks.push({ name: 'build type', level: 'warn', detail: `${b.buildType}: timings are not representative`, fix: 'npm run build --workspace @abw/native', essential: false });
  }

  const kernels = new Map<string, number>();
  if (!problem) for (const k of addon().listKernels()) kernels.set(k.backend, (kernels.get(k.backend) ?? 0) + 1);
  for (const b of listBackends()) {
    const n = kernels.get(b.id);
    checks.push({
      name: `backend ${b.id}`,
      level: b.available ? 'ok' : b.id === 'ref' || b.id === 'cpu' ? 'fail' : 'warn',
      detail: b.available ? `available${n !== undefined ? ` (${n} kernels)` : ''}` : `unavailable: ${(b.reason ?? '').split('\n')[0]}`,
      // ref is the oracle of every precision check: without it nothing can be judged.
      essential: b.id === 'ref',
    });
  }

  const werr = writable(path.join(resultsDir, 'runs'));
  checks.push({
    name: 'results dir',
    level: werr ? 'fail' : 'ok',
    detail: werr ? `${resultsDir} is not writable: ${werr}` : `${resultsDir} (writable)`,
    ...(werr ? { fix: 'pass a writable directory with --out DIR' } : {}),
    essential: true,
  });
  try {
    checks.push({ name: 'machine', level: 'ok', detail: machineInfo().key, essential: false });
  } catch (e) {
    checks.push({ name: 'machine', level: 'warn', detail: (e as Error).message, essential: false });
  }
  return checks;
}

export async function doctorCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseFlags('doctor', argv, DOCTOR_FLAGS);
  if (values.help) {
    io.out(`usage: abw doctor [--out DIR] [--json] [--python PATH]\n\nChecks Node, the native addon, BLAS/FFT, backends and the results directory.\n`);
    return 0;
  }
  applyPythonFlag(values.python);
  const dir = path.resolve(stringFlag(values.out) ?? repoResultsDir());
  const checks = runChecks(dir);
  const ok = checks.every((c) => !c.essential || c.level !== 'fail');
  if (values.json) {
    io.out(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  const tag = { ok: ' ok ', warn: 'warn', fail: 'FAIL' } as const;
  const w = Math.max(...checks.map((c) => c.name.length));
  for (const c of checks) {
    io.out(`[${tag[c.level]}] ${c.name.padEnd(w)}  ${c.detail}\n`);
    if (c.fix) io.out(`${' '.repeat(w + 9)}fix: ${c.fix.replace(/\n/g, `\n${' '.repeat(w + 14)}`)}\n`);
  }
  io.out(ok ? '\nessentials OK\n' : '\nessentials missing: see FAIL lines above\n');
  return ok ? 0 : 1;
}
