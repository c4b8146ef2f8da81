// Seeded host tensors for backend tests.
import type { ComputeDType } from '../../kernel-bridge/src/backend/types';
import { Rng } from '../../kernel-bridge/src/ops/rng';
import { roundToDType } from '../../kernel-bridge/src/precision/dtype-values';
import type { HostTensor, Shape } from '../../kernel-bridge/src/tensor';

/** A seeded normal tensor in `dtype`'s float storage (f64 on ref). */
export function normalTensor(shape: Shape, seed: number, dtype: ComputeDType, mean = 0, std = 1): HostTensor {
  const v = new Float64Array(shape.reduce((a, b) => a * b, 1));
  new Rng(seed).fillNormal(v, mean, std);
  const st = dtype === 'f64' ? 'f64' : (dtype as 'f32' | 'f16' | 'bf16');
  return { dtype: st, shape, data: roundToDType(v, st) };
}
