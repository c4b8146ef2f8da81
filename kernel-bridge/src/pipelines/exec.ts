/**
 * A pipeline's view of a backend: ops by catalogue name on device tensors, host values in and
 * out, and a tally of what ran where. Every pipeline is written against this (and so against
 * ComputeBackend) once; nothing here knows a particular backend.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ComputeBackend, ComputeDType, DeviceTensor, PreparedCall } from '../backend/types';
import { AbwError } from '../errors';
import { isStandIn, NotTraceable, SegmentRecorder } from './segment-trace';
import { callSignature, OpProfiler, type OpProfile } from './op-profile';
import type { Params } from '../ops/types';
import type { PipelineInput, PipelineOutput } from './types';
import { kindStorage } from '../ops/tensor-kind';
import { roundToDType, tensorValues } from '../precision/dtype-values';
import { allocData, numel, shapeStr, type DType, type HostTensor, type Shape, type TypedData } from '../tensor';

/** Where each stage ran and how often the pipeline crossed between device and host. */
export interface ExecTally {
  /** Catalogue ops issued on the backend, by name. */
  readonly deviceOps: Map<string, number>;
  /** Steps done on the host between backend calls (no catalogue op for them). */
  readonly hostStages: Set<string>;
  /** Downloads whose values the host then used (device → host round trips). */
  roundTrips: number;
  /** Stages run through `segment`, on a backend that compiles them: one call, or why not. */
  readonly segments: Map<string, SegmentOutcome>;
}

/** A run's output on the host: call it for the f64 values; `release` hands its buffer back. */
export interface HostOutput {
  (): Float64Array;
  release(): void;
}

/**
 * What a run returns over its downloaded output: `output` widens on first read (a getter, so
 * building the object reads nothing), `release` hands the host buffer back; `extra` adds the
 * pipeline's own checks (codes, integer taps).
 */
export function pipelineOutput(values: HostOutput, shape: Shape, extra: Pick<PipelineOutput, 'codes' | 'integerTaps'> = {}): PipelineOutput {
  return {
    get output() {
      return values();
    },
    release: values.release,
    shape,
    ...extra,
  };
}

/** Host values as f64 (exact for every storage dtype). */
function toF64(v: Float64Array | Int8Array | Int32Array): Float64Array {
  return v instanceof Float64Array ? v : Float64Array.from(v);
}

/** A run's output assembled from pieces on the host (PipelineExec.outputParts). */
export interface OutputAssembly {
  /** Piece `i` (its dtype and shape): its download starts now. The assembly owns it from here. */
  put(i: number, t: DeviceTensor): Promise<void>;
  /** Waits for every piece's download, frees the pieces, and returns the whole output. */
  finish(): Promise<HostOutput>;
}

/** The shape of one of `parts` equal pieces of `shape` along `dim`; every dim before it is 1. */
function partShape(what: string, shape: Shape, dim: number, parts: number): Shape {
  if (!Number.isInteger(dim) || dim < 0 || dim >= shape.length) throw new AbwError('ABW_EINTERNAL', `${what}: dim ${dim} is outside ${shapeStr(shape)}`);
  if (shape.slice(0, dim).some((d) => d !== 1)) {
    throw new AbwError('ABW_EINTERNAL', `${what}: the dims before ${dim} of ${shapeStr(shape)} must be 1 (pieces are contiguous ranges)`);
  }
  if (!Number.isInteger(parts) || parts < 1 || shape[dim]! % parts !== 0) {
    throw new AbwError('ABW_EINTERNAL', `${what}: ${parts} parts do not divide dim ${dim} of ${shapeStr(shape)}`);
  }
  return shape.map((d, i) => (i === dim ? d / parts : d));
}

export type SegmentOutcome = { readonly mode: 'one-call'; readonly ops: number } | { readonly mode: 'op-by-op'; readonly reason: string };

export class PipelineExec {
  readonly tally: ExecTally = { deviceOps: new Map(), hostStages: new Set(), roundTrips: 0, segments: new Map() };
  private readonly live = new Set<DeviceTensor>();
  /** Run inputs already in this run's float storage (see uploadInput). */
  private readonly staged = new WeakMap<PipelineInput, HostTensor>();
  /**
   * The recording of the segment whose body is running, bound to that body's async context: ops
   * the body issues are recorded, while work running beside it (another band of the same run)
   * is not, and a segment inside a body records into the outer one.
   */
  private readonly recording = new AsyncLocalStorage<SegmentRecorder>();
  private profiler: OpProfiler | undefined;
  /** Host buffers of released outputs, by dtype and length, for the next run's download. */
  private readonly hostPool = new Map<string, TypedData[]>();

  private get recorder(): SegmentRecorder | undefined {
    return this.recording.getStore();
  }

  constructor(
    readonly backend: ComputeBackend,
    /** Compute dtype of the float path: f64 on the oracle, f32/f16/bf16 elsewhere. */
    readonly dtype: ComputeDType,
  ) {}

  /** Float values as a tensor in this run's float storage (rounded once, ties to even). */
  upload(values: Float64Array, shape: Shape): DeviceTensor {
    if (values.length !== numel(shape)) {
      throw new AbwError('ABW_EINTERNAL', `pipeline upload: ${values.length} values for shape ${shapeStr(shape)}`);
    }
    const st = kindStorage('float', this.dtype);
    const t: HostTensor = { dtype: st, shape, data: st === 'f64' ? values : roundToDType(values, st) };
    return this.uploaded(this.backend.upload(t));
  }

  /**
   * A run's input, as `upload`, with the rounding to the float storage done once per input: an
   * audio application holds its samples in that storage already, so the timed runs start there
   * (a PyTorch peer's input is a float32 tensor, too). Inputs never change (PipelineInput).
   */
  uploadInput(input: PipelineInput, shape: Shape): DeviceTensor {
    return this.uploaded(this.backend.upload(this.stage(input, shape)));
  }

  /**
   * A run's input as `parts` equal pieces along `dim` (a pipeline's bands), each its own tensor,
   * staged as `uploadInput` stages it. Every dim before `dim` must be 1, so each piece is one
   * contiguous range of the staged input and needs no device slice. Where the backend has queued
   * copies (cuda), the pieces upload on a copy stream while the first bands already compute.
   */
  uploadInputParts(input: PipelineInput, shape: Shape, dim: number, parts: number): DeviceTensor[] {
    const pieceShape = partShape('uploadInputParts', shape, dim, parts);
    const t = this.stage(input, shape);
    const per = numel(pieceShape);
    const queued = this.queuesCopies() ? this.backend.uploadQueued!.bind(this.backend) : undefined;
    return Array.from({ length: parts }, (_, i) => {
      const piece: HostTensor = { dtype: t.dtype, shape: pieceShape, data: t.data.subarray(i * per, (i + 1) * per) };
      return this.uploaded(queued ? queued(piece) : this.backend.upload(piece));
    });
  }

  /** The input rounded to this run's float storage, once per input and shape (see uploadInput). */
  private stage(input: PipelineInput, shape: Shape): HostTensor {
    const st = kindStorage('float', this.dtype);
    let t = this.staged.get(input);
    if (!t || t.dtype !== st || shapeStr(t.shape) !== shapeStr(shape)) {
      if (input.data.length !== numel(shape)) {
        throw new AbwError('ABW_EINTERNAL', `pipeline input: ${input.data.length} values for shape ${shapeStr(shape)}`);
      }
      const rounded = st === 'f64' ? input.data : roundToDType(input.data, st);
      // Staged where the backend copies from fastest (cuda: page-locked memory), once per input.
      const fast = this.backend.hostArray?.(st, rounded.length);
      if (fast) fast.set(rounded);
      t = { dtype: st, shape, data: fast ?? rounded };
      this.staged.set(input, t);
    }
    return t;
  }

  uploadInt8(values: Int8Array, shape: Shape): DeviceTensor {
    return this.uploaded(this.backend.upload({ dtype: 'int8', shape, data: values }));
  }

  /** One op with one output; `opDtype` overrides the float dtype (int8 for ternary_matmul). */
  async op(name: string, inputs: readonly (DeviceTensor | null)[], params: Params = {}, opDtype?: ComputeDType): Promise<DeviceTensor> {
    const outs = await this.ops(name, inputs, params, opDtype);
    for (const t of outs.slice(1)) this.free(t);
    return outs[0]!;
  }

  async ops(name: string, inputs: readonly (DeviceTensor | null)[], params: Params = {}, opDtype?: ComputeDType): Promise<DeviceTensor[]> {
    if (this.recorder) return this.recorder.record(name, inputs, params, opDtype ?? this.dtype);
    const dtype = opDtype ?? this.dtype;
    const outs = this.profiler ? await this.profiledRun(this.profiler, name, inputs, params, dtype) : await this.backend.run(name, inputs, params, dtype);
    this.tally.deviceOps.set(name, (this.tally.deviceOps.get(name) ?? 0) + 1);
    return outs.map((t) => this.track(t));
  }

  /** Values of a tensor on the host (exact widening to f64; integers keep their type). */
  async values(t: DeviceTensor): Promise<Float64Array | Int8Array | Int32Array> {
    if (this.recorder) throw new NotTraceable('the stage reads a tensor on the host');
    this.tally.roundTrips++;
    return tensorValues(await this.backend.download(t));
  }

  async floats(t: DeviceTensor): Promise<Float64Array> {
    return toF64(await this.values(t));
  }

  /**
   * A run's final output: downloaded now, in its storage dtype, and widened to f64 when first
   * read. The timed part of a run ends with the values on the host, as a PyTorch peer's ends
   * with `.cpu()`; the widening is for the precision checks only. Where the backend downloads
   * into the caller's memory (cuda: page-locked), the host buffer comes from this exec's pool,
   * and `release` returns it there for the next run.
   */
  async outputFloats(t: DeviceTensor): Promise<HostOutput> {
    if (this.recorder) throw new NotTraceable('the stage reads a tensor on the host');
    this.tally.roundTrips++;
    const n = numel(t.shape);
    const buf = this.backend.downloadInto ? this.pooled(t.dtype, n) : undefined;
    if (buf) {
      await this.backend.downloadInto!(t, buf);
      return this.hostOutput({ dtype: t.dtype, shape: t.shape, data: buf }, true);
    }
    return this.hostOutput(await this.backend.download(t), false);
  }

  /**
   * A run's final output built from `parts` equal pieces along `dim` (every dim before it 1), as
   * `outputFloats` of their concatenation, but with no concatenation on the device: each piece
   * is downloaded straight into its place in one host buffer as soon as the pipeline `put`s it.
   * Where the backend has queued copies (cuda), a piece's download overlaps the pieces still
   * computing, and `finish` waits once for all of them. `finish` frees the pieces.
   */
  outputParts(shape: Shape, dim: number, parts: number, dtype: DType = kindStorage('float', this.dtype)): OutputAssembly {
    if (this.recorder) throw new NotTraceable('the stage reads a tensor on the host');
    const pieceShape = partShape('outputParts', shape, dim, parts);
    const per = numel(pieceShape);
    const be = this.backend;
    const queued = this.queuesCopies() ? be.downloadQueued!.bind(be) : undefined;
    const pooled = Boolean(queued || be.downloadInto);
    const buf = (pooled ? this.pooled(dtype, numel(shape)) : undefined) ?? allocData(dtype, numel(shape));
    const pieces: (DeviceTensor | undefined)[] = new Array<DeviceTensor | undefined>(parts);
    let finished = false;
    this.tally.roundTrips++;
    return {
      put: async (i: number, t: DeviceTensor) => {
        if (finished) throw new AbwError('ABW_EINTERNAL', 'outputParts: put after finish');
        if (!Number.isInteger(i) || i < 0 || i >= parts || pieces[i]) {
          throw new AbwError('ABW_EINTERNAL', `outputParts: piece ${i} is outside [0, ${parts}) or was put twice`);
        }
        if (t.dtype !== dtype || shapeStr(t.shape) !== shapeStr(pieceShape)) {
          throw new AbwError('ABW_EINTERNAL', `outputParts: piece ${i} is ${t.dtype} ${shapeStr(t.shape)}, expected ${dtype} ${shapeStr(pieceShape)}`);
        }
        pieces[i] = t;
        const dst = buf.subarray(i * per, (i + 1) * per);
        if (queued) queued(t, dst);
        else if (be.downloadInto) await be.downloadInto(t, dst);
        else dst.set((await be.download(t)).data);
      },
      finish: async () => {
        if (finished) throw new AbwError('ABW_EINTERNAL', 'outputParts: finish called twice');
        finished = true;
        const missing = pieces.findIndex((p) => !p);
        try {
          if (queued) await be.sync();
        } finally {
          this.free(...pieces);
        }
        if (missing >= 0) throw new AbwError('ABW_EINTERNAL', `outputParts: piece ${missing} of ${parts} was never put`);
        return this.hostOutput({ dtype, shape, data: buf }, pooled);
      },
    };
  }

  /** Whether the backend queues copies both ways (cuda): a band's pieces then move on copy streams. */
  private queuesCopies(): boolean {
    return Boolean(this.backend.uploadQueued && this.backend.downloadQueued);
  }

  /** A host buffer from this exec's pool (released outputs) or the backend's fast memory. */
  private pooled(dtype: DType, n: number): TypedData | undefined {
    return this.hostPool.get(`${dtype} ${n}`)?.pop() ?? this.backend.hostArray?.(dtype, n);
  }

  /** Widens on first read; `release` returns a pooled buffer for the next run's download. */
  private hostOutput(host: HostTensor, pooled: boolean): HostOutput {
    const key = `${host.dtype} ${host.data.length}`;
    let buf: TypedData | undefined = pooled ? host.data : undefined;
    let wide: Float64Array | undefined;
    let released = false;
    const values = (() => {
      if (!wide) {
        if (released) throw new AbwError('ABW_EINVAL', 'pipeline output read after release(): read it before handing its buffer back');
        wide = toF64(tensorValues(host));
      }
      return wide;
    }) as HostOutput;
    values.release = () => {
      if (released || !buf) return;
      released = true;
      const free = this.hostPool.get(key) ?? [];
      free.push(buf);
      this.hostPool.set(key, free);
      buf = undefined;
    };
    return values;
  }

  host(stage: string): void {
    if (this.recorder) throw new NotTraceable(`the stage has a host step (${stage})`);
    this.tally.hostStages.add(stage);
  }

  free(...ts: (DeviceTensor | null | undefined)[]): void {
    if (this.recorder) {
      // Stand-ins hold nothing; real tensors are the chain's inputs until it has run.
      for (const t of ts) if (t && !isStandIn(t)) this.recorder.deferredFrees.push(t);
      return;
    }
    for (const t of ts) {
      if (!t || !this.live.has(t)) continue;
      this.live.delete(t);
      this.backend.free(t);
    }
  }

  /**
   * Runs a stage of device ops. On a backend that compiles chains of ops (`prepareSegment`: ort,
   * one ONNX graph; webgpu, one submission) the body is first recorded, then run as one call; a
   * body that needs the host (a download, a host step) or an op the backend cannot put in a
   * chain runs op by op instead, and the tally says which and why. Other backends just run it.
   * The body may run twice (recorded, then for real), so it must touch nothing but this exec.
   */
  async segment(name: string, body: () => Promise<DeviceTensor>): Promise<DeviceTensor> {
    if (!this.backend.prepareSegment || this.recorder) return body();
    const rec = new SegmentRecorder(name, this.backend);
    let call: PreparedCall;
    try {
      const out = await this.recording.run(rec, body);
      if (!isStandIn(out)) throw new NotTraceable('the stage computes nothing on the device');
      call = this.backend.prepareSegment(rec.finish([out]));
    } catch (e) {
      const fallBack = e instanceof NotTraceable || (e instanceof AbwError && e.code === 'ABW_EUNSUPPORTED');
      this.free(...rec.uploads);
      if (!fallBack) throw e;
      this.tally.segments.set(name, { mode: 'op-by-op', reason: e.message });
      return body();
    }
    try {
      await call.run();
    } catch (e) {
      call.dispose();
      this.free(...rec.uploads);
      throw e;
    }
    call.releaseWorkspace?.();
    for (const op of rec.ops) this.tally.deviceOps.set(op, (this.tally.deviceOps.get(op) ?? 0) + 1);
    this.free(...rec.deferredFrees);
    this.tally.segments.set(name, { mode: 'one-call', ops: rec.ops.length });
    return this.track(call.outputs[0]!);
  }

  /** From now on each op is waited for and timed (see op-profile.ts) until `stopProfile`. */
  startProfile(): void {
    this.profiler = new OpProfiler();
  }

  stopProfile(): OpProfile | undefined {
    const p = this.profiler?.finish();
    this.profiler = undefined;
    return p;
  }

  private async profiledRun(p: OpProfiler, name: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): Promise<DeviceTensor[]> {
    await this.backend.sync();
    const t0 = process.hrtime.bigint();
    const outs = await this.backend.run(name, inputs, params, dtype);
    await this.backend.sync();
    p.add(name, dtype, Number(process.hrtime.bigint() - t0), callSignature(inputs.map((t) => t?.shape ?? null), params));
    return outs;
  }

  /** Frees every tensor this exec still holds (end of a run, or after an error). */
  freeAll(): void {
    for (const t of [...this.live]) this.free(t);
  }

  get liveCount(): number {
    return this.live.size;
  }

  private uploaded(t: DeviceTensor): DeviceTensor {
    this.recorder?.uploads.push(t);
    return this.track(t);
  }

  private track(t: DeviceTensor): DeviceTensor {
    this.live.add(t);
    return t;
  }
}
