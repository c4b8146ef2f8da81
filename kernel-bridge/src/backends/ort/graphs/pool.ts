/** max_pool1d/2d (MaxPool), avg_pool1d/2d (AveragePool): kernel_shape, strides, pads, dilations, ceil_mode, count_include_pad. */
import { flag, num, nums, req, type Family, type GraphCtx } from './types';

function list(c: GraphCtx, k: string, twoD: boolean): number[] {
  return twoD ? nums(c.p, k) : [num(c.p, k)];
}

function pads(c: GraphCtx, twoD: boolean): number[] {
  const p = list(c, 'padding', twoD);
  return [...p, ...p];
}

const maxPool = (twoD: boolean) => ({
  build: (c: GraphCtx) => [
    c.g.node('MaxPool', [req(c, 0)], {
      kernel_shape: list(c, 'kernel_size', twoD),
      strides: list(c, 'stride', twoD),
      pads: pads(c, twoD),
      dilations: list(c, 'dilation', twoD),
      ceil_mode: flag(c.p, 'ceil_mode') ? 1 : 0,
    }),
  ],
});

const avgPool = (twoD: boolean) => ({
  build: (c: GraphCtx) => [
    c.g.node('AveragePool', [req(c, 0)], {
      kernel_shape: list(c, 'kernel_size', twoD),
      strides: list(c, 'stride', twoD),
      pads: pads(c, twoD),
      ceil_mode: flag(c.p, 'ceil_mode') ? 1 : 0,
      count_include_pad: flag(c.p, 'count_include_pad') ? 1 : 0,
    }),
  ],
});

export const poolGraphs: Family = {
  max_pool1d: maxPool(false),
  max_pool2d: maxPool(true),
  avg_pool1d: avgPool(false),
  avg_pool2d: avgPool(true),
};
