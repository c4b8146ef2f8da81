/**
 * A matrix run from a notebook cell: the same runner as `abw run` (cases isolated in a child
 * process, journal, atomic result file), with live progress drawn in place (live-progress.ts).
 * Backends that cannot run here are a clear error before anything starts, naming the reason
 * and the backends that can.
 */
import { AbwError } from '../errors';
import { listBackends } from '../backend/registry';
import { loadMatrix, repoResultsDir } from '../matrix/load-matrix';
import { runMatrix, type RunMatrixResult } from '../matrix/runner';
import type { MatrixSpec, MeasureSettings } from '../matrix/spec';
import type { CaseDType } from '../tensor';
import { LiveProgress, type LiveProgressOptions } from './live-progress';

export interface LiveRunOptions {
  /** A matrix name (`quick`, `default`), a path to a matrix file, or a parsed spec. */
  readonly matrix: string | MatrixSpec;
  /** Default `['cpu']`. */
  readonly backends?: readonly string[];
  readonly dtypes?: readonly CaseDType[];
  /** Pattern(s) on label or op (as `abw run --only`). */
  readonly only?: string;
  /** Applied over every case's measure settings (e.g. a shorter budget). */
  readonly measure?: MeasureSettings;
  /** The results directory (default results/ of the checkout, or ABW_RESULTS_DIR). */
  readonly outDir?: string;
  readonly seed?: number;
  readonly caseTimeoutMs?: number;
  /** Stop after the current case. */
  readonly signal?: AbortSignal;
  /** false: no progress output. */
  readonly progress?: boolean | LiveProgressOptions;
}

/** Environment variable: a comma-separated list that limits the backends notebooks run on. */
export const NOTEBOOK_BACKENDS_ENV = 'ABW_NOTEBOOK_BACKENDS';

/**
 * The backends a notebook runs cases on: every available backend except the oracle (`ref`, which
 * judges every case) and test-only ones, in registry order. ABW_NOTEBOOK_BACKENDS=cpu,ort:cpu
 * narrows that down (e.g. in CI, where a software Vulkan device makes webgpu slow).
 */
export function candidateBackends(env: NodeJS.ProcessEnv = process.env): string[] {
  const available = listBackends()
    .filter((b) => b.available && !b.testOnly && b.id !== 'ref')
    .map((b) => b.id);
  const limit = env[NOTEBOOK_BACKENDS_ENV];
  if (!limit) return available;
  const wanted = new Set(limit.split(',').map((s) => s.trim()).filter(Boolean));
  return available.filter((id) => wanted.has(id));
}

/** Throws when a requested backend does not exist or cannot run on this machine. */
export function requireBackends(ids: readonly string[]): void {
  const listing = listBackends();
  const usable = listing.filter((b) => b.available).map((b) => b.id);
  for (const id of ids) {
    const b = listing.find((x) => x.id === id);
    if (!b) throw new AbwError('ABW_EINVAL', `backend "${id}" does not exist; backends: ${listing.map((x) => x.id).join(', ')}`, 'backends');
    if (!b.available) throw new AbwError('ABW_EUNSUPPORTED', `backend ${id} cannot run on this machine: ${b.reason ?? 'unavailable'}; available here: ${usable.join(', ') || 'none'}`, 'backends');
  }
}

export async function runMatrixLive(options: LiveRunOptions): Promise<RunMatrixResult> {
  const backends = options.backends ?? ['cpu'];
  if (backends.length === 0) throw new AbwError('ABW_EINVAL', 'backends: give at least one backend id (listBackends() says which exist)', 'backends');
  requireBackends(backends);
  const matrix = typeof options.matrix === 'string' ? loadMatrix(options.matrix) : options.matrix;
  const progress = options.progress === false ? undefined : new LiveProgress(options.progress === true || options.progress === undefined ? {} : options.progress);
  return runMatrix({
    matrix,
    backends,
    outDir: options.outDir ?? repoResultsDir(),
    ...(options.dtypes ? { dtypes: options.dtypes } : {}),
    ...(options.only ? { only: options.only } : {}),
    ...(options.measure ? { measure: options.measure } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.caseTimeoutMs !== undefined ? { caseTimeoutMs: options.caseTimeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(progress ? { onProgress: progress.handle } : {}),
  });
}
