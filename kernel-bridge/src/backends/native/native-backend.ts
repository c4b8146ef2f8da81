/**
 * The native backends: `ref` (FP64 oracle loops) and `cpu` (BLAS/FFT libraries + threads), and
 * in test builds (ABW_FAULT_OPS) `fault`, which runs only the test-only fault ops.
 * Both live in the addon; this class is the thin ComputeBackend over it: plan with the op
 * spec, allocate outputs, bind a native PreparedOp, and time it with the native loop.
 */
import type { NativeDType, NativeTensor, PreparedOp } from '@abw/native';

import { AbwError } from '../../errors';
import { specForBackend } from '../../backend/catalogue-spec';
import { variantRefusal } from '../../backend/variant-support';
import type { Params } from '../../ops/types';
import { planForBackend } from '../../backend/plan-for-backend';
import type { DType, HostTensor } from '../../tensor';
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
import { addon } from './addon';
import { handleOf, nativeHandle, reshapeView, wrapNative } from './native-tensor';


/** Cache-eviction buffer for cold measurements: larger than any last-level cache we target. */
const FLUSH_BYTES = 64 * 1024 * 1024;

export type NativeBackendId = 'ref' | 'cpu' | 'fault';

/**
 * Variant params (ParamDecl.variant) the ref and cpu kernels implement: they read
 * `channels_last` and `activation` from the canonical params (native/src/{ref,cpu}/conv.cpp,
 * norm.cpp). The cuda backend (cuda-backend.ts) declares its own once its kernels read them.
 */
export const NATIVE_VARIANTS: Readonly<Record<string, readonly string[]>> = {
  add_bias: ['length'],
  conv2d: ['channels_last', 'residual'],
  instance_norm: ['channels_last', 'activation'],
  irfft: ['filter'],
  matmul: ['residual'],
};

export class NativeBackend implements ComputeBackend {
  readonly id: NativeBackendId;
  readonly timer = 'host' as const;
  readonly variants: Readonly<Record<string, readonly string[]>>;
  private disposed = false;

  constructor(id: NativeBackendId) {
    this.id = id;
    this.variants = id === 'fault' ? {} : NATIVE_VARIANTS;
  }

  info(): BackendInfo {
    const n = addon();
    const build = n.buildInfo();
    const libraries: Record<string, string> = { compiler: build.compiler, napi: String(build.napiVersion) };
    if (this.id === 'cpu') {
      libraries.blas = build.blas;
      libraries.fft = build.fft;
      if (build.fftPlanner) libraries.fftPlanner = build.fftPlanner;
      libraries.simd = build.simd;
    }
    return {
      id: this.id,
      engine:
        this.id === 'ref'
          ? 'native C++ FP64 loops (oracle)'
          : this.id === 'fault'
            ? 'native test-only fault ops (ABW_FAULT_OPS build)'
            : 'native C++ with BLAS/FFT libraries and threads',
      device: 'host CPU',
      available: true,
      libraries,
      dtypes: this.id === 'ref' ? ['f64', 'int8'] : this.id === 'fault' ? ['f32'] : ['f32', 'f16', 'bf16', 'int8'],
      features: this.id === 'cpu' ? ['threads', build.blas !== 'none' ? 'blas' : 'no-blas', build.fft !== 'none' ? 'fft-library' : 'builtin-fft'] : [],
      timer: 'host',
      threads: n.getThreads(),
    };
  }

  supports(op: string, dtype: ComputeDType, params?: Params): Support {
    const { spec, reason } = specForBackend(op, this.id === 'fault');
    if (!spec) return { ok: false, reason };
    const variant = variantRefusal(this, spec, params);
    if (variant) return { ok: false, reason: variant };
    if (dtype === 'tf32') return { ok: false, reason: `${this.id} has no TF32 mode (TF32 is a tensor-core mode of NVIDIA GPUs)` };
    if (this.id === 'ref' && dtype !== 'f64' && dtype !== 'int8') {
      return { ok: false, reason: 'ref computes in f64 (and int8 for integer ops) only; it is the oracle' };
    }
    if (this.id === 'cpu' && dtype === 'f64') return { ok: false, reason: 'cpu runs f32, f16, bf16 and int8; f64 is the ref oracle' };
    if (dtype !== 'f64' && !spec.dtypes.includes(dtype)) {
      return { ok: false, reason: `${op} is defined for ${spec.dtypes.join(', ')}, not ${dtype}` };
    }
    if (dtype === 'f64' && spec.dtypes.length === 1 && spec.dtypes[0] === 'int8') {
      return { ok: false, reason: `${op} is an integer op; run it as int8` };
    }
    if (!addon().hasKernel(this.id, op, nativeDType(dtype))) {
      return { ok: false, reason: `\`${op}\` has no \`${this.id}\` implementation for ${dtype}` };
    }
    return { ok: true };
  }

  upload(t: HostTensor): DeviceTensor {
    this.checkAlive();
    const handle = addon().tensor(t.dtype, [...t.shape], t.data);
    return wrapNative(this.id, t.dtype, t.shape, handle);
  }

  async download(t: DeviceTensor): Promise<HostTensor> {
    const h = this.own(t, 'tensor');
    return { dtype: t.dtype, shape: t.shape, data: h.read() };
  }

  free(t: DeviceTensor): void {
    this.own(t, 'tensor').free();
  }

  async run(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): Promise<DeviceTensor[]> {
    if (op === 'reshape') {
      this.checkAlive();
      const { outputs } = planForBackend(this, op, inputs, params, dtype);
      return [reshapeView(this.id, this.own(inputs[0], '[reshape] inputs[0]'), outputs[0]!)];
    }
    const call = this.prepare(op, inputs, params, dtype);
    await call.run();
    return [...call.outputs];
  }

  prepare(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): PreparedCall {
    this.checkAlive();
    const { planned, outputs: outs } = planForBackend(this, op, inputs, params, dtype);
    const handles = inputs.map((t, i) => (t ? this.own(t, `[${op}] inputs[${i}]`) : null));
    const n = addon();
    const outputs = outs.map((o) => wrapNative(this.id, o.dtype, o.shape, n.tensor(o.dtype, [...o.shape])));
    const outHandles = outputs.map(handleOf);
    let prepared: PreparedOp;
    try {
      prepared = new n.PreparedOp(this.id, op, nativeDType(dtype), handles, outHandles, planned.plan.native);
    } catch (e) {
      outHandles.forEach((h) => h.free());
      throw e;
    }
    return {
      outputs,
      run: () => prepared.runAsync(),
      runSync: () => prepared.run(),
      measure: async (o: MeasureOptions) => {
        const ns = await prepared.measure({ iterations: o.iterations, samples: o.samples, flushBytes: o.cold ? FLUSH_BYTES : 0 });
        return Array.from(ns);
      },
      dispose: () => outHandles.forEach((h) => h.free()),
    };
  }

  async sync(): Promise<void> {
    // Native calls complete before their promise resolves: nothing is in flight.
  }

  memory(): MemoryStats {
    const m = addon().memoryStats();
    return { currentBytes: m.currentBytes, peakBytes: m.peakBytes };
  }

  resetPeak(): void {
    addon().resetPeakMemory();
  }

  dispose(): void {
    this.disposed = true;
  }

  private checkAlive(): void {
    if (this.disposed) throw new AbwError('ABW_EINVAL', `backend ${this.id} was disposed`);
  }

  private own(t: DeviceTensor | null | undefined, what: string): NativeTensor {
    return nativeHandle(t, what, this.id, 'a native backend');
  }
}

/** The storage dtype of float tensors in a case of compute dtype `dt`. */
export function floatStorage(dt: ComputeDType): DType {
  switch (dt) {
    case 'f64':
      return 'f64';
    case 'f32':
    case 'tf32':
    case 'int8':
      return 'f32';
    default:
      return dt;
  }
}

function nativeDType(dt: ComputeDType): NativeDType {
  return dt === 'tf32' ? 'f32' : dt;
}
