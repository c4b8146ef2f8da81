/**
 * Many run files → one arquero table with a row per (run, record). Each file is read as
 * untrusted (size limit, safe JSON, schema: read-run.ts); a file that fails is an error naming
 * the file and the JSON path of the field, or, with `skipInvalid`, is listed in `rejected`.
 *
 * arquero 5 is used because it ships a CommonJS build: `require('arquero')` works on every
 * Node ≥ 20 and inside tslab (which compiles imports to require); arquero ≥ 6 is ESM-only.
 */
import * as aq from 'arquero';
import { AbwError } from '../errors';
import type { ErrorMetrics, ResultRecord, RunFile } from './record';
import { readRunFile, type ReadRunOptions } from './read-run';

export type RecordsTable = aq.internal.ColumnTable;

export interface LoadedRun {
  readonly file: string;
  readonly run: RunFile;
}

export interface RejectedFile {
  readonly file: string;
  readonly message: string;
  /** JSON path of the offending field (or `maxBytes`, `/` for the whole file). */
  readonly field?: string;
}

export interface LoadRunsOptions extends ReadRunOptions {
  /** List files that fail instead of throwing on the first one. */
  readonly skipInvalid?: boolean;
}

export interface LoadRunsResult {
  readonly runs: LoadedRun[];
  readonly table: RecordsTable;
  readonly rejected: RejectedFile[];
}

/** Columns of the records table, in order (docs/comparison.md lists them with units). */
export const RECORD_COLUMNS = [
  'runId',
  'machine',
  'runCreatedAt',
  'matrix',
  'key',
  'kind',
  'op',
  'backend',
  'dtype',
  'label',
  'params',
  'shapes',
  'status',
  'medianNs',
  'ciLowNs',
  'ciHighNs',
  'samples',
  'converged',
  'mode',
  'flops',
  'bytes',
  'gflops',
  'gbps',
  'pctPeakFlops',
  'pctPeakBandwidth',
  'precision',
  'worstRatio',
  'relL2',
  'snrDb',
  'maxUlp',
  'nativePeakBytes',
  'rtf',
  'audioSeconds',
] as const;

export type RecordColumn = (typeof RECORD_COLUMNS)[number];
export type RecordRow = Record<RecordColumn, string | number | boolean | null>;

function worst(metrics: readonly ErrorMetrics[] | undefined, pick: (m: ErrorMetrics) => number | null, max: boolean): number | null {
  if (!metrics || metrics.length === 0) return null;
  let out: number | null = null;
  for (const m of metrics) {
    const v = pick(m);
    if (v === null) continue;
    out = out === null ? v : max ? Math.max(out, v) : Math.min(out, v);
  }
  return out;
}

/** One flat row of a record (nulls where the record has no value). */
export function recordRow(run: RunFile, r: ResultRecord): RecordRow {
  const st = r.timing?.stats;
  const p = r.precision;
  return {
    runId: run.run.id,
    machine: run.run.machine.key,
    runCreatedAt: run.run.createdAt,
    matrix: run.run.matrix.name,
    key: r.key,
    kind: r.kind,
    op: r.op,
    backend: r.backend,
    dtype: r.dtype,
    label: r.label,
    params: JSON.stringify(r.params),
    shapes: JSON.stringify(r.shapes),
    status: r.status,
    medianNs: st?.median ?? null,
    ciLowNs: st?.ciLow ?? null,
    ciHighNs: st?.ciHigh ?? null,
    samples: st?.n ?? null,
    converged: r.timing?.converged ?? null,
    mode: r.timing?.mode ?? null,
    flops: r.derived?.flops ?? null,
    bytes: r.derived?.bytes ?? null,
    gflops: r.derived?.gflops ?? null,
    gbps: r.derived?.gbps ?? null,
    pctPeakFlops: r.derived?.pctPeakFlops ?? null,
    pctPeakBandwidth: r.derived?.pctPeakBandwidth ?? null,
    precision: p?.verdict ?? null,
    worstRatio: worst(p?.vsFp64, (m) => m.worstRatio, true),
    relL2: worst(p?.vsFp64, (m) => m.relL2, true),
    snrDb: worst(p?.vsFp64, (m) => m.snrDb, false),
    maxUlp: worst(p?.vsFp64, (m) => m.maxUlp, true),
    nativePeakBytes: r.memory?.nativePeakBytes ?? null,
    rtf: r.rtf ?? null,
    audioSeconds: r.audioSeconds ?? null,
  };
}

/** The records of already-read runs as one table (columnar build: no per-row objects kept). */
export function recordsTable(runs: readonly RunFile[]): RecordsTable {
  const cols: Record<string, unknown[]> = {};
  for (const c of RECORD_COLUMNS) cols[c] = [];
  for (const run of runs) {
    for (const r of run.records) {
      const row = recordRow(run, r);
      for (const c of RECORD_COLUMNS) cols[c].push(row[c]);
    }
  }
  return aq.table(cols, [...RECORD_COLUMNS]) as RecordsTable;
}

/** Reads, validates and tabulates run files. */
export function loadRuns(files: readonly string[], options: LoadRunsOptions = {}): LoadRunsResult {
  const runs: LoadedRun[] = [];
  const rejected: RejectedFile[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    try {
      const run = readRunFile(file, options);
      // The same run twice (a copy pinned as a baseline, a file given twice) would double its rows.
      const id = `${run.run.machine.key}/${run.run.id}`;
      if (seen.has(id)) continue;
      seen.add(id);
      runs.push({ file, run });
    } catch (e) {
      if (!options.skipInvalid) throw e;
      const err = e as AbwError;
      rejected.push({ file, message: err.message, ...(typeof err.field === 'string' ? { field: err.field } : {}) });
    }
  }
  return { runs, table: recordsTable(runs.map((r) => r.run)), rejected };
}
