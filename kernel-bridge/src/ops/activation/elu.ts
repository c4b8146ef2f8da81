import { unaryOp } from './unary';

export const elu = unaryOp({
  name: 'elu',
  summary: 'x if x > 0 else alpha·(exp(x) − 1)',
  torch: 'torch.nn.functional.elu',
  params: {
    alpha: { type: 'float', default: 1.0, doc: 'scale of the negative part' },
  },
  tolerance: 'transcendental',
  flopsPerElement: () => 4,
});
