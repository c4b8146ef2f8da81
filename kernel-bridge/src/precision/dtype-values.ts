/**
 * Between backends' storage and the FP64 world: a HostTensor's values as numbers, and FP64
 * generated inputs rounded (ties to even) to a storage dtype.
 */
import { addon } from '../backends/native/addon';
import { invalid } from '../errors';
import type { DType, HostTensor, TypedData } from '../tensor';

/** Values of an output: floats widened exactly to f64; integer outputs keep their type. */
export type Values = Float64Array | Int8Array | Int32Array;

export function isIntegerValues(v: Values): v is Int8Array | Int32Array {
  return v instanceof Int8Array || v instanceof Int32Array;
}

function dataMismatch(t: HostTensor): Error {
  return invalid('tensor.data', `dtype ${t.dtype} does not fit ${t.data.constructor.name}`);
}

/** Exact values of a host tensor (f16/bf16 through the native widen). */
export function tensorValues(t: HostTensor): Values {
  switch (t.dtype) {
    case 'f64':
      if (!(t.data instanceof Float64Array)) throw dataMismatch(t);
      return t.data;
    case 'f32':
      if (!(t.data instanceof Float32Array)) throw dataMismatch(t);
      return Float64Array.from(t.data);
    case 'f16':
    case 'bf16':
      if (!(t.data instanceof Uint16Array)) throw dataMismatch(t);
      return addon().widen(t.dtype, t.data);
    case 'int8':
      if (!(t.data instanceof Int8Array)) throw dataMismatch(t);
      return t.data;
    case 'int32':
      if (!(t.data instanceof Int32Array)) throw dataMismatch(t);
      return t.data;
    default:
      throw invalid('dtype', `must be one of f64, f32, f16, bf16, int8, int32, got ${String(t.dtype)}`);
  }
}

function toIntegers(values: Float64Array, dtype: 'int8' | 'int32'): Int8Array | Int32Array {
  const [lo, hi] = dtype === 'int8' ? [-128, 127] : [-2147483648, 2147483647];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw invalid(`values[${i}]`, `${v} is not an ${dtype} (integer in [${lo}, ${hi}])`);
    }
  }
  return dtype === 'int8' ? Int8Array.from(values) : Int32Array.from(values);
}

/**
 * FP64 values in a storage dtype: f64 copied, f32 by the IEEE conversion (ties to even),
 * f16/bf16 as Uint16 bit patterns by the native roundTo (ties to even, overflow to ±Inf),
 * integers checked (integral and in range), never wrapped.
 */
export function roundToDType(values: Float64Array, dtype: DType): TypedData {
  switch (dtype) {
    case 'f64':
      return Float64Array.from(values);
    case 'f32':
      return Float32Array.from(values);
    case 'f16':
    case 'bf16':
      return addon().roundTo(dtype, values);
    case 'int8':
    case 'int32':
      return toIntegers(values, dtype);
    default:
      throw invalid('dtype', `must be one of f64, f32, f16, bf16, int8, int32, got ${String(dtype)}`);
  }
}

/** The values the oracle sees: rounded to `dtype` and widened back to f64. */
export function roundedValues(values: Float64Array, dtype: DType): Float64Array {
  const data = roundToDType(values, dtype);
  if (data instanceof Uint16Array) return addon().widen(dtype as 'f16' | 'bf16', data);
  return Float64Array.from(data);
}
