/**
 * Orchestrates a matrix run: expand, execute each case (executor.ts), append each record to
 * the run's journal before the next case starts, and at the end write the run file atomically
 * and remove the journal. The runner never draws: progress goes out as events.
 */
import { getBackend } from '../backend/registry';
import type { ComputeBackend } from '../backend/types';
import { machineInfo } from '../backend/machine';
import { AbwError } from '../errors';
import { Journal } from '../results/journal';
import { journalPath as journalPathFor, newRunId, runFilePath } from '../results/paths';
import { RUN_SCHEMA_ID, RUN_SCHEMA_VERSION, type MachineInfo, type ResultRecord, type RunFile, type RunInfo } from '../results/record';
import { writeRunFileAtomic } from '../results/write-run';
import type { CaseDType } from '../tensor';
import { expandMatrix, type Case } from './expand';
import { executeCase, OracleCache, type ExecContext } from './executor';
import { EtaEstimator, type ProgressEvent } from './progress';
import type { MatrixSpec, MeasureSettings } from './spec';

export const DEFAULT_SEED = 1;

export interface RunMatrixOptions {
  readonly matrix: MatrixSpec;
  readonly backends: readonly string[];
  readonly dtypes?: readonly CaseDType[];
  readonly only?: string;
  /** The results directory: the run goes to <outDir>/runs/<machine>/<runId>.json. */
  readonly outDir: string;
  readonly seed?: number;
  readonly onProgress?: (ev: ProgressEvent) => void;
  /** Applied over every case's measure settings. */
  readonly measure?: MeasureSettings;
  /** Stops after the current case; the records so far are written (run.options.interrupted). */
  readonly signal?: AbortSignal;
  /** Backend lookup (tests inject fakes); default: the registry. */
  readonly backend?: (id: string) => ComputeBackend;
  /** Machine info (tests inject a fixed one); default: this machine. */
  readonly machine?: MachineInfo;
}

export interface RunMatrixResult {
  readonly run: RunFile;
  readonly path: string;
  readonly interrupted: boolean;
}

export async function runMatrix(opts: RunMatrixOptions): Promise<RunMatrixResult> {
  const cases: Case[] = expandMatrix(opts.matrix, { backends: opts.backends, dtypes: opts.dtypes, only: opts.only });
  if (cases.length === 0) {
    throw new AbwError(
      'ABW_EINVAL',
      `the selection is empty: no case of matrix "${opts.matrix.name}" matches${opts.only ? ` --only "${opts.only}"` : ''}${opts.dtypes ? ` with dtypes ${opts.dtypes.join(', ')}` : ''}`,
      opts.only ? 'only' : 'dtypes',
    );
  }
  const machine = opts.machine ?? machineInfo();
  const runId = newRunId();
  const seed = opts.seed ?? DEFAULT_SEED;
  const createdAt = new Date().toISOString();
  const info: RunInfo = {
    id: runId,
    createdAt,
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
  const finalPath = runFilePath(opts.outDir, machine.key, runId);
  const jPath = journalPathFor(opts.outDir, machine.key, runId);
  const journal = await Journal.create(jPath, info);
  const emit = (ev: ProgressEvent) => {
    try {
      opts.onProgress?.(ev);
    } catch {
      // a broken progress listener must not end the run
    }
  };

  const ctx: ExecContext = {
    seed,
    backend: opts.backend ?? getBackend,
    oracle: new OracleCache(),
    ...(opts.measure ? { measure: opts.measure } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const t0 = performance.now();
  const records: ResultRecord[] = [];
  const eta = new EtaEstimator(cases.length);
  let interrupted = false;
  emit({ type: 'runStarted', runId, total: cases.length, journalPath: jPath });
  try {
    let lastInputKey: string | undefined;
    for (const c of cases) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      // Cases are grouped by inputs: once a matrix case is done its oracle results are dead weight.
      if (lastInputKey !== undefined && c.inputKey !== lastInputKey) ctx.oracle.clear();
      lastInputKey = c.inputKey;
      emit({ type: 'caseStarted', done: records.length, total: cases.length, case: c });
      const record = await executeCase(c, ctx);
      await journal.append(record);
      records.push(record);
      eta.add(record);
      emit({ type: 'caseFinished', done: records.length, total: cases.length, etaMs: eta.eta(records.length), record });
    }
  } catch (e) {
    // The journal keeps what was measured; say where it is.
    await journal.close().catch(() => undefined);
    const err = e instanceof Error ? e : new Error(String(e));
    throw new AbwError('ABW_EINTERNAL', `run ${runId} failed: ${err.message} (records so far are in ${jPath})`);
  }
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
  await writeRunFileAtomic(finalPath, run);
  await journal.remove();
  emit({ type: 'runFinished', total: cases.length, elapsedMs: performance.now() - t0, path: finalPath });
  return { run, path: finalPath, interrupted };
}
