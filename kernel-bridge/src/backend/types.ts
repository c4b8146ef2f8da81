/**
 * The seam every backend implements (DESIGN.md "ComputeBackend"). Backends know nothing about
 * results or matrices: they run ops on tensors and time them.
 */
import type { Params } from '../ops/types';
import type { CaseDType, DType, HostTensor, Shape, TypedData } from '../tensor';

/** The precision a backend computes in: a case dtype, or f64 for the oracle. */
export type ComputeDType = CaseDType | 'f64';

/** Which clock a backend's timings come from. */
export type TimerKind = 'host' | 'device';

export type Support = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface BackendInfo {
  readonly id: string;
  readonly engine: string;
  readonly device: string;
  readonly available: boolean;
  readonly reason?: string;
  readonly libraries: Readonly<Record<string, string>>;
  readonly dtypes: readonly ComputeDType[];
  readonly features: readonly string[];
  readonly timer: TimerKind;
  readonly threads?: number;
}

export interface DeviceTensor {
  readonly backend: string;
  readonly dtype: DType;
  readonly shape: Shape;
}

export interface MeasureOptions {
  /** Calls per sample, repeated natively. */
  readonly iterations: number;
  readonly samples: number;
  /** Evict caches before each sample. */
  readonly cold?: boolean;
}

/** An op bound to its tensors, ready to run or time repeatedly. */
export interface PreparedCall {
  readonly outputs: readonly DeviceTensor[];
  run(): Promise<void>;
  /** Runs on the calling thread, where the backend can (tiny ops; dispatch-overhead checks). */
  runSync?(): void;
  /** Nanoseconds per call, one entry per sample. */
  measure(options: MeasureOptions): Promise<number[]>;
  /** Optional: frees what the call holds besides its outputs, after a one-shot run. */
  releaseWorkspace?(): void;
  dispose(): void;
}

/**
 * A chain of ops traced from a pipeline stage (PipelineExec.segment), for a backend that compiles
 * it into one call. A step's input is a segment input (`{ input: i }`, a tensor of this backend),
 * an earlier step's output (`{ step, output }`), or null for an omitted optional input.
 */
export type SegmentRef = { readonly input: number } | { readonly step: number; readonly output: number };

export interface SegmentStep {
  readonly op: string;
  readonly inputs: readonly (SegmentRef | null)[];
  readonly params: Params;
  readonly dtype: ComputeDType;
}

export interface SegmentTrace {
  readonly name: string;
  readonly inputs: readonly DeviceTensor[];
  readonly steps: readonly SegmentStep[];
  /** What the compiled call returns, in order. */
  readonly outputs: readonly SegmentRef[];
}

export interface MemoryStats {
  readonly currentBytes: number;
  readonly peakBytes: number;
}

export interface ComputeBackend {
  readonly id: string;
  readonly timer: TimerKind;
  info(): BackendInfo;
  supports(op: string, dtype: ComputeDType, params?: Params): Support;
  /**
   * Optional: per op, the variant params (ParamDecl.variant: conv2d's channels_last, …) this
   * backend implements. Absent ops or params: only their default value runs here; supports()
   * and planForBackend refuse the others (backend/variant-support.ts).
   */
  readonly variants?: Readonly<Record<string, readonly string[]>>;
  upload(t: HostTensor): DeviceTensor;
  download(t: DeviceTensor): Promise<HostTensor>;
  free(t: DeviceTensor): void;
  /** Runs one op; outputs are allocated from the op's plan. */
  run(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): Promise<DeviceTensor[]>;
  prepare(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): PreparedCall;
  /**
   * Optional: the traced chain of ops as one call (ort: one ONNX graph, one session run). Throws
   * ABW_EUNSUPPORTED naming the step it cannot compile; the pipeline then runs it op by op.
   */
  prepareSegment?(trace: SegmentTrace): PreparedCall;
  sync(): Promise<void>;
  /**
   * Optional: a zeroed host array for data that will be uploaded more than once (a pipeline's
   * staged input), on memory the backend copies from fastest (cuda: page-locked), or undefined
   * where it has none to give.
   */
  hostArray?(dtype: DType, n: number): TypedData | undefined;
  /** Optional: download into the caller's array (the tensor's storage type, numel long). */
  downloadInto?(t: DeviceTensor, dst: TypedData): Promise<void>;
  /**
   * Optional, with `downloadQueued` (feature 'queued-copies'): copies that overlap compute (cuda:
   * a copy stream per direction). The tensor is returned at once; the ops that read it wait for
   * its bytes on the device, not on the host. `t.data` must stay unchanged until `sync()`.
   */
  uploadQueued?(t: HostTensor): DeviceTensor;
  /**
   * Optional: starts copying `t` into `dst` once the work queued so far has written it, and
   * returns at once; `dst` holds the values when the next `sync()` resolves.
   */
  downloadQueued?(t: DeviceTensor, dst: TypedData): void;
  memory(): MemoryStats;
  resetPeak(): void;
  dispose(): void;
}
