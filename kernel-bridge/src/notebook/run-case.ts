/**
 * One op case from a notebook cell, in the kernel's process: validated like a matrix case
 * (same messages, naming the field), inputs generated from the seed, judged against the FP64
 * oracle and timed with the matrix's measurement. For exploring one case (a drill-down);
 * whole matrices go through `runMatrixLive`, which isolates cases in a child process.
 */
import { AbwError } from '../errors';
import { getBackend } from '../backend/registry';
import { expandMatrix } from '../matrix/expand';
import { executeCase, OracleCache } from '../matrix/executor';
import { DEFAULT_SEED } from '../matrix/runner';
import { parseMatrixSpec, type MeasureSettings } from '../matrix/spec';
import type { Params } from '../ops/types';
import type { ResultRecord } from '../results/record';
import type { CaseDType } from '../tensor';

export interface CaseRequest {
  readonly op: string;
  /** One entry per op input, in order (`null` omits an optional input). */
  readonly shapes: readonly (readonly number[] | null)[];
  readonly params?: Params;
  /** Default `cpu`. */
  readonly backend?: string;
  /** Default `f32`. */
  readonly dtype?: CaseDType;
  readonly label?: string;
  readonly measure?: MeasureSettings;
  readonly seed?: number;
}

/** Quick defaults: a drill-down wants the verdict and a rough time, not a 0.5% CI. */
export const CASE_MEASURE: MeasureSettings = { target: 0.02, budgetMs: 300, warmupMs: 20, minSamples: 10, sampleMs: 1 };

export async function runCase(request: CaseRequest): Promise<ResultRecord> {
  const dtype = request.dtype ?? 'f32';
  const backend = request.backend ?? 'cpu';
  const spec = (() => {
    try {
      return parseMatrixSpec(
        {
          name: 'notebook-case',
          version: 1,
          defaults: { dtypes: [dtype], measure: { ...CASE_MEASURE, ...(request.measure ?? {}) } },
          cases: [{ label: request.label ?? request.op, op: request.op, shapes: request.shapes, params: request.params ?? {} }],
        },
        'runCase',
      );
    } catch (e) {
      const err = e as AbwError;
      // The matrix parser names `cases[0].params.stride`; here the request has no `cases`.
      const field = typeof err.field === 'string' ? err.field.replace(/^cases\[0\]\./, '') : undefined;
      const message = err.message.replace(/cases\[0\]\./g, '');
      throw new AbwError(err.code ?? 'ABW_EINVAL', `runCase: ${message}`, field);
    }
  })();
  const [c] = expandMatrix(spec, { backends: [backend] });
  if (!c) throw new AbwError('ABW_EINVAL', `runCase: ${request.op} has no case in dtype ${dtype}`, 'dtype');
  return executeCase(c, { seed: request.seed ?? DEFAULT_SEED, backend: getBackend, oracle: new OracleCache() });
}
