import type { Shape } from '../../tensor';
import { INT8_DTYPES } from '../dtype-sets';
import { expectRank, inputError } from '../op-errors';
import { product } from '../shape-rules';
import type { InputDecl, OpSpec, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [
  { name: 'xq', kind: 'int8', init: { dist: 'int8' }, doc: 'int8 activations […, K]' },
  { name: 'wq', kind: 'int8', init: { dist: 'ternary' }, doc: 'ternary weights [N, K] in {−1, 0, 1}' },
];

export const ternary_matmul: OpSpec = {
  name: 'ternary_matmul',
  family: 'quant',
  summary: 'int32 = xq · wqᵀ with integer accumulation (bit-exact)',
  torch: 'torch.matmul(xq.int(), wq.int().T)',
  params: {},
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'int32' }],
  dtypes: INT8_DTYPES,
  tolerance: 'exact',
  plan(shapes: readonly (Shape | null)[]): Plan {
    const x = shapes[0] as Shape;
    const w = shapes[1] as Shape;
    expectRank('ternary_matmul', 'xq', x, 1, '[…, K]', true);
    expectRank('ternary_matmul', 'wq', w, 2, '[N, K]');
    const K = x[x.length - 1];
    const [N, Kw] = w;
    if (Kw !== K) throw inputError('ternary_matmul', 'wq', `dim 1 must be K = ${K} (xq's last dim), got [${w.join(', ')}]`);
    const rows = product(x.slice(0, -1));
    return { outputs: [[...x.slice(0, -1), N]], native: {}, flops: 2 * rows * N * K, reduction: K };
  },
};
