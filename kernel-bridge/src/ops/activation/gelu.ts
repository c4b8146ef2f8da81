import { unaryOp } from './unary';

export const gelu = unaryOp({
  name: 'gelu',
  summary: "x·Φ(x) (exact, erf) or its tanh approximation",
  torch: 'torch.nn.functional.gelu',
  params: {
    approximate: { type: 'string', default: 'none', enum: ['none', 'tanh'], doc: "'none': x·½(1+erf(x/√2)); 'tanh': the tanh approximation" },
  },
  tolerance: 'transcendental',
  flopsPerElement: (p) => (p.approximate === 'tanh' ? 9 : 8),
});
