/**
 * `abw baseline set RUN | show [--machine M] | list`: pin a run as its machine's baseline
 * (results/baselines/<machine>.json, a validated copy of the run file), show it, or list them.
 */
import * as fs from 'node:fs';
import { baselinesDir, readBaseline, setBaseline, summarizeRun } from '../results/baseline';
import { flagsHelp, parseFlags, stringFlag, UsageError, type Flags } from './args';
import type { Io } from './io';
import { resultsDirFlag, runArgument, termSafe, thisMachine } from './results-args';

export const BASELINE_FLAGS: Flags = {
  machine: { type: 'string', value: 'M', doc: 'machine key (default: this machine; for set, where `latest` looks)' },
  out: { type: 'string', value: 'DIR', doc: 'results directory (default: results/ of this checkout)' },
  json: { type: 'boolean', doc: 'print as JSON' },
  help: { type: 'boolean', short: 'h', doc: 'show this help' },
};

export const BASELINE_HELP = `usage: abw baseline set RUN [--machine M] [--out DIR]
       abw baseline show [--machine M] [--json]
       abw baseline list [--json]

RUN is a run file path, a run id, or \`latest\` (the newest run of --machine, default this
machine). \`set\` copies the run, validated, to DIR/baselines/<its machine>.json; \`abw compare\`
and \`abw report\` compare against it.

${flagsHelp(BASELINE_FLAGS)}`;

function statusLine(byStatus: Readonly<Record<string, number>>): string {
  return Object.entries(byStatus)
    .map(([k, v]) => `${v} ${termSafe(k, 16)}`)
    .join(', ');
}

export async function baselineCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('baseline', argv, BASELINE_FLAGS, { maxPositionals: 2 });
  if (values.help || positionals.length === 0) {
    io.out(`${BASELINE_HELP}\n`);
    return values.help ? 0 : 2;
  }
  const resultsDir = resultsDirFlag(values.out);
  const machine = stringFlag(values.machine);
  const [verb, arg] = positionals;
  if (verb === 'set') {
    if (arg === undefined) throw new UsageError('abw baseline set: give RUN (a run file, a run id, or latest)');
    const file = runArgument(arg, resultsDir, machine);
    const res = await setBaseline(resultsDir, file);
    const s = summarizeRun(res.run);
    if (values.json) {
      io.out(`${JSON.stringify({ path: res.path, previous: res.previous ?? null, baseline: s }, null, 2)}\n`);
      return 0;
    }
    io.out(`baseline of ${s.machine}: run ${s.runId} (${s.matrix}, ${s.records} cases: ${statusLine(s.byStatus)})\n`);
    if (res.previous) io.out(`replaces run ${termSafe(res.previous)}\n`);
    if (s.interrupted) io.err('abw baseline: note: this run was interrupted; cases it did not run will show as new in comparisons\n');
    io.out(`written: ${res.path}\n`);
    return 0;
  }
  if (arg !== undefined) throw new UsageError(`abw baseline ${verb}: unexpected argument ${JSON.stringify(arg)}`);
  if (verb === 'show') {
    const m = machine ?? thisMachine();
    const s = summarizeRun(readBaseline(resultsDir, m));
    if (values.json) {
      io.out(`${JSON.stringify(s, null, 2)}\n`);
      return 0;
    }
    io.out(
      [
        `machine    ${s.machine}`,
        `run        ${s.runId}${s.interrupted ? ' (interrupted)' : ''}`,
        `created    ${termSafe(s.createdAt)}`,
        `matrix     ${termSafe(s.matrix)}`,
        `backends   ${termSafe(s.backends.join(', '))}`,
        `cases      ${s.records}: ${statusLine(s.byStatus)}`,
        `precision  ${s.precision.pass} pass, ${s.precision.fail} fail`,
        ...(s.gitCommit ? [`commit     ${termSafe(s.gitCommit)}`] : []),
      ].join('\n') + '\n',
    );
    return 0;
  }
  if (verb === 'list') {
    let names: string[] = [];
    try {
      names = fs
        .readdirSync(baselinesDir(resultsDir))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5))
        .sort();
    } catch {
      // none yet
    }
    const rows = names.map((n) => {
      try {
        const s = summarizeRun(readBaseline(resultsDir, n));
        return { machine: n, runId: s.runId, createdAt: s.createdAt, matrix: s.matrix, records: s.records };
      } catch (e) {
        return { machine: n, error: (e as Error).message };
      }
    });
    if (values.json) io.out(`${JSON.stringify(rows, null, 2)}\n`);
    else if (rows.length === 0) io.out(`no baselines in ${baselinesDir(resultsDir)}\n`);
    else for (const r of rows) io.out('error' in r ? `${r.machine}  unreadable: ${termSafe(r.error ?? '', 200)}\n` : `${r.machine}  ${r.runId}  ${termSafe(r.matrix)}  ${r.records} cases\n`);
    return 0;
  }
  throw new UsageError(`abw baseline: unknown subcommand ${JSON.stringify(verb)}; use set, show or list`);
}
