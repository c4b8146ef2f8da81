import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { expectShape, paramError } from '../op-errors';
import { pFloat } from '../params-read';
import { product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { NORM_BIAS, NORM_INPUT, NORM_WEIGHT } from './norm-inits';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: NORM_INPUT, doc: '[…, *normalized_shape]' },
  { name: 'weight', kind: 'float', optional: true, init: NORM_WEIGHT, doc: 'normalized_shape' },
  { name: 'bias', kind: 'float', optional: true, init: NORM_BIAS, doc: 'normalized_shape' },
];

export const layer_norm: OpSpec = {
  name: 'layer_norm',
  family: 'norm',
  summary: 'Normalise over the trailing normalized_shape dims, then scale and shift',
  torch: 'torch.nn.functional.layer_norm',
  params: {
    normalized_shape: { type: 'int|ints', min: 1, doc: "the input's trailing dims to normalise over: int or list" },
    eps: { type: 'float', default: 1e-5, min: 0, doc: 'added to the variance' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    const ns = typeof p.normalized_shape === 'number' ? [p.normalized_shape] : [...(p.normalized_shape as number[])];
    if (ns.length === 0) throw paramError('layer_norm', 'normalized_shape', 'must name at least one dim');
    const tail = x.slice(x.length - ns.length);
    if (ns.length > x.length || tail.some((d, i) => d !== ns[i])) {
      throw paramError(
        'layer_norm',
        'normalized_shape',
        `[${ns.join(', ')}] must equal the input's trailing dims (input [${x.join(', ')}])`,
      );
    }
    if (shapes[1]) expectShape('layer_norm', 'weight', shapes[1], ns, 'normalized_shape');
    if (shapes[2]) expectShape('layer_norm', 'bias', shapes[2], ns, 'normalized_shape');
    return {
      outputs: [[...x]],
      native: { normalized_shape: ns, eps: pFloat(p, 'eps') },
      flops: 8 * product(x),
      reduction: product(ns),
    };
  },
};
