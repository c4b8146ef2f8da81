/**
 * relu, sigmoid, tanh, elu, softmax map to one ONNX op each; silu = x·Sigmoid(x); gelu is composed
 * (Gelu is opset 20; the graphs here are opset 17): exact 0.5·x·(1 + erf(x/√2)), tanh form
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 */
import { num, req, type Family } from './types';

export const activationGraphs: Family = {
  relu: { build: (c) => [c.g.node('Relu', [req(c, 0)])] },
  sigmoid: { build: (c) => [c.g.node('Sigmoid', [req(c, 0)])] },
  tanh: { build: (c) => [c.g.node('Tanh', [req(c, 0)])] },
  elu: { build: (c) => [c.g.node('Elu', [req(c, 0)], { alpha: { float: num(c.p, 'alpha') } })] },
  softmax: { build: (c) => [c.g.node('Softmax', [req(c, 0)], { axis: num(c.p, 'dim') })] },
  silu: {
    build: (c) => {
      const x = req(c, 0);
      return [c.g.node('Mul', [x, c.g.node('Sigmoid', [x])])];
    },
  },
  gelu: {
    build: (c) => {
      const { g } = c;
      const x = req(c, 0);
      const k = (v: number) => g.scalar(c.elem === 'float' ? 'float' : c.elem, v);
      let inner: string;
      if (c.p.approximate === 'tanh') {
        const x3 = g.node('Mul', [g.node('Mul', [x, x]), x]);
        const poly = g.node('Add', [x, g.node('Mul', [x3, k(0.044715)])]);
        inner = g.node('Tanh', [g.node('Mul', [poly, k(Math.sqrt(2 / Math.PI))])]);
      } else {
        inner = g.node('Erf', [g.node('Mul', [x, k(Math.SQRT1_2)])]);
      }
      const onePlus = g.node('Add', [inner, k(1)]);
      return [g.node('Mul', [g.node('Mul', [x, k(0.5)]), onePlus])];
    },
  },
};
