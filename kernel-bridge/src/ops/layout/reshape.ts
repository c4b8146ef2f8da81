import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { paramError } from '../op-errors';
import { pInts } from '../params-read';
import { product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'normal' }, doc: 'any shape' }];

export const reshape: OpSpec = {
  name: 'reshape',
  family: 'layout',
  summary: 'The same elements in row-major order under a new shape (a copy)',
  torch: 'torch.reshape',
  params: {
    shape: { type: 'ints', min: -1, doc: 'new shape; one dim may be -1 (inferred)' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'copy',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    const shape = pInts(p, 'shape');
    const n = product(x);
    const holes = shape.filter((d) => d === -1).length;
    if (holes > 1) throw paramError('reshape', 'shape', `only one dim may be -1, got [${shape.join(', ')}]`);
    if (holes === 1) {
      const known = product(shape.filter((d) => d !== -1));
      if (known === 0 || n % known !== 0) {
        throw paramError('reshape', 'shape', `[${shape.join(', ')}] is invalid for an input of ${n} elements`);
      }
      shape[shape.indexOf(-1)] = n / known;
    }
    if (product(shape) !== n) {
      throw paramError('reshape', 'shape', `[${shape.join(', ')}] is invalid for an input of ${n} elements (input [${x.join(', ')}])`);
    }
    return { outputs: [shape], native: { shape }, flops: 0 };
  },
};
