/** Shared by fft / ifft / rfft / irfft: the params and the cost model. */
import type { ParamDecl } from '../types';

export const FFT_NORMS = ['backward', 'forward', 'ortho'] as const;

export function fftParams(nDoc: string): Record<string, ParamDecl> {
  return {
    n: { type: 'int', default: null, nullable: true, min: 1, doc: nDoc },
    dim: { type: 'int', default: -1, doc: 'the (complex) dim to transform; negative counts from the end' },
    norm: {
      type: 'string',
      default: 'backward',
      nullable: true,
      enum: FFT_NORMS,
      doc: "'backward' (1/n on the inverse), 'forward' (1/n on the forward), 'ortho' (1/√n both); null = 'backward'",
    },
  };
}

/** 5·n·log2(n) per complex transform of length n (half that for real-input / real-output ones). */
export function fftFlops(n: number, transforms: number, real: boolean): number {
  const per = n > 1 ? 5 * n * Math.log2(n) : 0;
  return (real ? per / 2 : per) * transforms;
}
