/**
 * `abw report RUN [--baseline FILE | --machine M | --no-baseline] --html FILE`: one
 * self-contained HTML file with the summary, the comparison and every plot (docs/report.md).
 */
import * as path from 'node:path';
import { fmtBytes } from '../plots/units';
import { gatherReport, writeReport } from '../report/build-report';
import { flagsHelp, listFlag, parseFlags, stringFlag, UsageError, type Flags } from './args';
import type { Io } from './io';
import { parseThresholds, resultsDirFlag, runArgument } from './results-args';

export const REPORT_FLAGS: Flags = {
  html: { type: 'string', value: 'FILE', doc: 'where to write the report (default: <run file>.html beside the run)' },
  baseline: { type: 'string', value: 'FILE', doc: 'compare with this run file instead of the pinned baseline' },
  machine: { type: 'string', value: 'M', doc: "use machine M's pinned baseline (default: the run's machine, when it has one)" },
  'no-baseline': { type: 'boolean', doc: 'no comparison' },
  threshold: { type: 'string', multiple: true, value: 'T', doc: 'comparison threshold(s), as for abw compare (default 5%)' },
  out: { type: 'string', value: 'DIR', doc: 'results directory (default: results/ of this checkout)' },
  help: { type: 'boolean', short: 'h', doc: 'show this help' },
};

export const REPORT_HELP = `usage: abw report [RUN] [--baseline FILE | --machine M | --no-baseline] [--html FILE]

RUN is a run file path, a run id, or \`latest\` (default: the newest run of this machine).
Writes one HTML file (plotly.js inlined; opens offline) with the run summary, the comparison
with the baseline, and the plots: latency vs baseline, ratio forest, precision heatmap, size
and stream-count scaling, roofline with the measured ceilings, RTF, the same cases across the
machines in DIR/runs. See docs/report.md.

${flagsHelp(REPORT_FLAGS)}`;

/** Default report path: the run file with .html for .json. */
export function defaultReportPath(runFile: string): string {
  return runFile.endsWith('.json') ? `${runFile.slice(0, -5)}.html` : `${runFile}.html`;
}

export async function reportCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('report', argv, REPORT_FLAGS, { maxPositionals: 1 });
  if (values.help) {
    io.out(`${REPORT_HELP}\n`);
    return 0;
  }
  const resultsDir = resultsDirFlag(values.out);
  const baselineFile = stringFlag(values.baseline);
  const machine = stringFlag(values.machine);
  const none = values['no-baseline'] === true;
  if ([baselineFile !== undefined, machine !== undefined, none].filter(Boolean).length > 1) {
    throw new UsageError('abw report: give at most one of --baseline FILE, --machine M, --no-baseline');
  }
  const threshold = parseThresholds('report', listFlag(values.threshold));
  const runFile = runArgument(positionals[0], resultsDir, machine);
  const input = gatherReport(runFile, {
    resultsDir,
    baseline: { ...(baselineFile ? { file: baselineFile } : {}), ...(machine ? { machine } : {}), ...(none ? { none } : {}) },
    compare: { threshold },
  });
  const file = path.resolve(stringFlag(values.html) ?? defaultReportPath(runFile));
  const bytes = writeReport(file, input);
  if (input.noBaselineReason && !none) io.err(`abw report: ${input.noBaselineReason}\n`);
  const c = input.comparison;
  if (c) io.out(`compared with baseline ${c.base.runId}: ${c.counts.regression} regression, ${c.counts.improvement} improvement, ${c.counts.ambiguous} ambiguous, ${c.precisionFlips} precision pass→fail\n`);
  io.out(`report: ${file} (${fmtBytes(bytes)})\n`);
  return 0;
}
