import type { Shape } from '../../tensor';
import { QUANT_DTYPES } from '../dtype-sets';
import { expectRank, expectShape, paramError } from '../op-errors';
import { pFloat, pInt } from '../params-read';
import { normDim, product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

// Accumulators as large as a 2560-wide ternary_matmul gives (|acc| ≤ 127·K), still exact in f32;
// scales as quantize_int8 gives them for unit-scale activations (127 / max|x|, max|x| ≈ 0.6 … 6).
// With the default weight_scale 1 the outputs stay below f16's 65504.
const INPUTS: readonly InputDecl[] = [
  { name: 'acc', kind: 'int32', init: { dist: 'int32', max: 2 ** 20 }, doc: 'int32 accumulators […, N] (ternary_matmul’s output)' },
  { name: 'scale', kind: 'wide', init: { dist: 'uniform', low: 20, high: 200 }, doc: "per-row activation scales as quantize_int8 gives them: acc's shape with dim kept as 1" },
];

export const dequantize_int32: OpSpec = {
  name: 'dequantize_int32',
  family: 'quant',
  summary: 'BitNet b1.58 rescale of integer accumulators: y = acc · weight_scale / scale, scale broadcast along dim',
  torch: '(acc.to(torch.float32) * weight_scale / scale).to(dtype) (BitLinear: y / (w_scale⁻¹ · x_scale))',
  params: {
    weight_scale: { type: 'float', default: 1, doc: "the weight's scale (quantize_ternary's), > 0" },
    dim: { type: 'int', default: -1, doc: 'the dim the activation scale was taken along (kept as 1 in scale; negative counts from the end)' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'y', kind: 'float' }],
  dtypes: QUANT_DTYPES,
  // One conversion (exact for |acc| ≤ 2^24), a multiply and a divide in f32, one rounding to storage.
  tolerance: 'elementwise',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const acc = shapes[0] as Shape;
    const scale = shapes[1] as Shape;
    const ws = pFloat(p, 'weight_scale');
    // Device backends compute in f32: the scale must stay a positive finite f32, too.
    const ws32 = Math.fround(ws);
    if (!(ws > 0) || !(ws32 > 0) || !Number.isFinite(ws32)) {
      throw paramError('dequantize_int32', 'weight_scale', `expected a finite number > 0 that f32 represents as one (≈ 1.4e-45 … 3.4e38), got ${ws}`);
    }
    expectRank('dequantize_int32', 'acc', acc, 1, '[…, N]', true);
    const dim = normDim('dequantize_int32', 'dim', pInt(p, 'dim'), acc.length);
    const want = [...acc];
    want[dim] = 1;
    expectShape('dequantize_int32', 'scale', scale, want, "acc's shape with dim kept as 1");
    return { outputs: [[...acc]], native: { dim, weight_scale: ws }, flops: 2 * product(acc) };
  },
};
