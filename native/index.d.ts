// Types of the raw addon surface. kernel-bridge wraps these in an idiomatic API.
export type NativeDType = 'f64' | 'f32' | 'f16' | 'bf16' | 'int8' | 'int32';
export type NativeArray = Float64Array | Float32Array | Uint16Array | Int8Array | Int32Array;

export declare class NativeTensor {
  private readonly __brand: 'NativeTensor';
  info(): { dtype: NativeDType; shape: number[]; byteLength: number; freed: boolean };
  /** Copy of the data (f16/bf16 as raw Uint16 bits). */
  read(): NativeArray;
  /**
   * Copies the data into `dst` (the dtype's array type, numel elements): a caller that reuses its
   * host buffer, e.g. one from cudaHostArray, skips the allocation a read() makes.
   */
  readInto(dst: NativeArray): void;
  /**
   * On cuda with `queued`: the copy goes on the module's download stream after the compute work
   * queued so far, and this returns at once; `dst` holds the values after the next cudaSync()
   * (and is kept alive until then). Elsewhere the same as readInto(dst).
   */
  readInto(dst: NativeArray, queued: boolean): void;
  write(data: NativeArray): void;
  /**
   * A tensor on the same bytes with another shape of the same element count (a reshape without a
   * copy). The bytes live until both are freed.
   */
  view(shape: number[]): NativeTensor;
  /** Release the memory now; later use is an error (the bytes stay while a view uses them). */
  free(): void;
}

export type NativeParamValue = number | boolean | string | number[] | null;

export declare class PreparedOp {
  private readonly __brand: 'PreparedOp';
  constructor(
    backend: string,
    op: string,
    /** 'tf32' only for backend 'cuda': f32 storage, TF32 tensor-core math. */
    dtype: NativeDType | 'tf32',
    inputs: (NativeTensor | null)[],
    outputs: NativeTensor[],
    params: Record<string, NativeParamValue>,
  );
  /** Run once on the calling thread. */
  run(): void;
  /** Run once on a worker thread. */
  runAsync(): Promise<void>;
  /**
   * cuda: queue the call behind earlier work and return; a download waits for it, and a fault
   * in its kernels surfaces there. cpu backends: the same as run().
   */
  enqueue(): void;
  /** Drops the bound call now (its plans and workspaces); later calls fail with EINVAL. */
  release(): void;
  /** Natively repeated timing: `samples` samples of `iterations` calls; ns per call per sample. */
  /**
   * cuda: CUDA events around the launches (device timeline); flushBytes > 0 flushes L2; graph
   * replays the launches as one captured CUDA graph; the result carries `hostNs` too.
   */
  measure(options: { iterations?: number; samples?: number; flushBytes?: number; graph?: boolean }): Promise<Float64Array & { hostNs?: Float64Array }>;
}

export interface BuildInfo {
  compiler: string;
  buildType: string;
  cxxStandard: number;
  blas: string;
  fft: string;
  /** The FFTW planner the cpu transforms use (ABW_FFTW_PLANNER): estimate, measure, patient, or
   *  'invalid' (the variable names none; every cpu transform then fails); '' without FFTW; absent
   *  in a build without the cpu kernels. */
  fftPlanner?: string;
  napiVersion: number;
  faultOps: boolean;
  sanitizers: string;
  simd: string;
  /** Whether this build found a CUDA toolkit and built the CUDA module beside the addon. */
  cudaModule: boolean;
}

export declare function tensor(dtype: NativeDType, shape: number[], data?: NativeArray | null): NativeTensor;
export declare function buildInfo(): BuildInfo;
export declare function listKernels(): { backend: string; op: string; dtype: NativeDType; converted: boolean }[];
export declare function hasKernel(backend: string, op: string, dtype: NativeDType): boolean;
/**
 * Host memory of the native backends: requested bytes in use, their peak, the allocation count,
 * and `cachedBytes`, freed blocks of 1 MiB and more kept for reuse (not counted in use).
 */
export declare function memoryStats(): { currentBytes: number; peakBytes: number; allocations: number; cachedBytes: number };
export declare function resetPeakMemory(): void;
export declare function getThreads(): number;
export declare function setThreads(n: number): number;
/** Round f64/f32 values to f32 (Float32Array) or f16/bf16 (Uint16Array bits), ties to even. */
export declare function roundTo(dtype: 'f32', values: Float64Array | Float32Array): Float32Array;
export declare function roundTo(dtype: 'f16' | 'bf16', values: Float64Array | Float32Array): Uint16Array;
/** Exact values of f16/bf16 bit patterns. */
export declare function widen(dtype: 'f16' | 'bf16', bits: Uint16Array): Float64Array;

// ---- cuda backend (the CUDA module, loaded on first use; every call says why when it cannot run)
export type NativeDevice = 'host' | 'cuda';
export declare function tensor(dtype: NativeDType, shape: number[], data: NativeArray | null | undefined, device: NativeDevice): NativeTensor;
/**
 * With `queued` on cuda: the upload goes on the module's upload stream and this returns at once;
 * the first op that reads the tensor waits for it on the device, not the host. `data` must stay
 * unchanged until the next cudaSync() (the addon keeps it alive until then).
 */
export declare function tensor(dtype: NativeDType, shape: number[], data: NativeArray, device: NativeDevice, queued: boolean): NativeTensor;
export interface CudaStatus {
  available: boolean;
  /** Why cuda cannot run here: no toolkit at build time, no driver, no device. */
  reason?: string;
  /** JSON text: name, computeCapability, multiprocessors, memory, L2, clocks, driver/runtime/library versions. */
  device?: string;
}
export declare function cudaStatus(): CudaStatus;
/** undefined when the module implements (op, dtype); else the reason. dtype may be 'tf32'. */
export declare function cudaHasOp(op: string, dtype: NativeDType | 'tf32'): string | undefined;
export declare function cudaMemory(): {
  currentBytes: number;
  peakBytes: number;
  reservedBytes: number;
  deviceFreeBytes: number;
  deviceTotalBytes: number;
};
export declare function cudaResetPeak(): void;
export declare function cudaSync(): void;
export declare function cudaSetStreams(n: number): number;
/**
 * A zeroed typed array on page-locked host memory (copies to and from the device at the bus's
 * speed), or undefined where the CUDA module has none to give (no CUDA, under 1 MiB, pinning
 * failed). Its block returns to the module's cache when the array is collected.
 */
export declare function cudaHostArray(dtype: NativeDType, n: number): Float64Array | Float32Array | Uint16Array | Int8Array | Int32Array | undefined;
