/**
 * Gathers what a report shows (I/O): the run, its baseline (given, or the pinned one of the
 * run's machine), the comparison, the machine's ceilings and the newest run of every other
 * machine in the store; then renders and writes the HTML atomically.
 */
import * as path from 'node:path';
import { AbwError } from '../errors';
import { baselinePath, readBaseline } from '../results/baseline';
import { applyCeilings, readCeilings } from '../results/ceilings';
import { compareRuns, type CompareOptions } from '../results/compare';
import { readRunFile } from '../results/read-run';
import type { RunFile } from '../results/record';
import { latestPerMachine } from '../results/store';
import { writeFileAtomicSync } from '../results/write-run';
import type { ReportInput } from './figures';
import { renderReport } from './html';
import { plotlySource } from './plotly-source';

export interface BaselineChoice {
  /** A run file to compare with. */
  readonly file?: string;
  /** Use the pinned baseline of this machine (default: the run's machine). */
  readonly machine?: string;
  /** No comparison. */
  readonly none?: boolean;
}

export interface GatherOptions {
  readonly resultsDir: string;
  readonly baseline?: BaselineChoice;
  readonly compare?: CompareOptions;
  /** Include the newest run of other machines (cross-machine plot), default true. */
  readonly otherMachines?: boolean;
  readonly now?: Date;
}

/** The baseline a comparison uses, or why there is none (explicit choices that fail throw). */
export function chooseBaseline(run: RunFile, resultsDir: string, choice: BaselineChoice = {}): { baseline?: RunFile; reason?: string } {
  if (choice.none) return { reason: 'no comparison (--no-baseline)' };
  if (choice.file) return { baseline: readRunFile(path.resolve(choice.file)) };
  const machine = choice.machine ?? run.run.machine.key;
  if (choice.machine === undefined) {
    try {
      return { baseline: readBaseline(resultsDir, machine) };
    } catch (e) {
      if ((e as AbwError).code === 'ABW_EIO' && /no baseline/.test((e as Error).message)) {
        return { reason: `no baseline for machine ${machine} (${baselinePath(resultsDir, machine)}): pin one with \`abw baseline set RUN\`` };
      }
      throw e;
    }
  }
  return { baseline: readBaseline(resultsDir, machine) };
}

export function gatherReport(runFile: string, o: GatherOptions): ReportInput {
  const raw = readRunFile(runFile);
  const ceilings = readCeilings(o.resultsDir, raw.run.machine.key);
  const run = applyCeilings(raw, ceilings);
  const { baseline: rawBase, reason } = chooseBaseline(raw, o.resultsDir, o.baseline);
  const baseline = rawBase ? applyCeilings(rawBase, readCeilings(o.resultsDir, rawBase.run.machine.key)) : undefined;
  const comparison = baseline ? compareRuns(baseline, run, o.compare) : undefined;
  const others: RunFile[] = [];
  if (o.otherMachines !== false) {
    for (const s of latestPerMachine(o.resultsDir)) {
      if (s.machine === raw.run.machine.key || (baseline && s.machine === baseline.run.machine.key)) continue;
      try {
        others.push(readRunFile(s.file));
      } catch {
        // an unreadable run of another machine does not stop the report; compare/load name it
      }
    }
  }
  return {
    run,
    ...(baseline ? { baseline } : {}),
    ...(comparison ? { comparison } : {}),
    ...(ceilings ? { ceilings } : {}),
    others,
    generatedAt: (o.now ?? new Date()).toISOString(),
    ...(reason ? { noBaselineReason: reason } : {}),
  };
}

/** Renders `input` and writes it to `file` (atomically); returns the byte size. */
export function writeReport(file: string, input: ReportInput): number {
  const html = renderReport(input, plotlySource());
  writeFileAtomicSync(path.resolve(file), html);
  return Buffer.byteLength(html, 'utf8');
}
