/**
 * argmax: one thread per output line, a sequential sweep along dim that keeps the first maximum;
 * NaN is tested on the bits (WGSL lets compilers assume `v != v` is false), and the first NaN
 * wins, as torch.argmax. index_select: one thread per output element, a gather; an index outside
 * [0, size) is clamped, since a shader cannot raise (docs/ops.md).
 */
import { numel } from '../../../tensor';
import type { KernelFamily } from '../kernel-types';
import { inp, mapPass, out, ro, rw, u } from '../wgsl';

const IS_NAN = `fn is_nan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }`;

export const indexingKernels: KernelFamily = {
  argmax: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const dim = c.p.dim as number;
      const n = x[dim];
      // Divisors stay ≥ 1 (WGSL rejects a constant division by zero); an empty tensor runs no thread.
      const inner = Math.max(1, numel(x.slice(dim + 1)));
      const lines = numel(x) / n;
      return {
        passes: [
          mapPass(
            'argmax',
            lines,
            [ro('x', inp(0)), rw('y', out(0), 'i32')],
            `let base = (i / ${u(inner)}) * ${u(n * inner)} + i % ${u(inner)};
  var m = f32(x[base]);
  var best = 0u;
  for (var j = 1u; j < ${u(n)} && !is_nan(m); j++) {
    let v = f32(x[base + j * ${u(inner)}]);
    if (is_nan(v) || v > m) { m = v; best = j; }
  }
  y[i] = i32(best);`,
            IS_NAN,
          ),
        ],
      };
    },
  },
  index_select: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const o = c.outputs[0].shape;
      const dim = c.p.dim as number;
      const n = x[dim];
      const K = Math.max(1, o[dim]);
      const inner = Math.max(1, numel(x.slice(dim + 1)));
      return {
        passes: [
          mapPass(
            'index_select',
            numel(o),
            [ro('x', inp(0)), ro('index', inp(1), 'i32'), rw('y', out(0))],
            `let r = i / ${u(inner)};
  let k = clamp(index[r % ${u(K)}], 0, ${Math.max(0, n - 1)});
  y[i] = x[((r / ${u(K)}) * ${u(n)} + u32(k)) * ${u(inner)} + i % ${u(inner)}];`,
          ),
        ],
      };
    },
  },
};
