/** Shared by the pooling ops: window params per spatial dim, PyTorch's checks and output sizes. */
import { inputError, paramError } from '../op-errors';
import { expandInts } from '../params-read';
import { poolOutSize } from '../shape-rules';
import type { Params } from '../types';

export interface PoolWindows {
  readonly kernel: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly dilation: number[];
  readonly out: number[];
}

/** `spatial`: the input's spatial sizes (L, or H and W). No `dilation` param → 1. */
export function planWindows(op: string, p: Params, spatial: readonly number[]): PoolWindows {
  const nd = spatial.length;
  const kernel = expandInts(op, p, 'kernel_size', nd);
  // stride=None (or an empty list, as torch allows) means stride = kernel_size.
  const rawStride = p.stride;
  const stride = rawStride === null || (Array.isArray(rawStride) && rawStride.length === 0) ? [...kernel] : expandInts(op, p, 'stride', nd);
  const padding = expandInts(op, p, 'padding', nd);
  const dilation = 'dilation' in p ? expandInts(op, p, 'dilation', nd) : new Array<number>(nd).fill(1);
  const ceil = p.ceil_mode === true;
  padding.forEach((pad, i) => {
    if (pad > Math.floor(kernel[i] / 2)) {
      throw paramError(op, 'padding', `must be at most half the kernel size (${kernel[i]}/2 = ${Math.floor(kernel[i] / 2)}), got ${pad}`);
    }
  });
  const out = spatial.map((len, i) => poolOutSize(len, kernel[i], stride[i], padding[i], dilation[i], ceil));
  out.forEach((o, i) => {
    if (o < 1) {
      throw inputError(
        op,
        'input',
        `size ${spatial[i]} (padding ${padding[i]}) is too small for a window of ${dilation[i] * (kernel[i] - 1) + 1}: output size would be ${o}`,
      );
    }
  });
  return { kernel, stride, padding, dilation, out };
}
