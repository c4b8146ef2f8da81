/**
 * stft on ONNX STFT (opset 17) with torch.stft's conventions composed around it: leading dims
 * flattened to a batch, centre padding as Pad (reflect or constant) by ⌊n_fft/2⌋ on both sides,
 * the window generated here (periodic Hann or ones of win_length, zero-padded centred to n_fft)
 * as a constant, `normalized` as a Mul by 1/√n_fft, and the output [B, frames, bins, 2]
 * transposed to torch's [B, bins, frames, 2] and reshaped to the input's leading dims.
 * istft is unsupported: ONNX has no inverse STFT op.
 */
import { flag, num, req, shapeOf, type Family } from './types';

export function stftWindow(window: string, winLength: number, nFft: number): number[] {
  const w = new Array<number>(nFft).fill(0);
  const left = Math.floor((nFft - winLength) / 2);
  for (let i = 0; i < winLength; i++) {
    w[left + i] = window === 'hann' ? 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / winLength) : 1;
  }
  return w;
}

export const stftGraphs: Family = {
  stft: {
    build: (c) => {
      const { g } = c;
      const shape = shapeOf(c, 0);
      const L = shape[shape.length - 1];
      const lead = shape.slice(0, -1);
      const B = lead.reduce((a, b) => a * b, 1);
      const nFft = num(c.p, 'n_fft');
      let x = g.node('Reshape', [req(c, 0), g.ints([B, L])]);
      if (flag(c.p, 'center')) {
        const p = Math.floor(nFft / 2);
        const mode = c.p.pad_mode === 'reflect' ? 'reflect' : 'constant';
        x = g.node('Pad', [x, g.ints([0, p, 0, p])], { mode });
      }
      x = g.node('Unsqueeze', [x, g.ints([2])]);
      const win = g.const('float', stftWindow(c.p.window as string, num(c.p, 'win_length'), nFft), [nFft]);
      let y = g.node('STFT', [x, g.scalar('int64', num(c.p, 'hop_length')), win, g.scalar('int64', nFft)], {
        onesided: flag(c.p, 'onesided') ? 1 : 0,
      });
      if (flag(c.p, 'normalized')) y = g.node('Mul', [y, g.scalar('float', 1 / Math.sqrt(nFft))]);
      y = g.node('Transpose', [y], { perm: [0, 2, 1, 3] });
      const out = c.outShapes[0];
      return [g.node('Reshape', [y, g.ints([...out])])];
    },
  },
};
