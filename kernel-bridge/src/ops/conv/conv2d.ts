import type { Shape } from '../../tensor';
import { GEMM_DTYPES } from '../dtype-sets';
import { expectRank, inputError } from '../op-errors';
import { expandInts, pBool, pInt } from '../params-read';
import { convOutSize } from '../shape-rules';
import { expectResidualShape, residualInput } from '../residual-input';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { checkConvChannels, resolveConvPadding } from './conv-rules';

// fan_in (product of the weight's dims after the first) is the same in both layouts.
const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: { dist: 'audio' }, doc: '[N, Cin, H, W]; [N, H, W, Cin] when channels_last' },
  { name: 'weight', kind: 'float', init: { dist: 'fan_in' }, doc: '[Cout, Cin/groups, kH, kW]; [Cout, kH, kW, Cin/groups] when channels_last' },
  { name: 'bias', kind: 'float', optional: true, init: { dist: 'fan_in', fanInOf: 'weight' }, doc: '[Cout]' },
  residualInput(
    "the output's shape: added to the convolution (residual + conv(x, w) + bias), in its epilogue where the backend can",
  ),
];

export const conv2d: OpSpec = {
  name: 'conv2d',
  family: 'conv',
  summary: '2-D convolution (cross-correlation) over [N, Cin, H, W] (or [N, H, W, Cin] with channels_last)',
  torch: 'torch.nn.functional.conv2d',
  params: {
    stride: { type: 'int|ints', default: 1, min: 1, doc: 'int or [sh, sw]' },
    padding: {
      type: 'int|ints|string',
      default: 0,
      min: 0,
      enum: ['valid', 'same'],
      doc: "int, [ph, pw] (both sides), 'valid' or 'same' (stride 1; extra on the bottom/right)",
    },
    dilation: { type: 'int|ints', default: 1, min: 1, doc: 'int or [dh, dw]' },
    groups: { type: 'int', default: 1, min: 1, doc: 'channel groups; divides Cin and Cout' },
    channels_last: {
      type: 'bool',
      default: false,
      variant: true,
      doc: "input [N, H, W, Cin], weight [Cout, kH, kW, Cin/groups] (cuDNN's KRSC / OHWI), out [N, Hout, Wout, Cout]",
    },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: GEMM_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    const w = shapes[1] as Shape;
    const channelsLast = pBool(p, 'channels_last');
    const when = channelsLast ? ' when channels_last' : '';
    expectRank('conv2d', 'input', x, 4, channelsLast ? '[N, H, W, Cin] when channels_last' : '[N, Cin, H, W]');
    expectRank('conv2d', 'weight', w, 4, channelsLast ? '[Cout, kH, kW, Cin/groups] when channels_last' : '[Cout, Cin/groups, kH, kW]');
    const groups = pInt(p, 'groups');
    const stride = expandInts('conv2d', p, 'stride', 2);
    const dilation = expandInts('conv2d', p, 'dilation', 2);
    const { cin, cout } = checkConvChannels('conv2d', x, w, shapes[2], groups, channelsLast);
    const kernel = channelsLast ? [w[1], w[2]] : [w[2], w[3]];
    const pads = resolveConvPadding('conv2d', p, kernel, dilation, stride);
    const [N, H, W] = channelsLast ? [x[0], x[1], x[2]] : [x[0], x[2], x[3]];
    const sizes = [H, W].map((len, i) => convOutSize(len, pads[i][0], pads[i][1], kernel[i], stride[i], dilation[i]));
    sizes.forEach((s, i) => {
      if (s < 1) {
        throw inputError(
          'conv2d',
          'input',
          `${i === 0 ? 'height' : 'width'} ${[H, W][i]}${when} padded by [${pads[i].join(', ')}] is smaller than the dilated kernel ${dilation[i] * (kernel[i] - 1) + 1}`,
        );
      }
    });
    const [hout, wout] = sizes;
    const reduction = (cin / groups) * kernel[0] * kernel[1];
    const out = channelsLast ? [N, hout, wout, cout] : [N, cout, hout, wout];
    const residual = shapes[3];
    expectResidualShape('conv2d', residual, out);
    return {
      outputs: [out],
      native: {
        stride,
        padding: [pads[0][0], pads[0][1], pads[1][0], pads[1][1]],
        dilation,
        groups,
        channels_last: channelsLast,
      },
      flops: 2 * N * cout * hout * wout * reduction + (shapes[2] ? N * cout * hout * wout : 0) + (residual ? N * cout * hout * wout : 0),
      reduction,
    };
  },
};
