/**
 * Orchestrates a matrix run: expand, execute each case (in a child process per backend by
 * default: isolated-executor.ts; in-process with `isolate: false`), append each record to the
 * run's journal (fsync'd) before the next case starts, and at the end write the run file
 * atomically and remove the journal. An interrupted run (Ctrl-C, kill -9, power loss) keeps
 * its journal; `resumeRun` skips the cases it holds and writes the same run file a clean run
 * would (same id, records in matrix order). The runner never draws: progress goes out as events.
 * See docs/reliability.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { getBackend } from '../backend/registry';
import type { ComputeBackend } from '../backend/types';
import { machineInfo } from '../backend/machine';
import { AbwError } from '../errors';
import { Journal, readJournal, type JournalHeader } from '../results/journal';
import { journalPath as journalPathFor, lockPath, newRunId, runFilePath } from '../results/paths';
import { readRunFile } from '../results/read-run';
import { RUN_SCHEMA_ID, RUN_SCHEMA_VERSION, type MachineInfo, type ResultRecord, type RunFile, type RunInfo } from '../results/record';
import { RunLock } from '../results/run-lock';
import { writeRunFileAtomic } from '../results/write-run';
import type { CaseDType } from '../tensor';
import { expandMatrix, type Case } from './expand';
import { executeCase, OracleCache, type ExecContext } from './executor';
import { IsolatedExecutor, type IsolationOptions } from './isolated-executor';
import { EtaEstimator, type ProgressEvent } from './progress';
import { parseMatrixSpec, type MatrixSpec, type MeasureSettings } from './spec';

export const DEFAULT_SEED = 1;

/** How cases are executed; shared by fresh and resumed runs. */
export interface ExecutionOptions {
  readonly onProgress?: (ev: ProgressEvent) => void;
  /** Stops after the current case; the records so far are written (run.options.interrupted) and the journal is kept for --resume. */
  readonly signal?: AbortSignal;
  /** Backend lookup (tests inject fakes, which forces in-process execution); default: the registry. */
  readonly backend?: (id: string) => ComputeBackend;
  /** Machine info (tests inject a fixed one); default: this machine. */
  readonly machine?: MachineInfo;
  /**
   * Run cases in a child process per backend, so that a crash, hang or OOM becomes a record
   * (default true; false when `backend` is injected). A resumed run defaults to the original's.
   */
  readonly isolate?: boolean;
  /** Overrides every case's timeout (isolated runs), ms. */
  readonly caseTimeoutMs?: number;
  /** Worker process settings (heap limit, environment, leak recycling). */
  readonly isolation?: Omit<IsolationOptions, 'caseTimeoutMs'>;
}

export interface RunMatrixOptions extends ExecutionOptions {
  readonly matrix: MatrixSpec;
  readonly backends: readonly string[];
  readonly dtypes?: readonly CaseDType[];
  readonly only?: string;
  /** The results directory: the run goes to <outDir>/runs/<machine>/<runId>.json. */
  readonly outDir: string;
  readonly seed?: number;
  /** Applied over every case's measure settings. */
  readonly measure?: MeasureSettings;
  /** The run id (tests); default a fresh, unique one. */
  readonly runId?: string;
}

export interface ResumeRunOptions extends ExecutionOptions {
  /** A run id (looked up under <outDir>/runs/*), or the path of its journal or run file. */
  readonly run: string;
  /** The results directory a bare run id is looked up in. */
  readonly outDir: string;
  /** Largest journal / run file read, bytes (default ABW_MAX_RESULT_BYTES or the readers' defaults). */
  readonly maxBytes?: number;
}

export interface RunMatrixResult {
  readonly run: RunFile;
  readonly path: string;
  readonly interrupted: boolean;
  /** Cases taken from the journal of an earlier attempt (resumed runs). */
  readonly resumed?: number;
  /** Cases executed by this call. */
  readonly executed: number;
}

/** What the journal header keeps so that a resumed run can go on without the matrix file. */
interface ResumeInfo {
  readonly matrix: Omit<MatrixSpec, 'source' | 'hash'> & { readonly source: string; readonly hash: string };
  readonly isolate: boolean;
  readonly caseTimeoutMs?: number;
}

/** Identity of a case within one run: key (backend|op|dtype|shapes|params) plus the unique label. */
function identity(r: { key: string; label: string }): string {
  return `${r.label}\u0000${r.key}`;
}

function expandOrThrow(matrix: MatrixSpec, backends: readonly string[], dtypes?: readonly CaseDType[], only?: string): Case[] {
  const cases = expandMatrix(matrix, { backends, ...(dtypes ? { dtypes } : {}), ...(only ? { only } : {}) });
  if (cases.length === 0) {
    throw new AbwError(
      'ABW_EINVAL',
      `the selection is empty: no case of matrix "${matrix.name}" matches${only ? ` --only "${only}"` : ''}${dtypes ? ` with dtypes ${dtypes.join(', ')}` : ''}`,
      only ? 'only' : 'dtypes',
    );
  }
  return cases;
}

export async function runMatrix(opts: RunMatrixOptions): Promise<RunMatrixResult> {
  const cases = expandOrThrow(opts.matrix, opts.backends, opts.dtypes, opts.only);
  const machine = opts.machine ?? machineInfo();
  const seed = opts.seed ?? DEFAULT_SEED;
  const isolate = opts.isolate ?? opts.backend === undefined;
  if (isolate && opts.backend) {
    throw new AbwError('ABW_EINVAL', 'isolate: injected backends (`backend`) run in-process only; pass isolate: false', 'isolate');
  }
  const { name, description, version, defaults, cases: matrixCases, source, hash } = opts.matrix;
  const resume: ResumeInfo = {
    matrix: { name, description, version, defaults, cases: matrixCases, source, hash },
    isolate,
    ...(opts.caseTimeoutMs !== undefined ? { caseTimeoutMs: opts.caseTimeoutMs } : {}),
  };

  // A unique id: the journal is created exclusively, so a clash (two runs in the same second
  // drawing the same suffix) is detected and another id drawn.
  let attempt = 0;
  for (;;) {
    const runId = opts.runId ?? newRunId();
    const info: RunInfo = {
      id: runId,
      createdAt: new Date().toISOString(),
      matrix: { name: opts.matrix.name, hash: opts.matrix.hash },
      machine,
      backends: [...opts.backends],
      options: {
        seed,
        ...(opts.dtypes ? { dtypes: [...opts.dtypes] } : {}),
        ...(opts.only ? { only: opts.only } : {}),
        ...(opts.measure && Object.keys(opts.measure).length ? { measure: opts.measure } : {}),
        matrixSource: opts.matrix.source,
        cases: cases.length,
      },
    };
    const jPath = journalPathFor(opts.outDir, machine.key, runId);
    let lock: RunLock | undefined;
    let journal: Journal;
    try {
      lock = RunLock.acquire(lockPath(opts.outDir, machine.key, runId), `run ${runId}`);
      journal = await Journal.create(jPath, info, resume as unknown as JournalHeader['resume']);
    } catch (e) {
      lock?.release();
      const clash = (e as { exists?: boolean }).exists === true || /is in use by process/.test((e as Error).message);
      if (clash && opts.runId === undefined && ++attempt < 20) continue;
      throw e;
    }
    return execute({
      cases,
      info,
      journal,
      lock: lock!,
      finalPath: runFilePath(opts.outDir, machine.key, runId),
      done: new Map(),
      seed,
      measure: opts.measure,
      isolate,
      exec: opts,
    });
  }
}

/** The journal of `run`: a journal path, a run-file path (its journal beside it), or a run id under outDir. */
export function findJournal(run: string, outDir: string): { journal: string; runFile: string; runId: string } {
  const fromFile = (file: string) => {
    const abs = path.resolve(file);
    const base = path.basename(abs);
    const runId = base.replace(/\.journal\.jsonl$/, '').replace(/\.json$/, '');
    const dir = path.dirname(abs);
    return { journal: path.join(dir, `${runId}.journal.jsonl`), runFile: path.join(dir, `${runId}.json`), runId };
  };
  if (run.endsWith('.jsonl') || run.endsWith('.json') || run.includes('/') || run.includes(path.sep)) return fromFile(run);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(run)) {
    throw new AbwError('ABW_EINVAL', `resume: "${run.slice(0, 80)}" is neither a run id nor a path to a journal or run file`, 'resume');
  }
  const runsDir = path.join(outDir, 'runs');
  let machines: string[] = [];
  try {
    machines = fs.readdirSync(runsDir);
  } catch {
    // no runs yet
  }
  for (const m of machines) {
    const j = path.join(runsDir, m, `${run}.journal.jsonl`);
    const f = path.join(runsDir, m, `${run}.json`);
    if (fs.existsSync(j) || fs.existsSync(f)) return { journal: j, runFile: f, runId: run };
  }
  throw new AbwError('ABW_EIO', `resume: no run "${run}" under ${runsDir} (no ${run}.journal.jsonl or ${run}.json)`, 'resume');
}

/**
 * Goes on with an interrupted run: reads its journal (header: matrix, options, seed, backends;
 * then records), skips the cases it holds, runs the rest, and writes the run file a clean run
 * would have written. A run that already finished is returned as it is.
 */
export async function resumeRun(opts: ResumeRunOptions): Promise<RunMatrixResult> {
  const where = findJournal(opts.run, opts.outDir);
  if (!fs.existsSync(where.journal)) {
    if (fs.existsSync(where.runFile)) {
      const run = readRunFile(where.runFile, opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {});
      if (!run.run.options.interrupted) return { run, path: where.runFile, interrupted: false, resumed: run.records.length, executed: 0 };
      throw new AbwError('ABW_EIO', `resume: run ${where.runId} was interrupted but its journal ${where.journal} is gone; run the matrix again`, 'resume');
    }
    throw new AbwError('ABW_EIO', `resume: ${where.journal} does not exist`, 'resume');
  }
  const lock = RunLock.acquire(path.join(path.dirname(where.journal), `${where.runId}.lock`), `run ${where.runId}`);
  try {
    const contents = readJournal(where.journal, opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {});
    const header = contents.header;
    if (!header || !contents.run) throw new AbwError('ABW_ESCHEMA', `resume: ${where.journal} has no header line; it cannot be resumed`, 'resume');
    const info = contents.run;
    const saved = header.resume as unknown as ResumeInfo | undefined;
    if (!saved || typeof saved !== 'object' || !saved.matrix) {
      throw new AbwError('ABW_ESCHEMA', `resume: the header of ${where.journal} does not hold the matrix (written by an older abw); run the matrix again`, 'resume');
    }
    const { source, hash, description, ...rest } = saved.matrix;
    // As parsed (defaults filled in); parsing again gives the same spec and hash.
    const matrix = parseMatrixSpec(description ? { ...rest, description } : rest, String(source));
    if (matrix.hash !== hash || matrix.hash !== info.matrix.hash) {
      throw new AbwError('ABW_ESCHEMA', `resume: the matrix in ${where.journal} does not match its hash (${String(hash)}); the journal was edited or is corrupt`, 'resume');
    }
    const machine = opts.machine ?? machineInfo();
    if (machine.key !== info.machine.key) {
      throw new AbwError('ABW_EINVAL', `resume: run ${info.id} was started on machine ${info.machine.key}; this is ${machine.key}`, 'resume');
    }
    const o = info.options as { seed?: unknown; dtypes?: unknown; only?: unknown; measure?: unknown };
    const seed = typeof o.seed === 'number' ? o.seed : DEFAULT_SEED;
    const dtypes = Array.isArray(o.dtypes) ? (o.dtypes as CaseDType[]) : undefined;
    const only = typeof o.only === 'string' ? o.only : undefined;
    const measure = o.measure && typeof o.measure === 'object' ? (o.measure as MeasureSettings) : undefined;
    const cases = expandOrThrow(matrix, info.backends, dtypes, only);

    const wanted = new Set(cases.map(identity));
    const done = new Map<string, ResultRecord>();
    for (const r of contents.records) {
      if (!r || typeof r !== 'object' || typeof r.key !== 'string' || typeof r.label !== 'string') continue;
      const id = identity(r);
      if (wanted.has(id) && !done.has(id)) done.set(id, r);
    }
    const isolate = opts.isolate ?? (opts.backend ? false : saved.isolate !== false);
    const caseTimeoutMs = opts.caseTimeoutMs ?? saved.caseTimeoutMs;
    const journal = await Journal.open(where.journal);
    return await execute({
      cases,
      info,
      journal,
      lock,
      finalPath: where.runFile,
      done,
      seed,
      measure,
      isolate,
      exec: { ...opts, ...(caseTimeoutMs !== undefined ? { caseTimeoutMs } : {}) },
      resumed: done.size,
    });
  } catch (e) {
    lock.release();
    throw e;
  }
}

interface RunState {
  readonly cases: Case[];
  readonly info: RunInfo;
  readonly journal: Journal;
  readonly lock: RunLock;
  readonly finalPath: string;
  /** Finished records by identity (from the journal when resuming). */
  readonly done: Map<string, ResultRecord>;
  readonly seed: number;
  readonly measure: MeasureSettings | undefined;
  readonly isolate: boolean;
  readonly exec: ExecutionOptions;
  readonly resumed?: number;
}

async function execute(s: RunState): Promise<RunMatrixResult> {
  const { cases, info, journal, done, exec } = s;
  const runId = info.id;
  const emit = (ev: ProgressEvent) => {
    try {
      exec.onProgress?.(ev);
    } catch {
      // a broken progress listener must not end the run
    }
  };
  const ctx: ExecContext = {
    seed: s.seed,
    backend: exec.backend ?? getBackend,
    oracle: new OracleCache(),
    ...(s.measure ? { measure: s.measure } : {}),
    ...(exec.signal ? { signal: exec.signal } : {}),
  };
  let isolated: IsolatedExecutor | undefined;
  const t0 = performance.now();
  const eta = new EtaEstimator(cases.length - done.size);
  let interrupted = false;
  let executed = 0;
  emit({ type: 'runStarted', runId, total: cases.length, journalPath: journal.path, ...(s.resumed !== undefined ? { resumed: s.resumed } : {}) });
  try {
    if (s.isolate) {
      isolated = new IsolatedExecutor({ ...(exec.isolation ?? {}), ...(exec.caseTimeoutMs !== undefined ? { caseTimeoutMs: exec.caseTimeoutMs } : {}) });
    }
    let lastInputKey: string | undefined;
    for (const c of cases) {
      if (done.has(identity(c))) continue;
      if (exec.signal?.aborted) {
        interrupted = true;
        break;
      }
      // Cases are grouped by inputs: once a matrix case is done its oracle results are dead weight.
      if (lastInputKey !== undefined && c.inputKey !== lastInputKey) ctx.oracle.clear();
      lastInputKey = c.inputKey;
      emit({ type: 'caseStarted', done: done.size, total: cases.length, case: c });
      const record = isolated ? await isolated.execute(c, { seed: s.seed, ...(s.measure ? { measure: s.measure } : {}) }) : await executeCase(c, ctx);
      await journal.append(record);
      done.set(identity(c), record);
      executed++;
      eta.add(record);
      emit({ type: 'caseFinished', done: done.size, total: cases.length, etaMs: eta.eta(executed), record });
    }
  } catch (e) {
    // The journal keeps what was measured; say where it is and how to go on.
    await journal.close().catch(() => undefined);
    await isolated?.close().catch(() => undefined);
    s.lock.release();
    const err = e instanceof Error ? e : new Error(String(e));
    throw new AbwError('ABW_EINTERNAL', `run ${runId} failed: ${err.message} (records so far are in ${journal.path}; go on with \`abw run --resume ${runId}\`)`);
  }
  await isolated?.close();
  // Matrix order, whatever order the records were measured in (resumed runs).
  const records = cases.flatMap((c) => {
    const r = done.get(identity(c));
    return r ? [r] : [];
  });
  const run: RunFile = {
    schema: RUN_SCHEMA_ID,
    schemaVersion: RUN_SCHEMA_VERSION,
    run: {
      ...info,
      finishedAt: new Date().toISOString(),
      options: { ...info.options, ...(interrupted ? { interrupted: true } : {}) },
    },
    records,
  };
  try {
    await writeRunFileAtomic(s.finalPath, run);
    // An interrupted run keeps its journal: `abw run --resume` goes on from it.
    if (interrupted) await journal.close();
    else await journal.remove();
  } finally {
    s.lock.release();
  }
  emit({ type: 'runFinished', total: cases.length, elapsedMs: performance.now() - t0, path: s.finalPath });
  return { run, path: s.finalPath, interrupted, executed, ...(s.resumed !== undefined ? { resumed: s.resumed } : {}) };
}
