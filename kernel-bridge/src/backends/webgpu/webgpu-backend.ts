/**
 * The `webgpu` backend: Dawn (the `webgpu` npm package) running one WGSL kernel set on Vulkan,
 * Metal or D3D12. Each op's builder (kernels/<family>.ts) specialises WGSL to the call's shapes
 * and params; pipelines are cached by source (pipeline-cache.ts), buffers come from a pool with
 * current/peak byte counts (buffer-pool.ts).
 *
 * The ComputeBackend seam is partly synchronous (upload, prepare, info) and WebGPU device
 * creation is not, so the device opens on the first asynchronous call: `upload` keeps the bytes
 * until then, `prepare` plans and generates WGSL at once (so bad shapes fail at once) and creates
 * GPU objects on the first run/measure. `WebGpuBackend.open()` returns a backend whose device is
 * already open.
 *
 * Timing (timing.ts): `timestamp-query` around one compute pass that repeats the op's dispatches
 * N times where the adapter has it (timer 'device'), else host time around `onSubmittedWorkDone`
 * of that one submission (timer 'host'). Either way the repeat loop is on the GPU's side: one
 * command buffer of N × the op's dispatches, encoded from cached pipelines and bind groups.
 */
import { AbwError } from '../../errors';
import { specForBackend } from '../../backend/catalogue-spec';
import { variantRefusal } from '../../backend/variant-support';
import type { Params } from '../../ops/types';
import { planForBackend } from '../../backend/plan-for-backend';
import { planStep, segmentTensor } from '../../backend/segment';
import { allocData, byteSize, numel, type DType, type HostTensor, type Shape, type TypedData } from '../../tensor';
import type {
  BackendInfo,
  ComputeBackend,
  ComputeDType,
  DeviceTensor,
  MeasureOptions,
  MemoryStats,
  PreparedCall,
  SegmentTrace,
  Support,
} from '../../backend/types';
import { BufferPool } from './buffer-pool';
import { probeAdapter, requestAdapter, summarizeAdapter, type AdapterChoice, type AdapterSummary, type GPUBufferLike, type GPUDeviceLike } from './dawn';
import { KERNELS, UNSUPPORTED } from './kernels';
import type { FloatType, KernelChoices, KernelCtx, KernelLimits, KernelPlan, Pass } from './kernel-types';
import { PipelineCache, type CachedPipeline } from './pipeline-cache';
import { timeSubmission, type TimerKindDetail } from './timing';

declare const GPUBufferUsage: Record<string, number>;
declare const GPUMapMode: Record<string, number>;

const OWNER = Symbol('abw.webgpuTensor');

interface GpuHandle {
  readonly bytes: number;
  buffer?: GPUBufferLike;
  /** Uploaded before the device opened: written at first use. */
  pending?: Uint8Array;
  freed: boolean;
}

interface WebGpuTensor extends DeviceTensor {
  readonly [OWNER]: GpuHandle;
}

/** What an open device carries. */
interface DeviceState {
  readonly gpu: unknown;
  readonly device: GPUDeviceLike;
  readonly adapter: AdapterSummary;
  readonly limits: Readonly<Record<string, number>>;
  readonly f16: boolean;
  readonly timestamps: boolean;
  readonly subgroups: boolean;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
}

/** Cold samples clear this much GPU memory first (larger than any GPU's L2: H100 50 MB). */
const FLUSH_BYTES = 128 * 1024 * 1024;

const ceil4 = (n: number): number => Math.ceil(n / 4) * 4;

export interface WebGpuOptions extends AdapterChoice {
  /** Use host timing even where the adapter has timestamp-query (cross-checks). */
  readonly hostTimer?: boolean;
  /** Size kernels for at most these limits (tests of the paths WebGPU's guaranteed minimums take). */
  readonly kernelLimits?: Partial<KernelLimits>;
  /** Dispatches forced instead of the kernels' rules (bench variants, tests of routes): kernel-types.ts. */
  readonly kernelChoices?: KernelChoices;
}

export class WebGpuBackend implements ComputeBackend {
  readonly id = 'webgpu';
  /** add_bias on a crop of the last dim in one pass (kernels/elementwise.ts): fftconv's crop. */
  readonly variants: Readonly<Record<string, readonly string[]>> = { add_bias: ['length'], irfft: ['filter'] };
  readonly timer: 'host' | 'device';
  /** Which clock, in words: `timestamp-query` or `host-onSubmittedWorkDone`. */
  readonly timerDetail: TimerKindDetail;
  private state: DeviceState | undefined;
  private opening: Promise<DeviceState> | undefined;
  private disposed = false;
  private lost: string | undefined;
  private uncaptured: string | undefined;
  private flush: GPUBufferLike | undefined;

  constructor(private readonly options: WebGpuOptions = {}) {
    const split = options.kernelChoices?.fftSplit;
    if (split !== undefined && split !== 'auto' && !(Number.isInteger(split) && split >= 1)) {
      throw new AbwError('ABW_EINVAL', `webgpu: kernelChoices.fftSplit must be 'auto' or an integer ≥ 1, not ${String(split)}`, 'kernelChoices.fftSplit');
    }
    const probe = probeAdapter(options);
    if (probe.problem) throw new AbwError('ABW_EUNSUPPORTED', probe.problem, 'backend');
    const ts = !options.hostTimer && (probe.adapter?.features ?? []).includes('timestamp-query');
    this.timer = ts ? 'device' : 'host';
    this.timerDetail = ts ? 'timestamp-query' : 'host-onSubmittedWorkDone';
  }

  /** A backend with its device open (errors surface here rather than at the first run). */
  static async open(options: WebGpuOptions = {}): Promise<WebGpuBackend> {
    const b = new WebGpuBackend(options);
    await b.ready();
    return b;
  }

  info(): BackendInfo {
    const probe = probeAdapter(this.options);
    const a = this.state?.adapter ?? probe.adapter;
    const limits = this.state?.limits ?? probe.adapter?.limits ?? {};
    const feats = a?.features ?? [];
    const f16 = feats.includes('shader-f16');
    return {
      id: this.id,
      engine: 'Dawn (webgpu npm package): WGSL compute kernels specialised per call, cached pipelines, pooled buffers',
      device: a ? `${a.description || a.device} (vendor ${a.vendor || '?'}, architecture ${a.architecture || '?'}${a.fallback ? ', software fallback adapter' : ''})` : 'no adapter',
      available: !probe.problem,
      ...(probe.problem ? { reason: probe.problem } : {}),
      libraries: { webgpu: packageVersion(), dawn: 'bundled with the webgpu package' },
      dtypes: f16 ? ['f32', 'f16', 'int8'] : ['f32', 'int8'],
      features: [
        `timer:${this.timerDetail}`,
        `adapter-vendor:${a?.vendor ?? ''}`,
        `adapter-architecture:${a?.architecture ?? ''}`,
        `adapter-device:${a?.device ?? ''}`,
        `fft-split:${this.kernelChoices().fftSplit}`,
        ...feats.map((f) => `feature:${f}`),
        ...['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupsPerDimension']
          .filter((k) => k in limits)
          .map((k) => `limit:${k}=${limits[k]}`),
      ],
      timer: this.timer,
    };
  }

  /** Limits that depend on shapes (grid sizes, buffer sizes) are checked at prepare, from the plan. */
  supports(op: string, dtype: ComputeDType, params?: Params): Support {
    const { spec, reason } = specForBackend(op);
    if (!spec) return { ok: false, reason };
    // No variant params (conv2d / instance_norm channels_last, instance_norm activation) have kernels here.
    const variant = variantRefusal(this, spec, params);
    if (variant) return { ok: false, reason: variant };
    const why = UNSUPPORTED[op];
    if (why) return { ok: false, reason: `webgpu: ${op}: ${why}` };
    if (!KERNELS[op]) return { ok: false, reason: `${op} has no webgpu implementation` };
    if (dtype === 'f64') return { ok: false, reason: 'webgpu: WGSL has no f64; f64 is the ref oracle' };
    if (dtype === 'tf32') return { ok: false, reason: 'webgpu: WGSL has no TF32 mode (fp32 rows only)' };
    if (dtype === 'bf16') return { ok: false, reason: 'webgpu: WGSL has no bf16 type' };
    if (!spec.dtypes.includes(dtype as never)) return { ok: false, reason: `${op} is defined for ${spec.dtypes.join(', ')}, not ${dtype}` };
    if (dtype === 'f16') {
      const feats = this.state?.adapter.features ?? probeAdapter(this.options).adapter?.features ?? [];
      if (!feats.includes('shader-f16')) return { ok: false, reason: 'webgpu: this adapter lacks the shader-f16 feature' };
    }
    return { ok: true };
  }

  upload(t: HostTensor): DeviceTensor {
    this.checkAlive();
    if (t.dtype === 'f64' || t.dtype === 'bf16') throw new AbwError('ABW_EDTYPE', `webgpu: ${t.dtype} tensors are not supported (f32, f16, int8, int32)`, 'tensor.dtype');
    const n = numel(t.shape);
    if (t.data.length !== n) throw new AbwError('ABW_ESHAPE', `webgpu: tensor data has ${t.data.length} values for shape [${t.shape.join(', ')}]`, 'tensor.data');
    const bytes = n * byteSize(t.dtype);
    const padded = new Uint8Array(ceil4(Math.max(bytes, 4)));
    padded.set(new Uint8Array(t.data.buffer, t.data.byteOffset, bytes));
    const h: GpuHandle = { bytes, freed: false, pending: padded };
    if (this.state) this.materialize(this.state, h, 'upload');
    return this.wrap(t.dtype, t.shape, h);
  }

  async download(t: DeviceTensor): Promise<HostTensor> {
    const h = this.own(t, 'tensor');
    const out = allocData(t.dtype, numel(t.shape));
    const view = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    if (!h.buffer && h.pending) {
      view.set(h.pending.subarray(0, h.bytes));
      return { dtype: t.dtype, shape: t.shape, data: out };
    }
    const s = await this.ready();
    this.materialize(s, h, 'download');
    const size = ceil4(Math.max(h.bytes, 4));
    const staging = s.device.createBuffer({ label: 'download', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const enc = s.device.createCommandEncoder();
      enc.copyBufferToBuffer(h.buffer, 0, staging, 0, size);
      s.device.queue.submit([enc.finish()]);
      await this.guard(staging.mapAsync(GPUMapMode.READ), 'download');
      view.set(new Uint8Array(staging.getMappedRange(0, size)).subarray(0, h.bytes));
      staging.unmap();
    } finally {
      staging.destroy();
    }
    this.throwPending();
    return { dtype: t.dtype, shape: t.shape, data: out as TypedData };
  }

  free(t: DeviceTensor): void {
    const h = (t as Partial<WebGpuTensor>)[OWNER];
    if (!h) throw new AbwError('ABW_EINVAL', 'tensor is not a tensor of the webgpu backend', 'tensor');
    if (h.freed) return;
    h.freed = true;
    h.pending = undefined;
    if (h.buffer && this.state && !this.disposed) this.state.pool.release(h.buffer);
    h.buffer = undefined;
  }

  async run(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): Promise<DeviceTensor[]> {
    const call = this.prepareCall(op, inputs, params, dtype);
    try {
      await call.run();
    } catch (e) {
      call.dispose();
      throw e;
    }
    call.releaseWorkspace();
    return [...call.outputs];
  }

  prepare(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): PreparedCall {
    return this.prepareCall(op, inputs, params, dtype);
  }

  /** The device's limits (the adapter's, requested at open), known before the device opens through the probe. */
  private kernelLimits(): KernelLimits {
    const l = this.state?.limits ?? probeAdapter(this.options).adapter?.limits ?? {};
    const cap = this.options.kernelLimits ?? {};
    return {
      workgroupStorage: Math.min(l.maxComputeWorkgroupStorageSize ?? 16384, cap.workgroupStorage ?? Infinity),
      invocations: Math.min(l.maxComputeInvocationsPerWorkgroup ?? 256, l.maxComputeWorkgroupSizeX ?? 256, cap.invocations ?? Infinity),
    };
  }

  /**
   * The caller's forced dispatches, else the kernels' rules; but a software adapter keeps whole
   * FFT lines unless told otherwise: fft-split.ts's rule is for GPUs with many SMs, and lavapipe
   * runs a workgroup on one CPU thread, where a few lines already occupy its threads and the
   * split only adds reads (rfft 8 × 8192: 1.4 ms split against 0.8 ms whole on 2 cores).
   */
  private kernelChoices(): KernelChoices {
    const forced = this.options.kernelChoices ?? {};
    const a = this.state?.adapter ?? probeAdapter(this.options).adapter;
    const software = !!a && (a.fallback || a.architecture === 'software');
    return { ...forced, fftSplit: forced.fftSplit ?? (software ? 1 : 'auto') };
  }

  private prepareCall(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): WebGpuCall {
    this.checkAlive();
    const { planned, outputs: outs } = planForBackend(this, op, inputs, params, dtype);
    const handles = inputs.map((t, i) => (t ? this.own(t, `[${op}] inputs[${i}]`) : null));
    const ft: FloatType = dtype === 'f16' ? 'f16' : 'f32';
    const ctx: KernelCtx = {
      op,
      inputs: inputs.map((t) => (t ? { shape: t.shape, dtype: t.dtype } : null)),
      outputs: outs.map((o) => ({ shape: o.shape, dtype: o.dtype })),
      p: planned.plan.native,
      ft,
      limits: this.kernelLimits(),
      choices: this.kernelChoices(),
    };
    const kernel = KERNELS[op];
    const why = kernel.unsupported?.(ctx);
    if (why) throw new AbwError('ABW_EUNSUPPORTED', `webgpu: ${op}: ${why}`);
    const plan = kernel.build(ctx);
    const outputs = outs.map((o) => this.wrap(o.dtype, o.shape, { bytes: numel(o.shape) * byteSize(o.dtype), freed: false }));
    const outHandles = outputs.map((t) => t[OWNER]);
    return new WebGpuCall(this, op, () => buildCall(this, op, plan, ft, handles, outHandles), outputs, plan.passes.map((p) => p.label));
  }

  /**
   * A traced chain of ops (a pipeline stage) as one submission: every step's dispatches in one
   * compute pass, one wait for the queue, instead of a submission and a wait per op. Steps'
   * intermediate tensors are the segment's own, released with its workspace.
   */
  prepareSegment(trace: SegmentTrace): PreparedCall {
    this.checkAlive();
    const calls: WebGpuCall[] = [];
    const produced: (readonly WebGpuTensor[])[] = [];
    try {
      trace.steps.forEach((step, si) => {
        const ins = step.inputs.map((r) => (r ? segmentTensor(trace, produced, r) : null));
        const call = planStep(trace, si, () => this.prepareCall(step.op, ins, step.params, step.dtype));
        calls.push(call);
        produced.push(call.outputs);
      });
    } catch (e) {
      calls.forEach((c) => c.dispose());
      throw e;
    }
    const outputs = trace.outputs.map((r) => segmentTensor<WebGpuTensor>(trace, produced, r));
    const kept = new Set<DeviceTensor>(outputs);
    const intermediates = produced.flat().filter((t) => !kept.has(t));
    const buildAll = async (): Promise<Built> => {
      const built = await Promise.all(calls.map((c) => c.buildNow()));
      // Each step's call keeps and releases its own GPU objects (releaseOwned, below).
      return { state: built[0]!.state, steps: built.flatMap((b) => b.steps), release: () => undefined };
    };
    return new WebGpuCall(this, trace.name, buildAll, outputs, calls.flatMap((c) => c.dispatches), () => {
      calls.forEach((c) => c.releaseWorkspace());
      intermediates.forEach((t) => this.free(t));
    });
  }

  async sync(): Promise<void> {
    if (!this.state) return;
    await this.guard(this.state.device.queue.onSubmittedWorkDone(), 'sync');
    this.throwPending();
  }

  memory(): MemoryStats {
    return { currentBytes: this.state?.pool.current ?? 0, peakBytes: this.state?.pool.peak ?? 0 };
  }

  resetPeak(): void {
    this.state?.pool.resetPeak();
  }

  /** Idle pooled bytes and compiled pipelines (tests, notebooks). */
  cacheStats(): { pooledBytes: number; pipelines: number; compiled: number } {
    return { pooledBytes: this.state?.pool.pooled ?? 0, pipelines: this.state?.pipelines.size ?? 0, compiled: this.state?.pipelines.compiled ?? 0 };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const s = this.state;
    this.state = undefined;
    if (s) {
      s.pipelines.clear();
      s.pool.trim();
      s.device.destroy();
    }
  }

  /**
   * Destroys the device as a driver reset would (tests of the device-loss path): every later
   * call fails with ABW_ECRASH naming the loss; dispose() and a new backend recover.
   */
  loseDeviceForTesting(): void {
    this.state?.device.destroy();
  }

  /** Opens the device once. */
  ready(): Promise<DeviceState> {
    this.checkAlive();
    if (this.state) return Promise.resolve(this.state);
    if (!this.opening) {
      this.opening = this.openDevice().catch((e) => {
        this.opening = undefined;
        throw e;
      });
    }
    return this.opening;
  }

  private async openDevice(): Promise<DeviceState> {
    // The GPU object must stay referenced: Dawn's instance lives only as long as it does.
    const { gpu, adapter } = await requestAdapter(this.options);
    const summary = summarizeAdapter(adapter);
    const wanted = ['shader-f16', 'timestamp-query', 'subgroups'].filter((f) => summary.features.includes(f));
    const limits: Record<string, number> = {};
    for (const k in adapter.limits) if (typeof adapter.limits[k] === 'number') limits[k] = adapter.limits[k];
    // Ask for the adapter's own limits: the defaults (128/256 MiB buffers, 16 KiB of workgroup
    // memory, 256 invocations) are below what GEMMs of 4096² and 4096-point FFT lines use on real
    // GPUs. Kernels are sized by these same values (kernelLimits).
    const requiredLimits: Record<string, number> = {};
    for (const k of ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxStorageBuffersPerShaderStage']) {
      if (k in limits) requiredLimits[k] = limits[k];
    }
    let device: GPUDeviceLike;
    try {
      device = await adapter.requestDevice({ requiredFeatures: wanted, requiredLimits, label: 'abw' });
    } catch (e) {
      throw new AbwError('ABW_EUNSUPPORTED', `webgpu: the adapter ${summary.description} refused a device: ${(e as Error).message}`, 'backend');
    }
    if (this.disposed) {
      device.destroy();
      throw new AbwError('ABW_EINVAL', 'backend webgpu was disposed');
    }
    device.lost.then((info: { reason: string; message: string }) => {
      if (!this.disposed) this.lost = `${info.reason}: ${String(info.message).split('\n')[0]}`;
    });
    device.onuncapturederror = (ev: { error: { message: string } }) => {
      this.uncaptured ??= String(ev.error.message).split('\n')[0];
    };
    const state: DeviceState = {
      gpu,
      device,
      adapter: summary,
      limits,
      f16: wanted.includes('shader-f16'),
      timestamps: wanted.includes('timestamp-query'),
      subgroups: wanted.includes('subgroups'),
      pool: new BufferPool(device, Math.min(limits.maxBufferSize ?? 2 ** 28, limits.maxStorageBufferBindingSize ?? 2 ** 27)),
      pipelines: new PipelineCache(device),
    };
    this.state = state;
    return state;
  }

  /**
   * Compiles a standalone WGSL compute shader (entry point `main`, no bindings) through the
   * pipeline cache: resolves when it compiles, else rejects with the AbwError a broken kernel
   * gives (pass label, Dawn's messages with line numbers). For kernel authors and tests.
   */
  async compileWgsl(label: string, code: string): Promise<void> {
    const s = await this.live();
    await s.pipelines.get(label, code, [], false).checked;
  }

  /** @internal: the device, checked for loss and pending errors. */
  async live(): Promise<DeviceState> {
    const s = await this.ready();
    this.throwPending();
    return s;
  }

  /** @internal: a tensor's buffer, created (and its pending upload written) on first use. */
  materialize(s: DeviceState, h: GpuHandle, what: string): GPUBufferLike {
    if (h.freed) throw new AbwError('ABW_EINVAL', `${what}: tensor was freed`, what);
    if (!h.buffer) {
      h.buffer = s.pool.acquire(ceil4(Math.max(h.bytes, 4)), what);
      if (h.pending) {
        s.device.queue.writeBuffer(h.buffer, 0, h.pending);
        h.pending = undefined;
      }
    }
    return h.buffer;
  }

  /** @internal: a flush buffer for cold samples. */
  flushBuffer(s: DeviceState): GPUBufferLike {
    this.flush ??= s.device.createBuffer({ label: 'cold-flush', size: FLUSH_BYTES, usage: GPUBufferUsage.COPY_DST });
    return this.flush;
  }

  /** @internal: awaits GPU work; a device loss becomes ABW_ECRASH. */
  async guard<T>(p: Promise<T>, what: string): Promise<T> {
    try {
      const v = await p;
      this.throwPending();
      return v;
    } catch (e) {
      if (this.lost) throw this.lostError();
      if (e instanceof AbwError) throw e;
      throw new AbwError('ABW_EINTERNAL', `webgpu: ${what} failed: ${(e as Error).message}`);
    }
  }

  /** @internal */
  throwPending(): void {
    if (this.lost) throw this.lostError();
    const u = this.uncaptured;
    if (u) {
      this.uncaptured = undefined;
      throw new AbwError('ABW_EINTERNAL', `webgpu: the device reported an error: ${u}`);
    }
  }

  private lostError(): AbwError {
    return new AbwError('ABW_ECRASH', `webgpu: the device was lost (${this.lost}); dispose this backend and open a new one`, 'backend');
  }

  private wrap(dtype: DType, shape: Shape, h: GpuHandle): WebGpuTensor {
    return Object.freeze({ backend: this.id, dtype, shape: Object.freeze([...shape]), [OWNER]: h });
  }

  private checkAlive(): void {
    if (this.disposed) throw new AbwError('ABW_EINVAL', 'backend webgpu was disposed; open a new one');
    if (this.lost) throw this.lostError();
  }

  /** @internal */
  own(t: DeviceTensor | null | undefined, what: string): GpuHandle {
    const h = t && (t as Partial<WebGpuTensor>)[OWNER];
    if (!t || !h) throw new AbwError('ABW_EINVAL', `${what} is not a tensor of the webgpu backend`, what);
    if (h.freed) throw new AbwError('ABW_EINVAL', `${what} was freed`, what);
    return h;
  }
}

/** A prepared op: its GPU objects are created on the first run/measure and kept for the next. */
class WebGpuCall implements PreparedCall {
  private built: Promise<Built> | undefined;
  private disposed = false;
  /** Host nanoseconds per call of the last measure's samples (beside device timestamps). */
  hostNs: number[] = [];
  /** The clocks the last measure's samples came from (host where timestamps were not written). */
  readonly clocks = new Set<string>();

  constructor(
    private readonly backend: WebGpuBackend,
    private readonly op: string,
    private readonly make: () => Promise<Built>,
    readonly outputs: readonly WebGpuTensor[],
    /** The labels of one run's dispatches, in order: the routes and workgroup shapes the kernels chose. */
    readonly dispatches: readonly string[],
    /** What else the call holds besides its outputs (a segment's steps and intermediates). */
    private readonly releaseOwned: () => void = () => undefined,
  ) {}

  async run(): Promise<void> {
    const b = await this.build();
    const d = b.state.device;
    const enc = d.createCommandEncoder();
    const pass = enc.beginComputePass();
    encode(pass, b, 1);
    pass.end();
    d.queue.submit([enc.finish()]);
    await this.backend.guard(d.queue.onSubmittedWorkDone(), `${this.op}`);
  }

  async measure(o: MeasureOptions): Promise<number[]> {
    if (!(o.iterations >= 1) || !(o.samples >= 1)) throw new AbwError('ABW_EINVAL', 'measure: iterations and samples must be ≥ 1', 'measure');
    const b = await this.build();
    await this.run(); // warm: first-use costs outside the samples
    const out: number[] = [];
    this.hostNs = [];
    this.clocks.clear();
    for (let k = 0; k < o.samples; k++) {
      const flush = o.cold ? this.backend.flushBuffer(b.state) : undefined;
      const t = await timeSubmission(
        b.state.device,
        b.state.timestamps && this.backend.timer === 'device',
        o.iterations,
        b.steps.length,
        flush,
        (pass, times) => encode(pass, b, times),
        (p) => this.backend.guard(p, this.op),
      );
      this.clocks.add(t.clock);
      out.push(t.ns / o.iterations);
      this.hostNs.push(t.hostNs / o.iterations);
    }
    return out;
  }

  /** Releases scratch and constants (outputs stay): `run` of a one-shot call. */
  releaseWorkspace(): void {
    const built = this.built;
    this.built = undefined;
    built?.then((b) => b.release(), () => undefined);
    this.releaseOwned();
  }

  /** @internal The GPU objects of this call (a segment builds its steps' through this). */
  buildNow(): Promise<Built> {
    return this.build();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.releaseWorkspace();
    this.outputs.forEach((t) => this.backend.free(t));
  }

  private build(): Promise<Built> {
    if (this.disposed) throw new AbwError('ABW_EINVAL', `[${this.op}] prepared call was disposed`);
    this.built ??= this.make();
    const p = this.built;
    p.catch(() => {
      if (this.built === p) this.built = undefined;
    });
    return p;
  }
}

interface Built {
  readonly state: DeviceState;
  readonly steps: readonly { readonly pipeline: CachedPipeline; readonly bindGroup: unknown; readonly workgroups: readonly [number, number, number] }[];
  release(): void;
}

function encode(pass: { setPipeline(p: unknown): void; setBindGroup(i: number, g: unknown): void; dispatchWorkgroups(x: number, y: number, z: number): void }, b: Built, times: number): void {
  for (let it = 0; it < times; it++) {
    for (const s of b.steps) {
      pass.setPipeline(s.pipeline.pipeline);
      pass.setBindGroup(0, s.bindGroup);
      pass.dispatchWorkgroups(s.workgroups[0], s.workgroups[1], s.workgroups[2]);
    }
  }
}

function header(ft: FloatType, pass: Pass): string {
  const lines: string[] = [];
  if (ft === 'f16' || /\bf16\b/.test(pass.code)) lines.push('enable f16;');
  lines.push(`alias T = ${ft};`);
  pass.bindings.forEach((b, i) => {
    lines.push(`@group(0) @binding(${i}) var<storage, ${b.write ? 'read_write' : 'read'}> ${b.name}: array<${b.elem}>;`);
  });
  if (pass.uniforms) lines.push(`@group(0) @binding(${pass.bindings.length}) var<uniform> U: vec4u;`);
  return lines.join('\n');
}

/** Uniform blocks sit at 256-byte offsets (WebGPU's largest minUniformBufferOffsetAlignment). */
const UNIFORM_STRIDE = 256;

async function buildCall(
  backend: WebGpuBackend,
  op: string,
  plan: KernelPlan,
  ft: FloatType,
  inputs: readonly (GpuHandle | null)[],
  outputs: readonly GpuHandle[],
): Promise<Built> {
  const s = await backend.live();
  const d = s.device;
  const inBufs = inputs.map((h, i) => (h ? backend.materialize(s, h, `[${op}] inputs[${i}]`) : null));
  const outBufs = outputs.map((h, i) => backend.materialize(s, h, `[${op}] outputs[${i}]`));
  const owned: GPUBufferLike[] = [];
  const scratch = (plan.scratch ?? []).map((bytes) => {
    const b = s.pool.acquire(ceil4(Math.max(bytes, 4)), `[${op}] scratch`);
    owned.push(b);
    return b;
  });
  const consts = (plan.consts ?? []).map((data) => {
    const b = s.pool.acquire(ceil4(Math.max(data.byteLength, 4)), `[${op}] constants`);
    owned.push(b);
    d.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    return b;
  });
  const withUniforms = plan.passes.filter((p) => p.uniforms);
  let uniformBuf: GPUBufferLike | undefined;
  if (withUniforms.length) {
    uniformBuf = d.createBuffer({ label: `[${op}] uniforms`, size: withUniforms.length * UNIFORM_STRIDE, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const data = new Uint32Array((withUniforms.length * UNIFORM_STRIDE) / 4);
    withUniforms.forEach((p, k) => (p.uniforms ?? []).forEach((v, j) => (data[(k * UNIFORM_STRIDE) / 4 + j] = v >>> 0)));
    d.queue.writeBuffer(uniformBuf, 0, data);
  }
  const release = (): void => {
    for (const b of owned) s.pool.release(b);
    uniformBuf?.destroy();
  };
  try {
    const pipelines = plan.passes.map((p) => s.pipelines.get(`[${op}] ${p.label}`, `${header(ft, p)}\n${p.code}`, p.bindings, !!p.uniforms));
    await Promise.all(pipelines.map((p) => p.checked));
    d.pushErrorScope('validation');
    let uniformIndex = 0;
    const steps = plan.passes.map((p, k) => {
      const entries = p.bindings.map((b, i) => {
        const r = b.ref;
        const buf = r.kind === 'in' ? inBufs[r.index] : r.kind === 'out' ? outBufs[r.index] : r.kind === 'scratch' ? scratch[r.index] : consts[r.index];
        if (!buf) throw new AbwError('ABW_EINTERNAL', `[${op}] pass ${p.label} binds ${r.kind}[${r.index}], which is absent`);
        return { binding: i, resource: { buffer: buf } };
      });
      if (p.uniforms) {
        entries.push({ binding: p.bindings.length, resource: { buffer: uniformBuf, offset: uniformIndex++ * UNIFORM_STRIDE, size: 16 } as never });
      }
      const bindGroup = d.createBindGroup({ label: `[${op}] ${p.label}`, layout: pipelines[k].layout, entries });
      return { pipeline: pipelines[k], bindGroup, workgroups: p.workgroups };
    });
    const err = await d.popErrorScope();
    if (err) throw new AbwError('ABW_EINTERNAL', `webgpu: [${op}] binding buffers failed: ${String(err.message).split('\n')[0]}`);
    return { state: s, steps, release };
  } catch (e) {
    release();
    throw e;
  }
}

function packageVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('webgpu/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
