import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { pInt, pIntOrNull } from '../params-read';
import { normDim } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'normal' }, doc: 'any shape, ≥ 1 dim' }];

/** Python slice bounds for a positive step: negative counts from the end, then clamp to [0, size]. */
function bound(v: number, size: number): number {
  const r = v < 0 ? v + size : v;
  return Math.min(Math.max(r, 0), size);
}

export const slice: OpSpec = {
  name: 'slice',
  family: 'layout',
  summary: 'input[..., start:end:step, ...] along one dim (a copy)',
  torch: 'torch.Tensor.__getitem__ with a slice (torch.narrow with a step)',
  params: {
    dim: { type: 'int', default: 0, doc: 'dim to slice (negative counts from the end)' },
    start: { type: 'int', default: 0, nullable: true, doc: 'first index; negative counts from the end; null = 0' },
    end: { type: 'int', default: null, nullable: true, doc: 'one past the last index; negative counts from the end; null = the size' },
    step: { type: 'int', default: 1, min: 1, doc: 'positive stride' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'copy',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const x = shapes[0] as Shape;
    const dim = normDim('slice', 'dim', pInt(p, 'dim'), x.length);
    const size = x[dim];
    const start = bound(pIntOrNull(p, 'start') ?? 0, size);
    const end = Math.max(start, bound(pIntOrNull(p, 'end') ?? size, size));
    const step = pInt(p, 'step');
    const out = [...x];
    out[dim] = Math.ceil((end - start) / step);
    return { outputs: [out], native: { dim, start, end, step }, flops: 0 };
  },
};
