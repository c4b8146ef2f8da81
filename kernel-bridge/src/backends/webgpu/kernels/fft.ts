/**
 * fft, ifft, rfft, irfft: a gather into contiguous complex lines (zero-padding or truncating to
 * n; for irfft the Hermitian extension of the one-sided bins), the shared FFT (fft-core.ts), and
 * a scatter back to the op's layout with the norm's scale. rfft of even n packs each real line
 * into n/2 complex values and splits the half-length FFT's result (REAL_SPLIT); odd n transforms
 * the real line as a complex one.
 */
import { numel } from '../../../tensor';
import type { KernelCtx, KernelFamily, KernelPlan } from '../kernel-types';
import { f, grid, inp, out, u } from '../wgsl';
import { halfTwiddles, planFft, PlanBuilder, REAL_SPLIT } from './fft-core';

/** The norm's scale of a transform of length n. */
export function fftScale(norm: string, n: number, inverse: boolean): number {
  if (norm === 'ortho') return 1 / Math.sqrt(n);
  if (norm === 'forward') return inverse ? 1 : 1 / n;
  return inverse ? 1 / n : 1;
}

interface Lines {
  readonly outer: number;
  readonly len: number;
  readonly inner: number;
}

/** [outer, len, inner] view of a tensor around `dim` (complex dims: the trailing 2 excluded). */
function lines(dims: readonly number[], dim: number): Lines {
  return { outer: numel(dims.slice(0, dim)), len: dims[dim], inner: numel(dims.slice(dim + 1)) };
}

type Kind = 'fft' | 'ifft' | 'rfft' | 'irfft';

function build(c: KernelCtx, kind: Kind): KernelPlan {
  const n = c.p.n as number;
  if (kind === 'rfft' && n % 2 === 0) return rfftHalf(c);
  const dim = c.p.dim as number;
  const norm = String(c.p.norm ?? 'backward');
  const complexIn = kind !== 'rfft';
  const inDims = complexIn ? c.inputs[0]!.shape.slice(0, -1) : c.inputs[0]!.shape;
  const L = lines(inDims, dim);
  const count = L.outer * L.inner;
  const inverse = kind === 'ifft' || kind === 'irfft';
  const pb = new PlanBuilder();
  const work = planFft(pb, n, count, inverse ? 1 : -1);
  const S = work.stride;

  // Gather: thread per (line, t < n).
  const g = grid(count * n);
  const src = `(o * ${u(L.len)} + t) * ${u(L.inner)} + q`;
  let value: string;
  if (kind === 'rfft') {
    value = `select(vec2f(0.0), vec2f(f32(x[${src}]), 0.0), t < ${u(L.len)})`;
  } else if (kind === 'irfft') {
    // Bin t of the full spectrum: t ≤ n/2 from the input, the rest conj(X[n−t]); bins past the
    // input are zero; the imaginary parts of bin 0 and (even n) bin n/2 are ignored, as c2r does.
    value = `hermitian(o, q, t)`;
  } else {
    value = `select(vec2f(0.0), vec2f(f32(x[2u * (${src})]), f32(x[2u * (${src}) + 1u])), t < ${u(L.len)})`;
  }
  const helpers =
    kind === 'irfft'
      ? `fn bin(o: u32, q: u32, t: u32) -> vec2f {
  if (t >= ${u(L.len)}) { return vec2f(0.0); }
  let j = 2u * ((o * ${u(L.len)} + t) * ${u(L.inner)} + q);
  return vec2f(f32(x[j]), f32(x[j + 1u]));
}
fn hermitian(o: u32, q: u32, t: u32) -> vec2f {
  let h = ${u(Math.floor(n / 2))};
  if (t == 0u || (${n % 2 === 0} && t == h)) { return vec2f(bin(o, q, t).x, 0.0); }
  if (t <= h) { return bin(o, q, t); }
  let m = bin(o, q, ${u(n)} - t);
  return vec2f(m.x, -m.y);
}`
      : '';
  pb.passes.push({
    label: `${kind} gather`,
    bindings: [
      { name: 'x', ref: inp(0), elem: 'T' },
      { name: 'w', ref: { kind: 'scratch', index: work.input }, elem: 'vec2f', write: true },
    ],
    workgroups: g.workgroups,
    code: `${helpers}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g.index}
  let line = i / ${u(n)}; let t = i % ${u(n)};
  let o = line / ${u(L.inner)}; let q = line % ${u(L.inner)};
  w[line * ${u(S)} + t] = ${value};
}`,
  });
  const { result, resultStride } = work.transform();

  // Scatter: thread per (line, output bin).
  const nOut = kind === 'rfft' ? Math.floor(n / 2) + 1 : n;
  const g2 = grid(count * nOut);
  const scale = fftScale(norm, n, inverse);
  const dst = `(o * ${u(nOut)} + k) * ${u(L.inner)} + q`;
  const store =
    kind === 'irfft'
      ? `y[${dst}] = T(v.x * ${f(scale)});`
      : `y[2u * (${dst})] = T(v.x * ${f(scale)}); y[2u * (${dst}) + 1u] = T(v.y * ${f(scale)});`;
  pb.passes.push({
    label: `${kind} scatter`,
    bindings: [
      { name: 'r', ref: { kind: 'scratch', index: result }, elem: 'vec2f' },
      { name: 'y', ref: out(0), elem: 'T', write: true },
    ],
    workgroups: g2.workgroups,
    code: `@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g2.index}
  let line = i / ${u(nOut)}; let k = i % ${u(nOut)};
  let o = line / ${u(L.inner)}; let q = line % ${u(L.inner)};
  let v = r[line * ${u(resultStride)} + k];
  ${store}
}`,
  });
  return pb.build();
}

/** rfft of even n at half length: gather pairs, n/2-point FFT, split into bins 0..n/2, scatter. */
function rfftHalf(c: KernelCtx): KernelPlan {
  const n = c.p.n as number;
  const h = n / 2;
  const dim = c.p.dim as number;
  const L = lines(c.inputs[0]!.shape, dim);
  const count = L.outer * L.inner;
  const pb = new PlanBuilder();
  const tw = pb.addConst(halfTwiddles(n));
  const work = planFft(pb, h, count, -1);
  const g = grid(count * h);
  const at = (t: string) => `select(0.0, f32(x[(o * ${u(L.len)} + ${t}) * ${u(L.inner)} + q]), ${t} < ${u(L.len)})`;
  pb.passes.push({
    label: 'rfft gather pairs',
    bindings: [
      { name: 'x', ref: inp(0), elem: 'T' },
      { name: 'w', ref: { kind: 'scratch', index: work.input }, elem: 'vec2f', write: true },
    ],
    workgroups: g.workgroups,
    code: `@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g.index}
  let line = i / ${u(h)}; let t = i % ${u(h)};
  let o = line / ${u(L.inner)}; let q = line % ${u(L.inner)};
  w[line * ${u(work.stride)} + t] = vec2f(${at('2u * t')}, ${at('2u * t + 1u')});
}`,
  });
  const { result, resultStride } = work.transform();
  const nOut = h + 1;
  const g2 = grid(count * nOut);
  const scale = fftScale(String(c.p.norm ?? 'backward'), n, false);
  pb.passes.push({
    label: 'rfft split+scatter',
    bindings: [
      { name: 'r', ref: { kind: 'scratch', index: result }, elem: 'vec2f' },
      { name: 'W', ref: { kind: 'const', index: tw }, elem: 'vec2f' },
      { name: 'y', ref: out(0), elem: 'T', write: true },
    ],
    workgroups: g2.workgroups,
    code: `${REAL_SPLIT}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g2.index}
  let line = i / ${u(nOut)}; let k = i % ${u(nOut)};
  let o = line / ${u(L.inner)}; let q = line % ${u(L.inner)};
  let base = line * ${u(resultStride)};
  let v = real_split(r[base + k % ${u(h)}], r[base + (${u(h)} - k) % ${u(h)}], W[k]) * ${f(scale)};
  let d = 2u * ((o * ${u(nOut)} + k) * ${u(L.inner)} + q);
  y[d] = T(v.x); y[d + 1u] = T(v.y);
}`,
  });
  return pb.build();
}

export const fftKernels: KernelFamily = {
  fft: { build: (c) => build(c, 'fft') },
  ifft: { build: (c) => build(c, 'ifft') },
  rfft: { build: (c) => build(c, 'rfft') },
  irfft: { build: (c) => build(c, 'irfft') },
};
