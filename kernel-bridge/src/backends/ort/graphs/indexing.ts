/**
 * argmax: Cast<int32>(ArgMax(x, axis = dim, keepdims, select_last_index = 0)), ONNX's first
 * index on a tie, as torch (f16 widened to float first: the CPU EP's ArgMax has no float16
 * kernel; the widening is exact). index_select: Gather(x, index, axis = dim) with int32 indices
 * (an index outside [0, size) is an error of onnxruntime's own).
 */
import { flag, num, req, type Family } from './types';

export const indexingGraphs: Family = {
  argmax: {
    build: (c) => {
      const { g } = c;
      const x = c.elem === 'float' ? req(c, 0) : g.node('Cast', [req(c, 0)], { to: 1 });
      const am = g.node('ArgMax', [x], { axis: num(c.p, 'dim'), keepdims: flag(c.p, 'keepdim') ? 1 : 0, select_last_index: 0 });
      return [g.node('Cast', [am], { to: 6 })];
    },
  },
  index_select: {
    build: (c) => [c.g.node('Gather', [req(c, 0), req(c, 1)], { axis: num(c.p, 'dim') })],
  },
};
