/** Host-side tensors: plain typed arrays with a dtype and a shape. */

/** Storage dtypes. f16/bf16 travel as raw Uint16 bit patterns. */
export type DType = 'f64' | 'f32' | 'f16' | 'bf16' | 'int8' | 'int32';
/** The precision a case runs in. `tf32` is an explicit mode (f32 storage), never silently on. */
export type CaseDType = 'f32' | 'tf32' | 'f16' | 'bf16' | 'int8';
export const CASE_DTYPES: readonly CaseDType[] = ['f32', 'tf32', 'f16', 'bf16', 'int8'];
export const DTYPES: readonly DType[] = ['f64', 'f32', 'f16', 'bf16', 'int8', 'int32'];

export type Shape = readonly number[];
export type TypedData = Float64Array | Float32Array | Uint16Array | Int8Array | Int32Array;

export interface HostTensor {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly data: TypedData;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function byteSize(dtype: DType): number {
  switch (dtype) {
    case 'f64':
      return 8;
    case 'f32':
    case 'int32':
      return 4;
    case 'f16':
    case 'bf16':
      return 2;
    case 'int8':
      return 1;
  }
}

/** Storage dtype of float tensors for a case dtype. */
export function storageDType(dt: CaseDType): DType {
  return dt === 'tf32' ? 'f32' : dt === 'int8' ? 'f32' : dt;
}

export function shapeStr(shape: Shape | null | undefined): string {
  return shape ? `[${shape.join(', ')}]` : 'none';
}

export function allocData(dtype: DType, n: number): TypedData {
  switch (dtype) {
    case 'f64':
      return new Float64Array(n);
    case 'f32':
      return new Float32Array(n);
    case 'f16':
    case 'bf16':
      return new Uint16Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int32':
      return new Int32Array(n);
  }
}
