/**
 * BitNet b1.58 quantisation and the int8 × ternary product. int8 tensors are packed four to a
 * u32 word (WGSL has no 8-bit storage type), so every writer produces whole words: one thread per
 * word, never two threads on one word. ternary_matmul accumulates in i32 (bit-exact).
 * Rounding is WGSL's round(), ties to even, as docs/ops.md asks. dequantize_int32 computes in f32
 * and rounds once to T; its weight_scale travels as f32 bits in the uniform, so the layers of a
 * model (each with its own scale) share one pipeline.
 */
import { numel } from '../../../tensor';
import type { KernelFamily } from '../kernel-types';
import { f, i8At, inp, mapPass, out, ro, rw, u } from '../wgsl';

const RW = 256;

export const quantKernels: KernelFamily = {
  quantize_ternary: {
    build(c) {
      const n = numel(c.inputs[0]!.shape);
      // One workgroup: Σ|w| (strided per thread, then a tree), scale = max(mean, 1e-5).
      const sum = {
        label: 'quantize_ternary absmean',
        bindings: [ro('w', inp(0)), rw('scale', out(1), 'f32')],
        workgroups: [1, 1, 1] as [number, number, number],
        code: `var<workgroup> red: array<f32, ${RW}>;
@compute @workgroup_size(${RW}) fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var k = lid; k < ${u(n)}; k += ${u(RW)}) { s += abs(f32(w[k])); }
  red[lid] = s;
  workgroupBarrier();
  for (var h = ${u(RW / 2)}; h > 0u; h = h >> 1u) {
    if (lid < h) { red[lid] += red[lid + h]; }
    workgroupBarrier();
  }
  if (lid == 0u) { scale[0] = max(red[0] / ${f(n)}, 1e-5); }
}`,
      };
      const words = Math.ceil(n / 4);
      const pack = mapPass(
        'quantize_ternary pack',
        words,
        [ro('w', inp(0)), ro('scale', out(1), 'f32'), rw('q', out(0), 'u32')],
        `let s = scale[0];
  var word = 0u;
  for (var b = 0u; b < 4u; b++) {
    let e = i * 4u + b;
    if (e < ${u(n)}) { word |= (bitcast<u32>(i32(clamp(round(f32(w[e]) / s), -1.0, 1.0))) & 0xffu) << (8u * b); }
  }
  q[i] = word;`,
      );
      return { passes: [sum, pack] };
    },
  },
  quantize_int8: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const dim = c.p.dim as number;
      const len = x[dim];
      const inner = numel(x.slice(dim + 1));
      const n = numel(x);
      const rows = n / len;
      const scales = mapPass(
        'quantize_int8 absmax',
        rows,
        [ro('x', inp(0)), rw('scale', out(1), 'f32')],
        `let base = (i / ${u(inner)}) * ${u(len * inner)} + i % ${u(inner)};
  var m = 0.0;
  for (var k = 0u; k < ${u(len)}; k++) { m = max(m, abs(f32(x[base + k * ${u(inner)}]))); }
  scale[i] = 127.0 / max(m, 1e-5);`,
      );
      const pack = mapPass(
        'quantize_int8 pack',
        Math.ceil(n / 4),
        [ro('x', inp(0)), ro('scale', out(1), 'f32'), rw('q', out(0), 'u32')],
        `var word = 0u;
  for (var b = 0u; b < 4u; b++) {
    let e = i * 4u + b;
    if (e < ${u(n)}) {
      let row = (e / ${u(len * inner)}) * ${u(inner)} + e % ${u(inner)};
      word |= (bitcast<u32>(i32(clamp(round(f32(x[e]) * scale[row]), -128.0, 127.0))) & 0xffu) << (8u * b);
    }
  }
  q[i] = word;`,
      );
      return { passes: [scales, pack] };
    },
  },
  dequantize_int32: {
    build(c) {
      const a = c.inputs[0]!.shape;
      const dim = c.p.dim as number;
      const len = a[dim];
      const inner = numel(a.slice(dim + 1));
      const ws = new Uint32Array(Float32Array.of(c.p.weight_scale as number).buffer)[0]!;
      const pass = mapPass(
        'dequantize_int32',
        numel(a),
        [ro('acc', inp(0), 'i32'), ro('scale', inp(1), 'f32'), rw('y', out(0))],
        `let row = (i / ${u(len * inner)}) * ${u(inner)} + i % ${u(inner)};
  y[i] = T((f32(acc[i]) * bitcast<f32>(U.x)) / scale[row]);`,
      );
      return { passes: [{ ...pass, uniforms: [ws] }] };
    },
  },
  ternary_matmul: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const [N, K] = c.inputs[1]!.shape;
      const rows = numel(x) / K;
      return {
        passes: [
          mapPass(
            'ternary_matmul',
            rows * N,
            [ro('xq', inp(0), 'u32'), ro('wq', inp(1), 'u32'), rw('y', out(0), 'i32')],
            `let r = i / ${u(N)}; let n = i % ${u(N)};
  var acc = 0i;
  for (var k = 0u; k < ${u(K)}; k++) { acc += ${i8At('xq', `r * ${u(K)} + k`)} * ${i8At('wq', `n * ${u(K)} + k`)}; }
  y[i] = acc;`,
          ),
        ],
      };
    },
  },
};
