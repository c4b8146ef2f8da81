/**
 * One case → one ResultRecord. Pure with respect to the journal and the terminal: it reads the
 * case and its context, runs backends, and returns the record (so it can later run in a child
 * process). A case that throws becomes `status: 'error'` (or `oom` / `timeout` by code); a
 * backend that cannot run it becomes `unsupported` with the backend's reason.
 *
 * Precision follows DESIGN.md: FP64 inputs are generated once per matrix case, rounded to the
 * case dtype, and the oracle (`ref`) runs on the rounded values widened to f64. For f16 / bf16 /
 * tf32 the same backend also runs in f32 on the same rounded inputs (the vs-FP32 comparison).
 */
import { AbwError } from '../errors';
import type { ComputeBackend, ComputeDType, DeviceTensor, PreparedCall } from '../backend/types';
import { runOp } from '../backend/run-op';
import { inputVariantRefusal } from '../backend/variant-support';
import { generatedDType, generateInputs } from '../ops/generate';
import { getOp } from '../ops/catalogue';
import { planCall, type PlannedCall } from '../ops/plan-call';
import type { OpSpec } from '../ops/types';
import { kindStorage } from '../ops/tensor-kind';
import { measureCall, type MeasureCallOptions } from '../measure/measure-call';
import { hostMemory } from '../measure/memory';
import { judge } from '../precision/judge';
import { roundToDType, tensorValues, type Values } from '../precision/dtype-values';
import type { CaseStatus, Derived, MemoryUsage, PrecisionResult, ResultRecord, Timing } from '../results/record';
import { byteSize, numel, storageDType, type CaseDType, type DType, type HostTensor, type Shape } from '../tensor';
import { caseSeed } from './case-key';
import type { Case } from './expand';
import { executePipelineCase } from './pipeline-executor';
import type { MeasureSettings } from './spec';

export const ORACLE_BACKEND = 'ref';

/** Oracle outputs per (inputs, rounding dtype), bounded in bytes; oldest entries go first. */
export class OracleCache {
  private readonly map = new Map<string, { outputs: Values[]; bytes: number }>();
  private bytes = 0;
  hits = 0;
  misses = 0;
  constructor(private readonly maxBytes = 512 * 1024 * 1024) {}

  get(key: string): Values[] | undefined {
    const e = this.map.get(key);
    if (e) {
      this.hits++;
      this.map.delete(key);
      this.map.set(key, e);
    } else this.misses++;
    return e?.outputs;
  }

  set(key: string, outputs: Values[]): void {
    const bytes = outputs.reduce((s, o) => s + o.byteLength, 0);
    if (bytes > this.maxBytes) return;
    this.map.delete(key);
    this.map.set(key, { outputs, bytes });
    this.bytes += bytes;
    for (const [k, e] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= e.bytes;
    }
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}

export interface ExecContext {
  /** Run seed; each case's inputs are seeded from it and the case's input key. */
  readonly seed: number;
  /** Overrides applied over each case's measure settings (CLI flags). */
  readonly measure?: MeasureSettings;
  /** Returns a ready backend or throws (ABW_EUNSUPPORTED with the reason when unavailable). */
  readonly backend: (id: string) => ComputeBackend;
  readonly oracle: OracleCache;
  readonly signal?: AbortSignal;
}

/** The compute dtype the oracle runs a case in. */
function oracleDType(dtype: CaseDType): ComputeDType {
  return dtype === 'int8' ? 'int8' : 'f64';
}

function hostTensor(dtype: DType, shape: Shape, data: HostTensor['data']): HostTensor {
  return { dtype, shape, data };
}

/**
 * Float and wide inputs stored as `dtype` needs (rounded to its storage: tf32 cases get f32, the
 * mode rounds inside the op; wide ones at least f32); integer inputs, and inputs already in that
 * storage, pass through.
 */
function storeInputs(inputs: readonly (HostTensor | null)[], planned: PlannedCall, dtype: ComputeDType): (HostTensor | null)[] {
  return inputs.map((t, i) => {
    if (!t) return null;
    const kind = planned.inputs[i]?.kind ?? 'float';
    if (kind !== 'float' && kind !== 'wide') return t;
    const st = kindStorage(kind, dtype);
    if (t.dtype === st) return t;
    return hostTensor(st, t.shape, roundToDType(f64(t), st));
  });
}

/** Float values of a host tensor as f64 (exact widening). */
function f64(t: HostTensor): Float64Array {
  const v = tensorValues(t);
  return v instanceof Float64Array ? v : Float64Array.from(v);
}

/**
 * The values of the op's `addend` input (a residual), for its one output's precision slack
 * (precision/tolerance.ts `addendSlack`); undefined when the op has none or the case omits it.
 */
function addendOf(spec: OpSpec, planned: PlannedCall, rounded: readonly (HostTensor | null)[]): { input: string; values: Values } | undefined {
  const i = planned.inputs.findIndex((d) => d.addend);
  const t = i >= 0 ? rounded[i] : null;
  if (!t || spec.outputs.length !== 1) return undefined;
  return { input: planned.inputs[i]!.name, values: f64(t) };
}

function errorStatus(code: string | undefined): CaseStatus {
  if (code === 'ABW_ENOMEM') return 'oom';
  if (code === 'ABW_ETIMEOUT') return 'timeout';
  return 'error';
}

function bytesMoved(spec: OpSpec, planned: PlannedCall, shapes: readonly (Shape | null)[], dtype: CaseDType): number {
  let bytes = 0;
  planned.inputs.forEach((d, i) => {
    const s = shapes[i];
    if (s) bytes += numel(s) * byteSize(kindStorage(d.kind, dtype));
  });
  spec.outputs.forEach((d, i) => {
    const s = planned.plan.outputs[i];
    if (s) bytes += numel(s) * byteSize(kindStorage(d.kind, dtype));
  });
  return bytes;
}

async function oracleOutputs(ctx: ExecContext, c: Case, rounded: readonly (HostTensor | null)[], planned: PlannedCall): Promise<Values[]> {
  const odt = oracleDType(c.dtype);
  // f32 and tf32 share rounded inputs (tf32 rounds inside the matmul), hence storage dtype.
  const key = `${c.inputKey}|${storageDType(c.dtype)}|${odt}`;
  const hit = ctx.oracle.get(key);
  if (hit) return hit;
  const ref = ctx.backend(ORACLE_BACKEND);
  const support = ref.supports(c.op, odt, planned.params);
  if (!support.ok) throw new AbwError('ABW_EUNSUPPORTED', `the oracle (${ORACLE_BACKEND}) cannot run ${c.op} in ${odt}: ${support.reason}`);
  const outs = await runOp(ref, c.op, storeInputs(rounded, planned, odt), planned.params, odt);
  const wide = outs.map(tensorValues);
  ctx.oracle.set(key, wide);
  return wide;
}

/** Matrix measure settings → measureCall options (measure/ fills what is left out). */
export function measureOptions(m: MeasureSettings, timer: ComputeBackend['timer'], seed: number): MeasureCallOptions {
  return {
    timer,
    seed,
    ...(m.mode === 'cold' ? { cold: true } : {}),
    ...(m.target !== undefined ? { target: m.target } : {}),
    ...(m.minSamples !== undefined ? { minSamples: m.minSamples } : {}),
    ...(m.maxSamples !== undefined ? { maxSamples: m.maxSamples } : {}),
    ...(m.budgetMs !== undefined ? { budgetMs: m.budgetMs } : {}),
    ...(m.warmupMs !== undefined ? { warmupMs: m.warmupMs } : {}),
    ...(m.sampleMs !== undefined ? { minSampleNs: m.sampleMs * 1e6 } : {}),
  };
}

/** The fields every record of case `c` has, whatever its status. */
export function recordBase(c: Case, runSeed: number, startedAt: string) {
  return {
    key: c.key,
    kind: c.kind,
    op: c.op,
    backend: c.backend,
    dtype: c.dtype,
    label: c.label,
    params: c.params,
    shapes: c.shapes.map((s) => (s ? [...s] : null)),
    seed: caseSeed(runSeed, c.inputKey),
    startedAt,
  };
}

export async function executeCase(c: Case, ctx: ExecContext): Promise<ResultRecord> {
  if (c.kind === 'pipeline') return executePipelineCase(c, ctx);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const base = recordBase(c, ctx.seed, startedAt);
  const finish = (rest: Partial<ResultRecord> & { status: CaseStatus }): ResultRecord => ({
    ...base,
    ...rest,
    durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
  });

  // Unsupported: decided before any work, with the backend's own reason.
  let backend: ComputeBackend;
  try {
    backend = ctx.backend(c.backend);
  } catch (e) {
    const err = e as AbwError;
    if (err.code === 'ABW_EUNSUPPORTED') return finish({ status: 'unsupported', reason: err.message });
    return finish({ status: 'error', error: { code: err.code ?? 'ABW_EINTERNAL', message: err.message } });
  }
  const support = backend.supports(c.op, c.dtype, c.params);
  if (!support.ok) return finish({ status: 'unsupported', reason: support.reason });

  const device: DeviceTensor[] = [];
  let prepared: PreparedCall | undefined;
  try {
    if (ctx.signal?.aborted) throw new AbwError('ABW_EINTERNAL', 'run aborted');
    const spec = getOp(c.op);
    const planned = planCall(spec, c.shapes, c.params);
    // A variant input (matmul's residual) the backend does not take: unsupported, before any work.
    const inputVariant = inputVariantRefusal(backend, spec, planned.params, c.shapes);
    if (inputVariant) return finish({ status: 'unsupported', reason: inputVariant });
    const generated = generateInputs(spec, c.shapes, planned.params, base.seed);
    const inputs64 = generated.map((d, i): HostTensor | null => {
      const shape = c.shapes[i];
      if (!d || !shape) return null;
      return hostTensor(generatedDType(d), shape, d);
    });
    const rounded = storeInputs(inputs64, planned, c.dtype);
    // Test-only fault ops have no oracle and no precision verdict: they only have to run.
    const oracle = spec.testOnly ? undefined : await oracleOutputs(ctx, c, rounded, planned);

    let fp32: Values[] | undefined;
    if (oracle && (c.dtype === 'f16' || c.dtype === 'bf16' || c.dtype === 'tf32')) {
      const s32 = backend.supports(c.op, 'f32', planned.params);
      if (s32.ok) fp32 = (await runOp(backend, c.op, storeInputs(rounded, planned, 'f32'), planned.params, 'f32')).map(tensorValues);
    }

    // Memory: the native peak from here on is the candidate's inputs, outputs and scratch.
    const hostBefore = hostMemory();
    backend.resetPeak();
    const candIn = rounded.map((t) => {
      if (!t) return null;
      const d = backend.upload(t);
      device.push(d);
      return d;
    });
    prepared = backend.prepare(c.op, candIn, planned.params, c.dtype);
    await prepared.run();
    await backend.sync();
    const outs = await Promise.all(prepared.outputs.map((t) => backend.download(t)));
    const addend = addendOf(spec, planned, rounded);
    const precision: PrecisionResult | undefined = oracle && judge({
      family: spec.tolerance,
      dtype: c.dtype,
      reduction: planned.plan.reduction,
      outputNames: spec.outputs.map((o) => o.name),
      outputs: outs.map(tensorValues),
      oracle,
      ...(fp32 ? { fp32 } : {}),
      ...(addend ? { addends: [addend.values], addendInput: addend.input } : {}),
    });

    if (ctx.signal?.aborted) throw new AbwError('ABW_EINTERNAL', 'run aborted');
    const timing: Timing = await measureCall(prepared, measureOptions({ ...c.measure, ...(ctx.measure ?? {}) }, backend.timer, base.seed));
    const mem = backend.memory();
    const hostAfter = hostMemory();

    const flops = planned.plan.flops;
    const bytes = bytesMoved(spec, planned, c.shapes, c.dtype);
    const median = timing.stats.median;
    const derived: Derived = {
      flops,
      bytes,
      ...(median > 0 && flops > 0 ? { gflops: flops / median } : {}),
      ...(median > 0 ? { gbps: bytes / median } : {}),
    };
    const memory: MemoryUsage = {
      hostRssDeltaBytes: hostAfter.rssBytes - hostBefore.rssBytes,
      hostPeakRssBytes: hostAfter.peakRssBytes,
      nativePeakBytes: mem.peakBytes,
    };
    return finish({ status: 'ok', timing, derived, memory, ...(precision ? { precision } : {}) });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const code = (err as { code?: unknown }).code;
    const codeStr = typeof code === 'string' ? code : 'ABW_EINTERNAL';
    if (codeStr === 'ABW_EUNSUPPORTED') return finish({ status: 'unsupported', reason: err.message });
    return finish({ status: errorStatus(codeStr), error: { code: codeStr, message: err.message } });
  } finally {
    try {
      prepared?.dispose();
    } catch {
      // already released
    }
    for (const d of device) {
      try {
        backend.free(d);
      } catch {
        // already released
      }
    }
  }
}
