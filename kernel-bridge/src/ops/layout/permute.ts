import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { paramError } from '../op-errors';
import { pInts } from '../params-read';
import { normDim } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'normal' }, doc: 'any shape' }];

export const permute: OpSpec = {
  name: 'permute',
  family: 'layout',
  summary: 'Dims reordered (a contiguous copy): out dim i is input dim dims[i]',
  torch: 'torch.permute',
  params: {
    dims: { type: 'ints', doc: 'a permutation of the input dims (negative counts from the end)' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'copy',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    const raw = pInts(p, 'dims');
    if (raw.length !== x.length) {
      throw paramError('permute', 'dims', `must list all ${x.length} dims of the input [${x.join(', ')}], got [${raw.join(', ')}]`);
    }
    const dims = raw.map((d) => normDim('permute', 'dims', d, x.length));
    if (new Set(dims).size !== dims.length) throw paramError('permute', 'dims', `repeats a dim: [${raw.join(', ')}]`);
    return { outputs: [dims.map((d) => x[d])], native: { dims }, flops: 0 };
  },
};
