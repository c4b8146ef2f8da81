import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectShape, paramError } from '../op-errors';
import { pInt } from '../params-read';
import { normDim, product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: { dist: 'normal' }, doc: 'any shape, ≥ 1 dim' },
  { name: 'bias', kind: 'float', init: { dist: 'normal', std: 0.5 }, doc: '[input.shape[dim]]' },
];

export const add_bias: OpSpec = {
  name: 'add_bias',
  family: 'elementwise',
  summary: 'input + bias broadcast along one dim (as input + bias.view(C, 1, …)), optionally on the first `length` elements of the last dim',
  torch: 'torch.add with bias reshaped to broadcast along dim (input[..., :length] + bias with length)',
  params: {
    dim: { type: 'int', default: 1, doc: 'the dim bias runs along (negative counts from the end)' },
    length: {
      type: 'int',
      default: 0,
      min: 0,
      variant: true,
      doc: "> 0: add to input[..., :length] only (the output's last dim is length; a view then an add in PyTorch, one pass here: fftconv's crop of the inverse FFT); 0: the whole input",
    },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'elementwise',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    const dim = normDim('add_bias', 'dim', pInt(p, 'dim'), x.length);
    expectShape('add_bias', 'bias', shapes[1] as Shape, [x[dim]], `input dim ${dim}`);
    const length = pInt(p, 'length');
    const last = x.length - 1;
    if (length > 0) {
      if (dim === last) throw paramError('add_bias', 'length', `needs the bias on a dim before the last (dim ${dim} is the last of [${x.join(', ')}])`);
      if (length > x[last]!) throw paramError('add_bias', 'length', `must be at most the input's last dim ${x[last]}, got ${length}`);
    }
    const out = length > 0 ? [...x.slice(0, last), length] : [...x];
    return { outputs: [out], native: { dim, ...(length > 0 ? { length } : {}) }, flops: product(out) };
  },
};
