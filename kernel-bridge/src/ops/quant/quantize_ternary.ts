import type { Shape } from '../../tensor';
import { QUANT_DTYPES } from '../dtype-sets';
import { product } from '../shape-rules';
import type { InputDecl, OpSpec, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [{ name: 'w', kind: 'float', init: { dist: 'normal' }, doc: 'weights, any shape' }];

export const quantize_ternary: OpSpec = {
  name: 'quantize_ternary',
  family: 'quant',
  summary: 'BitNet b1.58 absmean weight quantisation: q = clamp(round(w / scale), −1, 1), scale = max(mean|w|, 1e-5)',
  torch: 'BitNet b1.58 weight_quant: (w / w.abs().mean().clamp_(min=1e-5)).round().clamp_(-1, 1)',
  params: {},
  inputs: () => INPUTS,
  outputs: [
    { name: 'q', kind: 'int8' },
    { name: 'scale', kind: 'wide' },
  ],
  dtypes: QUANT_DTYPES,
  tolerance: 'quantized',
  plan(shapes: readonly (Shape | null)[]): Plan {
    const w = shapes[0] as Shape;
    const n = product(w);
    // |w| and sum, then divide, round and clamp per element.
    return { outputs: [[...w], []], native: {}, flops: 5 * n, reduction: n };
  },
};
