import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { complexDims } from '../complex-rules';
import { broadcastShapes, product } from '../shape-rules';
import type { InputDecl, OpSpec, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [
  { name: 'a', kind: 'float', init: { dist: 'complex' }, doc: 'complex […, 2]' },
  { name: 'b', kind: 'float', init: { dist: 'complex' }, doc: 'complex […, 2], broadcasts with a' },
];

export const complex_mul: OpSpec = {
  name: 'complex_mul',
  family: 'elementwise',
  summary: 'Complex product a·b of view_as_real tensors, broadcasting over the complex dims',
  torch: 'torch.view_as_real(torch.view_as_complex(a) * torch.view_as_complex(b))',
  params: {},
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'elementwise',
  plan(shapes: readonly (Shape | null)[]): Plan {
    const a = complexDims('complex_mul', 'a', shapes[0] as Shape, 0);
    const b = complexDims('complex_mul', 'b', shapes[1] as Shape, 0);
    const out = broadcastShapes('complex_mul', a, b, 'a', 'b');
    // 4 multiplies and 2 adds per complex element.
    return { outputs: [[...out, 2]], native: {}, flops: 6 * product(out) };
  },
};
