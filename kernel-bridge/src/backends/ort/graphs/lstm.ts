/**
 * lstm / lstm_cell on ONNX LSTM. ONNX's gate order is i, o, f, c with W [num_directions, 4H, I],
 * R [num_directions, 4H, H], B [num_directions, 8H] = concat(Wb, Rb); PyTorch's is i, f, g, o.
 * The graph reorders the PyTorch weights: Split into 4 blocks of H rows, Concat as i, o, f, g
 * (g is ONNX's c), Unsqueeze a direction axis; B = concat(reorder(b_ih), reorder(b_hh)).
 * Layers are chained (one LSTM node per layer, Y squeezed to [T, B, H] as the next input);
 * batch_first is a Transpose in and out; lstm_cell is one LSTM step (seq_len 1).
 */
import type { GraphBuilder } from '../onnx-proto';
import { flag, num, req, shapeOf, type Family, type GraphCtx } from './types';

/** PyTorch gate blocks i, f, g, o (along axis 0) → ONNX i, o, f, c; then a leading direction axis. */
function reorder(g: GraphBuilder, v: string, H: number): string {
  const [i, f, gg, o] = g.nodeN('Split', [v, g.ints([H, H, H, H])], { axis: 0 }, 4);
  return g.node('Unsqueeze', [g.node('Concat', [i, o, f, gg], { axis: 0 }), g.ints([0])]);
}

function bias(g: GraphBuilder, bih: string | null, bhh: string | null, H: number): string {
  if (!bih && !bhh) return '';
  const zero = () => g.const('float', new Array<number>(4 * H).fill(0), [4 * H]);
  return g.node('Concat', [reorder(g, bih ?? zero(), H), reorder(g, bhh ?? zero(), H)], { axis: 1 });
}

/** One ONNX LSTM layer; returns [Y [T, 1, B, H], Y_h [1, B, H], Y_c [1, B, H]]. */
function layer(g: GraphBuilder, x: string, wih: string, whh: string, bih: string | null, bhh: string | null, h0: string, c0: string, H: number): string[] {
  return g.nodeN('LSTM', [x, reorder(g, wih, H), reorder(g, whh, H), bias(g, bih, bhh, H), '', h0, c0], { hidden_size: H }, 3);
}

export const lstmGraphs: Family = {
  lstm_cell: {
    build: (c: GraphCtx) => {
      const { g } = c;
      const H = shapeOf(c, 1)[1];
      const un = (v: string) => g.node('Unsqueeze', [v, g.ints([0])]);
      const [, yh, yc] = layer(g, un(req(c, 0)), req(c, 3), req(c, 4), c.ins[5], c.ins[6], un(req(c, 1)), un(req(c, 2)), H);
      const sq = (v: string) => g.node('Squeeze', [v, g.ints([0])]);
      return [sq(yh), sq(yc)];
    },
  },
  lstm: {
    build: (c: GraphCtx) => {
      const { g } = c;
      const L = num(c.p, 'num_layers');
      const H = num(c.p, 'hidden_size');
      const hasBias = flag(c.p, 'bias');
      const batchFirst = flag(c.p, 'batch_first');
      let x = req(c, 0);
      if (batchFirst) x = g.node('Transpose', [x], { perm: [1, 0, 2] });
      const per = hasBias ? 4 : 2;
      const hs: string[] = [];
      const cs: string[] = [];
      for (let l = 0; l < L; l++) {
        const base = 3 + l * per;
        const pick = (v: string | null) => (v ? g.node('Slice', [v, g.ints([l]), g.ints([l + 1]), g.ints([0])]) : '');
        const [y, yh, yc] = layer(
          g,
          x,
          req(c, base),
          req(c, base + 1),
          hasBias ? c.ins[base + 2] : null,
          hasBias ? c.ins[base + 3] : null,
          pick(c.ins[1]),
          pick(c.ins[2]),
          H,
        );
        x = g.node('Squeeze', [y, g.ints([1])]);
        hs.push(yh);
        cs.push(yc);
      }
      const out = batchFirst ? g.node('Transpose', [x], { perm: [1, 0, 2] }) : x;
      const cat = (vs: string[]) => (vs.length === 1 ? vs[0] : g.node('Concat', vs, { axis: 0 }));
      return [out, cat(hs), cat(cs)];
    },
  },
};
