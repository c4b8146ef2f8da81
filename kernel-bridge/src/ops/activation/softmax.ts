import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectRank } from '../op-errors';
import { pInt } from '../params-read';
import { normDim, product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

// Wide logits (std 4): exp spans many orders of magnitude, so the max subtraction matters.
const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'normal', std: 4 }, doc: 'any shape, ≥ 1 dim' }];

export const softmax: OpSpec = {
  name: 'softmax',
  family: 'activation',
  summary: 'exp(x − max) / Σ exp(x − max) along dim',
  torch: 'torch.nn.functional.softmax',
  params: {
    // torch's F.softmax has no usable default (dim=None is deprecated and guesses); abw uses -1.
    dim: { type: 'int', default: -1, doc: 'dim to normalise over (negative counts from the end); default -1 (torch has none)' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    expectRank('softmax', 'input', x, 1, undefined, true);
    const dim = normDim('softmax', 'dim', pInt(p, 'dim'), x.length);
    // max, subtract, exp (~4), sum, divide.
    return { outputs: [[...x]], native: { dim }, flops: 8 * product(x), reduction: x[dim] };
  },
};
