/**
 * layer_norm (LayerNormalization, opset 17), batch_norm (BatchNormalization, inference mode),
 * instance_norm (InstanceNormalization when use_input_stats, else BatchNormalization on the
 * running statistics), group_norm composed (GroupNormalization-18 takes per-group scale/bias,
 * changed to per-channel in opset 21): reshape to [N, G, −1], ReduceMean for mean and biased
 * variance, normalize, reshape back, then per-channel weight and bias.
 */
import { flag, num, nums, req, shapeOf, type Family, type GraphCtx } from './types';

function ones(c: GraphCtx, n: number, value: number): string {
  return c.g.const('float', new Array<number>(n).fill(value), [n]);
}

/** `v` [C] reshaped to broadcast along dim 1 of a rank-`rank` tensor: [C, 1, …]. */
function perChannel(c: GraphCtx, v: string, channels: number, rank: number): string {
  return c.g.node('Reshape', [v, c.g.ints([channels, ...new Array<number>(rank - 2).fill(1)])]);
}

function batchNorm(c: GraphCtx, x: string, mean: string, variance: string, w: string | null, b: string | null, channels: number): string {
  return c.g.node('BatchNormalization', [x, w ?? ones(c, channels, 1), b ?? ones(c, channels, 0), mean, variance], {
    epsilon: { float: num(c.p, 'eps') },
  });
}

export const normGraphs: Family = {
  layer_norm: {
    build: (c) => {
      const ns = nums(c.p, 'normalized_shape');
      const size = ns.reduce((a, b) => a * b, 1);
      const w = c.ins[1] ?? c.g.const('float', new Array<number>(size).fill(1), ns);
      const b = c.ins[2];
      return [
        c.g.node('LayerNormalization', [req(c, 0), w, ...(b ? [b] : [])], {
          axis: -ns.length,
          epsilon: { float: num(c.p, 'eps') },
        }),
      ];
    },
  },
  batch_norm: {
    build: (c) => [batchNorm(c, req(c, 0), req(c, 1), req(c, 2), c.ins[3], c.ins[4], shapeOf(c, 0)[1])],
  },
  instance_norm: {
    build: (c) => {
      const C = shapeOf(c, 0)[1];
      if (!flag(c.p, 'use_input_stats')) return [batchNorm(c, req(c, 0), req(c, 1), req(c, 2), c.ins[3], c.ins[4], C)];
      return [
        c.g.node('InstanceNormalization', [req(c, 0), c.ins[3] ?? ones(c, C, 1), c.ins[4] ?? ones(c, C, 0)], {
          epsilon: { float: num(c.p, 'eps') },
        }),
      ];
    },
  },
  group_norm: {
    build: (c) => {
      const { g } = c;
      const shape = shapeOf(c, 0);
      const [N, C] = shape;
      const G = num(c.p, 'num_groups');
      const grouped = g.node('Reshape', [req(c, 0), g.ints([N, G, -1])]);
      const mean = g.node('ReduceMean', [grouped], { axes: [2], keepdims: 1 });
      const d = g.node('Sub', [grouped, mean]);
      const variance = g.node('ReduceMean', [g.node('Mul', [d, d])], { axes: [2], keepdims: 1 });
      const std = g.node('Sqrt', [g.node('Add', [variance, g.scalar('float', num(c.p, 'eps'))])]);
      let y = g.node('Reshape', [g.node('Div', [d, std]), g.ints([...shape])]);
      const w = c.ins[1];
      const b = c.ins[2];
      if (w) y = g.node('Mul', [y, perChannel(c, w, C, shape.length)]);
      if (b) y = g.node('Add', [y, perChannel(c, b, C, shape.length)]);
      return [y];
    },
  },
};
