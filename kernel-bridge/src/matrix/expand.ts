/**
 * Expansion: matrix cases × backends × dtypes → concrete Cases, in a stable order (case, then
 * dtype, then backend, so that one case's oracle result serves all its rows). Backend support
 * is NOT decided here: the runner records an unsupported row with its reason instead of
 * dropping it.
 */
import { AbwError } from '../errors';
import { getOp } from '../ops/catalogue';
import { planCall } from '../ops/plan-call';
import type { Params } from '../ops/types';
import { CASE_DTYPES, type CaseDType } from '../tensor';
import { caseKey, inputKey } from './case-key';
import { PIPELINE_DTYPES, resolvePipelineCase } from './pipeline-case';
import type { MatrixCaseSpec, MatrixSpec, MeasureSettings } from './spec';

export interface Case {
  /** Position in the expansion (0-based). */
  readonly index: number;
  /** Index of the matrix case it came from. */
  readonly caseIndex: number;
  readonly key: string;
  /** Same for every backend and dtype of one matrix case: seeds the inputs. */
  readonly inputKey: string;
  readonly kind: 'op' | 'pipeline';
  readonly label: string;
  readonly op: string;
  readonly backend: string;
  readonly dtype: CaseDType;
  readonly shapes: readonly (readonly number[] | null)[];
  /** Parameters as resolved by the op spec (defaults filled): what the key and record hold. */
  readonly params: Params;
  readonly measure: MeasureSettings;
  /** The matrix case's timeout for isolated runs, ms (absent: estimated). */
  readonly timeoutMs?: number;
}

export interface ExpandOptions {
  readonly backends: readonly string[];
  /** Run these dtypes instead of the matrix's (intersected with each op's dtypes). */
  readonly dtypes?: readonly CaseDType[];
  /** Pattern(s) on label or op: comma-separated; `*`/`?` globs match the whole label or op,
   * anything else is a case-insensitive substring. */
  readonly only?: string;
}

function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i');
}

/** A predicate for `--only`: true when label or op matches any of the comma-separated patterns. */
export function onlyMatcher(only: string | undefined): (label: string, op: string) => boolean {
  const pats = (only ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (pats.length === 0) return () => true;
  const tests = pats.map((p) => {
    if (/[*?]/.test(p)) {
      const re = globToRegExp(p);
      return (s: string) => re.test(s);
    }
    const lower = p.toLowerCase();
    return (s: string) => s.toLowerCase().includes(lower);
  });
  return (label, op) => tests.some((t) => t(label) || t(op));
}

function resolvedParams(op: string, shapes: MatrixSpec['cases'][number]['shapes'], params: Params): Params {
  try {
    return { ...planCall(getOp(op), shapes, params).params };
  } catch {
    // Unplannable cases stay in the expansion: the executor records their error.
    return { ...params };
  }
}

export function expandMatrix(spec: MatrixSpec, opts: ExpandOptions): Case[] {
  if (opts.backends.length === 0) throw new AbwError('ABW_EINVAL', 'backends: at least one backend is needed', 'backends');
  const dupB = opts.backends.find((b, i) => opts.backends.indexOf(b) !== i);
  if (dupB) throw new AbwError('ABW_EINVAL', `backends: "${dupB}" is listed twice`, 'backends');
  for (const d of opts.dtypes ?? []) {
    if (!CASE_DTYPES.includes(d)) throw new AbwError('ABW_EINVAL', `dtypes: unknown dtype "${d}"; allowed: ${CASE_DTYPES.join(', ')}`, 'dtypes');
  }
  const match = onlyMatcher(opts.only);
  const out: Case[] = [];
  spec.cases.forEach((c, caseIndex) => {
    if (!match(c.label, c.op)) return;
    if (c.kind === 'pipeline') {
      out.push(...expandPipelineCase(spec, c, caseIndex, opts, out.length));
      return;
    }
    const op = getOp(c.op);
    const wanted = opts.dtypes ?? c.dtypes ?? spec.defaults.dtypes;
    // Order follows CASE_DTYPES so that f32 (the vs-FP32 reference) comes first.
    const dtypes = CASE_DTYPES.filter((d) => wanted.includes(d) && op.dtypes.includes(d));
    const params = resolvedParams(c.op, c.shapes, c.params);
    const ik = inputKey({ op: c.op, shapes: c.shapes, params });
    const measure = { ...spec.defaults.measure, ...(c.measure ?? {}) };
    for (const dtype of dtypes) {
      for (const backend of opts.backends) {
        out.push({
          index: out.length,
          caseIndex,
          key: caseKey({ backend, op: c.op, dtype, shapes: c.shapes, params }),
          inputKey: ik,
          kind: 'op',
          label: c.label,
          op: c.op,
          backend,
          dtype,
          shapes: c.shapes,
          params,
          measure,
          ...(c.timeoutMs !== undefined ? { timeoutMs: c.timeoutMs } : {}),
        });
      }
    }
  });
  return out;
}

/** A pipeline case × dtypes × backends; `shapes` holds the pipeline's input shape. */
function expandPipelineCase(spec: MatrixSpec, c: MatrixCaseSpec, caseIndex: number, opts: ExpandOptions, start: number): Case[] {
  const wanted = opts.dtypes ?? c.dtypes ?? spec.defaults.dtypes;
  const dtypes = CASE_DTYPES.filter((d) => wanted.includes(d) && PIPELINE_DTYPES.includes(d));
  const { params, inputShape } = resolvePipelineCase(c.op, c.params);
  const shapes = [inputShape];
  const ik = inputKey({ kind: 'pipeline', op: c.op, shapes, params });
  const measure = { ...spec.defaults.measure, ...(c.measure ?? {}) };
  const out: Case[] = [];
  for (const dtype of dtypes) {
    for (const backend of opts.backends) {
      out.push({
        index: start + out.length,
        caseIndex,
        key: caseKey({ backend, kind: 'pipeline', op: c.op, dtype, shapes, params }),
        inputKey: ik,
        kind: 'pipeline',
        label: c.label,
        op: c.op,
        backend,
        dtype,
        shapes,
        params,
        measure,
        ...(c.timeoutMs !== undefined ? { timeoutMs: c.timeoutMs } : {}),
      });
    }
  }
  return out;
}
