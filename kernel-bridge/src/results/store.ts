/**
 * The result store on disk (DESIGN.md "results/"):
 *
 *   <resultsDir>/runs/<machine>/<runId>.json   many runs per machine, from many machines
 *   <resultsDir>/baselines/<machine>.json      the pinned reference run of a machine
 *   <resultsDir>/machines/<machine>.json       measured ceilings of a machine (ceilings.ts)
 *
 * A RUN argument is a path to a file, a run id (searched under every machine, or the one
 * given), or `latest` (the newest run of a machine; run ids sort by time).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AbwError } from '../errors';
import { checkPathName, runDir } from './paths';

export interface StoredRun {
  readonly machine: string;
  readonly runId: string;
  readonly file: string;
}

const RUN_FILE = /^([A-Za-z0-9][A-Za-z0-9._-]{0,127})\.json$/;

function dirNames(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

/** Machine keys that have a runs folder, sorted. */
export function listMachines(resultsDir: string): string[] {
  return dirNames(path.join(resultsDir, 'runs'))
    .filter((n) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(n))
    .sort();
}

/** Run files of one machine (or of all), oldest first. Journals and temporary files are left out. */
export function listRuns(resultsDir: string, machine?: string): StoredRun[] {
  const machines = machine !== undefined ? [checkPathName('machine', machine)] : listMachines(resultsDir);
  const out: StoredRun[] = [];
  for (const m of machines) {
    let names: string[];
    try {
      names = fs.readdirSync(runDir(resultsDir, m));
    } catch {
      continue;
    }
    for (const name of names) {
      const match = RUN_FILE.exec(name);
      if (!match || name.endsWith('.journal.json')) continue;
      out.push({ machine: m, runId: match[1] as string, file: path.join(runDir(resultsDir, m), name) });
    }
  }
  // Ids sort by time to the second; runs started within the same second sort by file time.
  const stamp = (r: StoredRun) => /^[0-9T:-]+Z/.exec(r.runId)?.[0] ?? r.runId;
  const mtime = new Map(out.map((r) => [r.file, mtimeMs(r.file)]));
  return out.sort((a, b) => {
    const sa = stamp(a);
    const sb = stamp(b);
    if (sa !== sb) return sa < sb ? -1 : 1;
    const ta = mtime.get(a.file) ?? 0;
    const tb = mtime.get(b.file) ?? 0;
    if (ta !== tb) return ta - tb;
    return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.machine < b.machine ? -1 : 1;
  });
}

function mtimeMs(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** The newest run of each machine (for cross-machine views). */
export function latestPerMachine(resultsDir: string): StoredRun[] {
  const latest = new Map<string, StoredRun>();
  for (const r of listRuns(resultsDir)) latest.set(r.machine, r);
  return [...latest.values()];
}

function looksLikePath(arg: string): boolean {
  return arg.includes('/') || arg.includes(path.sep) || arg.endsWith('.json');
}

export interface ResolveRunOptions {
  readonly resultsDir: string;
  /** Restricts `latest` and run ids to this machine; `latest` needs it. */
  readonly machine?: string;
}

/** The file a RUN argument names: a path, a run id, or `latest`. */
export function resolveRun(arg: string, options: ResolveRunOptions): string {
  const { resultsDir, machine } = options;
  if (looksLikePath(arg)) {
    const file = path.resolve(arg);
    if (!fs.existsSync(file)) throw new AbwError('ABW_EIO', `run: ${file} does not exist`, 'run');
    return file;
  }
  if (arg === 'latest') {
    if (machine === undefined) throw new AbwError('ABW_EINVAL', 'run: `latest` needs a machine', 'machine');
    const runs = listRuns(resultsDir, machine);
    const last = runs[runs.length - 1];
    if (!last) {
      const others = listMachines(resultsDir);
      throw new AbwError(
        'ABW_EIO',
        `run: no runs of machine ${machine} in ${path.join(resultsDir, 'runs')}${others.length ? `; machines with runs: ${others.join(', ')} (--machine)` : '; run `abw run` first'}`,
        'run',
      );
    }
    return last.file;
  }
  checkPathName('run', arg);
  const matches = listRuns(resultsDir, machine).filter((r) => r.runId === arg);
  if (matches.length === 1) return (matches[0] as StoredRun).file;
  if (matches.length > 1) {
    throw new AbwError('ABW_EINVAL', `run: id ${arg} exists for several machines (${matches.map((m) => m.machine).join(', ')}); pass --machine or the file path`, 'run');
  }
  throw new AbwError(
    'ABW_EIO',
    `run: no run ${arg} in ${path.join(resultsDir, 'runs')}${machine ? `/${machine}` : ''}; give a run id, \`latest\`, or the path of a run file`,
    'run',
  );
}
