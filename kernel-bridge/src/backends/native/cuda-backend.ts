/**
 * The `cuda` backend: NVIDIA GPUs through the addon's CUDA module (cuBLASLt, cuDNN, cuFFT and
 * own kernels; native/src/cuda). Tensors live in device memory (the module's caching
 * allocator); `measure` times natively repeated launches with CUDA events (timer `device`),
 * optionally as one replayed CUDA graph, and flushes L2 before each sample when cold.
 * TF32 is its own case dtype: f32 cases never use TF32 math.
 */
import type { NativeDType, NativeTensor, PreparedOp } from '@abw/native';

import { AbwError } from '../../errors';
import { specForBackend } from '../../backend/catalogue-spec';
import { variantRefusal } from '../../backend/variant-support';
import type { Params } from '../../ops/types';
import { planForBackend } from '../../backend/plan-for-backend';
import type { DType, HostTensor, TypedData } from '../../tensor';
import type {
  BackendInfo,
  ComputeBackend,
  ComputeDType,
  DeviceTensor,
  MeasureOptions,
  MemoryStats,
  PreparedCall,
  Support,
} from '../../backend/types';
import { addon, addonLoadProblem } from './addon';
import { handleOf, nativeHandle, reshapeView, wrapNative, type NativeDeviceTensor } from './native-tensor';


/** What the module reports about the device (cudaStatus().device, parsed). */
export interface CudaDeviceInfo {
  readonly name: string;
  readonly computeCapability: string;
  readonly multiprocessors: number;
  readonly totalMemoryBytes: number;
  readonly freeMemoryBytes: number;
  readonly l2CacheBytes: number;
  readonly smClockKHz: number;
  readonly memoryClockKHz: number;
  readonly memoryBusBits: number;
  readonly driver: string;
  readonly runtime: string;
  readonly cublasLt: string;
  readonly cudnn: string;
  readonly cufft: string;
  readonly streams: number;
}

/** Device memory as the cuda backend reports it per case. */
export interface CudaMemoryStats extends MemoryStats {
  readonly reservedBytes: number;
  readonly deviceFreeBytes: number;
  readonly deviceTotalBytes: number;
}

/** Why `cuda` cannot run here (addon missing, no toolkit at build time, no driver, no device), or undefined. */
export function cudaProblem(): string | undefined {
  const problem = addonLoadProblem();
  if (problem) return problem;
  const s = addon().cudaStatus();
  return s.available ? undefined : (s.reason ?? 'the CUDA module gave no reason');
}

export interface CudaBackendOptions {
  /** Replay the timed launches as one captured CUDA graph (small ops: launch overhead out). */
  readonly graphs?: boolean;
  /**
   * Copies on copy streams of their own (uploadQueued / downloadQueued, feature 'queued-copies').
   * Default on; ABW_CUDA_QUEUED_COPIES=0 turns them off, so a pipeline's transfers run in line
   * with its ops (the comparison that shows what the overlap gains).
   */
  readonly queuedCopies?: boolean;
}

export class CudaBackend implements ComputeBackend {
  readonly id = 'cuda';
  readonly timer = 'device' as const;
  /**
   * Channels-last conv2d (cuDNN NHWC/KRSC) and instance_norm, and its fused GELU (kernels/conv.cu,
   * norm.cu); matmul's residual as cuBLASLt's C operand (matmul.cpp); conv2d's residual in one
   * cuDNN graph with the convolution where that wins, else an add pass after it (conv.cu);
   * add_bias on a crop of the last dim in one pass (elementwise.cu); irfft's filter in the copy
   * of the spectrum C2R needs anyway (fft.cu).
   */
  readonly variants: Readonly<Record<string, readonly string[]>> = {
    add_bias: ['length'],
    conv2d: ['channels_last', 'residual'],
    instance_norm: ['channels_last', 'activation'],
    irfft: ['filter'],
    matmul: ['residual'],
  };
  readonly graphs: boolean;
  /** On the module's upload stream (copy_queue.h): the first op reading it waits on the device. */
  readonly uploadQueued?: (t: HostTensor) => DeviceTensor;
  /** On the module's download stream, after the work queued so far; done at the next sync(). */
  readonly downloadQueued?: (t: DeviceTensor, dst: TypedData) => void;
  private disposed = false;

  constructor(options: CudaBackendOptions = {}) {
    const problem = cudaProblem();
    if (problem) throw new AbwError('ABW_EUNSUPPORTED', `backend cuda is unavailable: ${problem}`, 'backend');
    this.graphs = options.graphs === true;
    if (options.queuedCopies ?? process.env.ABW_CUDA_QUEUED_COPIES !== '0') {
      this.uploadQueued = (t) => {
        this.checkAlive();
        return wrapNative('cuda', t.dtype, t.shape, addon().tensor(t.dtype, [...t.shape], t.data, 'cuda', true));
      };
      this.downloadQueued = (t, dst) => this.own(t, 'tensor').readInto(dst, true);
    }
  }

  device(): CudaDeviceInfo {
    const s = addon().cudaStatus();
    return JSON.parse(s.device ?? '{}') as CudaDeviceInfo;
  }

  info(): BackendInfo {
    const d = this.device();
    return {
      id: this.id,
      engine: 'native CUDA: cuBLASLt, cuDNN, cuFFT and own kernels; caching device allocator',
      device: `${d.name} (sm_${d.computeCapability.replace('.', '')}, ${d.multiprocessors} SMs, ${(d.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB)`,
      available: true,
      libraries: { driver: d.driver, runtime: d.runtime, cublasLt: d.cublasLt, cudnn: d.cudnn, cufft: d.cufft },
      dtypes: ['f32', 'tf32', 'f16', 'bf16', 'int8'],
      // No 'streams': every catalogue op runs on the compute stream, so a pipeline's bands issued
      // as separate ops do not overlap (the record says 1 effective stream). Only the fused
      // fft_conv stage spreads its bands over streams. 'queued-copies': uploads and downloads
      // on copy streams of their own, overlapping that compute (uploadQueued/downloadQueued).
      features: ['device-timer', 'cuda-graphs', 'l2-flush', 'caching-allocator', 'fused-stage-streams', ...(this.uploadQueued ? ['queued-copies'] : [])],
      timer: 'device',
    };
  }

  supports(op: string, dtype: ComputeDType, params?: Params): Support {
    const { spec, reason } = specForBackend(op);
    if (!spec) return { ok: false, reason };
    const variant = variantRefusal(this, spec, params);
    if (variant) return { ok: false, reason: variant };
    if (dtype === 'f64') return { ok: false, reason: 'cuda runs f32, tf32, f16, bf16 and int8; f64 is the ref oracle' };
    if (!spec.dtypes.includes(dtype)) {
      return { ok: false, reason: `${op} is defined for ${spec.dtypes.join(', ')}, not ${dtype}` };
    }
    const why = addon().cudaHasOp(op, dtype);
    return why === undefined ? { ok: true } : { ok: false, reason: why };
  }

  upload(t: HostTensor): DeviceTensor {
    this.checkAlive();
    return wrapNative('cuda', t.dtype, t.shape, addon().tensor(t.dtype, [...t.shape], t.data, 'cuda'));
  }

  /** Page-locked (cudaHostArray): uploads from it, and every download, move at the bus's speed. */
  hostArray(dtype: DType, n: number): TypedData | undefined {
    this.checkAlive();
    return addon().cudaHostArray(dtype, n);
  }

  async downloadInto(t: DeviceTensor, dst: TypedData): Promise<void> {
    this.own(t, 'tensor').readInto(dst);
  }

  async download(t: DeviceTensor): Promise<HostTensor> {
    return { dtype: t.dtype, shape: t.shape, data: this.own(t, 'tensor').read() };
  }

  free(t: DeviceTensor): void {
    this.own(t, 'tensor').free();
  }

  /**
   * Queues the op on the compute stream and returns its outputs at once: a chain of ops (a
   * pipeline) pays one wait, at the download that needs its values, instead of one per op. A
   * fault inside the kernels surfaces at that download, as with PyTorch on CUDA.
   */
  async run(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): Promise<DeviceTensor[]> {
    // A reshape is a view of the input's device memory: no kernel, nothing queued.
    if (op === 'reshape') {
      this.checkAlive();
      const { outputs } = planForBackend(this, op, inputs, params, dtype);
      return [reshapeView('cuda', this.own(inputs[0], '[reshape] inputs[0]'), outputs[0]!)];
    }
    const call = this.prepare(op, inputs, params, dtype, { queued: true });
    await call.run();
    return [...call.outputs];
  }

  prepare(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType, how: { queued?: boolean } = {}): PreparedCall {
    this.checkAlive();
    const { planned, outputs: outs } = planForBackend(this, op, inputs, params, dtype);
    const handles = inputs.map((t, i) => (t ? this.own(t, `[${op}] inputs[${i}]`) : null));
    const n = addon();
    const outputs: NativeDeviceTensor[] = [];
    let prepared: PreparedOp;
    try {
      for (const o of outs) outputs.push(wrapNative('cuda', o.dtype, o.shape, n.tensor(o.dtype, [...o.shape], null, 'cuda')));
      prepared = new n.PreparedOp('cuda', op, nativeDType(dtype), handles, outputs.map(handleOf), planned.plan.native);
    } catch (e) {
      outputs.forEach((t) => handleOf(t).free());
      throw e;
    }
    return {
      outputs,
      // Queued: the call is released once enqueued (its workspaces return to the allocator in
      // stream order), so a long chain holds only its live tensors, not every op's plan.
      run: how.queued
        ? async () => {
            prepared.enqueue();
            prepared.release();
          }
        : () => prepared.runAsync(),
      runSync: () => prepared.run(),
      measure: async (o: MeasureOptions) => {
        const ns = await prepared.measure({ iterations: o.iterations, samples: o.samples, flushBytes: o.cold ? 1 : 0, graph: this.graphs });
        return Array.from(ns);
      },
      dispose: () => {
        prepared.release();
        outputs.forEach((t) => handleOf(t).free());
      },
    };
  }

  async sync(): Promise<void> {
    addon().cudaSync();
  }

  memory(): CudaMemoryStats {
    return addon().cudaMemory();
  }

  resetPeak(): void {
    addon().cudaResetPeak();
  }

  dispose(): void {
    this.disposed = true;
  }

  private checkAlive(): void {
    if (this.disposed) throw new AbwError('ABW_EINVAL', 'backend cuda was disposed');
  }

  private own(t: DeviceTensor | null | undefined, what: string): NativeTensor {
    return nativeHandle(t, what, 'cuda', 'the cuda backend');
  }
}

/** tf32 crosses as its own native dtype string: f32 storage, TF32 math, on cuda only. */
function nativeDType(dt: ComputeDType): NativeDType | 'tf32' {
  return dt;
}
