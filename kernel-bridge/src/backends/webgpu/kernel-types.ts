/**
 * What a kernel builder hands the backend: compute passes (WGSL source specialised to the call's
 * shapes, the buffers each binds, the workgroup grid) plus scratch and constant buffers. The
 * backend compiles (cached), binds and dispatches them; builders never touch the device.
 */
import type { Params } from '../../ops/types';
import type { DType, Shape } from '../../tensor';

/** The WGSL type of float tensors in a case: f32, or f16 where the adapter has `shader-f16`. */
export type FloatType = 'f32' | 'f16';

export type BufferRef =
  | { readonly kind: 'in'; readonly index: number }
  | { readonly kind: 'out'; readonly index: number }
  | { readonly kind: 'scratch'; readonly index: number }
  | { readonly kind: 'const'; readonly index: number };

export interface Binding {
  /** The WGSL variable name the pass's code uses. */
  readonly name: string;
  readonly ref: BufferRef;
  /** WGSL element type: `T` (the case's float type), `f32`, `u32` (int8 packed 4 a word), `i32`, `vec2f`. */
  readonly elem: string;
  readonly write?: boolean;
}

export interface Pass {
  readonly label: string;
  /** The pass body: helper functions and `@compute fn main`; bindings and `alias T` are prepended. */
  readonly code: string;
  readonly bindings: readonly Binding[];
  readonly workgroups: readonly [number, number, number];
  /** Up to four u32 values the pass reads as the uniform `U` (vec4u): one pipeline, many steps. */
  readonly uniforms?: readonly number[];
}

export interface KernelPlan {
  readonly passes: readonly Pass[];
  /** Byte sizes of scratch buffers the passes use (pooled, released with the call). */
  readonly scratch?: readonly number[];
  /** Host-computed tables (twiddles in f64 then rounded, windows): uploaded once per call. */
  readonly consts?: readonly (Float32Array | Uint32Array | Int32Array)[];
}

export interface TensorInfo {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** The device limits kernels size their workgroups by (what the device was opened with). */
export interface KernelLimits {
  /** Bytes of workgroup memory one workgroup may declare (WebGPU guarantees 16384). */
  readonly workgroupStorage: number;
  /** Invocations in one workgroup along x (WebGPU guarantees 256). */
  readonly invocations: number;
}

/**
 * Dispatches forced instead of the kernels' own rules, to time the alternatives (bench variants)
 * and to test routes the rules would not take at small sizes. Results differ only in rounding.
 */
export interface KernelChoices {
  /**
   * Workgroups per FFT line that fits workgroup memory (fft-split.ts): 'auto' (the default) its
   * rule; 1 a whole line per workgroup; S > 1 the largest divisor of the length up to S that the
   * op's store allows (rfft's split step: 2), 1 where none.
   */
  readonly fftSplit?: 'auto' | number;
}

export interface KernelCtx {
  readonly op: string;
  readonly inputs: readonly (TensorInfo | null)[];
  readonly outputs: readonly TensorInfo[];
  /** Canonical params from the op's plan (docs/ops.md). */
  readonly p: Params;
  readonly ft: FloatType;
  readonly limits: KernelLimits;
  /** Forced dispatches (absent: every rule's own choice). */
  readonly choices?: KernelChoices;
}

export interface OpKernel {
  build(c: KernelCtx): KernelPlan;
  /** Why these canonical params cannot run here (undefined: they can). */
  unsupported?(c: KernelCtx): string | undefined;
}

export type KernelFamily = Readonly<Record<string, OpKernel>>;
