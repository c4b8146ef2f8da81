/**
 * An op spec: everything the workbench knows about one op, declared once as plain data plus
 * a `plan` function. Backends implement the op; the spec validates, shapes, generates inputs,
 * costs and tolerates. See docs/ops.md for every op's semantics and canonical parameters.
 */
import type { CaseDType, Shape } from '../tensor';

export type ParamValue = number | boolean | string | number[] | null;
export type Params = Record<string, ParamValue>;

export type ParamType =
  | 'int'
  | 'float'
  | 'bool'
  | 'string'
  | 'ints' // list of ints
  | 'int|ints' // an int or a list (e.g. conv2d stride)
  | 'int|ints|string'; // e.g. conv padding: 2, [1, 2] or 'same'

export interface ParamDecl {
  readonly type: ParamType;
  /** Absent: required. `null` is allowed as a default when `nullable`. */
  readonly default?: ParamValue;
  readonly nullable?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Allowed strings for 'string' (and the string branch of 'int|ints|string'). */
  readonly enum?: readonly string[];
  /**
   * A value other than the default selects a variant of the op (another layout, a fused
   * epilogue) that only some backends implement: those list the param in their `variants`
   * (backend/types.ts); every other backend refuses the call (backend/variant-support.ts).
   */
  readonly variant?: boolean;
  readonly doc: string;
}

/**
 * `float`: the case's storage dtype (f64 on ref). `wide`: at least f32 whatever the case dtype
 * (f64 on ref) — for quantisation scales, which overflow f16 (127/max|x| exceeds 65504 for small
 * activations). `int8` / `int32`: fixed.
 */
export type TensorKind = 'float' | 'wide' | 'int8' | 'int32';

/** Seeded input distributions. None produces all-zeros. */
export type Init =
  | { readonly dist: 'normal'; readonly mean?: number; readonly std?: number }
  | { readonly dist: 'uniform'; readonly low: number; readonly high: number }
  /**
   * PyTorch's default layer init: U(±1/√fan_in), fan_in = product of dims after the first.
   * `fanInOf` takes fan_in from another input's shape instead (biases use their weight's;
   * LSTM uses weight_hh's, i.e. 1/√hidden_size, as nn.LSTM does).
   */
  | { readonly dist: 'fan_in'; readonly fanIn?: number; readonly fanInOf?: string }
  /** Audio-like: a mixture of tones, a noise floor and transients, in [-1, 1]. */
  | { readonly dist: 'audio' }
  /** Complex spectrum-like values (for complex inputs): normal re/im. */
  | { readonly dist: 'complex'; readonly std?: number }
  | { readonly dist: 'int8' }
  | { readonly dist: 'ternary' }
  /** Integers uniform in [−max, max] (int32 accumulators of an integer matmul). */
  | { readonly dist: 'int32'; readonly max: number }
  /** Normal values rounded to multiples of `step`: exact in every dtype, and ties happen (argmax's tie-breaking). */
  | { readonly dist: 'grid'; readonly std: number; readonly step: number }
  /**
   * int32 indices uniform in [0, size), size = input `of`'s size along the dim that param
   * `dimParam` names (negative counts from the end): index_select's in-range indices.
   */
  | { readonly dist: 'index'; readonly of: string; readonly dimParam: string };

export interface InputDecl {
  readonly name: string;
  readonly kind: TensorKind;
  readonly optional?: boolean;
  /** Only the last input may be variadic (concat): one or more tensors. */
  readonly variadic?: boolean;
  /**
   * An optional input that only some backends implement (a fused epilogue, such as matmul's
   * residual): given to a backend that does not list it in `variants`, the call is refused with
   * a reason (backend/variant-support.ts), as for variant params.
   */
  readonly variant?: boolean;
  /**
   * Added to the op's result (a residual): a backend may round the result to the case dtype
   * before the add, as `torch.conv2d(x, w) + r` does, so the precision verdict allows that
   * rounding at the result's own magnitude (precision/tolerance.ts `addendSlack`, decision 34).
   */
  readonly addend?: boolean;
  readonly init: Init;
  readonly doc?: string;
}

export interface OutputDecl {
  readonly name: string;
  readonly kind: TensorKind;
}

/**
 * How precision is judged (see precision/). `reduction`: error may grow with the reduction
 * length the plan reports; `exact`: integer outputs must match bit for bit; `quantized`: integer
 * outputs of a rounding step may differ by one step where the f32 and f64 paths round a tie
 * differently.
 */
export type ToleranceFamily = 'elementwise' | 'transcendental' | 'reduction' | 'exact' | 'quantized' | 'copy';

export interface Plan {
  /** Output shapes, in the order of `outputs`. */
  readonly outputs: Shape[];
  /** Canonical parameters for native kernels (docs/ops.md). */
  readonly native: Params;
  /** Floating-point (or integer) operations of one call. */
  readonly flops: number;
  /** Length of the longest reduction feeding one output element (tolerance scaling). */
  readonly reduction?: number;
}

export interface OpSpec {
  readonly name: string;
  /** Native file basename: matmul, conv, lstm, activation, pool, norm, layout, elementwise, fft, stft, quant, indexing. */
  readonly family: string;
  readonly summary: string;
  /** The PyTorch function whose semantics it follows. */
  readonly torch: string;
  readonly params: Readonly<Record<string, ParamDecl>>;
  /** Inputs in order; may depend on (resolved) params, e.g. lstm's per-layer weights. */
  inputs(params: Params): readonly InputDecl[];
  readonly outputs: readonly OutputDecl[];
  /** Case dtypes the op is defined for. */
  readonly dtypes: readonly CaseDType[];
  readonly tolerance: ToleranceFamily;
  /**
   * Test-only (the fault ops of an ABW_FAULT_OPS build): no oracle and no precision verdict;
   * the runner only checks that the op ran. Never set for a real op.
   */
  readonly testOnly?: boolean;
  /**
   * Validates shapes against resolved params (defaults filled, types checked) and plans the call.
   * `shapes` has one entry per input (null for an omitted optional input; variadic inputs expanded).
   * Throws AbwError (ABW_ESHAPE / ABW_EINVAL) naming the input or parameter.
   */
  plan(shapes: readonly (Shape | null)[], params: Params): Plan;
}
