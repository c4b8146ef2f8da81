import type { Shape } from '../../tensor';
import { GEMM_DTYPES } from '../dtype-sets';
import { expectRank, expectShape, inputError, paramError } from '../op-errors';
import { expandInts, pInt } from '../params-read';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: { dist: 'audio' }, doc: '[N, Cin, L]' },
  // PyTorch's fan_in of a transposed-conv weight [Cin, Cout/groups, K] is (Cout/groups)·K.
  { name: 'weight', kind: 'float', init: { dist: 'fan_in' }, doc: '[Cin, Cout/groups, K]' },
  { name: 'bias', kind: 'float', optional: true, init: { dist: 'fan_in', fanInOf: 'weight' }, doc: '[Cout]' },
];

export const conv_transpose1d: OpSpec = {
  name: 'conv_transpose1d',
  family: 'conv',
  summary: '1-D transposed convolution (the gradient of conv1d) over [N, Cin, L]',
  torch: 'torch.nn.functional.conv_transpose1d',
  params: {
    stride: { type: 'int|ints', default: 1, min: 1, doc: 'int or [s]' },
    padding: { type: 'int|ints', default: 0, min: 0, doc: 'dilation·(K−1)−padding zero padding on both sides: int or [p]' },
    output_padding: { type: 'int|ints', default: 0, min: 0, doc: 'extra length on one side; < stride or < dilation' },
    groups: { type: 'int', default: 1, min: 1, doc: 'channel groups; divides Cin' },
    dilation: { type: 'int|ints', default: 1, min: 1, doc: 'int or [d]' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: GEMM_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const op = 'conv_transpose1d';
    const x = shapes[0] as Shape;
    const w = shapes[1] as Shape;
    const bias = shapes[2];
    expectRank(op, 'input', x, 3, '[N, Cin, L]');
    expectRank(op, 'weight', w, 3, '[Cin, Cout/groups, K]');
    const groups = pInt(p, 'groups');
    const [stride] = expandInts(op, p, 'stride', 1);
    const [padding] = expandInts(op, p, 'padding', 1);
    const [outputPadding] = expandInts(op, p, 'output_padding', 1);
    const [dilation] = expandInts(op, p, 'dilation', 1);
    const [N, cin, L] = x;
    if (w[0] !== cin) throw inputError(op, 'weight', `expected dim 0 = in_channels ${cin}, got weight [${w.join(', ')}]`);
    if (cin % groups !== 0) throw paramError(op, 'groups', `groups=${groups} must divide in_channels ${cin}`);
    if (!(outputPadding < stride || outputPadding < dilation)) {
      throw paramError(op, 'output_padding', `must be smaller than stride (${stride}) or dilation (${dilation}), got ${outputPadding}`);
    }
    const cout = w[1] * groups;
    const K = w[2];
    if (bias) expectShape(op, 'bias', bias, [cout], 'out_channels = weight dim 1 × groups');
    const lout = (L - 1) * stride - 2 * padding + dilation * (K - 1) + outputPadding + 1;
    if (lout < 1) throw inputError(op, 'input', `output length would be ${lout} (padding ${padding} too large for length ${L})`);
    return {
      outputs: [[N, cout, lout]],
      native: { stride, padding, output_padding: outputPadding, groups, dilation },
      flops: 2 * N * cin * L * (cout / groups) * K + (bias ? N * cout * lout : 0),
      reduction: (cin / groups) * K,
    };
  },
};
