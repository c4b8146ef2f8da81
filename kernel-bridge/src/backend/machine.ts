/**
 * What machine a run happened on (results/record.ts MachineInfo). Everything is best-effort
 * and time-limited: a missing tool (nvidia-smi, git) leaves a field out, never fails a run.
 * The `key` names the machine in results/runs/<key>/ and baselines/<key>.json: readable,
 * stable across reboots, free of host names.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { MachineInfo } from '../results/record';
import { addon } from '../backends/native/addon';

const TOOL_TIMEOUT_MS = 3000;

function run(cmd: string, args: string[], cwd?: string): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd, timeout: TOOL_TIMEOUT_MS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Physical cores from /proc/cpuinfo (distinct physical id × core id), else logical. */
export function physicalCores(cpuinfo?: string): number {
  const logical = os.cpus().length || 1;
  let text = cpuinfo;
  if (text === undefined) {
    if (process.platform !== 'linux') return logical;
    try {
      text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return logical;
    }
  }
  const cores = new Set<string>();
  let phys = '0';
  for (const line of text.split('\n')) {
    const m = /^(physical id|core id)\s*:\s*(\S+)/.exec(line);
    if (!m) continue;
    if (m[1] === 'physical id') phys = m[2] ?? '0';
    else cores.add(`${phys}:${m[2]}`);
  }
  return cores.size > 0 ? cores.size : logical;
}

export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/\((r|tm|c)\)/g, ' ')
    .replace(/\b(cpu|processor|\d+-core)\b/g, ' ')
    .replace(/@.*$/, ' ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
}

/** `linux-x64-amd-epyc-2c-24g`: platform, arch, CPU model, logical cores, memory GiB. */
export function machineKey(platform: string, arch: string, cpuModel: string, logicalCores: number, memoryBytes: number): string {
  const gib = Math.max(1, Math.round(memoryBytes / 2 ** 30));
  return [platform, arch, slug(cpuModel) || 'cpu', `${logicalCores}c`, `${gib}g`].join('-');
}

function gpus(): MachineInfo['gpus'] {
  const out = run('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader,nounits']);
  if (!out) return [];
  return out
    .split('\n')
    .map((l) => l.split(',').map((s) => s.trim()))
    .filter((f) => f[0])
    .map(([name, driver, mem]) => {
      const mib = Number(mem);
      return { name: name ?? 'GPU', ...(driver ? { driver } : {}), ...(Number.isFinite(mib) && mib > 0 ? { memoryBytes: mib * 2 ** 20 } : {}) };
    });
}

function abwVersion(): string {
  for (const p of [path.join(__dirname, '..', '..', 'package.json')]) {
    try {
      const v = (JSON.parse(fs.readFileSync(p, 'utf8')) as { version?: unknown }).version;
      if (typeof v === 'string') return v;
    } catch {
      // fall through
    }
  }
  return 'unknown';
}

let cached: MachineInfo | undefined;

/** Information about this machine (computed once per process). */
export function machineInfo(): MachineInfo {
  if (cached) return cached;
  const cpus = os.cpus();
  const model = (cpus[0]?.model ?? 'unknown cpu').trim().replace(/\s+/g, ' ');
  const logical = cpus.length || 1;
  const memoryBytes = os.totalmem();
  let compiler = 'unknown (native addon not loaded)';
  const libraries: Record<string, string> = {};
  try {
    const b = addon().buildInfo();
    compiler = b.compiler;
    libraries.blas = b.blas;
    libraries.fft = b.fft;
    // Which FFTW planner ran (ABW_FFTW_PLANNER): timed plans make large cpu FFTs much faster (decision 37), so
    // two records of one machine compare only with the same planner.
    if (b.fftPlanner) libraries.fftPlanner = b.fftPlanner;
    libraries.simd = b.simd;
    libraries.build = b.buildType;
    libraries.threads = String(addon().getThreads());
  } catch {
    // the native addon is optional for machine info
  }
  const gitCommit = run('git', ['rev-parse', 'HEAD'], path.join(__dirname, '..', '..'));
  const gpuList = gpus();
  cached = {
    key: machineKey(process.platform, process.arch, model, logical, memoryBytes),
    os: { platform: process.platform, release: os.release(), arch: process.arch },
    cpu: { model, cores: physicalCores(), logicalCores: logical },
    memoryBytes,
    node: process.version,
    compiler,
    libraries,
    gpus: gpuList,
    ...(gitCommit && /^[0-9a-f]{7,40}$/.test(gitCommit) ? { gitCommit } : {}),
    abwVersion: abwVersion(),
  };
  return cached;
}
