/** reshape (Reshape), transpose / permute (Transpose), concat (Concat), pad (Pad constant/reflect/edge), slice (Slice). */
import { num, nums, req, shapeOf, type Family } from './types';

const PAD_MODE: Readonly<Record<string, string>> = { constant: 'constant', reflect: 'reflect', replicate: 'edge' };

export const layoutGraphs: Family = {
  reshape: { build: (c) => [c.g.node('Reshape', [req(c, 0), c.g.ints(nums(c.p, 'shape'))])] },
  transpose: {
    build: (c) => {
      const perm = shapeOf(c, 0).map((_, i) => i);
      const a = num(c.p, 'dim0');
      const b = num(c.p, 'dim1');
      [perm[a], perm[b]] = [perm[b], perm[a]];
      return [c.g.node('Transpose', [req(c, 0)], { perm })];
    },
  },
  permute: { build: (c) => [c.g.node('Transpose', [req(c, 0)], { perm: nums(c.p, 'dims') })] },
  concat: {
    build: (c) => [c.g.node('Concat', c.ins.map((_, i) => req(c, i)), { axis: num(c.p, 'dim') })],
  },
  pad: {
    build: (c) => {
      const rank = shapeOf(c, 0).length;
      const pad = nums(c.p, 'pad'); // PyTorch: last dim first, [left, right, top, bottom, …]
      const begins = new Array<number>(rank).fill(0);
      const ends = new Array<number>(rank).fill(0);
      for (let i = 0; 2 * i < pad.length; i++) {
        begins[rank - 1 - i] = pad[2 * i];
        ends[rank - 1 - i] = pad[2 * i + 1];
      }
      const mode = PAD_MODE[c.p.mode as string];
      const inputs = [req(c, 0), c.g.ints([...begins, ...ends])];
      if (mode === 'constant') inputs.push(c.g.scalar('float', num(c.p, 'value')));
      return [c.g.node('Pad', inputs, { mode })];
    },
  },
  slice: {
    build: (c) => {
      const { g } = c;
      return [
        g.node('Slice', [
          req(c, 0),
          g.ints([num(c.p, 'start')]),
          g.ints([num(c.p, 'end')]),
          g.ints([num(c.p, 'dim')]),
          g.ints([num(c.p, 'step')]),
        ]),
      ];
    },
  },
};
