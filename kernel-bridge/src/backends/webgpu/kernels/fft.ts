/**
 * fft, ifft, rfft, irfft: each a load (gather into complex lines: zero-padding or truncating to n;
 * for irfft the Hermitian extension of the one-sided bins) and a store (back to the op's layout
 * with the norm's scale) around the shared FFT (fftLines: one dispatch where the line fits
 * workgroup memory). Real transforms of even n run at half length: rfft packs each real line as
 * n/2 complex values and splits the result (real_split); irfft merges the bins into the n/2-point
 * spectrum of that packing and unpacks the inverse. Odd n transforms the real line as a complex one.
 * Each store says which points it reads (storeReads), so a few lines may go over several
 * workgroups each (fft-split.ts).
 */
import { numel } from '../../../tensor';
import type { Binding, KernelCtx, KernelFamily, KernelPlan } from '../kernel-types';
import { cst, f, inp, out, u } from '../wgsl';
import { fftLines } from './fft-core';
import { halfTwiddles, MERGE_FN, PlanBuilder, REAL_SPLIT_FN } from './fft-radix';

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

/** irfft's optional `filter` input (complex values; 0 when absent) and its binding. */
function filterOf(c: KernelCtx): { count: number; bindings: Binding[] } {
  const fi = c.inputs[1];
  if (!fi) return { count: 0, bindings: [] };
  return { count: numel(fi.shape) / 2, bindings: [{ name: 'fl', ref: inp(1), elem: 'T' }] };
}

/** WGSL: `o` and `q` of line `line` in the [outer, len, inner] view. */
const outerInner = (L: Lines) => `let o = line / ${u(L.inner)}; let q = line % ${u(L.inner)};`;

/**
 * WGSL helpers of irfft's input: bin(o, q, t) of the one-sided input (zero past it; times the
 * `filter` input's element e mod `filterCount` where there is one, e the input's element), and
 * hermitian(o, q, t), bin t < n of the full spectrum: conj(X[n−t]) above n/2, the imaginary parts
 * of bin 0 and (even n) bin n/2 ignored, as c2r does.
 */
function hermitianFns(L: Lines, n: number, filterCount: number): string {
  const value = filterCount
    ? `let v = vec2f(f32(x[j]), f32(x[j + 1u]));
  let g = 2u * (e % ${u(filterCount)});
  let w = vec2f(f32(fl[g]), f32(fl[g + 1u]));
  return vec2f(v.x * w.x - v.y * w.y, v.x * w.y + v.y * w.x);`
    : 'return vec2f(f32(x[j]), f32(x[j + 1u]));';
  return `fn bin(o: u32, q: u32, t: u32) -> vec2f {
  if (t >= ${u(L.len)}) { return vec2f(0.0); }
  let e = (o * ${u(L.len)} + t) * ${u(L.inner)} + q;
  let j = 2u * e;
  ${value}
}
fn hermitian(o: u32, q: u32, t: u32) -> vec2f {
  let h = ${u(Math.floor(n / 2))};
  if (t == 0u || (${n % 2 === 0} && t == h)) { return vec2f(bin(o, q, t).x, 0.0); }
  if (t <= h) { return bin(o, q, t); }
  let m = bin(o, q, ${u(n)} - t);
  return vec2f(m.x, -m.y);
}`;
}

function build(c: KernelCtx, kind: Kind): KernelPlan {
  const n = c.p.n as number;
  if (kind === 'rfft' && n % 2 === 0) return rfftHalf(c);
  if (kind === 'irfft' && n % 2 === 0) return irfftHalf(c);
  const dim = c.p.dim as number;
  const norm = String(c.p.norm ?? 'backward');
  const complexIn = kind !== 'rfft';
  const L = lines(complexIn ? c.inputs[0]!.shape.slice(0, -1) : c.inputs[0]!.shape, dim);
  const inverse = kind === 'ifft' || kind === 'irfft';
  const src = `(o * ${u(L.len)} + t) * ${u(L.inner)} + q`;
  let value: string;
  if (kind === 'rfft') value = `select(vec2f(0.0), vec2f(f32(x[${src}]), 0.0), t < ${u(L.len)})`;
  else if (kind === 'irfft') value = 'hermitian(o, q, t)';
  else value = `select(vec2f(0.0), vec2f(f32(x[2u * (${src})]), f32(x[2u * (${src}) + 1u])), t < ${u(L.len)})`;
  const nOut = kind === 'rfft' ? Math.floor(n / 2) + 1 : n;
  const scale = f(fftScale(norm, n, inverse));
  const dst = `(o * ${u(nOut)} + k) * ${u(L.inner)} + q`;
  const filter = kind === 'irfft' ? filterOf(c) : { count: 0, bindings: [] };
  const pb = new PlanBuilder();
  fftLines(pb, c.limits, {
    label: `${kind} n=${n}`,
    n,
    count: L.outer * L.inner,
    sign: inverse ? 1 : -1,
    bindings: [
      { name: 'x', ref: inp(0), elem: 'T' },
      ...filter.bindings,
      { name: 'y', ref: out(0), elem: kind === 'irfft' ? 'T' : 'vec2<T>', write: true },
    ],
    helpers: `${kind === 'irfft' ? hermitianFns(L, n, filter.count) : ''}
fn gather(line: u32, t: u32) -> vec2f { ${outerInner(L)} return ${value}; }`,
    load: 'gather(line, t)',
    outLen: nOut,
    store: `${outerInner(L)} ${kind === 'irfft' ? `y[${dst}] = T(z(zb + k).x * ${scale});` : `y[${dst}] = vec2<T>(z(zb + k) * ${scale});`}`,
    // dim not last: neighbouring lines are neighbouring words.
    lineFastest: L.inner > 1,
    loadLineFastest: L.inner > 1,
    storeReads: 'k',
  }, c.choices);
  return pb.build();
}

/** rfft of even n at half length: pairs of samples as complex points, the n/2-point FFT, the split. */
function rfftHalf(c: KernelCtx): KernelPlan {
  const n = c.p.n as number;
  const h = n / 2;
  const L = lines(c.inputs[0]!.shape, c.p.dim as number);
  const pb = new PlanBuilder();
  const tw = pb.addConst(halfTwiddles(n));
  const at = (t: string) => `select(0.0, f32(x[(o * ${u(L.len)} + ${t}) * ${u(L.inner)} + q]), ${t} < ${u(L.len)})`;
  const scale = f(fftScale(String(c.p.norm ?? 'backward'), n, false));
  fftLines(pb, c.limits, {
    label: `rfft n=${n} (half length)`,
    n: h,
    count: L.outer * L.inner,
    sign: -1,
    bindings: [
      { name: 'x', ref: inp(0), elem: 'T' },
      { name: 'W', ref: cst(tw), elem: 'vec2f' },
      { name: 'y', ref: out(0), elem: 'vec2<T>', write: true },
    ],
    helpers: `${REAL_SPLIT_FN}
fn pair(line: u32, t: u32) -> vec2f { ${outerInner(L)} return vec2f(${at('2u * t')}, ${at('2u * t + 1u')}); }`,
    load: 'pair(line, t)',
    outLen: h + 1,
    store: `${outerInner(L)}
      let v = real_split(z(zb + k % ${u(h)}), z(zb + (${u(h)} - k) % ${u(h)}), W[k]) * ${scale};
      y[(o * ${u(h + 1)} + k) * ${u(L.inner)} + q] = vec2<T>(v);`,
    // dim not last: neighbouring lines are neighbouring words.
    lineFastest: L.inner > 1,
    loadLineFastest: L.inner > 1,
    storeReads: 'mirror',
  }, c.choices);
  return pb.build();
}

/**
 * irfft of even n at half length: with the full spectrum X (hermitian()), the unnormalised inverse
 * y has y_2t + i·y_2t+1 = Σ_k Z_k e^{2πikt/h} for Z_k = (X_k + X_{k+h}) + i·(X_k − X_{k+h})·e^{2πik/n}
 * (k < h = n/2): an h-point inverse FFT whose point t is the output pair (2t, 2t+1).
 */
function irfftHalf(c: KernelCtx): KernelPlan {
  const n = c.p.n as number;
  const h = n / 2;
  const L = lines(c.inputs[0]!.shape.slice(0, -1), c.p.dim as number);
  const pb = new PlanBuilder();
  const tw = pb.addConst(halfTwiddles(n));
  const scale = f(fftScale(String(c.p.norm ?? 'backward'), n, true));
  const filter = filterOf(c);
  const bindings: Binding[] = [
    { name: 'x', ref: inp(0), elem: 'T' },
    ...filter.bindings,
    { name: 'W', ref: cst(tw), elem: 'vec2f' },
    { name: 'y', ref: out(0), elem: 'T', write: true },
  ];
  fftLines(pb, c.limits, {
    label: `irfft n=${n} (half length)`,
    n: h,
    count: L.outer * L.inner,
    sign: 1,
    bindings,
    helpers: `${hermitianFns(L, n, filter.count)}
${MERGE_FN}
fn merged(line: u32, t: u32) -> vec2f { ${outerInner(L)} return merge(hermitian(o, q, t), hermitian(o, q, t + ${u(h)}), W[t]); }`,
    load: 'merged(line, t)',
    outLen: h,
    store: `${outerInner(L)}
      let v = z(zb + k) * ${scale};
      let d = (o * ${u(n)} + 2u * k) * ${u(L.inner)} + q;
      y[d] = T(v.x); y[d + ${u(L.inner)}] = T(v.y);`,
    // dim not last: neighbouring lines are neighbouring words.
    lineFastest: L.inner > 1,
    loadLineFastest: L.inner > 1,
    storeReads: 'k',
  }, c.choices);
  return pb.build();
}

export const fftKernels: KernelFamily = {
  fft: { build: (c) => build(c, 'fft') },
  ifft: { build: (c) => build(c, 'ifft') },
  rfft: { build: (c) => build(c, 'rfft') },
  irfft: { build: (c) => build(c, 'irfft') },
};
