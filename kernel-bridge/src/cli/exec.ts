/**
 * `abw exec CASE.json [--backend ID] [--dtype DT]`: one op on given data, outputs as JSON.
 * The case file: `{"op", "params"?, "inputs": [{"shape", "data"} | null, …]}` with inputs in the
 * op's input order and data flat (row-major) numbers. Float inputs are rounded to the dtype
 * first (ref computes in f64, on inputs rounded to --dtype when one is given). Non-finite
 * numbers travel as the strings "NaN", "Infinity", "-Infinity" both ways (JSON has no NaN).
 */
import * as fs from 'node:fs';

import { AbwError } from '../errors';
import { getBackend } from '../backend/registry';
import { runOp } from '../backend/run-op';
import type { ComputeDType } from '../backend/types';
import { getOp, listOps } from '../ops/catalogue';
import { kindStorage } from '../ops/tensor-kind';
import { planCall } from '../ops/plan-call';
import type { OpSpec } from '../ops/types';
import { roundedValues, roundToDType, tensorValues } from '../precision/dtype-values';
import { CASE_DTYPES, numel, storageDType, type CaseDType, type DType, type HostTensor } from '../tensor';
import { describe } from '../matrix/spec';
import { parseFlags, stringFlag, UsageError, type Flags } from './args';
import type { Io } from './io';

export const EXEC_FLAGS: Flags = {
  backend: { type: 'string', value: 'ID', doc: 'backend to run on (default cpu)' },
  dtype: { type: 'string', value: 'DT', doc: `compute dtype: ${CASE_DTYPES.join(', ')} (default f32; ref: f64)` },
  help: { type: 'boolean', short: 'h', doc: 'show this help' },
};

export const EXEC_HELP = `usage: abw exec CASE.json|- [--backend ID] [--dtype DT]

Runs one op on the inputs in CASE.json (\`-\`: stdin) and prints its outputs as JSON:
  in:  {"op": "conv1d", "params": {"padding": 1},
        "inputs": [{"shape": [1, 1, 4], "data": [1, 2, 3, 4]}, {"shape": [1, 1, 3], "data": [1, 0, -1]}, null]}
  out: {"op", "backend", "dtype", "outputs": [{"name", "shape", "dtype", "data": [...]}]}
Inputs follow the op's input order (\`abw list ops\`); null omits an optional input. Non-finite
values are the strings "NaN", "Infinity", "-Infinity" in and out.`;

/** Largest case file accepted (the data is inline JSON). */
const MAX_CASE_BYTES = 256 * 1024 * 1024;

export function jsonNumber(x: number): number | string {
  if (Number.isFinite(x)) return Object.is(x, -0) ? 0 : x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

function readNumber(v: unknown, field: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new AbwError('ABW_EINVAL', `${field} must be a number (or "NaN", "Infinity", "-Infinity"), got ${describe(v)}`, field);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface ExecCase {
  readonly spec: OpSpec;
  readonly params: Record<string, unknown>;
  readonly inputs: ({ shape: number[]; data: Float64Array } | null)[];
}

export function parseExecCase(json: unknown): ExecCase {
  if (!isObject(json)) throw new AbwError('ABW_EINVAL', `case must be a JSON object, got ${describe(json)}`, '(top level)');
  for (const k of Object.keys(json)) {
    if (!['op', 'params', 'inputs', 'comment'].includes(k)) throw new AbwError('ABW_EINVAL', `${k} is not a known key; allowed: op, params, inputs`, k);
  }
  const known = (listOps() as readonly OpSpec[]).map((o) => o.name);
  if (typeof json.op !== 'string' || !known.includes(json.op)) {
    throw new AbwError('ABW_EINVAL', `op must be a known op, got ${describe(json.op)}; known ops: ${known.join(', ')}`, 'op');
  }
  const spec = getOp(json.op);
  const params = json.params === undefined ? {} : json.params;
  if (!isObject(params)) throw new AbwError('ABW_EINVAL', `params must be an object, got ${describe(params)}`, 'params');
  if (!Array.isArray(json.inputs)) throw new AbwError('ABW_EINVAL', `inputs must be an array of {"shape", "data"} or null, got ${describe(json.inputs)}`, 'inputs');
  const inputs = json.inputs.map((x: unknown, i: number) => {
    const f = `inputs[${i}]`;
    if (x === null) return null;
    if (!isObject(x)) throw new AbwError('ABW_EINVAL', `${f} must be {"shape", "data"} or null, got ${describe(x)}`, f);
    for (const k of Object.keys(x)) if (k !== 'shape' && k !== 'data') throw new AbwError('ABW_EINVAL', `${f}.${k} is not a known key; allowed: shape, data`, `${f}.${k}`);
    if (!Array.isArray(x.shape)) throw new AbwError('ABW_EINVAL', `${f}.shape must be an array of positive integers, got ${describe(x.shape)}`, `${f}.shape`);
    const shape = x.shape.map((d: unknown, j: number) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1) {
        throw new AbwError('ABW_EINVAL', `${f}.shape[${j}] must be a positive integer, got ${describe(d)}`, `${f}.shape[${j}]`);
      }
      return d;
    });
    if (!Array.isArray(x.data)) throw new AbwError('ABW_EINVAL', `${f}.data must be a flat array of numbers, got ${describe(x.data)}`, `${f}.data`);
    const n = numel(shape);
    if (x.data.length !== n) {
      throw new AbwError('ABW_EINVAL', `${f}.data has ${x.data.length} values; shape [${shape.join(', ')}] needs ${n}`, `${f}.data`);
    }
    const data = new Float64Array(n);
    x.data.forEach((v: unknown, j: number) => (data[j] = readNumber(v, `${f}.data[${j}]`)));
    return { shape, data };
  });
  return { spec, params, inputs };
}

function readCaseText(file: string, io: Io): Promise<string> | string {
  if (file === '-') {
    if (!io.readStdin) throw new UsageError('abw exec: reading a case from stdin is not available here');
    return io.readStdin();
  }
  let size: number;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    throw new AbwError('ABW_EIO', `case file ${file} does not exist or is not a file`, 'CASE');
  }
  if (size > MAX_CASE_BYTES) throw new AbwError('ABW_EIO', `case file ${file} is ${size} bytes; at most ${MAX_CASE_BYTES} are accepted`, 'CASE');
  return fs.readFileSync(file, 'utf8');
}

function parseDType(v: string | undefined, backend: string): { compute: ComputeDType; round?: CaseDType } {
  if (v === undefined) return backend === 'ref' ? { compute: 'f64' } : { compute: 'f32', round: 'f32' };
  if (v === 'f64') {
    if (backend !== 'ref') throw new UsageError(`abw exec: --dtype f64 is the ref oracle's; ${backend} takes ${CASE_DTYPES.join(', ')}`);
    return { compute: 'f64' };
  }
  if (!(CASE_DTYPES as readonly string[]).includes(v)) {
    throw new UsageError(`abw exec: --dtype must be one of ${CASE_DTYPES.join(', ')}${backend === 'ref' ? ', f64' : ''}, got "${v}"`);
  }
  const dt = v as CaseDType;
  if (backend === 'ref') return { compute: dt === 'int8' ? 'int8' : 'f64', round: dt };
  return { compute: dt, round: dt };
}

export async function execCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('exec', argv, EXEC_FLAGS, { maxPositionals: 1 });
  if (values.help) {
    io.out(`${EXEC_HELP}\n`);
    return 0;
  }
  const file = positionals[0];
  if (!file) throw new UsageError(`abw exec: missing CASE.json\n\n${EXEC_HELP}`);
  const backendId = stringFlag(values.backend) ?? 'cpu';
  const dtypeFlag = stringFlag(values.dtype);
  parseDType(dtypeFlag, backendId); // flag errors before any file is read
  const backend = getBackend(backendId);

  const text = await readCaseText(file, io);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AbwError('ABW_EINVAL', `case file ${file} is not valid JSON: ${(e as Error).message}`, 'CASE');
  }
  const c = parseExecCase(json);
  // An op without f32 (ternary_matmul: int8 only) runs in its own dtype unless told otherwise.
  const dt = parseDType(dtypeFlag ?? (!c.spec.dtypes.includes('f32') ? c.spec.dtypes[0] : undefined), backendId);
  const planned = planCall(c.spec, c.inputs.map((x) => (x ? x.shape : null)), c.params);
  const support = backend.supports(c.spec.name, dt.compute, planned.params);
  if (!support.ok) throw new AbwError('ABW_EUNSUPPORTED', `${backendId} cannot run ${c.spec.name} in ${dt.compute}: ${support.reason}`, 'backend');

  const floatStore: DType = dt.compute === 'f64' ? 'f64' : storageDType(dt.compute);
  const inputs: (HostTensor | null)[] = c.inputs.map((x, i) => {
    if (!x) return null;
    const decl = planned.inputs[i];
    const kind = decl?.kind ?? 'float';
    if (kind === 'int8' || kind === 'int32') {
      const [lo, hi] = kind === 'int8' ? [-128, 127] : [-(2 ** 31), 2 ** 31 - 1];
      const arr = kind === 'int8' ? new Int8Array(x.data.length) : new Int32Array(x.data.length);
      x.data.forEach((v, j) => {
        if (!Number.isInteger(v) || v < lo || v > hi) {
          throw new AbwError('ABW_EINVAL', `inputs[${i}].data[${j}] must be an integer in [${lo}, ${hi}] (${decl?.name} is ${kind}), got ${describe(v)}`, `inputs[${i}].data[${j}]`);
        }
        arr[j] = v;
      });
      return { dtype: kind, shape: x.shape, data: arr };
    }
    // Round to the case dtype's storage first, then store as the compute dtype needs.
    // Wide inputs (quantisation scales) stay at least f32 whatever the case dtype.
    const store: DType = kind === 'wide' ? kindStorage('wide', dt.compute) : floatStore;
    const rounded = dt.round ? roundedValues(x.data, kindStorage(kind, dt.round)) : x.data;
    const data = roundToDType(rounded, store);
    return { dtype: store, shape: x.shape, data };
  });

  const outs = await runOp(backend, c.spec.name, inputs, planned.params, dt.compute);
  const outputs = outs.map((t, i) => ({
    name: c.spec.outputs[i]?.name ?? `out${i}`,
    shape: [...t.shape],
    dtype: t.dtype,
    data: Array.from(tensorValues(t), jsonNumber),
  }));
  io.out(`${JSON.stringify({ op: c.spec.name, backend: backendId, dtype: dt.compute, params: planned.params, outputs })}\n`);
  return 0;
}
