import type { Shape } from '../../tensor';
import { QUANT_DTYPES } from '../dtype-sets';
import { expectRank } from '../op-errors';
import { pInt } from '../params-read';
import { normDim, product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [{ name: 'x', kind: 'float', init: { dist: 'normal' }, doc: 'activations, ≥ 1 dim' }];

export const quantize_int8: OpSpec = {
  name: 'quantize_int8',
  family: 'quant',
  summary: 'BitNet b1.58 absmax activation quantisation along dim: q = clamp(round(x·scale), −128, 127), scale = 127 / max(max|x|, 1e-5)',
  torch: 'BitNet b1.58 activation_quant: 127 / x.abs().max(dim, keepdim=True).values.clamp_(min=1e-5)',
  params: {
    dim: { type: 'int', default: -1, doc: 'the dim each scale covers (negative counts from the end)' },
  },
  inputs: () => INPUTS,
  outputs: [
    { name: 'q', kind: 'int8' },
    { name: 'scale', kind: 'wide' },
  ],
  dtypes: QUANT_DTYPES,
  tolerance: 'quantized',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    expectRank('quantize_int8', 'x', x, 1, undefined, true);
    const dim = normDim('quantize_int8', 'dim', pInt(p, 'dim'), x.length);
    const scale = [...x];
    scale[dim] = 1;
    return { outputs: [[...x], scale], native: { dim }, flops: 4 * product(x), reduction: x[dim] };
  },
};
