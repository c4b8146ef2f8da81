import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { inputError } from '../op-errors';
import { pInt } from '../params-read';
import { normDim } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [
  { name: 'tensors', kind: 'float', variadic: true, init: { dist: 'normal' }, doc: 'one or more tensors of one rank, equal except along dim' },
];

export const concat: OpSpec = {
  name: 'concat',
  family: 'layout',
  summary: 'Tensors joined along an existing dim',
  torch: 'torch.cat',
  params: {
    dim: { type: 'int', default: 0, doc: 'dim to join along (negative counts from the end)' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'copy',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const list = shapes as Shape[];
    const first = list[0];
    const dim = normDim('concat', 'dim', pInt(p, 'dim'), first.length);
    const out = [...first];
    for (let i = 1; i < list.length; i++) {
      const s = list[i];
      const bad = s.length !== first.length || s.some((d, j) => j !== dim && d !== first[j]);
      if (bad) {
        throw inputError(
          'concat',
          `tensors[${i}]`,
          `shape [${s.join(', ')}] must match tensors[0] [${first.join(', ')}] except in dim ${dim}`,
        );
      }
      out[dim] += s[dim];
    }
    return { outputs: [out], native: { dim }, flops: 0 };
  },
};
