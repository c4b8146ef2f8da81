import type { Shape } from '../../tensor';
import { GEMM_DTYPES } from '../dtype-sets';
import { expectRank, inputError } from '../op-errors';
import { expandInts, pInt } from '../params-read';
import { convOutSize } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { checkConvChannels, resolveConvPadding } from './conv-rules';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: { dist: 'audio' }, doc: '[N, Cin, L]' },
  { name: 'weight', kind: 'float', init: { dist: 'fan_in' }, doc: '[Cout, Cin/groups, K]' },
  { name: 'bias', kind: 'float', optional: true, init: { dist: 'fan_in', fanInOf: 'weight' }, doc: '[Cout]' },
];

export const conv1d: OpSpec = {
  name: 'conv1d',
  family: 'conv',
  summary: '1-D convolution (cross-correlation) over [N, Cin, L]',
  torch: 'torch.nn.functional.conv1d',
  params: {
    stride: { type: 'int|ints', default: 1, min: 1, doc: 'step between windows: int or [s]' },
    padding: {
      type: 'int|ints|string',
      default: 0,
      min: 0,
      enum: ['valid', 'same'],
      doc: "zero padding on both sides: int, [p], 'valid' (none) or 'same' (stride 1; extra on the right)",
    },
    dilation: { type: 'int|ints', default: 1, min: 1, doc: 'spacing between kernel taps: int or [d]' },
    groups: { type: 'int', default: 1, min: 1, doc: 'channel groups; divides Cin and Cout' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: GEMM_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    const w = shapes[1] as Shape;
    expectRank('conv1d', 'input', x, 3, '[N, Cin, L]');
    expectRank('conv1d', 'weight', w, 3, '[Cout, Cin/groups, K]');
    const groups = pInt(p, 'groups');
    const [stride] = expandInts('conv1d', p, 'stride', 1);
    const [dilation] = expandInts('conv1d', p, 'dilation', 1);
    const { cin, cout } = checkConvChannels('conv1d', x, w, shapes[2], groups);
    const K = w[2];
    const [[left, right]] = resolveConvPadding('conv1d', p, [K], [dilation], [stride]);
    const [N, , L] = x;
    const lout = convOutSize(L, left, right, K, stride, dilation);
    if (lout < 1) {
      throw inputError(
        'conv1d',
        'input',
        `length ${L} padded by [${left}, ${right}] is shorter than the dilated kernel ${dilation * (K - 1) + 1}`,
      );
    }
    const reduction = (cin / groups) * K;
    return {
      outputs: [[N, cout, lout]],
      native: { stride, padding: [left, right], dilation, groups },
      flops: 2 * N * cout * lout * reduction + (shapes[2] ? N * cout * lout : 0),
      reduction,
    };
  },
};
