/**
 * quantize_ternary: scale = max(ReduceMean(|w|), 1e-5), q = Cast<int8>(Clip(Round(w / scale), −1, 1)).
 * quantize_int8: scale = 127 / max(ReduceMax(|x|, dim, keepdims), 1e-5), q = Cast<int8>(Clip(Round(x·scale), −128, 127)).
 * ONNX Round is half-to-even, as torch.round. ternary_matmul: MatMulInteger(xq, Transpose(wq)), int8 × int8 → int32.
 * dequantize_int32: Div(Mul(Cast<float>(acc), weight_scale), scale), the scale broadcast by shape (its dim kept as 1).
 */
import { num, req, type Family } from './types';

export const quantGraphs: Family = {
  quantize_ternary: {
    build: (c) => {
      const { g } = c;
      const w = req(c, 0);
      const f = (v: number) => g.scalar('float', v);
      const mean = g.node('ReduceMean', [g.node('Abs', [w])], { keepdims: 0 });
      const scale = g.node('Max', [mean, f(1e-5)]);
      const q = g.node('Clip', [g.node('Round', [g.node('Div', [w, scale])]), f(-1), f(1)]);
      return [g.node('Cast', [q], { to: 3 }), scale];
    },
  },
  quantize_int8: {
    build: (c) => {
      const { g } = c;
      const x = req(c, 0);
      const f = (v: number) => g.scalar('float', v);
      const amax = g.node('ReduceMax', [g.node('Abs', [x])], { axes: [num(c.p, 'dim')], keepdims: 1 });
      const scale = g.node('Div', [f(127), g.node('Max', [amax, f(1e-5)])]);
      const q = g.node('Clip', [g.node('Round', [g.node('Mul', [x, scale])]), f(-128), f(127)]);
      return [g.node('Cast', [q], { to: 3 }), scale];
    },
  },
  ternary_matmul: {
    build: (c) => [c.g.node('MatMulInteger', [req(c, 0), c.g.node('Transpose', [req(c, 1)], { perm: [1, 0] })])],
  },
  dequantize_int32: {
    build: (c) => {
      const { g } = c;
      const acc = g.node('Cast', [req(c, 0)], { to: 1 });
      return [g.node('Div', [g.node('Mul', [acc, g.scalar('float', num(c.p, 'weight_scale'))]), req(c, 1)])];
    },
  },
};
