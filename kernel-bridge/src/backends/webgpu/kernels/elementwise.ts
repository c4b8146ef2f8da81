/** add, mul, add_bias, complex_mul: one thread per output element, broadcast by index arithmetic. */
import { numel } from '../../../tensor';
import type { KernelCtx, KernelFamily } from '../kernel-types';
import { broadcastStrides, contiguousStrides, f, inp, mapPass, offsetOf, out, ro, rw, u } from '../wgsl';

function binary(c: KernelCtx, label: string, expr: string) {
  const o = c.outputs[0].shape;
  const a = c.inputs[0]!.shape;
  const b = c.inputs[1]!.shape;
  const ia = offsetOf('i', o, broadcastStrides(a, o));
  const ib = offsetOf('i', o, broadcastStrides(b, o));
  return {
    passes: [
      mapPass(label, numel(o), [ro('x', inp(0)), ro('y', inp(1)), rw('o', out(0))], `let a = f32(x[${ia}]); let b = f32(y[${ib}]); o[i] = T(${expr});`),
    ],
  };
}

export const elementwiseKernels: KernelFamily = {
  add: { build: (c) => binary(c, 'add', Number(c.p.alpha) === 1 ? 'a + b' : `fma(${f(Number(c.p.alpha))}, b, a)`) },
  mul: { build: (c) => binary(c, 'mul', 'a * b') },
  add_bias: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const o = c.outputs[0].shape;
      const dim = c.p.dim as number;
      const inner = contiguousStrides(o)[dim];
      const idx = inner === 1 ? `i % ${u(o[dim])}` : `(i / ${u(inner)}) % ${u(o[dim])}`;
      // The `length` variant: output rows of `length` read from the first elements of the input's.
      const length = Number(c.p.length ?? 0);
      const at = length > 0 ? `(i / ${u(length)}) * ${u(x[x.length - 1]!)} + i % ${u(length)}` : 'i';
      return { passes: [mapPass('add_bias', numel(o), [ro('x', inp(0)), ro('bias', inp(1)), rw('o', out(0))], `o[i] = T(f32(x[${at}]) + f32(bias[${idx}]));`)] };
    },
  },
  complex_mul: {
    build(c) {
      // Complex dims are the shapes without the trailing 2; broadcast over those.
      const o = c.outputs[0].shape.slice(0, -1);
      const a = c.inputs[0]!.shape.slice(0, -1);
      const b = c.inputs[1]!.shape.slice(0, -1);
      const ia = offsetOf('i', o, broadcastStrides(a, o));
      const ib = offsetOf('i', o, broadcastStrides(b, o));
      return {
        passes: [
          mapPass(
            'complex_mul',
            numel(o),
            [ro('x', inp(0)), ro('y', inp(1)), rw('o', out(0))],
            `let ja = 2u * (${ia}); let jb = 2u * (${ib});
  let ar = f32(x[ja]); let ai = f32(x[ja + 1u]); let br = f32(y[jb]); let bi = f32(y[jb + 1u]);
  o[2u * i] = T(fma(ar, br, -ai * bi)); o[2u * i + 1u] = T(fma(ar, bi, ai * br));`,
          ),
        ],
      };
    },
  },
};
