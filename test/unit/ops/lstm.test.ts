import { describe, expect, it } from 'vitest';
import { expectAbw, outShapes, plan } from './plan-helpers';

// B = 2, I = 3, H = 4
const CELL = [[2, 3], [2, 4], [2, 4], [16, 3], [16, 4]];

describe('lstm_cell', () => {
  it('plans h1 and c1 [B, H]', () => {
    expect(outShapes('lstm_cell', CELL)).toEqual([
      [2, 4],
      [2, 4],
    ]);
    const r = plan('lstm_cell', [...CELL, [16], [16]]).plan;
    expect(r.outputs).toEqual([
      [2, 4],
      [2, 4],
    ]);
    expect(r.native).toEqual({});
    expect(r.reduction).toBe(7);
    expect(r.flops).toBeGreaterThanOrEqual(2 * 2 * 16 * 7);
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('lstm_cell', [[2, 3], [2, 4], [2, 4], [16, 3], [12, 4]]), 'inputs.w_hh', 'ABW_ESHAPE');
    expectAbw(() => plan('lstm_cell', [[2, 3], [2, 4], [2, 4], [16, 5], [16, 4]]), 'inputs.w_ih');
    expectAbw(() => plan('lstm_cell', [[2, 3], [3, 4], [2, 4], [16, 3], [16, 4]]), 'inputs.hx');
    expectAbw(() => plan('lstm_cell', [[2, 3], [2, 4], [2, 5], [16, 3], [16, 4]]), 'inputs.cx');
    expectAbw(() => plan('lstm_cell', [[2, 3], [2, 4], [2, 4], [16, 3], [16, 4], [15]]), 'inputs.b_ih');
    expectAbw(() => plan('lstm_cell', [[2, 3, 1], [2, 4], [2, 4], [16, 3], [16, 4]]), 'inputs.input');
    expectAbw(() => plan('lstm_cell', [[2, 3], [2, 4], [2, 4], [16, 3]]), 'inputs.w_hh', 'ABW_EINVAL');
  });
});

describe('lstm', () => {
  const layer = (inSize: number, H: number, bias = true) =>
    bias ? [[4 * H, inSize], [4 * H, H], [4 * H], [4 * H]] : [[4 * H, inSize], [4 * H, H]];

  it('lists per-layer weights from the params', async () => {
    const { getOp, resolveParams } = await import('../../../kernel-bridge/src/ops');
    const spec = getOp('lstm');
    expect(spec.inputs(resolveParams(spec, { num_layers: 2 })).map((d) => d.name)).toEqual([
      'x', 'h0', 'c0',
      'weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
      'weight_ih_l1', 'weight_hh_l1', 'bias_ih_l1', 'bias_hh_l1',
    ]);
    expect(spec.inputs(resolveParams(spec, { bias: false })).map((d) => d.name)).toEqual(['x', 'h0', 'c0', 'weight_ih_l0', 'weight_hh_l0']);
    expect(spec.inputs({}).length).toBe(7);
  });

  it('plans out, h_n, c_n and derives hidden_size', () => {
    const r = plan('lstm', [[7, 2, 3], null, null, ...layer(3, 5)]).plan;
    expect(r.outputs).toEqual([[7, 2, 5], [1, 2, 5], [1, 2, 5]]);
    expect(r.native).toEqual({ num_layers: 1, bias: true, batch_first: false, hidden_size: 5 });
    expect(r.reduction).toBe(8);
    const bf = plan('lstm', [[2, 7, 3], [2, 2, 5], [2, 2, 5], ...layer(3, 5, false), ...layer(5, 5, false)], {
      num_layers: 2,
      bias: false,
      batch_first: true,
      hidden_size: 5,
    }).plan;
    expect(bf.outputs).toEqual([[2, 7, 5], [2, 2, 5], [2, 2, 5]]);
    expect(bf.native).toEqual({ num_layers: 2, bias: false, batch_first: true, hidden_size: 5 });
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('lstm', [[7, 3], null, null, ...layer(3, 5)]), 'inputs.x', 'ABW_ESHAPE');
    expectAbw(() => plan('lstm', [[7, 2, 4], null, null, ...layer(3, 5)]), 'inputs.weight_ih_l0');
    expectAbw(() => plan('lstm', [[7, 2, 3], [1, 3, 5], null, ...layer(3, 5)]), 'inputs.h0');
    expectAbw(() => plan('lstm', [[7, 2, 3], null, [2, 2, 5], ...layer(3, 5)]), 'inputs.c0');
    expectAbw(() => plan('lstm', [[7, 2, 3], null, null, ...layer(3, 5)], { hidden_size: 6 }), 'params.hidden_size');
    expectAbw(() => plan('lstm', [[7, 2, 3], null, null, ...layer(3, 5), ...layer(3, 5)], { num_layers: 2 }), 'inputs.weight_ih_l1');
    expectAbw(() => plan('lstm', [[7, 2, 3], null, null, ...layer(3, 5)], { num_layers: 0 }), 'params.num_layers');
    expectAbw(() => plan('lstm', [[7, 2, 3], null, null, ...layer(3, 5)], { bidirectional: true }), 'params.bidirectional');
    expectAbw(() => plan('lstm', [[7, 2, 3], null, null, [20, 3], [20, 5], [20], [19]]), 'inputs.bias_hh_l0');
  });
});
