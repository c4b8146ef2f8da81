/**
 * "Export report": the same self-contained HTML document as `abw report`, built in the browser
 * by the same pure renderer (kernel-bridge/src/report/html-document.ts) from the same inputs:
 * the run and its baseline with their machines' ceilings applied, the comparison, and the newest
 * run of every other machine. plotly.js is inlined from the extension's own copy, loaded as text
 * on first export (a separate chunk).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Contents } from '@jupyterlab/services';
import { applyCeilings, type MachineFile } from '../../kernel-bridge/src/results/ceilings';
import { compareRuns, type Comparison } from '../../kernel-bridge/src/results/compare';
import type { RunFile } from '../../kernel-bridge/src/results/record';
import type { ReportInput } from '../../kernel-bridge/src/report/figures';
import { renderReportDocument } from '../../kernel-bridge/src/report/html-document';
import { latestOtherMachines, type StoredFile } from './results-store';

/**
 * SHA-256 as base64 for the report's CSP hashes. A pure implementation (@noble/hashes) rather
 * than crypto.subtle: subtle is async and missing on plain-http origins other than localhost.
 */
export function sha256Base64(text: string): string {
  const digest = sha256(new TextEncoder().encode(text));
  let bin = '';
  for (const b of digest) bin += String.fromCharCode(b);
  return btoa(bin);
}

export interface ExportSources {
  readonly run: RunFile;
  readonly baseline?: RunFile;
  /**
   * The comparison already computed (by the dashboard's worker) of the same two runs. Ceilings
   * only add derived percentages, which compareRuns does not read, so it equals the comparison
   * of the runs with ceilings applied that `abw report` computes.
   */
  readonly comparison?: Comparison;
  readonly ceilings?: MachineFile;
  readonly baselineCeilings?: MachineFile;
  readonly others: readonly RunFile[];
  readonly noBaselineReason?: string;
  readonly now?: Date;
}

/** The report's input, assembled as `abw report` does (report/build-report.ts gatherReport). */
export function reportInput(s: ExportSources): ReportInput {
  const run = applyCeilings(s.run, s.ceilings);
  const baseline = s.baseline ? applyCeilings(s.baseline, s.baselineCeilings) : undefined;
  return {
    run,
    ...(baseline ? { baseline, comparison: s.comparison ?? compareRuns(baseline, run) } : {}),
    ...(s.ceilings ? { ceilings: s.ceilings } : {}),
    others: s.others,
    generatedAt: (s.now ?? new Date()).toISOString(),
    ...(s.noBaselineReason ? { noBaselineReason: s.noBaselineReason } : {}),
  };
}

export async function renderReportHtml(input: ReportInput): Promise<string> {
  const { default: plotlySource } = await import(/* webpackChunkName: "plotly-source" */ 'plotly.js-dist-min/plotly.min.js?raw');
  return renderReportDocument(input, plotlySource, sha256Base64);
}

/** Where the report goes: beside the run file, `.json` → `.html` (the default of `abw report`). */
export function reportPathFor(runPath: string): string {
  return runPath.endsWith('.json') ? `${runPath.slice(0, -5)}.html` : `${runPath}.html`;
}

/** The newest run of every machine other than the run's and the baseline's. */
export function othersFor(contents: Contents.IManager, files: readonly StoredFile[], run: RunFile, baseline?: RunFile): Promise<RunFile[]> {
  return latestOtherMachines(contents, files, [run.run.machine.key, ...(baseline ? [baseline.run.machine.key] : [])]);
}

/** Writes the report through the contents API; returns its path and size in bytes. */
export async function saveReport(contents: Contents.IManager, path: string, html: string): Promise<{ path: string; bytes: number }> {
  await contents.save(path, { type: 'file', format: 'text', content: html });
  return { path, bytes: new TextEncoder().encode(html).length };
}
