/**
 * stft / istft (torch conventions, docs/ops.md) as a load and a store around the shared FFT
 * (fftLines: one dispatch where a frame fits workgroup memory). stft's load frames, centre-pads
 * (reflect or constant) and windows (onesided with even n_fft: each frame packed as n_fft/2
 * complex values, split after the half-length FFT, as rfft does); its store writes
 * [.., n_freq, n_frames, 2], several frames per workgroup so neighbouring frames' words are
 * written together. istft's load builds each frame's spectrum as c2r does (the first
 * n_fft/2+1 bins, two-sided inputs included, the imaginary parts of bin 0 and n/2 ignored; even
 * n_fft merged to half length as irfft does) and stores the frames' time signals; an overlap-add
 * pass (one thread per output sample gathers the frames that cover it, so no atomics) divides by
 * the squared-window envelope.
 */
import { paddedWindow } from '../../../ops/stft/stft-rules';
import { numel } from '../../../tensor';
import type { KernelCtx, KernelFamily, KernelPlan } from '../kernel-types';
import { cst, f, grid, inp, out, scr, u } from '../wgsl';
import { fftLines } from './fft-core';
import { halfTwiddles, MERGE_FN, PlanBuilder, REAL_SPLIT_FN } from './fft-radix';

/** Frames per workgroup stft asks for, so its [freq, frame] stores write 4 neighbouring words. */
const STFT_LINES = 4;

function windowOf(c: KernelCtx): Float32Array {
  return Float32Array.from(paddedWindow(String(c.p.window), c.p.win_length as number, c.p.n_fft as number));
}

function stft(c: KernelCtx): KernelPlan {
  const x = c.inputs[0]!.shape;
  const L = x[x.length - 1];
  const batch = numel(x) / L;
  const nFft = c.p.n_fft as number;
  const hop = c.p.hop_length as number;
  const o = c.outputs[0].shape;
  const nFreq = o[o.length - 3];
  const frames = o[o.length - 2];
  const pad = c.p.center ? Math.floor(nFft / 2) : 0;
  const reflect = c.p.pad_mode !== 'constant';
  const pb = new PlanBuilder();
  const win = pb.addConst(windowOf(c));
  const count = batch * frames;
  // Onesided with even n_fft: frames packed as n_fft/2 complex values, split after the FFT.
  const half = c.p.onesided !== false && nFft % 2 === 0;
  const m = half ? nFft / 2 : nFft;
  // Signal index of frame sample t; outside [0, L) reflect (torch's 'reflect' excludes the edge) or zero.
  const sample = reflect
    ? `fn sample(b: u32, fr: u32, t: u32) -> f32 {
  var j = i32(fr * ${u(hop)} + t) - ${pad}; j = select(j, -j, j < 0); j = select(j, ${2 * (L - 1)} - j, j >= ${L});
  return f32(x[b * ${u(L)} + u32(j)]) * win[t];
}`
    : `fn sample(b: u32, fr: u32, t: u32) -> f32 {
  let j = i32(fr * ${u(hop)} + t) - ${pad};
  return select(0.0, f32(x[b * ${u(L)} + u32(clamp(j, 0, ${L - 1}))]), j >= 0 && j < ${L}) * win[t];
}`;
  const scale = f(c.p.normalized ? 1 / Math.sqrt(nFft) : 1);
  const tw = half ? pb.addConst(halfTwiddles(nFft)) : -1;
  fftLines(pb, c.limits, {
    label: `stft n_fft=${nFft}${half ? ' (half length)' : ''}`,
    n: m,
    count,
    sign: -1,
    bindings: [
      { name: 'x', ref: inp(0), elem: 'T' },
      { name: 'win', ref: cst(win), elem: 'f32' },
      ...(half ? [{ name: 'W', ref: cst(tw), elem: 'vec2f' }] : []),
      { name: 'y', ref: out(0), elem: 'vec2<T>', write: true },
    ],
    helpers: `${sample}${half ? REAL_SPLIT_FN : ''}
fn framed(line: u32, t: u32) -> vec2f {
  let b = line / ${u(frames)}; let fr = line % ${u(frames)};
  return ${half ? 'vec2f(sample(b, fr, 2u * t), sample(b, fr, 2u * t + 1u))' : 'vec2f(sample(b, fr, t), 0.0)'};
}`,
    load: 'framed(line, t)',
    outLen: nFreq,
    store: `let b = line / ${u(frames)}; let fr = line % ${u(frames)};
      let v = ${half ? `real_split(z(zb + k % ${u(m)}), z(zb + (${u(m)} - k) % ${u(m)}), W[k])` : 'z(zb + k)'} * ${scale};
      y[(b * ${u(nFreq)} + k) * ${u(frames)} + fr] = vec2<T>(v);`,
    // Output [.., freq, frame]: neighbouring frames are neighbouring words.
    lineFastest: true,
    minLines: STFT_LINES,
  });
  return pb.build();
}

function istft(c: KernelCtx): KernelPlan {
  const xs = c.inputs[0]!.shape;
  const nFreq = xs[xs.length - 3];
  const frames = xs[xs.length - 2];
  const batch = numel(xs) / (nFreq * frames * 2);
  const nFft = c.p.n_fft as number;
  const hop = c.p.hop_length as number;
  const length = c.p.length as number;
  const start = c.p.center ? Math.floor(nFft / 2) : 0;
  const expected = nFft + hop * (frames - 1);
  const nh = Math.floor(nFft / 2) + 1;
  const pb = new PlanBuilder();
  const window = windowOf(c);
  const win = pb.addConst(window);
  const count = batch * frames;
  // Even n_fft: the inverse at half length (MERGE_FN), point t being samples 2t and 2t+1.
  const half = nFft % 2 === 0;
  const h = nFft / 2;
  const tw = half ? pb.addConst(halfTwiddles(nFft)) : -1;
  // The frames' time signals, unscaled and unwindowed: count × n_fft f32.
  const framesBuf = pb.addScratch(count * nFft * 4);
  fftLines(pb, c.limits, {
    label: `istft n_fft=${nFft}${half ? ' (half length)' : ''}`,
    n: half ? h : nFft,
    count,
    sign: 1,
    bindings: [
      { name: 'x', ref: inp(0), elem: 'T' },
      ...(half ? [{ name: 'W', ref: cst(tw), elem: 'vec2f' }] : []),
      { name: 'fs', ref: scr(framesBuf), elem: 'f32', write: true },
    ],
    helpers: `fn bin(line: u32, k: u32) -> vec2f {
  let b = line / ${u(frames)}; let fr = line % ${u(frames)};
  let j = 2u * ((b * ${u(nFreq)} + k) * ${u(frames)} + fr);
  return vec2f(f32(x[j]), f32(x[j + 1u]));
}
fn hermitian(line: u32, t: u32) -> vec2f {
  if (t == 0u || (${half} && t == ${u(nh - 1)})) { return vec2f(bin(line, t).x, 0.0); }
  if (t < ${u(nh)}) { return bin(line, t); }
  let m = bin(line, ${u(nFft)} - t);
  return vec2f(m.x, -m.y);
}${half ? MERGE_FN : ''}`,
    load: half ? `merge(hermitian(line, t), hermitian(line, t + ${u(h)}), W[t])` : 'hermitian(line, t)',
    outLen: half ? h : nFft,
    store: half
      ? `let v = z(zb + k); fs[line * ${u(nFft)} + 2u * k] = v.x; fs[line * ${u(nFft)} + 2u * k + 1u] = v.y;`
      : `fs[line * ${u(nFft)} + k] = z(zb + k).x;`,
  });
  const scale = c.p.normalized ? 1 / Math.sqrt(nFft) : 1 / nFft;
  const g2 = grid(batch * length);
  pb.passes.push({
    label: 'istft overlap-add',
    bindings: [
      { name: 'r', ref: scr(framesBuf), elem: 'f32' },
      { name: 'win', ref: cst(win), elem: 'f32' },
      { name: 'y', ref: out(0), elem: 'T', write: true },
    ],
    workgroups: g2.workgroups,
    code: `@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g2.index}
  let b = i / ${u(length)}; let j = i % ${u(length)} + ${u(start)};
  if (j >= ${u(expected)}) { y[i] = T(0.0); return; }
  let lo = select(0u, (j - ${u(nFft)}) / ${u(hop)} + 1u, j >= ${u(nFft)});
  let hi = min(${u(frames - 1)}, j / ${u(hop)});
  var acc = 0.0;
  var env = 0.0;
  for (var fr = lo; fr <= hi; fr++) {
    let t = j - fr * ${u(hop)};
    let wv = win[t];
    acc += r[(b * ${u(frames)} + fr) * ${u(nFft)} + t] * wv;
    env += wv * wv;
  }
  y[i] = T(select(0.0, acc * ${f(scale)} / env, env > 1e-11));
}`,
  });
  return pb.build();
}

export const stftKernels: KernelFamily = {
  stft: { build: stft },
  istft: { build: istft },
};
