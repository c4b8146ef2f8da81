/**
 * The batched complex FFT every fft-family and stft op runs between its own gather (framing,
 * padding, Hermitian extension) and scatter (layout, scaling): `count` contiguous transforms of
 * length n in vec2f scratch buffers, ping-ponged between two of them.
 *
 * Lengths whose prime factors are all ≤ 13 use a mixed-radix Stockham autosort FFT (radix 4,
 * then 2, 3, 5, 7, 11, 13), each thread one radix-R butterfly with its twiddles read from a table
 * computed on the host in f64 (cos/sin in f32 of large angles lose digits). Lines of ≤ 1024 points
 * run all passes in one dispatch, a workgroup per line in workgroup memory; longer ones take one
 * dispatch per radix pass through global memory. Other lengths use Bluestein's chirp-z: the transform as a convolution of length
 * M = 2^⌈log2(2n−1)⌉, done with the power-of-two FFT and the chirp filter's spectrum (also
 * computed on the host in f64).
 */
import type { Binding, Pass } from '../kernel-types';
import { cst, f, grid, scr, u } from '../wgsl';

const MAX_RADIX = 13;

/** Radix passes for n (4s first: fewest passes), or undefined when a prime factor is > 13. */
export function radices(n: number): number[] | undefined {
  const out: number[] = [];
  let m = n;
  while (m % 4 === 0) {
    out.push(4);
    m /= 4;
  }
  for (const r of [2, 3, 5, 7, 11, 13]) {
    while (m % r === 0) {
      out.push(r);
      m /= r;
    }
  }
  return m === 1 ? out : undefined;
}

/** A plan under construction: passes, scratch and constant buffers, indices handed out in order. */
export class PlanBuilder {
  readonly passes: Pass[] = [];
  readonly scratch: number[] = [];
  readonly consts: (Float32Array | Uint32Array)[] = [];

  addScratch(bytes: number): number {
    this.scratch.push(bytes);
    return this.scratch.length - 1;
  }

  addConst(data: Float32Array | Uint32Array): number {
    this.consts.push(data);
    return this.consts.length - 1;
  }

  build() {
    return { passes: this.passes, scratch: this.scratch, consts: this.consts };
  }
}

/** exp(−2πi·k/n) for k < n, in f64 rounded to f32, interleaved re/im. */
function twiddles(n: number): Float32Array {
  const t = new Float32Array(2 * n);
  for (let k = 0; k < n; k++) {
    const a = (-2 * Math.PI * k) / n;
    t[2 * k] = Math.cos(a);
    t[2 * k + 1] = Math.sin(a);
  }
  return t;
}

export const CMUL = `fn cmul(a: vec2f, b: vec2f) -> vec2f { return vec2f(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }`;

/** WGSL: v·w for a constant w, with the trivial roots (±1, ±i) as adds. */
function mulConst(v: string, re: number, im: number): string {
  const near = (x: number, y: number) => Math.abs(x - y) < 1e-15;
  if (near(re, 1) && near(im, 0)) return v;
  if (near(re, -1) && near(im, 0)) return `(-${v})`;
  if (near(re, 0) && near(im, 1)) return `vec2f(-${v}.y, ${v}.x)`;
  if (near(re, 0) && near(im, -1)) return `vec2f(${v}.y, -${v}.x)`;
  return `cmul(${v}, vec2f(${f(re)}, ${f(im)}))`;
}

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

/**
 * Lengths up to this run every radix pass of a line in one dispatch, the line ping-ponged between
 * two workgroup arrays (2 × 1024 × 8 bytes: WebGPU's guaranteed 16 KiB of workgroup memory).
 */
const SHARED_MAX = 1024;
const SHARED_WG = 128;

/** WGSL statements of one radix-R butterfly j reading `src` and writing `dst` (arrays or buffers, offset `base`). */
function butterfly(n: number, R: number, Ns: number, sign: 1 | -1, src: string, dst: string, base: string): string {
  const Q = n / R;
  const S = n / (Ns * R);
  const lines: string[] = [];
  lines.push(Ns > 1 ? `let k = j % ${u(Ns)};` : 'let k = 0u;');
  for (let r = 0; r < R; r++) {
    const load = `${src}[${base}j${r ? ` + ${u(r * Q)}` : ''}]`;
    if (r === 0 || Ns === 1) lines.push(`let v${r} = ${load};`);
    else lines.push(`let v${r} = cmul(${load}, tw(${u(r * S)} * k));`);
  }
  for (let q = 0; q < R; q++) {
    const terms: string[] = [];
    for (let r = 0; r < R; r++) {
      const a = (sign * 2 * Math.PI * ((q * r) % R)) / R;
      terms.push(mulConst(`v${r}`, Math.cos(a), Math.sin(a)));
    }
    lines.push(`let y${q} = ${terms.join(' + ')};`);
  }
  lines.push(`let d = ${base}${Ns > 1 ? `(j / ${u(Ns)}) * ${u(Ns * R)} + k` : `j * ${u(R)}`};`);
  for (let q = 0; q < R; q++) lines.push(`${dst}[d${q ? ` + ${u(q * Ns)}` : ''}] = y${q};`);
  return lines.join('\n    ');
}

export interface SharedFft {
  readonly label: string;
  /** Transform length (≤ SHARED_MAX, factors ≤ 13) and number of lines (one workgroup each). */
  readonly n: number;
  readonly count: number;
  readonly sign: 1 | -1;
  /** Bindings besides the twiddle table `TW`. */
  readonly bindings: readonly Binding[];
  /** WGSL helpers (functions) the load and store use. */
  readonly helpers?: string;
  /** WGSL expression: vec2f value t of line `line`. */
  readonly load: string;
  /** WGSL statements run by every thread after the transform; the result is in array `Z` (a workgroup array). */
  readonly store: (Z: string) => string;
}

/** Whether a length runs as one workgroup-memory dispatch. */
export function fitsShared(n: number): boolean {
  return n > 1 && n <= SHARED_MAX && radices(n) !== undefined;
}

export const SHARED_THREADS = SHARED_WG;

/**
 * All radix passes of each line in one workgroup (ping-pong between two workgroup arrays): one
 * dispatch, with the caller's load (gather, framing, windowing) and store (split, scatter) fused in.
 */
export function sharedFftPass(pb: PlanBuilder, s: SharedFft): Pass {
  const rs = radices(s.n);
  if (!rs || !fitsShared(s.n)) throw new Error(`sharedFftPass: ${s.n} does not fit workgroup memory`);
  const n = s.n;
  const table = pb.addConst(twiddles(n));
  const passes: string[] = [];
  let Ns = 1;
  let src = 'sa';
  let dst = 'sb';
  for (const R of rs) {
    passes.push(`for (var j = lid; j < ${u(n / R)}; j += ${u(SHARED_WG)}) {
    ${butterfly(n, R, Ns, s.sign, src, dst, '')}
  }
  workgroupBarrier();`);
    Ns *= R;
    [src, dst] = [dst, src];
  }
  const gx = Math.min(s.count, 65535);
  return {
    label: s.label,
    bindings: [...s.bindings, { name: 'TW', ref: cst(table), elem: 'vec2f' }],
    workgroups: [gx, Math.ceil(s.count / gx), 1],
    code: `${CMUL}
${s.helpers ?? ''}
fn tw(idx: u32) -> vec2f { let w = TW[idx]; return vec2f(w.x, ${s.sign < 0 ? 'w.y' : '-w.y'}); }
var<workgroup> sa: array<vec2f, ${n}>;
var<workgroup> sb: array<vec2f, ${n}>;
@compute @workgroup_size(${SHARED_WG}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let line = wid.x + wid.y * ${u(gx)};
  if (line >= ${u(s.count)}) { return; }
  for (var t = lid; t < ${u(n)}; t += ${u(SHARED_WG)}) { sa[t] = ${s.load}; }
  workgroupBarrier();
  ${passes.join('\n  ')}
  ${s.store(src)}
}`,
  };
}

/** The plain line-to-line FFT in workgroup memory (scratch a → scratch b). */
function sharedStockham(pb: PlanBuilder, n: number, count: number, sign: 1 | -1, a: number, b: number): number {
  pb.passes.push(
    sharedFftPass(pb, {
      label: `fft shared n=${n}`,
      n,
      count,
      sign,
      bindings: [
        { name: 'gin', ref: scr(a), elem: 'vec2f' },
        { name: 'gout', ref: scr(b), elem: 'vec2f', write: true },
      ],
      load: `gin[line * ${u(n)} + t]`,
      store: (Z) => `for (var t = lid; t < ${u(n)}; t += ${u(SHARED_WG)}) { gout[line * ${u(n)} + t] = ${Z}[t]; }`,
    }),
  );
  return b;
}

/** Stockham passes; returns the scratch index that holds the result (a or b). */
function stockham(pb: PlanBuilder, n: number, count: number, sign: 1 | -1, a: number, b: number): number {
  const rs = radices(n);
  if (!rs) throw new Error(`stockham: ${n} has a prime factor above ${MAX_RADIX}`);
  if (n === 1) return a;
  if (fitsShared(n)) return sharedStockham(pb, n, count, sign, a, b);
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

export interface FftWork {
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
export function planFft(pb: PlanBuilder, n: number, count: number, sign: 1 | -1): FftWork {
  if (radices(n)) {
    const a = pb.addScratch(count * n * 8);
    const b = pb.addScratch(count * n * 8);
    return { input: a, stride: n, transform: () => ({ result: stockham(pb, n, count, sign, a, b), resultStride: n }) };
  }
  return bluestein(pb, n, count, sign);
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
function bluestein(pb: PlanBuilder, n: number, count: number, sign: 1 | -1): FftWork {
  const M = nextPow2(2 * n - 1);
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
  const H = new Float32Array(2 * M);
  for (let k = 0; k < M; k++) {
    H[2 * k] = hr[k] / M;
    H[2 * k + 1] = hi[k] / M;
  }
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
      const fwd = stockham(pb, M, count, -1, a, b);
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
      const inv = stockham(pb, M, count, 1, fwd, other);
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

/** exp(−2πi·k/n) for k ≤ n/2 (f64, rounded): the split step of a real FFT done at half length. */
export function halfTwiddles(n: number): Float32Array {
  const h = n / 2;
  const t = new Float32Array(2 * (h + 1));
  for (let k = 0; k <= h; k++) {
    const a = (-2 * Math.PI * k) / n;
    t[2 * k] = Math.cos(a);
    t[2 * k + 1] = Math.sin(a);
  }
  return t;
}

/**
 * WGSL: bin k of the DFT of a real line of even length n from Z, the n/2-point DFT of
 * z_t = x_{2t} + i·x_{2t+1}: X_k = E_k + w_k·O_k with E = (Z_k + conj Z_{h−k})/2,
 * O = (Z_k − conj Z_{h−k})/(2i), w_k = exp(−2πik/n). Halves the FFT work of rfft and stft.
 */
export const REAL_SPLIT_FN = `
fn real_split(zk: vec2f, zhk: vec2f, w: vec2f) -> vec2f {
  let zc = vec2f(zhk.x, -zhk.y);
  let e = 0.5 * (zk + zc);
  let d = zk - zc;
  return e + cmul(w, 0.5 * vec2f(d.y, -d.x));
}`;
export const REAL_SPLIT = `${CMUL}${REAL_SPLIT_FN}`;
