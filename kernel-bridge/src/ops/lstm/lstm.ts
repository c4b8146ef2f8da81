import type { Shape } from '../../tensor';
import { GEMM_DTYPES } from '../dtype-sets';
import { expectRank, expectShape, inputError, paramError } from '../op-errors';
import { pBool, pInt, pIntOrNull } from '../params-read';
import type { InputDecl, OpSpec, Params, Plan } from '../types';

/** Per (step, batch, hidden) unit: the gate activations and cell update. */
const POINTWISE_FLOPS = 40;

function lstmInputs(p: Params): InputDecl[] {
  // Tolerates unresolved params (e.g. `inputs({})` for a listing): the defaults apply.
  const layers = typeof p.num_layers === 'number' ? p.num_layers : 1;
  const bias = p.bias !== false;
  const x = p.batch_first === true ? '[B, T, I]' : '[T, B, I]';
  const list: InputDecl[] = [
    { name: 'x', kind: 'float', init: { dist: 'normal' }, doc: x },
    { name: 'h0', kind: 'float', optional: true, init: { dist: 'normal', std: 0.5 }, doc: '[L, B, H]; absent = zeros' },
    { name: 'c0', kind: 'float', optional: true, init: { dist: 'normal', std: 0.5 }, doc: '[L, B, H]; absent = zeros' },
  ];
  for (let l = 0; l < layers; l++) {
    // nn.LSTM: every weight and bias U(±1/√hidden_size) = fan_in of weight_hh [4H, H].
    const init = { dist: 'fan_in', fanInOf: `weight_hh_l${l}` } as const;
    list.push({ name: `weight_ih_l${l}`, kind: 'float', init, doc: l === 0 ? '[4H, I]' : '[4H, H]' });
    list.push({ name: `weight_hh_l${l}`, kind: 'float', init, doc: '[4H, H]' });
    if (bias) {
      list.push({ name: `bias_ih_l${l}`, kind: 'float', init, doc: '[4H]' });
      list.push({ name: `bias_hh_l${l}`, kind: 'float', init, doc: '[4H]' });
    }
  }
  return list;
}

export const lstm: OpSpec = {
  name: 'lstm',
  family: 'lstm',
  summary: 'Multi-layer unidirectional LSTM over a sequence; gate order i, f, g, o',
  torch: 'torch.nn.LSTM',
  params: {
    num_layers: { type: 'int', default: 1, min: 1, doc: 'stacked layers' },
    bias: { type: 'bool', default: true, doc: 'layers take bias_ih_l{k} and bias_hh_l{k}' },
    batch_first: { type: 'bool', default: false, doc: 'x and out are [B, T, ·] instead of [T, B, ·]' },
    hidden_size: {
      type: 'int',
      default: null,
      nullable: true,
      min: 1,
      doc: 'optional: checked against weight_hh_l0 (H is taken from its dim 1)',
    },
  },
  inputs: lstmInputs,
  outputs: [
    { name: 'out', kind: 'float' },
    { name: 'h_n', kind: 'float' },
    { name: 'c_n', kind: 'float' },
  ],
  dtypes: GEMM_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const op = 'lstm';
    const L = pInt(p, 'num_layers');
    const bias = pBool(p, 'bias');
    const batchFirst = pBool(p, 'batch_first');
    const x = shapes[0] as Shape;
    expectRank(op, 'x', x, 3, batchFirst ? '[B, T, I]' : '[T, B, I]');
    const [T, B] = batchFirst ? [x[1], x[0]] : [x[0], x[1]];
    const I = x[2];
    const per = bias ? 4 : 2;
    const at = (l: number, k: number) => shapes[3 + l * per + k] as Shape;
    const whh0 = at(0, 1);
    expectRank(op, 'weight_hh_l0', whh0, 2, '[4H, H]');
    const H = whh0[1];
    const given = pIntOrNull(p, 'hidden_size');
    if (given !== null && given !== H) {
      throw paramError(op, 'hidden_size', `${given} does not match weight_hh_l0 [${whh0.join(', ')}] (H = ${H})`);
    }
    let flops = 0;
    let maxIn = 0;
    for (let l = 0; l < L; l++) {
      const inSize = l === 0 ? I : H;
      maxIn = Math.max(maxIn, inSize);
      const wih = at(l, 0);
      expectRank(op, `weight_ih_l${l}`, wih, 2, '[4H, in]');
      if (l === 0 && wih[1] !== I) {
        throw inputError(op, 'weight_ih_l0', `dim 1 must be input_size ${I} (x's last dim), got [${wih.join(', ')}]`);
      }
      expectShape(op, `weight_ih_l${l}`, wih, [4 * H, inSize], `[4H, ${l === 0 ? 'I' : 'H'}] with H = ${H}`);
      expectShape(op, `weight_hh_l${l}`, at(l, 1), [4 * H, H], `[4H, H] with H = ${H}`);
      if (bias) {
        expectShape(op, `bias_ih_l${l}`, at(l, 2), [4 * H], '[4H]');
        expectShape(op, `bias_hh_l${l}`, at(l, 3), [4 * H], '[4H]');
      }
      flops += T * (2 * B * 4 * H * (inSize + H) + (bias ? 2 * B * 4 * H : 0) + POINTWISE_FLOPS * B * H);
    }
    if (shapes[1]) expectShape(op, 'h0', shapes[1], [L, B, H], '[num_layers, B, H]');
    if (shapes[2]) expectShape(op, 'c0', shapes[2], [L, B, H], '[num_layers, B, H]');
    return {
      outputs: [batchFirst ? [B, T, H] : [T, B, H], [L, B, H], [L, B, H]],
      native: { num_layers: L, bias, batch_first: batchFirst, hidden_size: H },
      flops,
      reduction: maxIn + H,
    };
  },
};
