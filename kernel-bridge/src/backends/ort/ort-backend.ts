/**
 * The `ort` backends: onnxruntime-node running each catalogue op as a tiny ONNX graph built in
 * TypeScript (graphs/<family>.ts, serialized by onnx-proto.ts), one InferenceSession cached per
 * (op, dtype, input shapes, canonical params). `ort:cpu` uses the CPU execution provider;
 * `ort:cuda` / `ort:coreml` / `ort:dml` the EP of that name where the installed runtime has it
 * (registry.ts probes it).
 *
 * Timing (timer 'host'): onnxruntime-node has no native timing loop, so `measure` calls
 * `session.run` repeatedly from JS and reads the host clock around the batch. Every call
 * therefore includes the JS → N-API → runtime dispatch (feeds/fetches marshalling, the
 * async worker hop; tens of µs per call — see `dispatchOverheadNs()`), which dominates tiny
 * ops. onnxruntime-node has no IO-binding API (IoBinding exists only in the C/C++/Python APIs);
 * what it does support is preallocated outputs (tensors passed as `fetches`), which this
 * backend uses: inputs are ort.Tensors over host buffers created at upload, outputs are
 * preallocated once per prepared call, so no per-call copies or allocations on the JS side.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as OrtTypes from 'onnxruntime-node';

import { AbwError } from '../../errors';
import { specForBackend } from '../../backend/catalogue-spec';
import { variantRefusal } from '../../backend/variant-support';
import { getOp } from '../../ops/catalogue';
import { planForBackend } from '../../backend/plan-for-backend';
import { planStep, segmentTensor } from '../../backend/segment';
import type { Params } from '../../ops/types';
import { allocData, byteSize, numel, type DType, type HostTensor, type Shape, type TypedData } from '../../tensor';
import type {
  BackendInfo,
  ComputeBackend,
  ComputeDType,
  DeviceTensor,
  MeasureOptions,
  MemoryStats,
  PreparedCall,
  SegmentRef,
  SegmentTrace,
  Support,
} from '../../backend/types';
import { GRAPHS, UNSUPPORTED } from './graphs';
import { GraphBuilder, type Elem } from './onnx-proto';

type Ort = typeof OrtTypes;

let ortModule: Ort | undefined;
let ortProblem: string | undefined;

/** onnxruntime-node, loaded once; throws the load problem. */
export function ort(): Ort {
  if (ortModule) return ortModule;
  if (ortProblem) throw new AbwError('ABW_EUNSUPPORTED', ortProblem, 'backend');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ortModule = require('onnxruntime-node') as Ort;
    return ortModule;
  } catch (e) {
    ortProblem = `onnxruntime-node does not load: ${(e as Error).message.split('\n')[0]}`;
    throw new AbwError('ABW_EUNSUPPORTED', ortProblem, 'backend');
  }
}

/** Why onnxruntime-node cannot be used here (undefined: it loads). */
export function ortLoadProblem(): string | undefined {
  try {
    ort();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export type OrtEp = 'cpu' | 'cuda' | 'coreml' | 'dml';

/** The execution providers the installed runtime lists: name → bundled (its library ships in the package). */
export function ortExecutionProviders(): Record<string, boolean> {
  const o = ort();
  const list = typeof o.listSupportedBackends === 'function' ? o.listSupportedBackends() : [{ name: 'cpu', bundled: true }];
  return Object.fromEntries(list.map((b) => [b.name, b.bundled]));
}

/** Why execution provider `ep` cannot be used here (undefined: the runtime lists it and its library is present). */
export function ortEpProblem(ep: OrtEp): string | undefined {
  const load = ortLoadProblem();
  if (load) return load;
  const eps = ortExecutionProviders();
  const runtime = `onnxruntime-node ${ort().env.versions.node ?? ''}`.trim();
  if (!(ep in eps)) {
    return `${runtime} does not list the ${ep} execution provider on ${process.platform}/${process.arch} (listSupportedBackends: ${Object.keys(eps).join(', ')})`;
  }
  if (!eps[ep]) {
    // Not bundled: its provider library is fetched by the package's install script.
    const dir = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const bin = path.join(dir, 'bin', 'napi-v6', process.platform, process.arch);
    const lib = path.join(bin, `libonnxruntime_providers_${ep}.so`);
    if (!fs.existsSync(lib)) {
      return `${runtime} lists ${ep} but its provider library is not installed (${lib} missing: onnxruntime-node's install script, which downloads it, did not run)`;
    }
  }
  return undefined;
}

const OWNER = Symbol('abw.ortTensor');

interface OrtHandle {
  readonly data: TypedData;
  readonly tensor: OrtTypes.Tensor;
  freed: boolean;
}

interface OrtDeviceTensor extends DeviceTensor {
  readonly [OWNER]: OrtHandle;
}

const ORT_TYPE: Readonly<Record<DType, string | undefined>> = {
  f32: 'float32',
  f16: 'float16',
  int8: 'int8',
  int32: 'int32',
  f64: 'float64',
  bf16: undefined,
};

function elemOf(dt: DType): Elem {
  switch (dt) {
    case 'f32':
      return 'float';
    case 'int8':
      return 'int8';
    case 'int32':
      return 'int32';
    case 'f64':
      return 'double';
    case 'f16':
      return 'float16';
    case 'bf16':
      throw new AbwError('ABW_EDTYPE', 'ort: bf16 tensors are not supported');
  }
}

/**
 * ABW_ORT_DUMP_DIR=DIR writes every graph this backend builds to DIR/<name>-<hash>.onnx, so a
 * pipeline stage run as one graph can be opened in an ONNX viewer or run elsewhere.
 */
function dumpModel(name: string, key: string, model: Uint8Array): void {
  const dir = process.env.ABW_ORT_DUMP_DIR;
  if (!dir) return;
  let h = 0x811c9dc5; // FNV-1a of the cache key: the same graph gets the same file name
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name.replace(/[^A-Za-z0-9_.-]+/g, '_')}-${h.toString(16).padStart(8, '0')}.onnx`), model);
}

/** Cache-eviction buffer for cold measurements (touched from JS before each sample). */
const FLUSH_BYTES = 64 * 1024 * 1024;
const SESSION_CACHE_LIMIT = 256;

export class OrtBackend implements ComputeBackend {
  readonly id: string;
  readonly timer = 'host' as const;
  private readonly sessions = new Map<string, Promise<OrtTypes.InferenceSession>>();
  private disposed = false;
  private current = 0;
  private peak = 0;
  private flush: Float64Array | undefined;

  constructor(readonly ep: OrtEp = 'cpu') {
    this.id = `ort:${ep}`;
  }

  info(): BackendInfo {
    const o = ort();
    const eps = ortExecutionProviders();
    return {
      id: this.id,
      engine: `onnxruntime-node, ${this.ep} execution provider, one ONNX graph per op or per pipeline stage`,
      device: this.ep === 'cpu' ? 'host CPU' : `${this.ep} execution provider`,
      available: true,
      libraries: { onnxruntime: o.env.versions.common ?? 'unknown', 'onnxruntime-node': o.env.versions.node ?? 'unknown' },
      dtypes: ['f32', 'int8'],
      features: [`ep:${this.ep}`, `runtime-eps:${Object.keys(eps).join('+')}`, 'preallocated-outputs', 'no-io-binding', 'opset17'],
      timer: 'host',
    };
  }

  /**
   * Whether this backend runs `op` in `dtype`. Some limits depend on resolved params (fft's n);
   * those are checked here when `params` carries them, and again at prepare from the plan.
   */
  supports(op: string, dtype: ComputeDType, params?: Params): Support {
    const { spec, reason } = specForBackend(op);
    if (!spec) return { ok: false, reason };
    // No variant params (conv2d / instance_norm channels_last, instance_norm activation) have graphs here.
    const variant = variantRefusal(this, spec, params);
    if (variant) return { ok: false, reason: variant };
    const unsupported = UNSUPPORTED[op];
    if (unsupported) return { ok: false, reason: `${this.id}: ${op}: ${unsupported}` };
    if (!GRAPHS[op]) return { ok: false, reason: `${this.id}: ${op} has no ONNX graph in this backend yet` };
    if (dtype === 'f64') return { ok: false, reason: `${this.id} runs f32 (int8 for integer ops); f64 is the ref oracle` };
    if (dtype === 'tf32') return { ok: false, reason: `${this.id} has no TF32 mode` };
    if (dtype === 'bf16') return { ok: false, reason: `${this.id}: onnxruntime-node has no bfloat16 tensors in its JS API and the CPU EP lacks bf16 kernels for most ops` };
    if (dtype === 'f16') {
      return {
        ok: false,
        reason: `${this.id}: float16 graphs are not built yet (the CPU EP has float16 kernels for only some ops, so each would need probing)`,
      };
    }
    if (!spec.dtypes.includes(dtype)) return { ok: false, reason: `${op} is defined for ${spec.dtypes.join(', ')}, not ${dtype}` };
    const why = params ? GRAPHS[op].unsupported?.(params) : undefined;
    if (why) return { ok: false, reason: `${this.id}: ${op}: ${why}` };
    return { ok: true };
  }

  upload(t: HostTensor): DeviceTensor {
    this.checkAlive();
    const type = ORT_TYPE[t.dtype];
    if (!type) throw new AbwError('ABW_EDTYPE', `${this.id}: ${t.dtype} tensors are not supported`);
    const data = t.data.slice() as TypedData;
    return this.wrap(t.dtype, t.shape, data);
  }

  async download(t: DeviceTensor): Promise<HostTensor> {
    const h = this.own(t, 'tensor');
    return { dtype: t.dtype, shape: t.shape, data: h.data.slice() as TypedData };
  }

  free(t: DeviceTensor): void {
    const h = (t as Partial<OrtDeviceTensor>)[OWNER];
    if (!h) throw new AbwError('ABW_EINVAL', 'tensor is not a tensor of an ort backend', 'tensor');
    if (h.freed) return;
    h.freed = true;
    this.current -= h.data.byteLength;
  }

  async run(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): Promise<DeviceTensor[]> {
    const call = this.prepare(op, inputs, params, dtype);
    await call.run();
    return [...call.outputs];
  }

  prepare(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): PreparedCall {
    // One op is a segment of one step: the same graph building, session cache and timing.
    const given = inputs.filter((t): t is DeviceTensor => t !== null);
    let k = 0;
    const refs = inputs.map((t) => (t ? { input: k++ } : null));
    const n = getOp(op).outputs.length;
    return this.compile({
      name: op,
      inputs: given,
      steps: [{ op, inputs: refs, params, dtype }],
      outputs: Array.from({ length: n }, (_, output) => ({ step: 0, output })),
    });
  }

  /**
   * A traced chain of ops as one ONNX graph and one session run (a pipeline stage without host
   * round trips between its ops). Each step is planned and checked as `prepare` would check it
   * alone; the first step this backend cannot express is named in the ABW_EUNSUPPORTED error.
   */
  prepareSegment(trace: SegmentTrace): PreparedCall {
    return this.compile(trace);
  }

  /** The graph, session and timing of a chain of ops; `prepare` is the chain of one. */
  private compile(trace: SegmentTrace): PreparedCall {
    this.checkAlive();
    const handles = trace.inputs.map((t, i) => this.own(t, `[${trace.name}] segment input ${i}`));
    // Plan every step on stand-in tensors (shape and dtype are all planning reads).
    const produced: DeviceTensor[][] = [];
    const planned = trace.steps.map((step, si) => {
      const ins = step.inputs.map((r) => (r ? segmentTensor(trace, produced, r) : null));
      const plan = planStep(trace, si, () => {
        const p = planForBackend(this, step.op, ins, step.params, step.dtype);
        const why = GRAPHS[step.op]!.unsupported?.(p.planned.plan.native);
        if (why) throw new AbwError('ABW_EUNSUPPORTED', `${this.id}: ${step.op}: ${why}`);
        return p;
      });
      produced.push(plan.outputs.map((o) => ({ backend: this.id, dtype: o.dtype, shape: o.shape })));
      return { step, ins, plan };
    });
    const outDecl = trace.outputs.map((r) => segmentTensor(trace, produced, r));
    const outputs = outDecl.map((o) => this.wrap(o.dtype, o.shape, allocData(o.dtype, numel(o.shape))));
    const key = JSON.stringify([
      trace.inputs.map((t) => [t.dtype, t.shape]),
      planned.map(({ step, plan }) => [step.op, step.dtype, step.inputs, plan.planned.plan.native]),
      trace.outputs,
    ]);
    const session = () =>
      this.session(key, () => {
        const opset = Math.max(17, ...planned.map(({ step }) => GRAPHS[step.op]!.opset ?? 17));
        const g = new GraphBuilder(opset);
        const inNames = trace.inputs.map((t, i) => g.input(`in${i}`, elemOf(t.dtype), t.shape));
        const values: string[][] = [];
        const name = (r: SegmentRef): string => ('input' in r ? inNames[r.input]! : values[r.step]![r.output]!);
        for (const { step, ins, plan } of planned) {
          values.push(
            GRAPHS[step.op]!.build({
              g,
              ins: step.inputs.map((r) => (r ? name(r) : null)),
              shapes: ins.map((t) => (t ? t.shape : null)),
              p: plan.planned.plan.native,
              outShapes: plan.planned.plan.outputs,
              elem: 'float',
            }),
          );
        }
        trace.outputs.forEach((r, i) => g.output(`out${i}`, name(r), elemOf(outDecl[i]!.dtype), outDecl[i]!.shape));
        const model = g.model();
        dumpModel(trace.name, key, model);
        return model;
      });
    const feeds: Record<string, OrtTypes.Tensor> = {};
    handles.forEach((h, i) => {
      feeds[`in${i}`] = h.tensor;
    });
    const fetches: Record<string, OrtTypes.Tensor> = {};
    outputs.forEach((t, i) => {
      fetches[`out${i}`] = t[OWNER].tensor;
    });
    const runOnce = async (s: OrtTypes.InferenceSession): Promise<void> => {
      const result = await s.run(feeds, fetches);
      // Preallocated outputs are written in place; copy only if the runtime returned its own.
      outputs.forEach((t, i) => {
        const r = result[`out${i}`];
        const mine = t[OWNER];
        if (r && r.data !== mine.data) mine.data.set(r.data as ArrayLike<number> as never);
      });
    };
    let disposed = false;
    return {
      outputs,
      run: async () => {
        await runOnce(await session());
      },
      measure: async (o: MeasureOptions) => {
        const s = await session();
        await runOnce(s); // warm: session initialised, first-run allocations done
        const out: number[] = [];
        for (let k = 0; k < o.samples; k++) {
          if (o.cold) this.evictCaches();
          const t0 = process.hrtime.bigint();
          for (let it = 0; it < o.iterations; it++) await s.run(feeds, fetches);
          out.push(Number(process.hrtime.bigint() - t0) / o.iterations);
        }
        return out;
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        outputs.forEach((t) => this.free(t));
      },
    };
  }

  /**
   * Nanoseconds of one `session.run` of an Identity graph on one float: the JS→runtime call
   * overhead included in every timing of this backend.
   */
  async dispatchOverheadNs(iterations = 200): Promise<number> {
    const t = this.upload({ dtype: 'f32', shape: [1], data: new Float32Array([1]) });
    const call = this.prepare('reshape', [t], { shape: [1] }, 'f32');
    try {
      const ns = await call.measure({ iterations, samples: 3 });
      return Math.min(...ns);
    } finally {
      call.dispose();
      this.free(t);
    }
  }

  async sync(): Promise<void> {
    // session.run's promise resolves when the outputs are written: nothing is in flight.
  }

  memory(): MemoryStats {
    return { currentBytes: this.current, peakBytes: this.peak };
  }

  resetPeak(): void {
    this.peak = this.current;
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.sessions.values()) s.then((x) => x.release()).catch(() => undefined);
    this.sessions.clear();
  }

  /** Number of cached sessions (tests). */
  get cachedSessions(): number {
    return this.sessions.size;
  }

  private session(key: string, model: () => Uint8Array): Promise<OrtTypes.InferenceSession> {
    const hit = this.sessions.get(key);
    if (hit) {
      this.sessions.delete(key);
      this.sessions.set(key, hit); // most recently used last
      return hit;
    }
    if (this.sessions.size >= SESSION_CACHE_LIMIT) {
      const [oldKey, old] = this.sessions.entries().next().value as [string, Promise<OrtTypes.InferenceSession>];
      this.sessions.delete(oldKey);
      old.then((x) => x.release()).catch(() => undefined);
    }
    const created = ort()
      .InferenceSession.create(model(), {
        executionProviders: [this.ep],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      })
      .catch((e: Error) => {
        this.sessions.delete(key);
        throw new AbwError('ABW_EUNSUPPORTED', `${this.id}: the runtime rejected the ONNX graph for ${key}: ${e.message.split('\n')[0]}`);
      });
    this.sessions.set(key, created);
    return created;
  }

  private evictCaches(): void {
    if (!this.flush) this.flush = new Float64Array(FLUSH_BYTES / 8);
    const f = this.flush;
    for (let i = 0; i < f.length; i += 8) f[i] += 1;
  }

  private wrap(dtype: DType, shape: Shape, data: TypedData): OrtDeviceTensor {
    const type = ORT_TYPE[dtype];
    if (!type) throw new AbwError('ABW_EDTYPE', `${this.id}: ${dtype} tensors are not supported`);
    const tensor = new (ort().Tensor)(type as 'float32', data as Float32Array, [...shape]);
    this.current += numel(shape) * byteSize(dtype);
    this.peak = Math.max(this.peak, this.current);
    return Object.freeze({ backend: this.id, dtype, shape: Object.freeze([...shape]), [OWNER]: { data, tensor, freed: false } });
  }

  private checkAlive(): void {
    if (this.disposed) throw new AbwError('ABW_EINVAL', `backend ${this.id} was disposed`);
  }

  private own(t: DeviceTensor | null | undefined, what: string): OrtHandle {
    const h = t && (t as Partial<OrtDeviceTensor>)[OWNER];
    if (!t || !h) throw new AbwError('ABW_EINVAL', `${what} is not a tensor of an ort backend`, what);
    if (t.backend !== this.id) throw new AbwError('ABW_EINVAL', `${what} belongs to backend ${t.backend}, not ${this.id}`, what);
    if (h.freed) throw new AbwError('ABW_EINVAL', `${what} was freed`, what);
    return h;
  }
}
