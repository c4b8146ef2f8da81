/** Shared by stft / istft: frame params, the named windows and the overlap-add envelope (NOLA). */
import { paramError } from '../op-errors';
import { pIntOrNull } from '../params-read';
import type { ParamDecl, Params } from '../types';

export const WINDOWS = ['hann', 'ones'] as const;

export function frameParams(): Record<string, ParamDecl> {
  return {
    n_fft: { type: 'int', min: 1, doc: 'FFT size (frame length)' },
    hop_length: { type: 'int', default: null, nullable: true, min: 1, doc: 'step between frames; null = ⌊n_fft/4⌋' },
    win_length: { type: 'int', default: null, nullable: true, min: 1, doc: 'window length ≤ n_fft, zero-padded to n_fft centred; null = n_fft' },
    window: { type: 'string', default: 'hann', enum: WINDOWS, doc: "'hann' (periodic, as torch.hann_window) or 'ones' (rectangular)" },
    center: { type: 'bool', default: true, doc: 'frames centred: stft pads ⌊n_fft/2⌋ on both sides, istft trims it' },
  };
}

export interface Frames {
  readonly nFft: number;
  readonly hop: number;
  readonly winLength: number;
}

export function resolveFrames(op: string, p: Params): Frames {
  const nFft = p.n_fft as number;
  const hop = pIntOrNull(p, 'hop_length') ?? Math.floor(nFft / 4);
  if (hop < 1) throw paramError(op, 'hop_length', `the default ⌊n_fft/4⌋ is 0 for n_fft = ${nFft}; give hop_length ≥ 1`);
  const winLength = pIntOrNull(p, 'win_length') ?? nFft;
  if (winLength > nFft) throw paramError(op, 'win_length', `must be ≤ n_fft (${nFft}), got ${winLength}`);
  return { nFft, hop, winLength };
}

/** The window padded to n_fft (left pad ⌊(n_fft − win_length)/2⌋), as torch.stft / istft use it. */
export function paddedWindow(name: string, winLength: number, nFft: number): Float64Array {
  const w = new Float64Array(nFft);
  const left = Math.floor((nFft - winLength) / 2);
  for (let i = 0; i < winLength; i++) {
    // torch.hann_window(1) is [1]; longer ones are periodic Hann.
    w[left + i] = name === 'ones' || winLength === 1 ? 1 : 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / winLength);
  }
  return w;
}

/**
 * The smallest overlap-added squared window over output samples [start, end) of a signal of
 * `frames` frames (torch.istft's envelope). Past the first n_fft + 2·hop samples the envelope
 * is periodic in hop until the last frames, so only the two edges are evaluated.
 */
export function minEnvelope(window: Float64Array, hop: number, frames: number, start: number, end: number): number {
  const nFft = window.length;
  const env = (i: number): number => {
    let s = 0;
    const tLo = Math.max(0, Math.floor((i - nFft) / hop) + 1);
    const tHi = Math.min(frames - 1, Math.floor(i / hop));
    for (let t = tLo; t <= tHi; t++) {
      const k = i - t * hop;
      if (k >= 0 && k < nFft) s += window[k] * window[k];
    }
    return s;
  };
  let min = Infinity;
  const edge = nFft + 2 * hop;
  const headEnd = Math.min(end, start + edge);
  for (let i = start; i < headEnd; i++) min = Math.min(min, env(i));
  for (let i = Math.max(headEnd, end - edge); i < end; i++) min = Math.min(min, env(i));
  return min;
}
