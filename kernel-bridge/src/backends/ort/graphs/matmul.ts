/** matmul (MatMul, Transpose of the last two dims for the transpose flags), linear (MatMul + Add). */
import { flag, req, shapeOf, type Family, type GraphCtx } from './types';

function swapLast(c: GraphCtx, v: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return c.g.node('Transpose', [v], { perm });
}

export const matmulGraphs: Family = {
  matmul: {
    build: (c) => {
      let a = req(c, 0);
      let b = req(c, 1);
      if (flag(c.p, 'transpose_a')) a = swapLast(c, a, shapeOf(c, 0).length);
      if (flag(c.p, 'transpose_b')) b = swapLast(c, b, shapeOf(c, 1).length);
      return [c.g.node('MatMul', [a, b])];
    },
  },
  linear: {
    build: (c) => {
      const wt = c.g.node('Transpose', [req(c, 1)], { perm: [1, 0] });
      const y = c.g.node('MatMul', [req(c, 0), wt]);
      const bias = c.ins[2];
      return [bias ? c.g.node('Add', [y, bias]) : y];
    },
  },
};
