/**
 * `abw compare RUN [--baseline FILE | --machine M] [--threshold 5%…] [--json] [--fail-on regression]`:
 * the run against a baseline, case by case (results/compare.ts; docs/comparison.md). Exit 0
 * unless a --fail-on condition matched (3), so it can gate CI; 2 for bad arguments or files.
 */
import * as path from 'node:path';
import { readBaseline } from '../results/baseline';
import { applyCeilings, readCeilings } from '../results/ceilings';
import { compareRuns, DEFAULT_ALPHA, gateFailures, type Comparison, type ComparisonRow } from '../results/compare';
import { readRunFile } from '../results/read-run';
import { fmt, fmtNs, fmtPct } from '../plots/units';
import { sortComparisonRows } from '../report/html';
import { flagsHelp, listFlag, parseFlags, stringFlag, UsageError, type Flags } from './args';
import type { Io } from './io';
import { parseFailOn, parseFraction, parseThresholds, resultsDirFlag, runArgument, termSafe, textTable } from './results-args';

export const GATE_FAILED_EXIT = 3;

export const COMPARE_FLAGS: Flags = {
  baseline: { type: 'string', value: 'FILE', doc: 'compare with this run file instead of the pinned baseline' },
  machine: { type: 'string', value: 'M', doc: "use machine M's pinned baseline (default: the run's machine)" },
  threshold: {
    type: 'string',
    multiple: true,
    value: 'T',
    doc: 'relative threshold, default 5%; per op/label/case: op:NAME=10%, label:LABEL=10%, key:KEY=2% (repeat)',
  },
  alpha: { type: 'string', value: 'P', doc: `significance level of the Mann–Whitney U test (default ${DEFAULT_ALPHA})` },
  'fail-on': { type: 'string', multiple: true, value: 'WHAT', doc: 'exit 3 on: regression, ambiguous, missing, precision (repeat or comma-separate)' },
  all: { type: 'boolean', doc: 'list every case, not only the changed ones' },
  json: { type: 'boolean', doc: 'print the comparison as JSON' },
  out: { type: 'string', value: 'DIR', doc: 'results directory (default: results/ of this checkout)' },
  help: { type: 'boolean', short: 'h', doc: 'show this help' },
};

export const COMPARE_HELP = `usage: abw compare [RUN] [--baseline FILE | --machine M] [--threshold 5%…] [--alpha 0.01]
                   [--fail-on regression[,ambiguous,missing,precision]] [--json] [--all]

RUN is a run file path, a run id, or \`latest\` (default: the newest run of this machine).
Joins the run with the baseline by case key. Per case: ratio new/baseline of the median time
with a bootstrap 95% CI and a Mann–Whitney U test on the samples. A regression / improvement
needs both the CI beyond 1 ± threshold and p < alpha; ambiguous when only one holds; same
otherwise; new / missing for cases on one side only. A case whose precision passed and now
fails, or that ran and now errors, is always flagged. See docs/comparison.md.

${flagsHelp(COMPARE_FLAGS)}

exit codes: 0 compared (and no --fail-on condition matched), 2 bad arguments or files,
            3 a --fail-on condition matched`;

function ratioText(r: ComparisonRow): string {
  if (r.ratio === undefined) return '';
  return `${fmt(r.ratio)}× [${fmt(r.ratioLow)}, ${fmt(r.ratioHigh)}]`;
}

function rowCells(r: ComparisonRow): string[] {
  const flags = [...r.flags, ...(r.statusChange ? [r.statusChange] : [])].join(', ');
  return [
    termSafe(r.label, 40),
    termSafe(r.backend, 12),
    r.dtype,
    r.base?.medianNs !== undefined ? fmtNs(r.base.medianNs) : '',
    r.current?.medianNs !== undefined ? fmtNs(r.current.medianNs) : '',
    ratioText(r),
    r.p !== undefined ? fmt(r.p, 2) : '',
    r.verdict === 'regression' ? 'REGRESSION' : r.verdict,
    r.precisionChange === 'n/a' ? '' : `${r.base?.precision ?? '?'}→${r.current?.precision ?? '?'}`,
    flags,
  ];
}

export function comparisonText(c: Comparison, all: boolean): string {
  const rows = sortComparisonRows(c.rows).filter((r) => all || r.verdict !== 'same' || r.regressed || r.flags.length > 0);
  const out: string[] = [];
  out.push(`baseline ${termSafe(c.base.runId)} (${termSafe(c.base.machine)}, ${termSafe(c.base.createdAt)})`);
  out.push(`new      ${termSafe(c.current.runId)} (${termSafe(c.current.machine)}, ${termSafe(c.current.createdAt)})`);
  out.push(`rule: CI of new/baseline beyond 1 ± ${fmtPct(c.threshold.default)} and Mann–Whitney p < ${fmt(c.alpha)}\n`);
  if (rows.length) {
    out.push(
      textTable(['case', 'backend', 'dtype', 'baseline', 'new', 'new/base [95% CI]', 'p', 'verdict', 'precision', 'flags'], rows.map(rowCells), new Set([3, 4, 6])),
    );
    out.push('');
  } else {
    out.push('no changes\n');
  }
  const n = c.counts;
  out.push(
    `${c.rows.length} cases: ${n.regression} regression, ${n.improvement} improvement, ${n.ambiguous} ambiguous, ${n.same} same, ${n.new} new, ${n.missing} missing, ${n.unmeasured} unmeasured; ${c.precisionFlips} precision pass→fail, ${c.broken} broken`,
  );
  if (!all && n.same > 0) out.push(`(${n.same} unchanged cases not listed: --all lists them)`);
  return `${out.join('\n')}\n`;
}

export async function compareCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('compare', argv, COMPARE_FLAGS, { maxPositionals: 1 });
  if (values.help) {
    io.out(`${COMPARE_HELP}\n`);
    return 0;
  }
  const resultsDir = resultsDirFlag(values.out);
  const baselineFile = stringFlag(values.baseline);
  const machine = stringFlag(values.machine);
  if (baselineFile && machine) throw new UsageError('abw compare: give --baseline FILE or --machine M, not both');
  const threshold = parseThresholds('compare', listFlag(values.threshold));
  const alphaArg = stringFlag(values.alpha);
  const alpha = alphaArg !== undefined ? parseFraction('compare', 'alpha', alphaArg) : undefined;
  if (alpha === 0) throw new UsageError('abw compare: --alpha must be above 0');
  const failOn = parseFailOn('compare', listFlag(values['fail-on']));

  const runFile = runArgument(positionals[0], resultsDir, machine);
  const raw = readRunFile(runFile);
  const base0 = baselineFile ? readRunFile(path.resolve(baselineFile)) : readBaseline(resultsDir, machine ?? raw.run.machine.key);
  const run = applyCeilings(raw, readCeilings(resultsDir, raw.run.machine.key));
  const base = applyCeilings(base0, readCeilings(resultsDir, base0.run.machine.key));
  const c = compareRuns(base, run, { threshold, ...(alpha !== undefined ? { alpha } : {}) });
  const failures = gateFailures(c, failOn);

  if (values.json) {
    io.out(`${JSON.stringify({ ...c, gate: { failOn, failed: failures.length > 0, failures: failures.map((r) => r.key) } }, null, 2)}\n`);
  } else {
    for (const w of c.warnings) io.err(`abw compare: warning: ${termSafe(w, 400)}\n`);
    io.out(comparisonText(c, values.all === true));
    if (failOn.length) {
      io.out(
        failures.length
          ? `gate FAILED (--fail-on ${failOn.join(',')}): ${failures.length} case${failures.length === 1 ? '' : 's'}: ${failures
              .slice(0, 10)
              .map((r) => `${termSafe(r.label, 40)} ${r.backend} ${r.dtype}`)
              .join('; ')}${failures.length > 10 ? '; …' : ''}\n`
          : `gate passed (--fail-on ${failOn.join(',')})\n`,
      );
    }
  }
  return failures.length > 0 ? GATE_FAILED_EXIT : 0;
}
