/**
 * Which Python runs the workers, how it is started, and what it can do (capability probe).
 * The Python and its packages are the user's: `ABW_PYTHON` (the CLI's `--python` sets it) or
 * `python3` (`python` on Windows). The worker's own code ships with kernel-bridge (`kernel-bridge/python/abw_worker`)
 * and is put on PYTHONPATH.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { CaseDType } from '../../tensor';

export type WorkerFramework = 'torch' | 'mlx';

export interface WorkerTarget {
  readonly framework: WorkerFramework;
  readonly device: string;
  readonly python: string;
}

/** kernel-bridge/python, from src/ (tests) and from dist/ (the CLI) alike. */
export const WORKER_PYTHON_DIR = path.resolve(__dirname, '../../../python');

/** The Python interpreter the workers use: ABW_PYTHON, else python3 (python on Windows, where python3 is often a Store stub). */
export function workerPython(): string {
  const p = process.env.ABW_PYTHON;
  if (p && p.trim()) return p.trim();
  return process.platform === 'win32' ? 'python' : 'python3';
}

export function workerCommand(target: WorkerTarget, extraEnv?: NodeJS.ProcessEnv): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const inherited = process.env.PYTHONPATH;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extraEnv,
    PYTHONPATH: inherited ? `${WORKER_PYTHON_DIR}${path.delimiter}${inherited}` : WORKER_PYTHON_DIR,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1', // the shipped folder may be read-only
  };
  return { command: target.python, args: ['-m', 'abw_worker', '--framework', target.framework, '--device', target.device], env };
}

export interface DeviceReport {
  readonly available: boolean;
  readonly reason?: string;
  readonly dtypes?: readonly CaseDType[];
  readonly kind?: string;
  readonly name?: string;
}

/** What `python -m abw_worker --probe` reports. */
export interface ProbeReport {
  readonly framework: WorkerFramework;
  readonly importError?: string;
  readonly versions?: Readonly<Record<string, string>>;
  readonly devices?: Readonly<Record<string, DeviceReport>>;
  /** device → op → case dtype → null (runs) or the reason it does not. */
  readonly support?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string | null>>>>>>;
  readonly features?: readonly string[];
}

export type ProbeResult = { readonly ok: true; readonly report: ProbeReport } | { readonly ok: false; readonly reason: string };

const probes = new Map<string, ProbeResult>();
const PROBE_TIMEOUT_MS = 120_000;

/**
 * The capability report of `framework` under `python` (cached per process): one short-lived
 * `python -m abw_worker --probe` run, synchronous because backend probes are.
 */
export function probeFramework(framework: WorkerFramework, python = workerPython()): ProbeResult {
  const key = `${python}\0${framework}`;
  const hit = probes.get(key);
  if (hit) return hit;
  const result = runProbe(framework, python);
  probes.set(key, result);
  return result;
}

/** Forget cached probes (tests that switch ABW_PYTHON). */
export function clearProbeCache(): void {
  probes.clear();
}

function runProbe(framework: WorkerFramework, python: string): ProbeResult {
  if (!fs.existsSync(path.join(WORKER_PYTHON_DIR, 'abw_worker', '__main__.py'))) {
    return { ok: false, reason: `the worker's Python code is missing (${path.join('kernel-bridge', 'python', 'abw_worker')} not shipped)` };
  }
  const { command, env } = workerCommand({ framework, device: 'cpu', python });
  const r = spawnSync(command, ['-m', 'abw_worker', '--framework', framework, '--probe'], { env, encoding: 'utf8', timeout: PROBE_TIMEOUT_MS });
  const hint = `set ABW_PYTHON (or --python) to a Python that has ${framework === 'torch' ? 'PyTorch (pip install torch)' : 'MLX (pip install mlx, or mlx[cpu] on Linux)'}`;
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: `Python not found: '${python}' is not on PATH; ${hint}` };
    if (code === 'ETIMEDOUT') return { ok: false, reason: `probing ${framework} with '${python}' took over ${PROBE_TIMEOUT_MS / 1000} s` };
    return { ok: false, reason: `cannot run '${python}': ${r.error.message}` };
  }
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let report: ProbeReport;
  try {
    report = JSON.parse(line) as ProbeReport;
  } catch {
    const err = (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    return { ok: false, reason: `'${python} -m abw_worker --probe' failed (status ${r.status}): ${err || 'no output'}` };
  }
  if (report.importError) return { ok: false, reason: `'${python}' ${report.importError}; ${hint}` };
  return { ok: true, report };
}

/** Why `framework:device` cannot run here (undefined: it can). */
export function workerProblem(framework: WorkerFramework, device: string): string | undefined {
  const probe = probeFramework(framework);
  if (!probe.ok) return probe.reason;
  const d = probe.report.devices?.[device];
  if (!d) return `${framework} has no device '${device}' (known: ${Object.keys(probe.report.devices ?? {}).join(', ')})`;
  if (!d.available) return d.reason ?? `${framework}:${device} is not available`;
  return undefined;
}
