/**
 * stft / istft (torch conventions, docs/ops.md): framing, centre padding (reflect or constant)
 * and the window fused into the FFT's gather (onesided with even n_fft: each frame packed as
 * n_fft/2 complex values and split after a half-length FFT, as rfft does; when that half fits
 * workgroup memory the whole stft is one dispatch, a workgroup per frame); the shared FFT (fft-core.ts); then for stft a
 * scatter to [.., n_freq, n_frames, 2], for istft an overlap-add pass (one thread per output
 * sample gathers the frames that cover it, so no atomics) divided by the squared-window envelope.
 * istft reads the first n_fft/2+1 bins and inverts them as c2r does (torch.istft with
 * return_complex=False, two-sided inputs included), ignoring the imaginary parts of bin 0 and n/2.
 */
import { paddedWindow } from '../../../ops/stft/stft-rules';
import { numel } from '../../../tensor';
import type { KernelCtx, KernelFamily, KernelPlan } from '../kernel-types';
import { cst, f, grid, inp, out, scr, u } from '../wgsl';
import { fitsShared, halfTwiddles, planFft, PlanBuilder, REAL_SPLIT, REAL_SPLIT_FN, SHARED_THREADS, sharedFftPass } from './fft-core';

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
  const scale = c.p.normalized ? 1 / Math.sqrt(nFft) : 1;
  if (half && fitsShared(m)) {
    // The whole STFT in one dispatch: a workgroup per frame frames, windows, transforms in
    // workgroup memory, splits and writes its column of the output.
    const tw = pb.addConst(halfTwiddles(nFft));
    pb.passes.push(
      sharedFftPass(pb, {
        label: `stft fused n_fft=${nFft}`,
        n: m,
        count,
        sign: -1,
        bindings: [
          { name: 'x', ref: inp(0), elem: 'T' },
          { name: 'win', ref: cst(win), elem: 'f32' },
          { name: 'W', ref: cst(tw), elem: 'vec2f' },
          { name: 'y', ref: out(0), elem: 'T', write: true },
        ],
        helpers: `${sample}${REAL_SPLIT_FN}
fn pair(line: u32, t: u32) -> vec2f {
  let b = line / ${u(frames)}; let fr = line % ${u(frames)};
  return vec2f(sample(b, fr, 2u * t), sample(b, fr, 2u * t + 1u));
}`,
        load: 'pair(line, t)',
        store: (Z) => `let b = line / ${u(frames)}; let fr = line % ${u(frames)};
  for (var k = lid; k < ${u(nFreq)}; k += ${u(SHARED_THREADS)}) {
    let v = real_split(${Z}[k % ${u(m)}], ${Z}[(${u(m)} - k) % ${u(m)}], W[k]) * ${f(scale)};
    let d = 2u * ((b * ${u(nFreq)} + k) * ${u(frames)} + fr);
    y[d] = T(v.x); y[d + 1u] = T(v.y);
  }`,
      }),
    );
    return pb.build();
  }
  const work = planFft(pb, m, count, -1);
  const g = grid(count * m);
  pb.passes.push({
    label: 'stft frame+window',
    bindings: [
      { name: 'x', ref: inp(0), elem: 'T' },
      { name: 'win', ref: cst(win), elem: 'f32' },
      { name: 'w', ref: scr(work.input), elem: 'vec2f', write: true },
    ],
    workgroups: g.workgroups,
    code: `${sample}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g.index}
  let line = i / ${u(m)}; let t = i % ${u(m)};
  let b = line / ${u(frames)}; let fr = line % ${u(frames)};
  w[line * ${u(work.stride)} + t] = ${half ? 'vec2f(sample(b, fr, 2u * t), sample(b, fr, 2u * t + 1u))' : 'vec2f(sample(b, fr, t), 0.0)'};
}`,
  });
  const { result, resultStride } = work.transform();
  const g2 = grid(batch * nFreq * frames);
  const tw = half ? pb.addConst(halfTwiddles(nFft)) : -1;
  const value = half
    ? `real_split(r[base + k % ${u(m)}], r[base + (${u(m)} - k) % ${u(m)}], W[k])`
    : `r[base + k]`;
  pb.passes.push({
    label: half ? 'stft split+scatter' : 'stft scatter',
    bindings: [
      { name: 'r', ref: scr(result), elem: 'vec2f' },
      ...(half ? [{ name: 'W', ref: cst(tw), elem: 'vec2f' }] : []),
      { name: 'y', ref: out(0), elem: 'T', write: true },
    ],
    workgroups: g2.workgroups,
    code: `${half ? REAL_SPLIT : ''}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g2.index}
  let fr = i % ${u(frames)}; let k = (i / ${u(frames)}) % ${u(nFreq)}; let b = i / ${u(frames * nFreq)};
  let base = (b * ${u(frames)} + fr) * ${u(resultStride)};
  let v = ${value} * ${f(scale)};
  y[2u * i] = T(v.x); y[2u * i + 1u] = T(v.y);
}`,
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
  const work = planFft(pb, nFft, count, 1);
  const g = grid(count * nFft);
  pb.passes.push({
    label: 'istft gather (Hermitian)',
    bindings: [
      { name: 'x', ref: inp(0), elem: 'T' },
      { name: 'w', ref: scr(work.input), elem: 'vec2f', write: true },
    ],
    workgroups: g.workgroups,
    code: `fn bin(b: u32, fr: u32, k: u32) -> vec2f {
  let j = 2u * ((b * ${u(nFreq)} + k) * ${u(frames)} + fr);
  return vec2f(f32(x[j]), f32(x[j + 1u]));
}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g.index}
  let line = i / ${u(nFft)}; let t = i % ${u(nFft)};
  let b = line / ${u(frames)}; let fr = line % ${u(frames)};
  var v: vec2f;
  if (t == 0u || (${nFft % 2 === 0} && t == ${u(nh - 1)})) { v = vec2f(bin(b, fr, t).x, 0.0); }
  else if (t < ${u(nh)}) { v = bin(b, fr, t); }
  else { let m = bin(b, fr, ${u(nFft)} - t); v = vec2f(m.x, -m.y); }
  w[line * ${u(work.stride)} + t] = v;
}`,
  });
  const { result, resultStride } = work.transform();
  const scale = c.p.normalized ? 1 / Math.sqrt(nFft) : 1 / nFft;
  const g2 = grid(batch * length);
  pb.passes.push({
    label: 'istft overlap-add',
    bindings: [
      { name: 'r', ref: scr(result), elem: 'vec2f' },
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
    acc += r[(b * ${u(frames)} + fr) * ${u(resultStride)} + t].x * wv;
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
