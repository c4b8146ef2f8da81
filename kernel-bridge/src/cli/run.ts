/**
 * `abw run`: run a matrix on this machine, draw progress, print the summary table and where the
 * run file went. Exit 0 when the run completed (precision failures and per-case errors are
 * results, counted in the summary); 1 when the run itself failed; 2 for bad arguments or a bad
 * matrix; 3 with --strict when a case errored or failed precision; 130 when interrupted.
 */
import * as path from 'node:path';

import { listBackends } from '../backend/registry';
import { loadMatrix, repoResultsDir } from '../matrix/load-matrix';
import { ProgressRenderer } from '../matrix/progress';
import { DEFAULT_SEED, resumeRun, runMatrix, type RunMatrixResult } from '../matrix/runner';
import type { MeasureSettings } from '../matrix/spec';
import { CASE_DTYPES, type CaseDType } from '../tensor';
import { flagsHelp, intFlag, listFlag, parseFlags, stringFlag, UsageError, type Flags } from './args';
import type { Io } from './io';
import { applyPythonFlag, PYTHON_FLAG } from './python-flag';
import { gatherReport, writeReport } from '../report/build-report';
import { defaultReportPath } from './report';
import { countRecords, countsLine, summaryTable } from './summary-table';

export const RUN_FLAGS: Flags = {
  matrix: { type: 'string', value: 'NAME|PATH', doc: 'default, quick (results/matrices/<name>.json) or a .json path (default: default)' },
  backend: { type: 'string', multiple: true, value: 'ID', doc: 'backend(s) to run; repeat or comma-separate (default: every available one but ref)' },
  dtype: { type: 'string', multiple: true, value: 'DT', doc: `only these dtypes (${CASE_DTYPES.join(', ')})` },
  only: { type: 'string', value: 'PATTERN', doc: 'only cases whose label or op matches: substring, or glob with * ?; comma = or' },
  out: { type: 'string', value: 'DIR', doc: 'results directory (default: results/ of this checkout); the run goes to DIR/runs/<machine>/' },
  seed: { type: 'string', value: 'N', doc: `input seed (default ${DEFAULT_SEED})` },
  'budget-ms': { type: 'string', value: 'MS', doc: "override every case's sampling budget, ms" },
  'min-samples': { type: 'string', value: 'N', doc: "override every case's minimum sample count" },
  resume: { type: 'string', value: 'RUN', doc: 'go on with an interrupted run (run id, or its journal / run file); skips finished cases' },
  'case-timeout-ms': { type: 'string', value: 'MS', doc: "every case's timeout (default: estimated per case from its cost and budget, at least 30 s)" },
  'no-isolate': { type: 'boolean', doc: 'run cases in this process, not a child process (debugging; a crash ends the run)' },
  report: { type: 'boolean', doc: 'also write the HTML report beside the run file (<run>.html; compared with the baseline when one is pinned)' },
  strict: { type: 'boolean', doc: 'exit 3 when a case errored or failed precision' },
  python: PYTHON_FLAG,
  quiet: { type: 'boolean', short: 'q', doc: 'no progress output' },
  help: { type: 'boolean', short: 'h', doc: 'show this help' },
};

export const RUN_HELP = `usage: abw run [--matrix default|quick|PATH] [--backend ID…] [--dtype DT…] [--only PATTERN]
               [--out DIR] [--seed N] [--report]
       abw run --resume RUN [--out DIR]

Runs every case of the matrix on each backend in each dtype the op defines; cases a backend
cannot run are recorded as unsupported with the reason. Writes DIR/runs/<machine>/<run>.json.
Each case runs in a child process: a crash, hang or out-of-memory is recorded (crash, timeout,
oom) and the run goes on. Every finished case is in DIR/runs/<machine>/<run>.journal.jsonl at
once; an interrupted run goes on with --resume (docs/reliability.md).

${flagsHelp(RUN_FLAGS)}

exit codes: 0 run completed (precision failures are counted, not fatal), 1 the run failed,
            2 bad arguments or matrix, 3 --strict and a case errored or failed, 130 interrupted`;

function parseDTypes(v: unknown): CaseDType[] | undefined {
  const list = listFlag(v);
  if (!list) return undefined;
  for (const d of list) {
    if (!(CASE_DTYPES as readonly string[]).includes(d)) throw new UsageError(`abw run: --dtype must be one of ${CASE_DTYPES.join(', ')}, got "${d}"`);
  }
  return list as CaseDType[];
}

function chooseBackends(requested: string[] | undefined, io: Io): string[] {
  const all = listBackends({ includeTestOnly: requested !== undefined });
  if (requested) {
    for (const id of requested) {
      const b = all.find((x) => x.id === id);
      if (!b) throw new UsageError(`abw run: unknown backend "${id}"; known: ${all.map((x) => x.id).join(', ')}`);
      if (!b.available) io.err(`abw run: backend ${id} is unavailable here (${(b.reason ?? '').split('\n')[0]}); its cases are recorded as unsupported\n`);
    }
    return [...new Set(requested)];
  }
  const ids = all.filter((b) => b.available && b.id !== 'ref' && !b.testOnly).map((b) => b.id);
  if (ids.length === 0) {
    throw new UsageError(`abw run: no backend is available here (${all.map((b) => `${b.id}: ${(b.reason ?? '').split('\n')[0]}`).join('; ')}); see \`abw doctor\``);
  }
  return ids;
}

export async function runCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseFlags('run', argv, RUN_FLAGS);
  if (values.help) {
    io.out(`${RUN_HELP}\n`);
    return 0;
  }
  const resume = stringFlag(values.resume);
  if (resume !== undefined) {
    const clash = ['matrix', 'backend', 'dtype', 'only', 'seed', 'budget-ms', 'min-samples'].filter((k) => values[k] !== undefined);
    if (clash.length) {
      throw new UsageError(`abw run: --resume goes on with the run's own settings; leave out ${clash.map((k) => `--${k}`).join(', ')}`);
    }
  }
  applyPythonFlag(values.python);
  const caseTimeoutMs = intFlag('run', 'case-timeout-ms', values['case-timeout-ms'], 1, 86_400_000);
  const isolate = values['no-isolate'] ? false : undefined;
  const seed = intFlag('run', 'seed', values.seed, 0, 2 ** 32 - 1);
  const budgetMs = intFlag('run', 'budget-ms', values['budget-ms'], 1, 3_600_000);
  const minSamples = intFlag('run', 'min-samples', values['min-samples'], 2, 1_000_000);
  const dtypes = parseDTypes(values.dtype);
  const only = stringFlag(values.only);
  const outDir = path.resolve(stringFlag(values.out) ?? repoResultsDir());
  const matrix = resume === undefined ? loadMatrix(stringFlag(values.matrix) ?? 'default') : undefined;
  const backends = matrix ? chooseBackends(listFlag(values.backend), io) : [];
  const measure: MeasureSettings = {
    ...(budgetMs !== undefined ? { budgetMs } : {}),
    ...(minSamples !== undefined ? { minSamples } : {}),
  };

  const renderer = values.quiet ? undefined : new ProgressRenderer(io.progress);
  const abort = new AbortController();
  let sigints = 0;
  const onSigint = () => {
    sigints++;
    if (sigints > 1) process.exit(130);
    renderer?.clear();
    io.err('\nabw run: interrupted; finishing the current case and writing what was measured (Ctrl-C again to quit now)\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  let result: RunMatrixResult;
  const exec = {
    ...(renderer ? { onProgress: renderer.handle } : {}),
    signal: abort.signal,
    ...(isolate !== undefined ? { isolate } : {}),
    ...(caseTimeoutMs !== undefined ? { caseTimeoutMs } : {}),
  };
  try {
    result = matrix
      ? await runMatrix({
          matrix,
          backends,
          ...(dtypes ? { dtypes } : {}),
          ...(only ? { only } : {}),
          outDir,
          ...(seed !== undefined ? { seed } : {}),
          ...(Object.keys(measure).length ? { measure } : {}),
          ...exec,
        })
      : await resumeRun({ run: resume!, outDir, ...exec });
  } finally {
    process.off('SIGINT', onSigint);
    renderer?.clear();
  }

  const records = result.run.records;
  const counts = countRecords(records);
  io.out(`\n${summaryTable(records)}\n\n`);
  io.out(`matrix ${result.run.run.matrix.name} on ${result.run.run.machine.key} with ${result.run.run.backends.join(', ')}\n`);
  if (result.resumed !== undefined) io.out(`resumed run ${result.run.run.id}: ${result.resumed} case${result.resumed === 1 ? '' : 's'} from the journal, ${result.executed} run now\n`);
  io.out(`${countsLine(counts)}\n`);
  if (counts.precisionFail > 0) io.out(`${counts.precisionFail} case${counts.precisionFail === 1 ? '' : 's'} failed the precision check (see the precision column)\n`);
  io.out(`results: ${result.path}\n`);
  if (values.report) {
    const reportFile = defaultReportPath(result.path);
    writeReport(reportFile, gatherReport(result.path, { resultsDir: outDir }));
    io.out(`report: ${reportFile}\n`);
  }
  if (result.interrupted) {
    io.out(`interrupted: go on with \`abw run --resume ${result.run.run.id}${stringFlag(values.out) ? ` --out ${outDir}` : ''}\`\n`);
    return 130;
  }
  const broken = ['error', 'timeout', 'oom', 'crash'].reduce((s, k) => s + (counts.byStatus[k] ?? 0), 0);
  if (values.strict && (broken > 0 || counts.precisionFail > 0)) return 3;
  return 0;
}
