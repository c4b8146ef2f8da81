/** fft and ifft share everything but the sign and the scaling, which the kernels apply. */
import type { Shape } from '../../tensor';
import { complexDims } from '../complex-rules';
import { FLOAT_DTYPES } from '../dtype-sets';
import { pInt, pIntOrNull } from '../params-read';
import { normDim, product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { fftFlops, fftParams } from './fft-rules';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'complex' }, doc: 'complex […, 2]' }];

export function complexFftSpec(name: 'fft' | 'ifft', summary: string, torch: string): OpSpec {
  return {
    name,
    family: 'fft',
    summary,
    torch,
    params: fftParams('transform length: the input is zero-padded or truncated to n along dim; null = its size'),
    inputs: () => INPUTS,
    outputs: [{ name: 'out', kind: 'float' }],
    dtypes: FLOAT_DTYPES,
    tolerance: 'reduction',
    plan(shapes: readonly (Shape | null)[], p: Params): Plan {
      const dims = complexDims(name, 'input', shapes[0] as Shape, 1);
      const dim = normDim(name, 'dim', pInt(p, 'dim'), dims.length);
      const n = pIntOrNull(p, 'n') ?? dims[dim];
      const out = [...dims];
      out[dim] = n;
      return {
        outputs: [[...out, 2]],
        native: { n, dim, norm: p.norm ?? 'backward' },
        flops: fftFlops(n, product(out) / n, false),
        reduction: n,
      };
    },
  };
}
