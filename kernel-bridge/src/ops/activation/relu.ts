import { unaryOp } from './unary';

export const relu = unaryOp({
  name: 'relu',
  summary: 'max(x, 0)',
  torch: 'torch.nn.functional.relu',
  tolerance: 'elementwise',
  flopsPerElement: () => 1,
});
