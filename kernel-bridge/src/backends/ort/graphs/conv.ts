/** conv1d / conv2d (Conv), conv_transpose1d (ConvTranspose with output_padding). Weights are PyTorch's layout, which is ONNX's. */
import { num, nums, req, type Family, type GraphCtx } from './types';

function optionalBias(c: GraphCtx): string[] {
  const b = c.ins[2];
  return b ? [b] : [];
}

export const convGraphs: Family = {
  conv1d: {
    build: (c) => [
      c.g.node('Conv', [req(c, 0), req(c, 1), ...optionalBias(c)], {
        strides: [num(c.p, 'stride')],
        pads: nums(c.p, 'padding'), // [left, right] = ONNX [x1_begin, x1_end]
        dilations: [num(c.p, 'dilation')],
        group: num(c.p, 'groups'),
      }),
    ],
  },
  conv2d: {
    build: (c) => {
      const [top, bottom, left, right] = nums(c.p, 'padding');
      return [
        c.g.node('Conv', [req(c, 0), req(c, 1), ...optionalBias(c)], {
          strides: nums(c.p, 'stride'),
          pads: [top, left, bottom, right], // ONNX: all begins, then all ends
          dilations: nums(c.p, 'dilation'),
          group: num(c.p, 'groups'),
        }),
      ];
    },
  },
  conv_transpose1d: {
    build: (c) => {
      const p = num(c.p, 'padding');
      return [
        c.g.node('ConvTranspose', [req(c, 0), req(c, 1), ...optionalBias(c)], {
          strides: [num(c.p, 'stride')],
          pads: [p, p],
          output_padding: [num(c.p, 'output_padding')],
          dilations: [num(c.p, 'dilation')],
          group: num(c.p, 'groups'),
        }),
      ];
    },
  },
};
