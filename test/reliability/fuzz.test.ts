/**
 * Property-based fuzzing (fast-check) of every op's parameters and shapes against the `cpu`
 * and `ref` backends: only clean, coded errors or results that pass the precision judge
 * (cpu vs the ref oracle), never a crash (a crash ends this test process, and the suite fails).
 *
 * Two shares per op, seeded and reproducible (ABW_FUZZ_SEED, ABW_FUZZ_SCALE to go deeper):
 *  - through planCall / runOp: a small valid call of the op mutated (dims resized together or
 *    alone, ranks, omitted / extra inputs, parameters of every type, unknown and prototype
 *    keys). Most are rejected cleanly in TypeScript; the rest run on ref and cpu and are judged.
 *  - straight to the native PreparedOp: the op's valid native call with deliberately
 *    inconsistent shapes, dtypes, tensor counts and parameters, so that the N-API and kernel
 *    checks (not the TS planner) must catch them.
 * At least 10 000 generated cases in all; run under ASan/UBSan by scripts/test-sanitized.sh.
 */
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import * as native from '@abw/native';

import { getBackend } from '../../kernel-bridge/src/backend/registry';
import { runOp } from '../../kernel-bridge/src/backend/run-op';
import type { ComputeDType } from '../../kernel-bridge/src/backend/types';
import { OPS } from '../../kernel-bridge/src/ops/catalogue';
import { generatedDType, generateInputs } from '../../kernel-bridge/src/ops/generate';
import { planCall, type PlannedCall } from '../../kernel-bridge/src/ops/plan-call';
import { kindStorage } from '../../kernel-bridge/src/ops/tensor-kind';
import type { OpSpec, Params } from '../../kernel-bridge/src/ops/types';
import { judge } from '../../kernel-bridge/src/precision/judge';
import { roundToDType, tensorValues } from '../../kernel-bridge/src/precision/dtype-values';
import { numel, type HostTensor, type Shape } from '../../kernel-bridge/src/tensor';

const SEED = Number(process.env.ABW_FUZZ_SEED ?? 20261122);
const SCALE = Number(process.env.ABW_FUZZ_SCALE ?? 1);
const PLANNED_RUNS = Math.round(400 * SCALE);
const NATIVE_RUNS = Math.round(200 * SCALE);
/** Planned calls larger than this are counted and skipped (the point is breadth, not size). */
const MAX_ELEMENTS = 20_000;
const MAX_FLOPS = 2e6;

type Shapes = (number[] | null)[];
interface Template {
  readonly shapes: Shapes;
  readonly params?: Params;
}
const t = (shapes: Shapes, params: Params = {}): Template => ({ shapes, params });

/** A small valid call of every op: what the mutations start from. */
const TEMPLATES: Readonly<Record<string, Template>> = {
  matmul: t([[3, 4], [4, 2]]),
  linear: t([[2, 4], [3, 4], [3]]),
  conv1d: t([[1, 2, 8], [3, 2, 3], [3]], { padding: 1 }),
  conv2d: t([[1, 2, 5, 5], [3, 2, 3, 3], [3]]),
  conv_transpose1d: t([[1, 2, 6], [2, 3, 3], [3]], { stride: 2 }),
  lstm_cell: t([[1, 3], [1, 2], [1, 2], [8, 3], [8, 2], [8], [8]]),
  lstm: t([[3, 1, 3], null, null, [8, 3], [8, 2], [8], [8]]),
  relu: t([[3, 4]]),
  gelu: t([[3, 4]], { approximate: 'tanh' }),
  silu: t([[3, 4]]),
  elu: t([[3, 4]], { alpha: 0.5 }),
  sigmoid: t([[3, 4]]),
  tanh: t([[3, 4]]),
  softmax: t([[3, 4]], { dim: 0 }),
  max_pool1d: t([[1, 2, 8]], { kernel_size: 2 }),
  avg_pool1d: t([[1, 2, 8]], { kernel_size: 3, stride: 2, padding: 1 }),
  max_pool2d: t([[1, 2, 6, 6]], { kernel_size: 2 }),
  avg_pool2d: t([[1, 2, 6, 6]], { kernel_size: 2, ceil_mode: true }),
  layer_norm: t([[2, 4], [4], [4]], { normalized_shape: [4] }),
  batch_norm: t([[2, 3, 4], [3], [3], [3], [3]]),
  instance_norm: t([[1, 3, 4], null, null, [3], [3]]),
  group_norm: t([[1, 4, 3], [4], [4]], { num_groups: 2 }),
  reshape: t([[2, 6]], { shape: [3, 4] }),
  transpose: t([[2, 3]], { dim0: 0, dim1: 1 }),
  permute: t([[2, 3, 4]], { dims: [2, 0, 1] }),
  concat: t([[2, 3], [2, 3]], { dim: 0 }),
  pad: t([[1, 2, 5]], { pad: [1, 2], mode: 'reflect' }),
  slice: t([[2, 8]], { dim: 1, start: 1, end: 7, step: 2 }),
  add: t([[3, 4], [4]]),
  mul: t([[3, 4], [3, 1]]),
  add_bias: t([[1, 3, 4], [3]], { dim: 1 }),
  complex_mul: t([[3, 4, 2], [4, 2]]),
  fft: t([[2, 8, 2]]),
  ifft: t([[2, 6, 2]], { norm: 'ortho' }),
  rfft: t([[2, 8]]),
  irfft: t([[2, 5, 2]], { n: 8 }),
  stft: t([[1, 32]], { n_fft: 8, hop_length: 2 }),
  istft: t([[1, 5, 17, 2]], { n_fft: 8, hop_length: 2 }),
  quantize_ternary: t([[4, 8]]),
  quantize_int8: t([[4, 8]], { dim: -1 }),
  ternary_matmul: t([[2, 8], [3, 8]]),
  dequantize_int32: t([[2, 8], [2, 1]], { weight_scale: 0.05 }),
  argmax: t([[3, 8]], { dim: -1 }),
  index_select: t([[4, 6], [3]], { dim: 0 }),
};

const stats = {
  generated: 0,
  plannedRejected: 0,
  plannedRun: 0,
  plannedTooBig: 0,
  nativeRejectedAfterPlan: 0,
  overflow: 0,
  judged: 0,
  nativeDirect: 0,
  nativeDirectRejected: 0,
  nativeDirectRan: 0,
};
/** TS planned a call that a native backend then refused (cleanly): kind → count and an example. */
const disagreements = new Map<string, { count: number; example: string }>();

// ---- arbitraries ---------------------------------------------------------------------------

const STRINGS = ['none', 'tanh', 'reflect', 'constant', 'replicate', 'circular', 'same', 'valid', 'hann', 'ones', 'backward', 'forward', 'ortho', 'bogus', ''];
const EXTREMES = [NaN, Infinity, -Infinity, 1e9, -1e9, 2 ** 31, 2 ** 53, 0.5, -0.0, Number.MAX_VALUE];

const paramValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3, max: 9 }) },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 3, arbitrary: fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(...EXTREMES) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({}, { a: 1 }, [[1]], [NaN], 'x'.repeat(300), undefined) },
);

const dim: fc.Arbitrary<number> = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 2.5, NaN, 1e9, 2 ** 31, Infinity) },
);

type Mutation =
  | { t: 'resize'; from: number; to: number } // every dim equal to `from` (keeps relations)
  | { t: 'dim'; i: number; a: number; v: number }
  | { t: 'rank'; i: number; grow: boolean; v: number }
  | { t: 'null'; i: number }
  | { t: 'count'; grow: boolean }
  | { t: 'param'; k: string; v: unknown }
  | { t: 'drop'; k: string };

function mutations(spec: OpSpec): fc.Arbitrary<Mutation[]> {
  const keys = [...Object.keys(spec.params), 'bogus', '__proto__', 'constructor'];
  const m: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ t: fc.constant('resize' as const), from: fc.integer({ min: 1, max: 8 }), to: dim }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant('dim' as const), i: fc.nat(9), a: fc.nat(5), v: dim }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('rank' as const), i: fc.nat(9), grow: fc.boolean(), v: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('null' as const), i: fc.nat(9) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('count' as const), grow: fc.boolean() }) },
    { weight: 5, arbitrary: fc.record({ t: fc.constant('param' as const), k: fc.constantFrom(...keys), v: paramValue }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('drop' as const), k: fc.constantFrom(...keys) }) },
  );
  return fc.array(m, { minLength: 0, maxLength: 3 });
}

/** An own, enumerable property even for `__proto__` (an assignment would set the prototype). */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
}

function applyMutations(tpl: Template, muts: readonly Mutation[]): { shapes: Shapes; params: Record<string, unknown> } {
  const shapes: Shapes = tpl.shapes.map((s) => (s ? [...s] : null));
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tpl.params ?? {})) setOwn(params, k, Array.isArray(v) ? [...v] : v);
  for (const m of muts) {
    const pick = (i: number) => (shapes.length ? i % shapes.length : -1);
    switch (m.t) {
      case 'resize':
        for (const s of shapes) if (s) for (let j = 0; j < s.length; j++) if (s[j] === m.from) s[j] = m.to;
        break;
      case 'dim': {
        const s = shapes[pick(m.i)];
        if (s && s.length) s[m.a % s.length] = m.v;
        break;
      }
      case 'rank': {
        const s = shapes[pick(m.i)];
        if (s) {
          if (m.grow) s.unshift(m.v);
          else s.shift();
        }
        break;
      }
      case 'null':
        if (shapes.length) shapes[pick(m.i)] = null;
        break;
      case 'count':
        if (m.grow) shapes.push([...(shapes[0] ?? [2])]);
        else shapes.pop();
        break;
      case 'param':
        setOwn(params, m.k, m.v);
        break;
      case 'drop':
        delete params[m.k];
        break;
    }
  }
  return { shapes, params };
}

// ---- checks --------------------------------------------------------------------------------

/** A clean error: an Error with an ABW_ code (not an internal one) and a message. */
function expectClean(e: unknown, context: string): void {
  if (!(e instanceof Error)) throw new Error(`${context}: threw a non-Error: ${String(e)}`);
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^ABW_E[A-Z]+$/.test(code) || code === 'ABW_EINTERNAL') {
    throw new Error(`${context}: not a clean coded error: ${String(code)}: ${e.message}\n${e.stack ?? ''}`);
  }
  if (e.message.length === 0 || e.message.length > 4000) throw new Error(`${context}: bad message length ${e.message.length}`);
}

function describeCall(op: string, shapes: unknown, params: unknown): string {
  const p: Record<string, unknown> = {};
  for (const k of Object.keys(params as object)) p[k] = (params as Record<string, unknown>)[k];
  return `${op} shapes=${JSON.stringify(shapes)} params=${JSON.stringify(p, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}`;
}

/** ref vs cpu on one planned call, inputs generated and rounded as the matrix runner does. */
async function cpuVsRef(spec: OpSpec, shapes: Shapes, planned: PlannedCall, seed: number): Promise<void> {
  const ctx = describeCall(spec.name, shapes, planned.params);
  const dtype: ComputeDType = spec.dtypes.includes('f32') ? 'f32' : 'int8';
  const generated = generateInputs(spec, shapes as (Shape | null)[], planned.params, seed);
  const cand = generated.map((d, i): HostTensor | null => {
    const shape = shapes[i];
    if (!d || !shape) return null;
    if (!(d instanceof Float64Array)) return { dtype: generatedDType(d), shape, data: d };
    const st = kindStorage(planned.inputs[i]?.kind ?? 'float', dtype);
    return { dtype: st, shape, data: roundToDType(d, st) };
  });
  const oracleIn = cand.map((h, i): HostTensor | null => {
    if (!h || h.dtype === 'int8' || h.dtype === 'int32') return h;
    const st = kindStorage(planned.inputs[i]?.kind ?? 'float', 'f64');
    const v = tensorValues(h);
    return { dtype: st, shape: h.shape, data: v instanceof Float64Array ? v : Float64Array.from(v) };
  });
  const outcome = async (backend: string, inputs: (HostTensor | null)[], dt: ComputeDType) => {
    try {
      return { out: await runOp(getBackend(backend), spec.name, inputs, planned.params, dt) };
    } catch (e) {
      expectClean(e, `${backend}: ${ctx}`);
      return { error: `${(e as { code: string }).code}: ${(e as Error).message}` };
    }
  };
  const ref = await outcome('ref', oracleIn, dtype === 'int8' ? 'int8' : 'f64');
  const cpu = await outcome('cpu', cand, dtype);
  if (!ref.out || !cpu.out) {
    stats.nativeRejectedAfterPlan++;
    const what = `${spec.name}: planned, then ref ${ref.error ?? 'ok'} / cpu ${cpu.error ?? 'ok'}`.replace(/got -?[\d.e+]+/g, 'got N');
    disagreements.set(what, { count: (disagreements.get(what)?.count ?? 0) + 1, example: disagreements.get(what)?.example ?? ctx });
    return;
  }
  // Float parameters beyond the candidate dtype's range (alpha = 1e300 in f32) overflow to ±Inf
  // there, correctly, while the FP64 oracle stays finite: nothing to judge beyond "no crash".
  const oracle = ref.out.map(tensorValues);
  if (dtype === 'f32' && oracle.some((v) => v.some((x) => !Number.isFinite(x) || Math.abs(x) > 1e30))) {
    stats.overflow++;
    return;
  }
  const verdict = judge({
    family: spec.tolerance,
    dtype,
    ...(planned.plan.reduction !== undefined ? { reduction: planned.plan.reduction } : {}),
    outputNames: spec.outputs.map((o) => o.name),
    outputs: cpu.out.map(tensorValues),
    oracle,
  });
  stats.judged++;
  if (verdict.verdict !== 'pass') throw new Error(`cpu vs ref precision ${verdict.verdict}: ${ctx}: ${verdict.reason ?? ''}`);
}

// ---- the native share: valid native calls made inconsistent ------------------------------

const NATIVE_DTYPES = ['f64', 'f32', 'f16', 'bf16', 'int8', 'int32'] as const;
type NDT = (typeof NATIVE_DTYPES)[number];

interface NativeCall {
  backend: 'cpu' | 'ref';
  dtype: string;
  inputs: ({ dtype: NDT; shape: number[] } | null)[];
  outputs: { dtype: NDT; shape: number[] }[];
  params: Record<string, unknown>;
}

type NativeMutation =
  | { t: 'inDim' | 'outDim'; i: number; a: number; v: number }
  | { t: 'inRank' | 'outRank'; i: number; grow: boolean }
  | { t: 'inDType' | 'outDType'; i: number; d: NDT }
  | { t: 'dropIn' | 'dropOut' | 'nullIn' | 'addIn' | 'addOut'; i: number }
  | { t: 'param'; k: string; v: unknown }
  | { t: 'dropParam'; k: string }
  | { t: 'callDType'; d: string };

function nativeMutations(keys: string[]): fc.Arbitrary<NativeMutation[]> {
  const ks = [...keys, 'bogus', '__proto__'];
  const m: fc.Arbitrary<NativeMutation> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ t: fc.constantFrom('inDim' as const, 'outDim' as const), i: fc.nat(9), a: fc.nat(5), v: fc.integer({ min: 1, max: 9 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('inRank' as const, 'outRank' as const), i: fc.nat(9), grow: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('inDType' as const, 'outDType' as const), i: fc.nat(9), d: fc.constantFrom(...NATIVE_DTYPES) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('dropIn' as const, 'dropOut' as const, 'nullIn' as const, 'addIn' as const, 'addOut' as const), i: fc.nat(9) }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant('param' as const), k: fc.constantFrom(...ks), v: paramValue }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('dropParam' as const), k: fc.constantFrom(...ks) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('callDType' as const), d: fc.constantFrom('f64', 'f32', 'f16', 'bf16', 'int8', 'int32', 'tf32', 'x') }) },
  );
  return fc.array(m, { minLength: 1, maxLength: 3 });
}

function baseNativeCall(spec: OpSpec, backend: 'cpu' | 'ref'): NativeCall {
  const tpl = TEMPLATES[spec.name]!;
  const planned = planCall(spec, tpl.shapes as (Shape | null)[], tpl.params ?? {});
  const dtype: ComputeDType = spec.dtypes.includes('f32') ? (backend === 'ref' ? 'f64' : 'f32') : 'int8';
  const st = (kind: Parameters<typeof kindStorage>[0]) => kindStorage(kind, dtype) as NDT;
  return {
    backend,
    dtype,
    inputs: tpl.shapes.map((s, i) => (s ? { dtype: st(planned.inputs[i]?.kind ?? 'float'), shape: [...s] } : null)),
    outputs: spec.outputs.map((o, i) => ({ dtype: st(o.kind), shape: [...(planned.plan.outputs[i] ?? [1])] })),
    params: { ...planned.plan.native },
  };
}

function applyNative(call: NativeCall, muts: readonly NativeMutation[]): NativeCall {
  const c: NativeCall = { ...call, inputs: call.inputs.map((x) => (x ? { ...x, shape: [...x.shape] } : null)), outputs: call.outputs.map((x) => ({ ...x, shape: [...x.shape] })), params: {} };
  for (const [k, v] of Object.entries(call.params)) setOwn(c.params, k, v);
  for (const m of muts) {
    const list = m.t.startsWith('in') || m.t === 'dropIn' || m.t === 'nullIn' || m.t === 'addIn' ? c.inputs : c.outputs;
    const at = 'i' in m && list.length ? m.i % list.length : -1;
    const item = at >= 0 ? list[at] : null;
    switch (m.t) {
      case 'inDim':
      case 'outDim':
        if (item && item.shape.length) item.shape[m.a % item.shape.length] = m.v;
        break;
      case 'inRank':
      case 'outRank':
        if (item) {
          if (m.grow) item.shape.unshift(2);
          else item.shape.shift();
        }
        break;
      case 'inDType':
      case 'outDType':
        if (item) item.dtype = m.d;
        break;
      case 'dropIn':
        if (at >= 0) c.inputs.splice(at, 1);
        break;
      case 'dropOut':
        if (at >= 0) c.outputs.splice(at, 1);
        break;
      case 'nullIn':
        if (at >= 0) c.inputs[at] = null;
        break;
      case 'addIn':
        c.inputs.push({ dtype: (c.inputs.find((x) => x)?.dtype ?? 'f32') as NDT, shape: [2, 3] });
        break;
      case 'addOut':
        c.outputs.push({ dtype: c.outputs[0]?.dtype ?? 'f32', shape: [3] });
        break;
      case 'param':
        setOwn(c.params, m.k, m.v);
        break;
      case 'dropParam':
        delete c.params[m.k];
        break;
      case 'callDType':
        c.dtype = m.d;
        break;
    }
  }
  return c;
}

function makeTensor(spec: { dtype: NDT; shape: number[] }, rng: () => number): native.NativeTensor {
  const n = numel(spec.shape);
  let data: native.NativeArray;
  switch (spec.dtype) {
    case 'f64':
      data = Float64Array.from({ length: n }, () => rng() * 4 - 2);
      break;
    case 'f32':
      data = Float32Array.from({ length: n }, () => rng() * 4 - 2);
      break;
    case 'f16':
    case 'bf16':
      data = native.roundTo(spec.dtype, Float64Array.from({ length: n }, () => rng() * 4 - 2));
      break;
    case 'int8':
      data = Int8Array.from({ length: n }, () => Math.floor(rng() * 3) - 1);
      break;
    case 'int32':
      data = Int32Array.from({ length: n }, () => Math.floor(rng() * 200) - 100);
      break;
  }
  return native.tensor(spec.dtype, spec.shape, data);
}

function runNative(spec: OpSpec, call: NativeCall, seed: number): void {
  let s = seed >>> 0 || 1;
  const rng = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const made: native.NativeTensor[] = [];
  const ctx = `native ${call.backend} ${spec.name} ${call.dtype} in=${JSON.stringify(call.inputs)} out=${JSON.stringify(call.outputs)} params=${describeCall('', [], call.params)}`;
  try {
    const ins = call.inputs.map((x) => {
      if (!x) return null;
      const h = makeTensor(x, rng);
      made.push(h);
      return h;
    });
    const outs = call.outputs.map((x) => {
      const h = makeTensor(x, rng);
      made.push(h);
      return h;
    });
    const op = new native.PreparedOp(call.backend, spec.name, call.dtype as native.NativeDType, ins, outs, call.params as Record<string, native.NativeParamValue>);
    op.run();
    stats.nativeDirectRan++;
  } catch (e) {
    expectClean(e, ctx);
    stats.nativeDirectRejected++;
  } finally {
    for (const h of made) h.free();
  }
}

// ---- the suites ----------------------------------------------------------------------------

describe('fuzz: every op through planCall and runOp on cpu and ref', () => {
  it('every template is a valid call (so each op has a share that reaches native code)', () => {
    expect(Object.keys(TEMPLATES).sort()).toEqual(OPS.map((o) => o.name).sort());
    for (const spec of OPS) {
      const tpl = TEMPLATES[spec.name]!;
      expect(() => planCall(spec, tpl.shapes as (Shape | null)[], tpl.params ?? {}), spec.name).not.toThrow();
    }
  });

  for (const [opIndex, spec] of OPS.entries()) {
    it(`${spec.name}: ${PLANNED_RUNS} mutated calls`, async () => {
      const tpl = TEMPLATES[spec.name]!;
      await fc.assert(
        fc.asyncProperty(mutations(spec), fc.integer({ min: 1, max: 2 ** 30 }), async (muts, seed) => {
          stats.generated++;
          const { shapes, params } = applyMutations(tpl, muts);
          let planned: PlannedCall;
          try {
            planned = planCall(spec, shapes as (Shape | null)[], params);
          } catch (e) {
            expectClean(e, `planCall ${describeCall(spec.name, shapes, params)}`);
            stats.plannedRejected++;
            return;
          }
          const sizes = [...shapes.filter((s): s is number[] => s !== null), ...planned.plan.outputs];
          if (sizes.some((s) => numel(s) > MAX_ELEMENTS) || planned.plan.flops > MAX_FLOPS) {
            stats.plannedTooBig++;
            return;
          }
          stats.plannedRun++;
          await cpuVsRef(spec, shapes, planned, seed);
        }),
        { seed: SEED + opIndex, numRuns: PLANNED_RUNS, endOnFailure: true },
      );
    });
  }
});

describe('fuzz: inconsistent calls straight to the native PreparedOp', () => {
  for (const [opIndex, spec] of OPS.entries()) {
    it(`${spec.name}: ${NATIVE_RUNS} inconsistent native calls`, () => {
      const bases = (['cpu', 'ref'] as const).map((b) => baseNativeCall(spec, b));
      const keys = Object.keys(bases[0]!.params);
      fc.assert(
        fc.property(fc.nat(1), nativeMutations(keys), fc.integer({ min: 1, max: 2 ** 30 }), (which, muts, seed) => {
          stats.generated++;
          stats.nativeDirect++;
          runNative(spec, applyNative(bases[which]!, muts), seed);
        }),
        { seed: SEED + 1000 + opIndex, numRuns: NATIVE_RUNS, endOnFailure: true },
      );
    });
  }
});

afterAll(() => {
  // eslint-disable-next-line no-console
  console.log(
    `fuzz (seed ${SEED}): ${stats.generated} generated cases; planned path: ${stats.plannedRejected} rejected in TS, ${stats.plannedRun} run ` +
      `(${stats.judged} judged pass, ${stats.overflow} beyond f32 range, ${stats.nativeRejectedAfterPlan} rejected natively after planning, ${stats.plannedTooBig} skipped as too big); ` +
      `native path: ${stats.nativeDirect} calls, ${stats.nativeDirectRejected} rejected cleanly, ${stats.nativeDirectRan} ran` +
      (disagreements.size
        ? `\nplanned in TS but refused natively:\n  ${[...disagreements].map(([what, d]) => `${d.count}× ${what}\n     e.g. ${d.example}`).join('\n  ')}`
        : ''),
  );
  if (SCALE >= 1) expect(stats.generated).toBeGreaterThanOrEqual(10_000);
  // A share of every kind: TS rejections, judged native runs, native rejections, native runs.
  expect(stats.plannedRejected).toBeGreaterThan(1000);
  expect(stats.judged).toBeGreaterThan(1000);
  expect(stats.nativeDirectRejected).toBeGreaterThan(500);
});
