/**
 * Matrix specs: which ops, at which shapes and params, in which dtypes (docs/matrices.md).
 * `parseMatrixSpec` treats its input as untrusted JSON: every problem is an AbwError whose
 * message starts with the JSON path (`cases[3].shapes[0][1] must be a positive integer, got "x"`).
 */
import { AbwError } from '../errors';
import { getOp, listOps } from '../ops/catalogue';
import { expandInputs, planCall } from '../ops/plan-call';
import { resolveParams } from '../ops/resolve-params';
import type { OpSpec, Params, ParamValue } from '../ops/types';
import { CASE_DTYPES, type CaseDType } from '../tensor';
import { hash32, stableJson } from './case-key';
import { parsePipelineCase } from './pipeline-case';

export const MATRIX_VERSION = 1;

/** How long and how precisely to measure one case (measure/ applies its own defaults). */
export interface MeasureSettings {
  /** Target relative half-width of the median's 95% CI (0.005 = 0.5%). */
  readonly target?: number;
  /** Time budget for the samples of one case, ms. */
  readonly budgetMs?: number;
  readonly minSamples?: number;
  readonly maxSamples?: number;
  /** Warm-up time before sampling, ms. */
  readonly warmupMs?: number;
  /** Target duration of one sample, ms (sets iterations per sample). */
  readonly sampleMs?: number;
  /** hot: back to back; cold: caches flushed before each sample. */
  readonly mode?: 'hot' | 'cold';
}

export interface MatrixCaseSpec {
  readonly label: string;
  /** 'pipeline': an end-to-end pipeline (`op` names it, `shapes` is empty; docs/pipelines.md). Absent: an op case. */
  readonly kind?: 'pipeline';
  readonly op: string;
  /** One entry per op input in order; null for an omitted optional input. */
  readonly shapes: readonly (readonly number[] | null)[];
  readonly params: Params;
  /** Overrides `defaults.dtypes` for this case. */
  readonly dtypes?: readonly CaseDType[];
  /** Merged over `defaults.measure`. */
  readonly measure?: MeasureSettings;
  /** Per-case timeout of an isolated run, ms (default: estimated from the plan and the budget). */
  readonly timeoutMs?: number;
}

export interface MatrixSpec {
  readonly name: string;
  readonly description: string;
  readonly version: typeof MATRIX_VERSION;
  readonly defaults: { readonly dtypes: readonly CaseDType[]; readonly measure: MeasureSettings };
  readonly cases: readonly MatrixCaseSpec[];
  /** Where it came from (file path or a name), for messages. */
  readonly source: string;
  /** Hash of the canonical JSON of the spec (recorded with each run). */
  readonly hash: string;
}

export interface ParseOptions {
  /** Plan every case with its op spec so shape/param errors surface now (default true). */
  readonly checkPlans?: boolean;
}

/** Hard limits: a matrix is a human-written file, not a data dump. */
const MAX_CASES = 10_000;
const MAX_DIMS = 8;
const MAX_ELEMENTS = 2 ** 31 - 1;
const MAX_LABEL = 200;

const TOP_KEYS = ['$schema', 'name', 'description', 'version', 'defaults', 'cases'];
const DEFAULT_KEYS = ['dtypes', 'measure'];
const CASE_KEYS = ['label', 'op', 'shapes', 'params', 'dtypes', 'measure', 'timeoutMs', 'comment'];
const PIPELINE_CASE_KEYS = ['label', 'kind', 'pipeline', 'params', 'dtypes', 'measure', 'timeoutMs', 'comment'];
const MAX_TIMEOUT_MS = 86_400_000;
const MEASURE_KEYS = ['target', 'budgetMs', 'minSamples', 'maxSamples', 'warmupMs', 'sampleMs', 'mode'];

function fail(path: string, message: string): never {
  throw new AbwError('ABW_ESCHEMA', `${path} ${message}`, path);
}

/** A value as a message shows it: strings quoted, NaN/Infinity spelled out. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : String(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) fail(path ? `${path}.${k}` : k, `is not a known key; allowed: ${allowed.join(', ')}`);
  }
}

function str(v: unknown, path: string, opts: { optional?: boolean; max?: number } = {}): string {
  if (v === undefined && opts.optional) return '';
  if (typeof v !== 'string' || v.trim() === '') fail(path, `must be a non-empty string, got ${describe(v)}`);
  if (opts.max !== undefined && v.length > opts.max) fail(path, `must be at most ${opts.max} characters, got ${v.length}`);
  return v;
}

function positiveInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(path, `must be a positive integer, got ${describe(v)}`);
  return v;
}

function knownOpNames(): string[] {
  return (listOps() as readonly (OpSpec | string)[]).map((o) => (typeof o === 'string' ? o : o.name));
}

function parseDTypes(v: unknown, path: string): CaseDType[] {
  if (!Array.isArray(v) || v.length === 0) fail(path, `must be a non-empty array of dtypes (${CASE_DTYPES.join(', ')}), got ${describe(v)}`);
  const out: CaseDType[] = [];
  v.forEach((d, i) => {
    if (typeof d !== 'string' || !(CASE_DTYPES as readonly string[]).includes(d)) {
      fail(`${path}[${i}]`, `must be one of ${CASE_DTYPES.join(', ')}, got ${describe(d)}`);
    }
    if (out.includes(d as CaseDType)) fail(`${path}[${i}]`, `repeats dtype ${d}`);
    out.push(d as CaseDType);
  });
  return out;
}

function parseMeasure(v: unknown, path: string): MeasureSettings {
  if (!isObject(v)) fail(path, `must be an object, got ${describe(v)}`);
  checkKeys(v, MEASURE_KEYS, path);
  const m: { -readonly [K in keyof MeasureSettings]: MeasureSettings[K] } = {};
  const num = (k: string, lo: number, hi: number, int = false): number | undefined => {
    const x = v[k];
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < lo || x > hi || (int && !Number.isInteger(x))) {
      fail(`${path}.${k}`, `must be ${int ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${describe(x)}`);
    }
    return x;
  };
  m.target = num('target', 1e-6, 1);
  m.budgetMs = num('budgetMs', 1, 3_600_000);
  m.minSamples = num('minSamples', 2, 1_000_000, true);
  m.maxSamples = num('maxSamples', 2, 1_000_000, true);
  m.warmupMs = num('warmupMs', 0, 600_000);
  m.sampleMs = num('sampleMs', 0.001, 60_000);
  if (v.mode !== undefined) {
    if (v.mode !== 'hot' && v.mode !== 'cold') fail(`${path}.mode`, `must be "hot" or "cold", got ${describe(v.mode)}`);
    m.mode = v.mode;
  }
  if (m.minSamples !== undefined && m.maxSamples !== undefined && m.maxSamples < m.minSamples) {
    fail(`${path}.maxSamples`, `must be ≥ minSamples (${m.minSamples}), got ${m.maxSamples}`);
  }
  for (const k of Object.keys(m) as (keyof MeasureSettings)[]) if (m[k] === undefined) delete m[k];
  return m;
}

function parseShapes(v: unknown, path: string): (number[] | null)[] {
  if (!Array.isArray(v)) fail(path, `must be an array with one shape per op input (null for an omitted optional input), got ${describe(v)}`);
  return v.map((s, i) => {
    const p = `${path}[${i}]`;
    if (s === null) return null;
    if (!Array.isArray(s)) fail(p, `must be a shape (array of positive integers) or null, got ${describe(s)}`);
    if (s.length > MAX_DIMS) fail(p, `must have at most ${MAX_DIMS} dims, got ${s.length}`);
    let n = 1;
    const shape = s.map((d, j) => positiveInt(d, `${p}[${j}]`));
    for (const d of shape) n *= d;
    if (n > MAX_ELEMENTS) fail(p, `has ${n} elements; at most ${MAX_ELEMENTS} are allowed`);
    return shape;
  });
}

function parseParamValue(v: unknown, path: string): ParamValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(path, `must be a finite number, got ${describe(v)}`);
    return v;
  }
  if (Array.isArray(v)) {
    return v.map((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) fail(`${path}[${i}]`, `must be a finite number, got ${describe(x)}`);
      return x;
    });
  }
  fail(path, `must be a number, boolean, string, list of numbers or null, got ${describe(v)}`);
}

function parseParams(v: unknown, path: string, op: OpSpec): Params {
  if (v === undefined) return {};
  if (!isObject(v)) fail(path, `must be an object, got ${describe(v)}`);
  const out: Params = {};
  const known = Object.keys(op.params);
  for (const [k, x] of Object.entries(v)) {
    if (!known.includes(k)) {
      fail(`${path}.${k}`, `is not a parameter of ${op.name}; its parameters: ${known.length ? known.join(', ') : '(none)'}`);
    }
    out[k] = parseParamValue(x, `${path}.${k}`);
  }
  return out;
}

/** Re-prefix an op-spec error with the JSON path of the case it came from. */
function inCase(e: unknown, path: string, c: { label: string; op: OpSpec; shapes: readonly unknown[]; params: Params }): never {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: string }).code;
  const field = (err as { field?: string }).field ?? '';
  let where = path;
  if (field.startsWith('params.')) where = `${path}.${field}`;
  else if (field.startsWith('inputs.')) {
    const name = field.slice('inputs.'.length);
    let idx = -1;
    try {
      idx = expandInputs(c.op.inputs(resolveParams(c.op, c.params)), c.shapes.length).findIndex((d) => d.name === name);
    } catch {
      // params did not resolve: keep the case path
    }
    where = idx >= 0 ? `${path}.shapes[${idx}]` : `${path}.shapes`;
  } else if (field === 'inputs') where = `${path}.shapes`;
  throw new AbwError(
    code === 'ABW_ESHAPE' || code === 'ABW_EINVAL' || code === 'ABW_EDTYPE' ? code : 'ABW_ESCHEMA',
    `${where} (case "${c.label}"): ${err.message}`,
    where,
  );
}

/** Validates an untrusted JSON value as a matrix spec. */
export function parseMatrixSpec(obj: unknown, source: string, options: ParseOptions = {}): MatrixSpec {
  if (!isObject(obj)) fail('(top level)', `of ${source} must be a JSON object, got ${describe(obj)}`);
  checkKeys(obj, TOP_KEYS, '');
  const name = str(obj.name, 'name', { max: 100 });
  const description = obj.description === undefined ? '' : str(obj.description, 'description', { max: 10_000 });
  if (obj.version !== MATRIX_VERSION) fail('version', `must be ${MATRIX_VERSION}, got ${describe(obj.version)}`);

  let defaults: MatrixSpec['defaults'] = { dtypes: [...CASE_DTYPES], measure: {} };
  if (obj.defaults !== undefined) {
    if (!isObject(obj.defaults)) fail('defaults', `must be an object, got ${describe(obj.defaults)}`);
    checkKeys(obj.defaults, DEFAULT_KEYS, 'defaults');
    defaults = {
      dtypes: obj.defaults.dtypes === undefined ? [...CASE_DTYPES] : parseDTypes(obj.defaults.dtypes, 'defaults.dtypes'),
      measure: obj.defaults.measure === undefined ? {} : parseMeasure(obj.defaults.measure, 'defaults.measure'),
    };
  }

  if (!Array.isArray(obj.cases) || obj.cases.length === 0) fail('cases', `must be a non-empty array, got ${describe(obj.cases)}`);
  if (obj.cases.length > MAX_CASES) fail('cases', `has ${obj.cases.length} entries; at most ${MAX_CASES} are allowed`);
  const checkPlans = options.checkPlans ?? true;
  const labels = new Map<string, number>();
  const cases = obj.cases.map((c: unknown, i: number): MatrixCaseSpec => {
    const path = `cases[${i}]`;
    if (!isObject(c)) fail(path, `must be an object, got ${describe(c)}`);
    if (c.kind !== undefined && c.kind !== 'op' && c.kind !== 'pipeline') fail(`${path}.kind`, `must be "op" or "pipeline", got ${describe(c.kind)}`);
    checkKeys(c, c.kind === 'pipeline' ? PIPELINE_CASE_KEYS : [...CASE_KEYS, 'kind'], path);
    const label = str(c.label, `${path}.label`, { max: MAX_LABEL });
    const prev = labels.get(label);
    if (prev !== undefined) fail(`${path}.label`, `"${label}" repeats the label of cases[${prev}]; labels must be unique`);
    labels.set(label, i);
    const timeoutOf = (): number | undefined => {
      if (c.timeoutMs !== undefined && (typeof c.timeoutMs !== 'number' || !Number.isInteger(c.timeoutMs) || c.timeoutMs < 1 || c.timeoutMs > MAX_TIMEOUT_MS)) {
        fail(`${path}.timeoutMs`, `must be an integer number of milliseconds in [1, ${MAX_TIMEOUT_MS}], got ${describe(c.timeoutMs)}`);
      }
      return c.timeoutMs as number | undefined;
    };
    if (c.kind === 'pipeline') {
      return parsePipelineCase(c, path, label, {
        dtypes: (v, p) => parseDTypes(v, p),
        measure: (v, p) => parseMeasure(v, p),
        params: (v, p) => (v === undefined ? {} : isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, parseParamValue(x, `${p}.${k}`)])) : fail(p, `must be an object, got ${describe(v)}`)),
        timeoutMs: timeoutOf,
      });
    }
    const opName = str(c.op, `${path}.op`);
    let op: OpSpec;
    const known = knownOpNames();
    if (!known.includes(opName)) fail(`${path}.op`, `is not a known op: ${describe(opName)}; known ops: ${known.join(', ')}`);
    try {
      op = getOp(opName);
    } catch (e) {
      fail(`${path}.op`, (e as Error).message);
    }
    const shapes = parseShapes(c.shapes, `${path}.shapes`);
    const params = parseParams(c.params, `${path}.params`, op);
    let dtypes: CaseDType[] | undefined;
    if (c.dtypes !== undefined) {
      dtypes = parseDTypes(c.dtypes, `${path}.dtypes`);
      dtypes.forEach((d, j) => {
        if (!op.dtypes.includes(d)) fail(`${path}.dtypes[${j}]`, `${d} is not defined for ${op.name}; it takes ${op.dtypes.join(', ')}`);
      });
    }
    const measure = c.measure === undefined ? undefined : parseMeasure(c.measure, `${path}.measure`);
    const timeoutMs = timeoutOf();
    if (checkPlans) {
      try {
        planCall(op, shapes, params);
      } catch (e) {
        inCase(e, path, { label, op, shapes, params });
      }
    }
    const out: MatrixCaseSpec = {
      label,
      op: opName,
      shapes,
      params,
      ...(dtypes ? { dtypes } : {}),
      ...(measure ? { measure } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    };
    return out;
  });

  const body = { name, description, version: MATRIX_VERSION, defaults, cases };
  const hash = hash32(stableJson(body)).toString(16).padStart(8, '0');
  return { ...body, version: MATRIX_VERSION, source, hash };
}
