import type { Shape } from '../../tensor';
import { GEMM_DTYPES } from '../dtype-sets';
import { expectRank, inputError } from '../op-errors';
import { pBool } from '../params-read';
import { broadcastShapes, product } from '../shape-rules';
import { expectResidualShape, residualInput } from '../residual-input';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [
  { name: 'a', kind: 'float', init: { dist: 'normal' }, doc: '[…, M, K] ([…, K, M] if transpose_a)' },
  { name: 'b', kind: 'float', init: { dist: 'normal' }, doc: '[…, K, N] ([…, N, K] if transpose_b)' },
  residualInput(
    "the output's shape […, M, N]: added to the product (torch.baddbmm with beta = alpha = 1), in the GEMM's epilogue where the backend can",
  ),
];

export const matmul: OpSpec = {
  name: 'matmul',
  family: 'matmul',
  summary: 'Batched matrix product with broadcast batch dims, optional transposes and an optional residual added to it',
  torch: 'torch.matmul',
  params: {
    transpose_a: { type: 'bool', default: false, doc: 'use aᵀ (the last two dims of a swapped)' },
    transpose_b: { type: 'bool', default: false, doc: 'use bᵀ (the last two dims of b swapped)' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: GEMM_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const a = shapes[0] as Shape;
    const b = shapes[1] as Shape;
    const ta = pBool(p, 'transpose_a');
    const tb = pBool(p, 'transpose_b');
    expectRank('matmul', 'a', a, 2, ta ? '[…, K, M]' : '[…, M, K]', true);
    expectRank('matmul', 'b', b, 2, tb ? '[…, N, K]' : '[…, K, N]', true);
    const [a0, a1] = a.slice(-2);
    const [b0, b1] = b.slice(-2);
    const M = ta ? a1 : a0;
    const K = ta ? a0 : a1;
    const Kb = tb ? b1 : b0;
    const N = tb ? b0 : b1;
    if (K !== Kb) {
      throw inputError('matmul', 'b', `inner dims differ: a gives K=${K}, b gives K=${Kb} (a [${a.join(', ')}], b [${b.join(', ')}])`);
    }
    const batch = broadcastShapes('matmul', a.slice(0, -2), b.slice(0, -2), 'a batch dims', 'b');
    const out = [...batch, M, N];
    const residual = shapes[2];
    expectResidualShape('matmul', residual, out);
    return {
      outputs: [out],
      native: { transpose_a: ta, transpose_b: tb },
      flops: 2 * product(batch) * M * N * K + (residual ? product(out) : 0),
      reduction: K,
    };
  },
};
