/**
 * `abw`: the command line. `main(argv)` returns the exit code (bin/abw.js sets it); commands
 * write through an Io so tests can call them in-process.
 */
import { AbwError, isUserError } from '../errors';
import { UsageError } from './args';
import { baselineCommand } from './baseline';
import { calibrateCommand } from './calibrate';
import { compareCommand } from './compare';
import { doctorCommand } from './doctor';
import { execCommand } from './exec';
import { processIo, type Io } from './io';
import { listCommand } from './list';
import { reportCommand } from './report';
import { notebookCommand } from './notebook';
import { MAX_RESULT_BYTES_HELP, takeResultLimit } from './result-limit';
import { runCommand } from './run';

type Command = (argv: readonly string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  run: { run: runCommand, summary: 'run a matrix of op cases on this machine and store the results' },
  exec: { run: execCommand, summary: 'run one op on inputs from a JSON file and print the outputs' },
  list: { run: listCommand, summary: 'list ops, backends or matrices' },
  doctor: { run: doctorCommand, summary: 'check Node, the native addon, BLAS/FFT, backends, results dir' },
  compare: { run: compareCommand, summary: 'compare a run with its baseline: ratio, CI, U test, verdict per case (--fail-on gates CI)' },
  baseline: { run: baselineCommand, summary: 'pin a run as its machine\'s baseline (set), show or list baselines' },
  report: { run: reportCommand, summary: 'write a self-contained HTML report: summary, comparison, every plot' },
  calibrate: { run: calibrateCommand, summary: 'measure this machine\'s ceilings (peak matmul per dtype, copy bandwidth)' },
  notebook: { run: notebookCommand, summary: 'notebook share IN.ipynb: a copy whose workbench outputs carry HTML, text and PNG fallbacks' },
};

function version(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function helpText(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'usage: abw <command> [flags]   (abw <command> --help for its flags)',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`),
    '',
    'exit codes: 0 ok, 1 failure, 2 bad arguments or input, 3 --strict check failed, 130 interrupted',
    `global flag: ${MAX_RESULT_BYTES_HELP}`,
    'docs: docs/cli.md, docs/matrices.md, docs/comparison.md, docs/report.md',
  ].join('\n');
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    const sub = cmd === 'help' ? rest[0] : undefined;
    if (sub && COMMANDS[sub]) return COMMANDS[sub].run(['--help'], io);
    io.out(`${helpText()}\n`);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version' || cmd === '-v' || cmd === 'version') {
    io.out(`abw ${version()}\n`);
    return 0;
  }
  const command = COMMANDS[cmd];
  if (!command) {
    io.err(`abw: unknown command "${cmd}"; commands: ${Object.keys(COMMANDS).join(', ')} (abw help)\n`);
    return 2;
  }
  let restore = (): void => undefined;
  try {
    const limited = takeResultLimit(cmd, rest);
    restore = limited.restore;
    return await command.run(limited.argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    if (isUserError(err)) {
      io.err(`abw ${cmd}: ${err.message}\n`);
      return 2;
    }
    const rawCode = (err as { code?: unknown }).code;
    const code = err instanceof AbwError || typeof rawCode === 'string' ? `${String(rawCode)}: ` : '';
    io.err(`abw ${cmd}: ${code}${err.message}\n`);
    if (process.env.ABW_DEBUG && err.stack) io.err(`${err.stack}\n`);
    return 1;
  } finally {
    restore();
  }
}
