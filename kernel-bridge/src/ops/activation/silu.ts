import { unaryOp } from './unary';

export const silu = unaryOp({
  name: 'silu',
  summary: 'x·σ(x)',
  torch: 'torch.nn.functional.silu',
  tolerance: 'transcendental',
  flopsPerElement: () => 5,
});
