import { unaryOp } from './unary';

export const sigmoid = unaryOp({
  name: 'sigmoid',
  summary: '1 / (1 + exp(−x))',
  torch: 'torch.sigmoid',
  tolerance: 'transcendental',
  flopsPerElement: () => 4,
});
