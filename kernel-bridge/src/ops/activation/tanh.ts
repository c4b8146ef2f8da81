import { unaryOp } from './unary';

export const tanh = unaryOp({
  name: 'tanh',
  summary: 'hyperbolic tangent',
  torch: 'torch.tanh',
  tolerance: 'transcendental',
  flopsPerElement: () => 4,
});
