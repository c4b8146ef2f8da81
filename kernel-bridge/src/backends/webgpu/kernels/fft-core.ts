/**
 * The batched complex FFT every fft-family and stft op runs between its own load (framing,
 * padding, packing, Hermitian extension) and store (split, layout, scaling): `fftLines` picks the
 * route for `count` lines of length n.
 *
 * Lengths whose prime factors are all ≤ 13 use a mixed-radix Stockham autosort FFT (radices in
 * fft-radix.ts), each thread whole radix-R butterflies with twiddles from tables computed on the
 * host in f64 (cos/sin in f32 of large angles lose digits). Lines that fit workgroup memory run
 * every pass in one dispatch with the load and store fused in (fft-shared.ts; a few of them over
 * several workgroups each, fft-split.ts); longer lines that split into two such lengths take two
 * (fft-four-step.ts) and a scatter; the rest a gather, one dispatch per radix pass through global
 * memory (ping-pong between two scratch buffers) and a scatter. Other lengths use Bluestein's chirp-z: the transform as a convolution of length
 * M = 2^⌈log2(2n−1)⌉, done with the power-of-two FFT and the chirp filter's spectrum (also
 * computed on the host in f64).
 */
import type { Binding, KernelChoices, KernelLimits, Pass } from '../kernel-types';
import { cst, grid, scr, u } from '../wgsl';
import { butterfly, CMUL, MAX_RADIX, PlanBuilder, radices, twiddles } from './fft-radix';
import { fourStep, fourStepSplit } from './fft-four-step';
import { fitsShared, sharedFftPass, type SharedFft } from './fft-shared';
import { splitFactor, splitFftPass } from './fft-split';

/** One radix-R Stockham pass over `count` transforms of length n; Ns = product of the earlier radices. */
function radixPass(n: number, count: number, R: number, Ns: number, sign: 1 | -1, src: number, dst: number, table: number): Pass {
  const Q = n / R;
  const g = grid(count * Q);
  const lines = [`let b = i / ${u(Q)}; let j = i % ${u(Q)}; let base = b * ${u(n)};`, butterfly(n, R, Ns, sign, 'src', 'dst', 'base + ')];
  const bindings: Binding[] = [
    { name: 'src', ref: scr(src), elem: 'vec2f' },
    { name: 'dst', ref: scr(dst), elem: 'vec2f', write: true },
    { name: 'TW', ref: cst(table), elem: 'vec2f' },
  ];
  return {
    label: `fft radix-${R} n=${n} span=${Ns}`,
    bindings,
    workgroups: g.workgroups,
    code: `${CMUL}
fn tw(idx: u32) -> vec2f { let w = TW[idx]; return vec2f(w.x, ${sign < 0 ? 'w.y' : '-w.y'}); }
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g.index}
  ${lines.join('\n  ')}
}`,
  };
}

/** The plain line-to-line FFT in workgroup memory (scratch a → scratch b). */
function sharedStockham(pb: PlanBuilder, limits: KernelLimits, n: number, count: number, sign: 1 | -1, a: number, b: number): number {
  pb.passes.push(
    sharedFftPass(pb, limits, {
      label: `fft shared n=${n}`,
      n,
      count,
      sign,
      bindings: [
        { name: 'gin', ref: scr(a), elem: 'vec2f' },
        { name: 'gout', ref: scr(b), elem: 'vec2f', write: true },
      ],
      load: `gin[line * ${u(n)} + t]`,
      outLen: n,
      store: `gout[line * ${u(n)} + k] = z(zb + k);`,
    }),
  );
  return b;
}

/** Stockham passes; returns the scratch index that holds the result (a or b). */
function stockham(pb: PlanBuilder, limits: KernelLimits, n: number, count: number, sign: 1 | -1, a: number, b: number): number {
  const rs = radices(n);
  if (!rs) throw new Error(`stockham: ${n} has a prime factor above ${MAX_RADIX}`);
  if (n === 1) return a;
  if (fitsShared(n, limits)) return sharedStockham(pb, limits, n, count, sign, a, b);
  const split = fourStepSplit(n, limits);
  if (split) {
    fourStep(pb, limits, split, count, sign, { bindings: [{ name: 'gin', ref: scr(a), elem: 'vec2f' }], load: `gin[line * ${u(n)} + t]` }, b, a);
    return a;
  }
  const table = pb.addConst(twiddles(n));
  let Ns = 1;
  let src = a;
  let dst = b;
  for (const R of rs) {
    pb.passes.push(radixPass(n, count, R, Ns, sign, src, dst, table));
    Ns *= R;
    [src, dst] = [dst, src];
  }
  return src;
}

interface FftWork {
  /** Scratch holding the input lines: count × n complex (vec2f), contiguous. */
  readonly input: number;
  /** Length of each line in `input` (n, or Bluestein's M). */
  readonly stride: number;
  /** Adds the transform; returns the scratch holding count × n results at line stride `resultStride`. */
  transform(): { readonly result: number; readonly resultStride: number };
}

/**
 * Allocates the work buffers for `count` transforms of length n and returns where the gather must
 * write (`input`, lines of `stride`) and the function that adds the FFT passes. Forward: sign −1.
 */
function planFft(pb: PlanBuilder, limits: KernelLimits, n: number, count: number, sign: 1 | -1): FftWork {
  if (radices(n)) {
    const a = pb.addScratch(count * n * 8);
    const b = pb.addScratch(count * n * 8);
    return { input: a, stride: n, transform: () => ({ result: stockham(pb, limits, n, count, sign, a, b), resultStride: n }) };
  }
  return bluestein(pb, limits, n, count, sign);
}

/**
 * `count` FFTs of length n with the caller's load and store (SharedFft): one dispatch where the
 * lines fit workgroup memory (a few such lines spread over several workgroups each where the
 * store allows: fft-split.ts), two for Bluestein lengths whose M fits. Longer lines: the FFT into
 * scratch — the four-step's two dispatches with the load fused into the first where n splits into
 * two lengths that fit, else a gather pass (thread per point) and the FFT's passes — then a
 * scatter pass (thread per output) whose `store` reads the result through the same `z(i)`, so
 * every route runs the same WGSL snippets.
 */
export function fftLines(pb: PlanBuilder, limits: KernelLimits, s: SharedFft, choices: KernelChoices = {}): void {
  if (fitsShared(s.n, limits)) {
    const S = splitFactor(s, limits, choices.fftSplit);
    pb.passes.push(S > 1 ? splitFftPass(pb, limits, s, S) : sharedFftPass(pb, limits, s));
    return;
  }
  if (!radices(s.n) && fitsShared(nextPow2(2 * s.n - 1), limits)) {
    bluesteinShared(pb, limits, s, nextPow2(2 * s.n - 1));
    return;
  }
  const helpers = `${CMUL}\n${s.helpers ?? ''}`;
  let result: number;
  let resultStride: number;
  const split = fourStepSplit(s.n, limits);
  if (split) {
    const mid = pb.addScratch(s.count * s.n * 8);
    result = pb.addScratch(s.count * s.n * 8);
    resultStride = s.n;
    fourStep(pb, limits, split, s.count, s.sign, s, mid, result);
  } else {
    const work = planFft(pb, limits, s.n, s.count, s.sign);
    const g = grid(s.count * s.n);
    pb.passes.push({
      label: `${s.label} gather`,
      bindings: [...s.bindings, { name: 'gz', ref: scr(work.input), elem: 'vec2f', write: true }],
      workgroups: g.workgroups,
      code: `${helpers}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g.index}
  let line = i / ${u(s.n)}; let t = i % ${u(s.n)};
  gz[line * ${u(work.stride)} + t] = ${s.load};
}`,
    });
    ({ result, resultStride } = work.transform());
  }
  const g2 = grid(s.count * s.outLen);
  const at = s.lineFastest
    ? `let line = i % ${u(s.count)}; let k = i / ${u(s.count)};`
    : `let line = i / ${u(s.outLen)}; let k = i % ${u(s.outLen)};`;
  pb.passes.push({
    label: `${s.label} scatter`,
    bindings: [...s.bindings, { name: 'zr', ref: scr(result), elem: 'vec2f' }],
    workgroups: g2.workgroups,
    code: `${helpers}
fn z(i: u32) -> vec2f { return zr[i]; }
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g2.index}
  ${at} let zb = line * ${u(resultStride)};
  ${s.store}
}`,
  });
}

function nextPow2(x: number): number {
  let m = 1;
  while (m < x) m *= 2;
  return m;
}

/** f64 radix-2 FFT on the host (the chirp filter's spectrum), in place. */
function hostFft(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const a = (sign * 2 * Math.PI * k) / len;
        const wr = Math.cos(a);
        const wi = Math.sin(a);
        const p = i + k;
        const q = p + len / 2;
        const xr = re[q] * wr - im[q] * wi;
        const xi = re[q] * wi + im[q] * wr;
        re[q] = re[p] - xr;
        im[q] = im[p] - xi;
        re[p] += xr;
        im[p] += xi;
      }
    }
  }
}

/**
 * Bluestein: with w_t = exp(sign·iπt²/n), X_k = w_k · Σ_t (x_t·w_t)·conj(w_{k−t}) (from
 * kt = (k² + t² − (k−t)²)/2): a linear convolution, done circularly with FFTs of length
 * M ≥ 2n − 1 against the filter conj(w) wrapped, whose spectrum (÷ M, the inverse's scaling) is
 * computed on the host in f64.
 */
function bluesteinTables(n: number, M: number, sign: 1 | -1): { chirp: Float32Array; filter: Float32Array } {
  // Chirp w_t = exp(sign·iπ t²/n), t² reduced mod 2n in integers so large t keep their digits.
  const chirp = new Float32Array(2 * n);
  for (let t = 0; t < n; t++) {
    const a = (sign * Math.PI * ((t * t) % (2 * n))) / n;
    chirp[2 * t] = Math.cos(a);
    chirp[2 * t + 1] = Math.sin(a);
  }
  // Filter h_t = conj(w_t) for |t| < n (wrapped), its M-point forward spectrum divided by M (the inverse's scaling).
  const hr = new Float64Array(M);
  const hi = new Float64Array(M);
  for (let t = 0; t < n; t++) {
    const a = (-sign * Math.PI * ((t * t) % (2 * n))) / n;
    hr[t] = Math.cos(a);
    hi[t] = Math.sin(a);
    if (t > 0) {
      hr[M - t] = hr[t];
      hi[M - t] = hi[t];
    }
  }
  hostFft(hr, hi, -1);
  const filter = new Float32Array(2 * M);
  for (let k = 0; k < M; k++) {
    filter[2 * k] = hr[k] / M;
    filter[2 * k + 1] = hi[k] / M;
  }
  return { chirp, filter };
}

/**
 * Bluestein with M in workgroup memory, the op's load and store fused in: the forward M-point FFT
 * of the chirped input (its spectrum times the filter's, to scratch), then the inverse FFT whose
 * store sees each point times the chirp. Two dispatches.
 */
function bluesteinShared(pb: PlanBuilder, limits: KernelLimits, s: SharedFft, M: number): void {
  const n = s.n;
  const { chirp, filter } = bluesteinTables(n, M, s.sign);
  const chirpC = pb.addConst(chirp);
  const filterC = pb.addConst(filter);
  const mid = pb.addScratch(s.count * M * 8);
  const BW = { name: 'BW', ref: cst(chirpC), elem: 'vec2f' };
  pb.passes.push(
    sharedFftPass(pb, limits, {
      label: `${s.label} bluestein M=${M} forward`,
      n: M,
      count: s.count,
      sign: -1,
      bindings: [...s.bindings, BW, { name: 'BH', ref: cst(filterC), elem: 'vec2f' }, { name: 'bmid', ref: scr(mid), elem: 'vec2f', write: true }],
      helpers: `${s.helpers ?? ''}
fn src_at(line: u32, t: u32) -> vec2f { return ${s.load}; }`,
      load: `select(vec2f(0.0), cmul(src_at(line, min(t, ${u(n - 1)})), BW[min(t, ${u(n - 1)})]), t < ${u(n)})`,
      outLen: M,
      store: `bmid[line * ${u(M)} + k] = cmul(z(zb + k), BH[k]);`,
      loadLineFastest: s.loadLineFastest,
    }),
  );
  pb.passes.push(
    sharedFftPass(pb, limits, {
      ...s,
      label: `${s.label} bluestein M=${M} inverse`,
      n: M,
      sign: 1,
      bindings: [...s.bindings, BW, { name: 'bmid', ref: scr(mid), elem: 'vec2f' }],
      load: `bmid[line * ${u(M)} + t]`,
      loadLineFastest: false,
      post: (v, i) => `cmul(${v}, BW[(${i}) % ${u(M)}])`,
    }),
  );
}

function bluestein(pb: PlanBuilder, limits: KernelLimits, n: number, count: number, sign: 1 | -1): FftWork {
  const M = nextPow2(2 * n - 1);
  const { chirp, filter: H } = bluesteinTables(n, M, sign);
  const chirpC = pb.addConst(chirp);
  const filterC = pb.addConst(H);
  const a = pb.addScratch(count * M * 8);
  const b = pb.addScratch(count * M * 8);
  return {
    input: a,
    stride: M,
    transform() {
      // The gather wrote x_t (t < n) into lines of M; multiply by the chirp and zero the tail.
      const g1 = grid(count * M);
      pb.passes.push({
        label: `bluestein premultiply n=${n} M=${M}`,
        bindings: [
          { name: 'buf', ref: scr(a), elem: 'vec2f', write: true },
          { name: 'W', ref: cst(chirpC), elem: 'vec2f' },
        ],
        workgroups: g1.workgroups,
        code: `${CMUL}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g1.index}
  let t = i % ${u(M)};
  buf[i] = select(vec2f(0.0), cmul(buf[i], W[min(t, ${u(n - 1)})]), t < ${u(n)});
}`,
      });
      const fwd = stockham(pb, limits, M, count, -1, a, b);
      const other = fwd === a ? b : a;
      pb.passes.push({
        label: `bluestein filter n=${n} M=${M}`,
        bindings: [
          { name: 'buf', ref: scr(fwd), elem: 'vec2f', write: true },
          { name: 'H', ref: cst(filterC), elem: 'vec2f' },
        ],
        workgroups: g1.workgroups,
        code: `${CMUL}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g1.index}
  buf[i] = cmul(buf[i], H[i % ${u(M)}]);
}`,
      });
      const inv = stockham(pb, limits, M, count, 1, fwd, other);
      const g2 = grid(count * M);
      pb.passes.push({
        label: `bluestein postmultiply n=${n} M=${M}`,
        bindings: [
          { name: 'buf', ref: scr(inv), elem: 'vec2f', write: true },
          { name: 'W', ref: cst(chirpC), elem: 'vec2f' },
        ],
        workgroups: g2.workgroups,
        code: `${CMUL}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g2.index}
  let t = i % ${u(M)};
  if (t < ${u(n)}) { buf[i] = cmul(buf[i], W[t]); }
}`,
      });
      return { result: inv, resultStride: M };
    },
  };
}
