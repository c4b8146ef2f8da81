import type { Shape } from '../../tensor';
import { GEMM_DTYPES } from '../dtype-sets';
import { expectRank, expectShape, inputError } from '../op-errors';
import type { InputDecl, OpSpec, Plan } from '../types';

// nn.LSTMCell initialises every weight and bias U(±1/√H): fan_in of w_hh [4H, H] is H.
const W_INIT = { dist: 'fan_in', fanInOf: 'w_hh' } as const;

const INPUTS: readonly InputDecl[] = [
  { name: 'input', kind: 'float', init: { dist: 'normal' }, doc: '[B, I]' },
  { name: 'hx', kind: 'float', init: { dist: 'normal', std: 0.5 }, doc: '[B, H]' },
  { name: 'cx', kind: 'float', init: { dist: 'normal', std: 0.5 }, doc: '[B, H]' },
  { name: 'w_ih', kind: 'float', init: W_INIT, doc: '[4H, I], gates i, f, g, o' },
  { name: 'w_hh', kind: 'float', init: W_INIT, doc: '[4H, H]' },
  { name: 'b_ih', kind: 'float', optional: true, init: W_INIT, doc: '[4H]' },
  { name: 'b_hh', kind: 'float', optional: true, init: W_INIT, doc: '[4H]' },
];

/** Per (batch, hidden) unit: 3 sigmoids, 2 tanh and 5 mul/adds — counted as ~10 flops each activation. */
const POINTWISE_FLOPS = 40;

export const lstm_cell: OpSpec = {
  name: 'lstm_cell',
  family: 'lstm',
  summary: 'One LSTM step: (h1, c1) from input and (hx, cx); gate order i, f, g, o',
  torch: 'torch.nn.LSTMCell (torch._VF.lstm_cell)',
  params: {},
  inputs: () => INPUTS,
  outputs: [
    { name: 'h1', kind: 'float' },
    { name: 'c1', kind: 'float' },
  ],
  dtypes: GEMM_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[]): Plan {
    const op = 'lstm_cell';
    const [x, hx, cx, wih, whh, bih, bhh] = shapes as (Shape | null)[];
    expectRank(op, 'input', x as Shape, 2, '[B, I]');
    expectRank(op, 'w_hh', whh as Shape, 2, '[4H, H]');
    const [B, I] = x as Shape;
    const H = (whh as Shape)[1];
    expectShape(op, 'w_hh', whh as Shape, [4 * H, H], 'hidden_size H = dim 1');
    expectShape(op, 'hx', hx as Shape, [B, H], '[B, H]');
    expectShape(op, 'cx', cx as Shape, [B, H], '[B, H]');
    expectRank(op, 'w_ih', wih as Shape, 2, '[4H, I]');
    if ((wih as Shape)[1] !== I) throw inputError(op, 'w_ih', `dim 1 must be input_size ${I}, got [${(wih as Shape).join(', ')}]`);
    expectShape(op, 'w_ih', wih as Shape, [4 * H, I], '[4H, I]');
    if (bih) expectShape(op, 'b_ih', bih, [4 * H], '[4H]');
    if (bhh) expectShape(op, 'b_hh', bhh, [4 * H], '[4H]');
    const biasAdds = (bih ? 1 : 0) + (bhh ? 1 : 0);
    return {
      outputs: [
        [B, H],
        [B, H],
      ],
      native: {},
      flops: 2 * B * 4 * H * (I + H) + biasAdds * B * 4 * H + POINTWISE_FLOPS * B * H,
      reduction: I + H,
    };
  },
};
