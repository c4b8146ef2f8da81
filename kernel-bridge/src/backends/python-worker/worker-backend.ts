/**
 * `torch:<device>` and `mlx:<device>`: a ComputeBackend whose tensors and ops live in a Python
 * worker process (python.ts starts it, worker-process.ts talks to it, protocol.ts frames the
 * bytes). The worker runs each op with the framework's own functions and times it on its side
 * with the framework's synchronisation, so the pipe's overhead is not in the numbers.
 *
 * `upload` and `prepare` are synchronous in the seam: they send their request at once (pipe
 * order = execution order) and keep its promise; the first call that needs the result awaits it.
 */
import { AbwError } from '../../errors';
import { specForBackend } from '../../backend/catalogue-spec';
import { variantRefusal } from '../../backend/variant-support';
import type { Params } from '../../ops/types';
import { planForBackend } from '../../backend/plan-for-backend';
import { byteSize, DTYPES, numel, type DType, type HostTensor, type Shape } from '../../tensor';
import type {
  BackendInfo,
  ComputeBackend,
  ComputeDType,
  DeviceTensor,
  MeasureOptions,
  MemoryStats,
  PreparedCall,
  Support,
  TimerKind,
} from '../../backend/types';
import { probeFramework, workerPython, type ProbeReport, type WorkerFramework } from './python';
import { WorkerProcess, type WorkerReply } from './worker-process';

const OWNER = Symbol('abw.workerTensor');

interface WorkerHandle {
  readonly handle: number;
  readonly generation: number;
  readonly bytes: number;
  /** Settles when the worker holds the tensor (upload acknowledged). */
  readonly ready: Promise<unknown>;
  freed: boolean;
}

interface WorkerDeviceTensor extends DeviceTensor {
  readonly [OWNER]: WorkerHandle;
}

export interface WorkerBackendOptions {
  /** Python interpreter (default: ABW_PYTHON, else python3). */
  readonly python?: string;
  /** Per-request deadline, ms (default ABW_WORKER_TIMEOUT_MS, else 120 000). A `measure` request gets at least this. */
  readonly timeoutMs?: number;
  /** Extra allowance for a fresh worker's first request (framework import, device init), ms. */
  readonly startupMs?: number;
  /** Extra environment for the worker (tests: ABW_WORKER_DEBUG=1). */
  readonly env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_STARTUP_MS = 60_000;

function defaultTimeout(): number {
  const env = Number(process.env.ABW_WORKER_TIMEOUT_MS);
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_TIMEOUT_MS;
}

/** Variant params (ParamDecl.variant) both frameworks' ops implement (python/abw_worker/torch_ops.py, mlx_ops.py). */
const WORKER_VARIANTS: Readonly<Record<string, readonly string[]>> = {
  conv2d: ['channels_last', 'residual'],
  instance_norm: ['channels_last', 'activation'],
  matmul: ['residual'],
};

interface Settings {
  readonly tf32?: boolean;
  readonly autocast?: boolean;
  readonly [k: string]: unknown;
}

export class PythonWorkerBackend implements ComputeBackend {
  readonly id: string;
  readonly timer: TimerKind;
  readonly variants = WORKER_VARIANTS;
  private readonly proc: WorkerProcess;
  private readonly python: string;
  private nextHandle = 1;
  private nextCall = 1;
  private disposed = false;
  private current = 0;
  private peak = 0;
  private reportedPeak = 0;
  /** The precision settings the worker applied on the last run/measure (TF32 flags, autocast). */
  lastSettings: Settings | undefined;

  constructor(
    readonly framework: WorkerFramework,
    readonly device: string,
    options: WorkerBackendOptions = {},
  ) {
    this.id = `${framework}:${device}`;
    this.python = options.python ?? workerPython();
    // CUDA events time on the device timeline; elsewhere the worker's host clock around a synchronised loop.
    this.timer = framework === 'torch' && device === 'cuda' ? 'device' : 'host';
    this.proc = new WorkerProcess(
      { framework, device, python: this.python },
      { timeoutMs: options.timeoutMs ?? defaultTimeout(), startupMs: options.startupMs ?? DEFAULT_STARTUP_MS, ...(options.env ? { env: options.env } : {}) },
    );
  }

  /** Worker processes started so far (1 + restarts). */
  get generation(): number {
    return this.proc.generation;
  }

  /** The live worker's process id (undefined between a crash and the next call). */
  get workerPid(): number | undefined {
    return this.proc.pid;
  }

  private report(): ProbeReport {
    const p = probeFramework(this.framework, this.python);
    if (!p.ok) throw new AbwError('ABW_EUNSUPPORTED', `${this.id}: ${p.reason}`, 'backend');
    return p.report;
  }

  info(): BackendInfo {
    const r = this.report();
    const dev = r.devices?.[this.device];
    return {
      id: this.id,
      engine: `${this.framework} in a Python worker process (${this.python}), ops with the framework's own functions, timed inside the worker`,
      device: dev?.name ?? (this.device === 'cpu' ? 'host CPU' : `${this.framework} ${this.device}${dev?.kind ? ` (${dev.kind})` : ''}`),
      available: dev?.available ?? false,
      ...(dev && !dev.available && dev.reason ? { reason: dev.reason } : {}),
      libraries: { ...(r.versions ?? {}) },
      dtypes: [...(dev?.dtypes ?? [])],
      features: [...(r.features ?? []), 'timing-inside-worker', 'binary-protocol'],
      timer: this.timer,
    };
  }

  supports(op: string, dtype: ComputeDType, params?: Params): Support {
    const { spec, reason } = specForBackend(op);
    if (!spec) return { ok: false, reason };
    const variant = variantRefusal(this, spec, params);
    if (variant) return { ok: false, reason: variant };
    if (dtype === 'f64') return { ok: false, reason: `${this.id} runs the case dtypes; f64 is the ref oracle` };
    if (!spec.dtypes.includes(dtype)) return { ok: false, reason: `${op} is defined for ${spec.dtypes.join(', ')}, not ${dtype}` };
    let r: ProbeReport;
    try {
      r = this.report();
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    const row = r.support?.[this.device]?.[op];
    if (!row) return { ok: false, reason: `\`${op}\` has no \`${this.id}\` implementation in the worker` };
    const why = row[dtype];
    return why ? { ok: false, reason: `${this.id}: ${why}` } : { ok: true };
  }

  upload(t: HostTensor): DeviceTensor {
    this.checkAlive();
    if (!DTYPES.includes(t.dtype)) throw new AbwError('ABW_EDTYPE', `${this.id}: tensor dtype ${String(t.dtype)} not taken; allowed: ${DTYPES.join(', ')}`, 'dtype');
    const handle = this.nextHandle++;
    const generation = this.proc.ensure();
    const ready = this.proc.request({ cmd: 'upload', handle }, [t]).then((r) => this.noteMemory(r));
    ready.catch(() => undefined); // surfaced when the tensor is used
    return this.wrap(t.dtype, t.shape, { handle, generation, bytes: t.data.byteLength, ready, freed: false });
  }

  async download(t: DeviceTensor): Promise<HostTensor> {
    const h = this.own(t, 'tensor');
    await h.ready;
    const reply = await this.proc.request({ cmd: 'download', handle: h.handle });
    const out = reply.tensors[0];
    if (!out) throw new AbwError('ABW_EINTERNAL', `${this.id}: download returned no tensor`);
    return { dtype: t.dtype, shape: t.shape, data: out.data };
  }

  free(t: DeviceTensor): void {
    const h = (t as Partial<WorkerDeviceTensor>)[OWNER];
    if (!h) throw new AbwError('ABW_EINVAL', `tensor is not a tensor of a Python worker backend`, 'tensor');
    if (h.freed) return;
    h.freed = true;
    this.current -= h.bytes;
    if (this.proc.alive && this.proc.generation === h.generation) this.proc.request({ cmd: 'free', handles: [h.handle] }).catch(() => undefined);
  }

  async run(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): Promise<DeviceTensor[]> {
    const call = this.prepare(op, inputs, params, dtype);
    try {
      await call.run();
    } catch (e) {
      call.dispose();
      throw e;
    }
    return [...call.outputs];
  }

  prepare(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): PreparedCall {
    this.checkAlive();
    const { planned, outputs: outs } = planForBackend(this, op, inputs, params, dtype);
    const handles = inputs.map((t, i) => (t ? this.own(t, `[${op}] inputs[${i}]`) : null));
    const generation = this.proc.ensure();
    const outputs = outs.map((o) => {
      const bytes = numel(o.shape) * byteSize(o.dtype);
      return this.wrap(o.dtype, o.shape, { handle: this.nextHandle++, generation, bytes, ready: Promise.resolve(), freed: false });
    });
    const call = this.nextCall++;
    const prepared = this.proc
      .request({
        cmd: 'prepare',
        call,
        op,
        dtype,
        params: planned.plan.native,
        inputs: handles.map((h) => (h ? h.handle : null)),
        inputShapes: inputs.map((t) => (t ? [...t.shape] : null)),
        outputs: outputs.map((t) => ({ handle: t[OWNER].handle, dtype: t.dtype, shape: [...t.shape] })),
      })
      .then(() => undefined);
    prepared.catch(() => undefined); // surfaced by run / measure
    const ready = async (): Promise<void> => {
      for (const h of handles) if (h) await h.ready;
      await prepared;
      if (this.proc.generation !== generation || !this.proc.alive) {
        throw new AbwError('ABW_ECRASH', `${this.id}: the worker this call was prepared in has exited; prepare the call again`);
      }
    };
    let disposed = false;
    return {
      outputs,
      run: async () => {
        await ready();
        this.noteMemory(await this.proc.request({ cmd: 'run', call }));
      },
      measure: async (o: MeasureOptions) => {
        await ready();
        const reply = this.noteMemory(await this.proc.request({ cmd: 'measure', call, iterations: o.iterations, samples: o.samples, cold: o.cold === true }));
        const ns = reply.header.ns;
        if (!Array.isArray(ns) || ns.length !== o.samples) throw new AbwError('ABW_EINTERNAL', `${this.id}: measure returned ${JSON.stringify(ns)}`);
        return ns.map(Number);
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        outputs.forEach((t) => this.free(t));
        if (this.proc.alive && this.proc.generation === generation) this.proc.request({ cmd: 'release', call }).catch(() => undefined);
      },
    };
  }

  /** Waits until the worker has handled everything sent so far. */
  async sync(): Promise<void> {
    if (!this.proc.alive) return;
    this.noteMemory(await this.proc.request({ cmd: 'memory' }));
  }

  memory(): MemoryStats {
    return { currentBytes: this.current, peakBytes: Math.max(this.peak, this.reportedPeak) };
  }

  resetPeak(): void {
    this.peak = this.current;
    this.reportedPeak = 0;
    if (this.proc.alive) this.proc.request({ cmd: 'reset_peak' }).catch(() => undefined);
  }

  dispose(): void {
    this.disposed = true;
    this.proc.shutdown();
  }

  /** Sends a raw request (tests: the worker's debug commands need ABW_WORKER_DEBUG=1 in `env`). */
  request(header: Record<string, unknown>, timeoutMs?: number): Promise<WorkerReply> {
    return this.proc.request(header, [], timeoutMs);
  }

  private noteMemory(r: WorkerReply): WorkerReply {
    const m = r.header.memory as { current?: number; peak?: number } | undefined;
    if (m && typeof m.peak === 'number') this.reportedPeak = Math.max(this.reportedPeak, m.peak);
    if (r.header.settings) this.lastSettings = r.header.settings as Settings;
    return r;
  }

  private wrap(dtype: DType, shape: Shape, h: WorkerHandle): WorkerDeviceTensor {
    this.current += h.bytes;
    this.peak = Math.max(this.peak, this.current);
    return Object.freeze({ backend: this.id, dtype, shape: Object.freeze([...shape]), [OWNER]: h });
  }

  private checkAlive(): void {
    if (this.disposed) throw new AbwError('ABW_EINVAL', `backend ${this.id} was disposed`);
  }

  private own(t: DeviceTensor | null | undefined, what: string): WorkerHandle {
    const h = t && (t as Partial<WorkerDeviceTensor>)[OWNER];
    if (!t || !h) throw new AbwError('ABW_EINVAL', `${what} is not a tensor of a Python worker backend`, what);
    if (t.backend !== this.id) throw new AbwError('ABW_EINVAL', `${what} belongs to backend ${t.backend}, not ${this.id}`, what);
    if (h.freed) throw new AbwError('ABW_EINVAL', `${what} was freed`, what);
    if (h.generation !== this.proc.generation || !this.proc.alive) {
      throw new AbwError('ABW_ECRASH', `${what} lived in a ${this.id} worker that has exited (tensors do not survive a restart); upload it again`, what);
    }
    return h;
  }
}
