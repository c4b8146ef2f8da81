/** Shape rules shared by several ops: broadcasting, dim normalisation, window output sizes. */
import type { Shape } from '../tensor';
import { inputError, paramError } from './op-errors';

/**
 * NumPy/PyTorch broadcasting of two shapes (align trailing dims; 1 stretches).
 * Names the second input on mismatch.
 */
export function broadcastShapes(op: string, a: Shape, b: Shape, nameA: string, nameB: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw inputError(
        op,
        nameB,
        `shape [${b.join(', ')}] does not broadcast with ${nameA} [${a.join(', ')}] (dim ${i - rank} is ${db} vs ${da})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Resolves a possibly negative dim against `rank` (PyTorch's maybe_wrap_dim). */
export function normDim(op: string, name: string, dim: number, rank: number): number {
  if (rank === 0) throw paramError(op, name, `the input has no dims to index (rank 0)`);
  if (dim < -rank || dim >= rank) {
    throw paramError(op, name, `dim ${dim} is out of range for ${rank} dims (allowed ${-rank}..${rank - 1})`);
  }
  return dim < 0 ? dim + rank : dim;
}

/** Output length of a convolution along one dim. */
export function convOutSize(len: number, padBefore: number, padAfter: number, kernel: number, stride: number, dilation: number): number {
  return Math.floor((len + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * Output length of a pooling window along one dim, as ATen's pooling_output_shape: floor or
 * ceil, and with ceil_mode the last window must start inside the input or the left padding.
 */
export function poolOutSize(len: number, kernel: number, stride: number, pad: number, dilation: number, ceilMode: boolean): number {
  const span = len + 2 * pad - dilation * (kernel - 1) - 1;
  let out = Math.floor((span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= len + pad) out -= 1;
  return out;
}

export function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
