/**
 * ULP distances: bit patterns mapped to integers that increase with the value (sign-magnitude
 * → two's complement, ±0 both 0), so the distance is the number of representable values
 * between two numbers. NaN has no place in that order: callers skip it.
 */
export type UlpFormat = 'f64' | 'f32' | 'f16' | 'bf16';

/** Ordered integer of a 16-bit float pattern (f16 or bf16: sign in bit 15 for both). */
export function orderedHalf(bits: number): number {
  return bits & 0x8000 ? -(bits & 0x7fff) : bits & 0x7fff;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** Ordered integer of the f32 nearest to x (x is rounded to f32 first). */
export function orderedF32(x: number): number {
  f32Scratch[0] = x;
  const bits = u32Scratch[0];
  return bits & 0x80000000 ? -(bits & 0x7fffffff) : bits;
}

const f64Scratch = new Float64Array(1);
const i64Scratch = new BigInt64Array(f64Scratch.buffer);

/** Ordered integer of an f64, as a bigint (the distance may exceed 2^53). */
export function orderedF64(x: number): bigint {
  f64Scratch[0] = x;
  const bits = i64Scratch[0];
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
}

/** ULPs between two 16-bit patterns of the same format. */
export function ulpDistanceHalfBits(a: number, b: number): number {
  return Math.abs(orderedHalf(a) - orderedHalf(b));
}

/** ULPs between the f32 roundings of a and b. */
export function ulpDistanceF32(a: number, b: number): number {
  return Math.abs(orderedF32(a) - orderedF32(b));
}

/** ULPs between two f64 values (a Number; exact below 2^53). */
export function ulpDistanceF64(a: number, b: number): number {
  const d = orderedF64(a) - orderedF64(b);
  return Number(d < 0n ? -d : d);
}
