import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { inputError, paramError } from '../op-errors';
import { pFloat, pInts, pStr } from '../params-read';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'normal' }, doc: 'any shape' }];

export const pad: OpSpec = {
  name: 'pad',
  family: 'layout',
  summary: 'Pads (or, with negative constant pads, crops) the trailing dims',
  torch: 'torch.nn.functional.pad',
  params: {
    pad: { type: 'ints', doc: 'pairs from the last dim backwards: [left, right, top, bottom, …]' },
    mode: { type: 'string', default: 'constant', enum: ['constant', 'reflect', 'replicate'], doc: 'how padded values are made' },
    value: { type: 'float', default: 0, doc: "fill value for 'constant' mode" },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'copy',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    const pads = pInts(p, 'pad');
    const mode = pStr(p, 'mode');
    const value = pFloat(p, 'value');
    if (pads.length % 2 !== 0) throw paramError('pad', 'pad', `must have an even length (pairs), got [${pads.join(', ')}]`);
    const nd = pads.length / 2;
    if (nd > x.length) {
      throw paramError('pad', 'pad', `pads ${nd} dims but the input [${x.join(', ')}] has ${x.length}`);
    }
    if (mode !== 'constant') {
      // torch's non-constant modes pad the last 1–3 dims of a batched or unbatched input.
      if (nd < 1 || nd > 3 || (x.length !== nd + 1 && x.length !== nd + 2)) {
        throw paramError(
          'pad',
          'pad',
          `'${mode}' pads the last 1, 2 or 3 dims of a ${nd + 1}-D or ${nd + 2}-D input; got ${pads.length} pads for input [${x.join(', ')}]`,
        );
      }
      if (value !== 0) throw paramError('pad', 'value', `padding mode '${mode}' takes no value (got ${value})`);
      if (pads.some((v) => v < 0)) throw paramError('pad', 'pad', `'${mode}' needs non-negative pads, got [${pads.join(', ')}]`);
    }
    const out = [...x];
    for (let i = 0; i < nd; i++) {
      const dim = x.length - 1 - i;
      const [before, after] = [pads[2 * i], pads[2 * i + 1]];
      if (mode === 'reflect' && (before >= x[dim] || after >= x[dim])) {
        throw inputError('pad', 'input', `'reflect' needs pads < the dim size: dim ${dim} has ${x[dim]}, pads [${before}, ${after}]`);
      }
      out[dim] = x[dim] + before + after;
      if (out[dim] < 0) {
        throw inputError('pad', 'input', `dim ${dim} of size ${x[dim]} padded by [${before}, ${after}] would be ${out[dim]}`);
      }
    }
    return { outputs: [out], native: { pad: pads, mode, value }, flops: 0 };
  },
};
