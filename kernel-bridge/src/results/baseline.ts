/**
 * Baselines: `<resultsDir>/baselines/<machine>.json` is a copy of one run file of that machine
 * (same schema, run info included), so a baseline is read, validated and compared like any run.
 * Pinning re-validates the run and writes the copy atomically.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AbwError } from '../errors';
import { checkPathName } from './paths';
import { readRunFile, type ReadRunOptions } from './read-run';
import type { RunFile } from './record';
import { writeRunFileAtomic } from './write-run';

export function baselinesDir(resultsDir: string): string {
  return path.join(resultsDir, 'baselines');
}

export function baselinePath(resultsDir: string, machine: string): string {
  return path.join(baselinesDir(resultsDir), `${checkPathName('machine', machine)}.json`);
}

export interface SetBaselineResult {
  readonly path: string;
  readonly run: RunFile;
  /** Run id of the baseline this one replaced. */
  readonly previous?: string;
}

/** Pins the run in `runFile` as the baseline of its machine. */
export async function setBaseline(resultsDir: string, runFile: string, options: ReadRunOptions = {}): Promise<SetBaselineResult> {
  const run = readRunFile(runFile, options);
  const target = baselinePath(resultsDir, run.run.machine.key);
  let previous: string | undefined;
  if (fs.existsSync(target)) {
    try {
      previous = readRunFile(target, options).run.id;
    } catch {
      previous = '(unreadable)';
    }
  }
  await writeRunFileAtomic(target, run);
  return { path: target, run, ...(previous !== undefined ? { previous } : {}) };
}

/** The baseline of `machine`, or an error that says how to pin one. */
export function readBaseline(resultsDir: string, machine: string, options: ReadRunOptions = {}): RunFile {
  const file = baselinePath(resultsDir, machine);
  if (!fs.existsSync(file)) {
    let known: string[] = [];
    try {
      known = fs
        .readdirSync(baselinesDir(resultsDir))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5));
    } catch {
      // no baselines folder
    }
    throw new AbwError(
      'ABW_EIO',
      `baseline: no baseline for machine ${machine} (${file}); pin one with \`abw baseline set RUN\`${known.length ? `; baselines exist for: ${known.join(', ')}` : ''}`,
      'baseline',
    );
  }
  return readRunFile(file, options);
}

export interface RunSummary {
  readonly machine: string;
  readonly runId: string;
  readonly createdAt: string;
  readonly matrix: string;
  readonly backends: readonly string[];
  readonly records: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly precision: { readonly pass: number; readonly fail: number };
  readonly interrupted: boolean;
  readonly gitCommit?: string;
}

export function summarizeRun(run: RunFile): RunSummary {
  const byStatus: Record<string, number> = {};
  let pass = 0;
  let fail = 0;
  for (const r of run.records) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.precision?.verdict === 'pass') pass++;
    else if (r.precision?.verdict === 'fail') fail++;
  }
  return {
    machine: run.run.machine.key,
    runId: run.run.id,
    createdAt: run.run.createdAt,
    matrix: run.run.matrix.name,
    backends: run.run.backends,
    records: run.records.length,
    byStatus,
    precision: { pass, fail },
    interrupted: run.run.options.interrupted === true,
    ...(run.run.machine.gitCommit ? { gitCommit: run.run.machine.gitCommit } : {}),
  };
}
