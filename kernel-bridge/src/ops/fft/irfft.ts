import type { Shape } from '../../tensor';
import { complexDims } from '../complex-rules';
import { FLOAT_DTYPES } from '../dtype-sets';
import { inputError, paramError } from '../op-errors';
import { pInt, pIntOrNull } from '../params-read';
import { normDim, product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { fftFlops, fftParams } from './fft-rules';

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: { dist: 'complex' }, doc: 'complex […, m, …, 2] (one-sided)' },
  {
    name: 'filter',
    kind: 'float',
    optional: true,
    variant: true,
    init: { dist: 'complex' },
    doc: "complex, the trailing dims of input's (broadcast over the rest): the transform takes input · filter (an FFT convolution's spectral product in the inverse's own pass over the spectrum)",
  },
];

/** Throws unless the filter's complex dims are a suffix of the input's (it broadcasts over the rest). */
function expectFilterShape(input: Shape, filter: Shape): void {
  complexDims('irfft', 'filter', filter, 1);
  const tail = input.slice(input.length - filter.length);
  if (filter.length > input.length || filter.some((d, i) => d !== tail[i])) {
    throw inputError('irfft', 'filter', `expected the trailing dims of input's shape [${input.join(', ')}] (it broadcasts over the leading ones), got [${filter.join(', ')}]`);
  }
}

export const irfft: OpSpec = {
  name: 'irfft',
  family: 'fft',
  summary: 'Inverse of rfft: n real samples from one-sided complex bins, optionally of the bins times a filter',
  torch: 'torch.fft.irfft',
  params: fftParams('output length; null = 2·(m − 1) for m input bins along dim'),
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const dims = complexDims('irfft', 'input', shapes[0] as Shape, 1);
    const dim = normDim('irfft', 'dim', pInt(p, 'dim'), dims.length);
    const m = dims[dim];
    const n = pIntOrNull(p, 'n') ?? 2 * (m - 1);
    if (n < 1) {
      throw paramError('irfft', 'n', `the default 2·(m − 1) is ${n} for m = ${m} bins; give n ≥ 1`);
    }
    const filter = shapes[1];
    if (filter) expectFilterShape(shapes[0] as Shape, filter);
    const out = [...dims];
    out[dim] = n;
    return {
      outputs: [out],
      native: { n, dim, norm: p.norm ?? 'backward' },
      // the filter's product: 6 flops per input bin
      flops: fftFlops(n, product(out) / n, true) + (filter ? 6 * product(dims) : 0),
      reduction: n,
    };
  },
};
