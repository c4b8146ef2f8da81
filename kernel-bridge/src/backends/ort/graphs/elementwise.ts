/**
 * add (Add; alpha ≠ 1 as Add(x, Mul(other, alpha))), mul (Mul), add_bias (bias reshaped to
 * [C, 1, …] then Add), complex_mul composed: Split the trailing (re, im) axis,
 * re = ar·br − ai·bi, im = ar·bi + ai·br, Concat.
 */
import { num, req, shapeOf, type Family } from './types';

export const elementwiseGraphs: Family = {
  add: {
    build: (c) => {
      const alpha = num(c.p, 'alpha');
      const other = alpha === 1 ? req(c, 1) : c.g.node('Mul', [req(c, 1), c.g.scalar('float', alpha)]);
      return [c.g.node('Add', [req(c, 0), other])];
    },
  },
  mul: { build: (c) => [c.g.node('Mul', [req(c, 0), req(c, 1)])] },
  add_bias: {
    build: (c) => {
      const rank = shapeOf(c, 0).length;
      const dim = num(c.p, 'dim');
      const C = shapeOf(c, 1)[0];
      const b = c.g.node('Reshape', [req(c, 1), c.g.ints([C, ...new Array<number>(rank - 1 - dim).fill(1)])]);
      return [c.g.node('Add', [req(c, 0), b])];
    },
  },
  complex_mul: {
    build: (c) => {
      const { g } = c;
      const [ar, ai] = g.nodeN('Split', [req(c, 0)], { axis: -1 }, 2);
      const [br, bi] = g.nodeN('Split', [req(c, 1)], { axis: -1 }, 2);
      const re = g.node('Sub', [g.node('Mul', [ar, br]), g.node('Mul', [ai, bi])]);
      const im = g.node('Add', [g.node('Mul', [ar, bi]), g.node('Mul', [ai, br])]);
      return [g.node('Concat', [re, im], { axis: -1 })];
    },
  },
};
