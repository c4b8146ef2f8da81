/**
 * Shared by the notebook suites: the project's .venv (JupyterLab, nbclient, nbconvert: created
 * by scripts/lab-env.sh), a private kernel spec for the tslab kernel (scripts/kernel-install.sh
 * --data-dir), a scratch results directory, and headless execution of a notebook through
 * execute_notebook.py.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const VENV = path.join(ROOT, '.venv');
export const VENV_PYTHON = path.join(VENV, 'bin', 'python');
export const HAVE_VENV = fs.existsSync(VENV_PYTHON);
export const NO_VENV_REASON = `${VENV} is absent (create it with \`bash scripts/lab-env.sh\`)`;
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'notebooks');
export const CHROMIUM = process.env.ABW_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
/** Per-cell limit: the slowest cell (a matrix run) takes about 15 s on the 2-core CI machine. */
export const CELL_TIMEOUT_S = 180;

export interface CellReport {
  readonly index: number;
  readonly status: 'ok' | 'error' | 'timeout';
  readonly reply: 'ok' | 'error' | 'abort' | null;
  readonly expected_error: boolean;
  readonly seconds: number;
  readonly source: string;
  readonly mimes: string[][];
  readonly streams: string[];
  readonly stderr: string;
}

export interface ExecutionReport {
  readonly notebook: string;
  readonly seconds: number;
  readonly cells: CellReport[];
  readonly failure: string | null;
}

export interface Executed {
  readonly report: ExecutionReport;
  readonly notebook: Notebook;
  readonly file: string;
  readonly exitCode: number;
  readonly stderr: string;
}

export interface Output {
  readonly output_type: string;
  readonly data?: Record<string, unknown>;
  readonly name?: string;
  readonly text?: string | string[];
}
export interface Notebook {
  readonly cells: { readonly cell_type: string; readonly source: string | string[]; readonly outputs?: Output[]; readonly metadata?: Record<string, unknown> }[];
  readonly metadata: Record<string, unknown>;
}

/** A kernel spec for this test run only, and the environment that makes Jupyter find it. */
export function installKernel(dir: string): { env: NodeJS.ProcessEnv; spec: { argv: string[]; env?: Record<string, string> } } {
  execFileSync('bash', [path.join(ROOT, 'scripts', 'kernel-install.sh'), '--data-dir', dir], { stdio: 'pipe' });
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernels', 'tslab', 'kernel.json'), 'utf8')) as { argv: string[] };
  return { env: { ...process.env, JUPYTER_PATH: dir, JUPYTER_DATA_DIR: path.join(dir, 'data'), JUPYTER_CONFIG_DIR: path.join(dir, 'config') }, spec };
}

/**
 * A scratch results directory: the committed matrices, machine ceilings, baselines and runs,
 * so that notebooks read real results and write their runs outside the repository.
 */
export function scratchResults(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-nb-results-'));
  for (const sub of ['matrices', 'machines', 'baselines', 'runs']) {
    const from = path.join(ROOT, 'results', sub);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, sub), { recursive: true, filter: (f) => !/\.(html|jsonl|tmp|lock)$/.test(f) });
  }
  return dir;
}

/** Runs a program without blocking the test worker (vitest's RPC times out on long sync calls). */
export async function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(file, [...args], { env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, timeout: 15 * 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? err.message };
  }
}

export async function executeNotebook(file: string, env: NodeJS.ProcessEnv, outDir: string): Promise<Executed> {
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.basename(file, '.ipynb');
  const out = path.join(outDir, `${base}.executed.ipynb`);
  const reportFile = path.join(outDir, `${base}.report.json`);
  fs.rmSync(reportFile, { force: true });
  const r = await run(VENV_PYTHON, [path.join(__dirname, 'execute_notebook.py'), file, out, reportFile, '--cell-timeout', String(CELL_TIMEOUT_S)], env);
  if (!fs.existsSync(reportFile)) throw new Error(`execute_notebook.py wrote no report for ${file} (exit ${r.code}): ${r.stderr}`);
  return {
    report: JSON.parse(fs.readFileSync(reportFile, 'utf8')) as ExecutionReport,
    notebook: JSON.parse(fs.readFileSync(out, 'utf8')) as Notebook,
    file: out,
    exitCode: r.code,
    stderr: r.stderr,
  };
}

/** Every display output's data of a notebook, with the index of its cell. */
export function displayOutputs(nb: Notebook): { cell: number; data: Record<string, unknown> }[] {
  return nb.cells.flatMap((c, cell) =>
    (c.outputs ?? []).filter((o) => (o.output_type === 'display_data' || o.output_type === 'execute_result') && o.data).map((o) => ({ cell, data: o.data as Record<string, unknown> })),
  );
}

export function textOf(v: unknown): string {
  return Array.isArray(v) ? v.join('') : String(v ?? '');
}
