/**
 * fft / ifft / rfft on ONNX DFT (opset 17: `axis`, `inverse`, `onesided` attributes, dft_length
 * input, which zero-pads or truncates to n as torch's `n` does). A leading batch axis is added
 * (DFT's axis 0 is the batch) and removed after. ONNX's inverse DFT scales by 1/n (torch's
 * 'backward'); 'forward' and 'ortho' rescale with a Mul.
 * Forward transforms (fft, rfft) of a length n that is not a power of two are unsupported: the
 * CPU EP's DFT then uses a non-radix-2 path whose f32 error fails the FFT tolerance (measured
 * against the FP64 oracle with onnxruntime 1.30: 1.4× at n = 97/100, 6× at 441, 15× at 1000;
 * n = 1024 and 4096 pass). ifft passes at n = 100 and 1000, so it stays supported.
 * irfft is unsupported: DFT's onesided mode is forward real→complex only, there is no
 * complex→real inverse, and composing one (Hermitian extension) is not the runtime's kernel.
 */
import type { Params } from '../../../ops/types';
import { num, req, type Family, type GraphCtx } from './types';

function scaleFor(norm: string, n: number, inverse: boolean): number {
  if (norm === 'ortho') return inverse ? Math.sqrt(n) : 1 / Math.sqrt(n);
  if (norm === 'forward') return inverse ? n : 1 / n;
  return 1;
}

function dft(c: GraphCtx, x: string, inverse: boolean, onesided: boolean): string[] {
  const { g } = c;
  const n = num(c.p, 'n');
  const dim = num(c.p, 'dim');
  const batched = g.node('Unsqueeze', [x, g.ints([0])]);
  let y = g.node('DFT', [batched, g.scalar('int64', n)], { axis: dim + 1, inverse: inverse ? 1 : 0, onesided: onesided ? 1 : 0 });
  y = g.node('Squeeze', [y, g.ints([0])]);
  const s = scaleFor(c.p.norm as string, n, inverse);
  if (s !== 1) y = g.node('Mul', [y, g.scalar('float', s)]);
  return [y];
}

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

function forwardUnsupported(p: Params): string | undefined {
  const n = p.n;
  if (typeof n !== 'number' || isPow2(n)) return undefined;
  return `n = ${n} is not a power of two: onnxruntime's CPU DFT then takes a non-radix-2 path whose f32 error fails the FFT tolerance against the FP64 oracle (up to 15× at n = 1000)`;
}

export const fftGraphs: Family = {
  fft: { build: (c) => dft(c, req(c, 0), false, false), unsupported: forwardUnsupported },
  ifft: { build: (c) => dft(c, req(c, 0), true, false) },
  rfft: {
    unsupported: forwardUnsupported,
    build: (c) => dft(c, c.g.node('Unsqueeze', [req(c, 0), c.g.ints([-1])]), false, true),
  },
};
