/**
 * The pieces every FFT kernel is built from: the radix plan of a length, the host's f64 twiddle
 * tables, and the WGSL of one Stockham butterfly (a radix-R DFT with constant roots, its inputs
 * multiplied by table twiddles), plus the split step that turns a half-length complex FFT of a
 * packed real line into its one-sided spectrum.
 */
import type { Pass } from '../kernel-types';
import { f, u } from '../wgsl';

export const MAX_RADIX = 13;

/**
 * Radix passes for n, or undefined when a prime factor is > 13. Powers of two in radix 8 (fewest
 * passes: each pass is a round trip through memory and, in workgroup memory, two barriers), with
 * a 4 or two 4s for the rest (8·2 would leave a pass of small butterflies); then 3, 5, 7, 11, 13.
 */
export function radices(n: number): number[] | undefined {
  if (!Number.isInteger(n) || n < 1) return undefined;
  const out: number[] = [];
  let m = n;
  let e = 0;
  while (m % 2 === 0) {
    e++;
    m /= 2;
  }
  const eights = Math.floor(e / 3);
  if (e % 3 === 0) out.push(...Array<number>(eights).fill(8));
  else if (e % 3 === 2) out.push(...Array<number>(eights).fill(8), 4);
  else if (eights > 0) out.push(...Array<number>(eights - 1).fill(8), 4, 4);
  else out.push(2);
  for (const r of [3, 5, 7, 11, 13]) {
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
export function twiddles(n: number): Float32Array {
  const t = new Float32Array(2 * n);
  for (let k = 0; k < n; k++) {
    const a = (-2 * Math.PI * k) / n;
    t[2 * k] = Math.cos(a);
    t[2 * k + 1] = Math.sin(a);
  }
  return t;
}

export const CMUL = `fn cmul(a: vec2f, b: vec2f) -> vec2f { return vec2f(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }`;

/** WGSL: v·w for a constant w, with the trivial roots (±1, ±i) as adds and (±1 ± i)/√2 as two multiplies. */
function mulConst(v: string, re: number, im: number): string {
  const near = (x: number, y: number) => Math.abs(x - y) < 1e-15;
  if (near(re, 1) && near(im, 0)) return v;
  if (near(re, -1) && near(im, 0)) return `(-${v})`;
  if (near(re, 0) && near(im, 1)) return `vec2f(-${v}.y, ${v}.x)`;
  if (near(re, 0) && near(im, -1)) return `vec2f(${v}.y, -${v}.x)`;
  if (near(Math.abs(re), Math.SQRT1_2) && near(im, re)) return `(${f(re)} * vec2f(${v}.x - ${v}.y, ${v}.x + ${v}.y))`;
  if (near(Math.abs(re), Math.SQRT1_2) && near(im, -re)) return `(${f(re)} * vec2f(${v}.x + ${v}.y, ${v}.y - ${v}.x))`;
  return `cmul(${v}, vec2f(${f(re)}, ${f(im)}))`;
}

/**
 * WGSL statements computing the R-point DFT (sign −1 forward) of the values `ins` into fresh
 * names, which it returns in order: even R as two DFTs of R/2 (evens, odds) combined with
 * constant roots, odd R directly (R² terms, the constant roots as adds where trivial).
 */
function dftCode(ins: readonly string[], sign: 1 | -1, name: string, out: string[]): string[] {
  const R = ins.length;
  if (R % 2 === 0 && R > 2) {
    const even = dftCode(ins.filter((_, i) => i % 2 === 0), sign, `${name}e`, out);
    const odd = dftCode(ins.filter((_, i) => i % 2 === 1), sign, `${name}o`, out);
    const ys: string[] = [];
    for (let q = 0; q < R / 2; q++) {
      const a = (sign * 2 * Math.PI * q) / R;
      out.push(`let ${name}t${q} = ${mulConst(odd[q], Math.cos(a), Math.sin(a))};`);
    }
    for (let q = 0; q < R; q++) {
      const h = q % (R / 2);
      out.push(`let ${name}${q} = ${even[h]} ${q < R / 2 ? '+' : '-'} ${name}t${h};`);
      ys.push(`${name}${q}`);
    }
    return ys;
  }
  const ys: string[] = [];
  for (let q = 0; q < R; q++) {
    const terms: string[] = [];
    for (let r = 0; r < R; r++) {
      const a = (sign * 2 * Math.PI * ((q * r) % R)) / R;
      terms.push(mulConst(ins[r], Math.cos(a), Math.sin(a)));
    }
    out.push(`let ${name}${q} = ${terms.join(' + ')};`);
    ys.push(`${name}${q}`);
  }
  return ys;
}

/**
 * WGSL of one radix-R Stockham butterfly: `load` reads its R inputs (the twiddled ones multiplied)
 * into registers, `store` combines and writes them. Names carry `tag`, so several butterflies can
 * share a scope; `j` is the butterfly's index within its line, `base` the line's offset (with
 * trailing " + ", or empty); `index` maps an element index to the array's (a swizzle).
 */
export function butterflyParts(
  n: number,
  R: number,
  Ns: number,
  sign: 1 | -1,
  src: string,
  dst: string,
  base: string,
  j: string,
  tag = '',
  index: (e: string) => string = (e) => e,
): { load: string[]; store: string[] } {
  const Q = n / R;
  const S = n / (Ns * R);
  const k = `k${tag}`;
  const v = (r: number) => `v${tag}_${r}`;
  const load = [Ns > 1 ? `let ${k} = ${j} % ${u(Ns)};` : `let ${k} = 0u;`];
  for (let r = 0; r < R; r++) {
    const at = `${src}[${index(`${base}${j}${r ? ` + ${u(r * Q)}` : ''}`)}]`;
    if (r === 0 || Ns === 1) load.push(`let ${v(r)} = ${at};`);
    else load.push(`let ${v(r)} = cmul(${at}, tw(${u(r * S)} * ${k}));`);
  }
  const store: string[] = [];
  const ys = dftCode(Array.from({ length: R }, (_, r) => v(r)), sign, `y${tag}_`, store);
  store.push(`let d${tag} = ${base}${Ns > 1 ? `(${j} / ${u(Ns)}) * ${u(Ns * R)} + ${k}` : `${j} * ${u(R)}`};`);
  for (let q = 0; q < R; q++) store.push(`${dst}[${index(`d${tag}${q ? ` + ${u(q * Ns)}` : ''}`)}] = ${ys[q]};`);
  return { load, store };
}

/** WGSL statements of one radix-R butterfly j reading `src` and writing `dst` (arrays or buffers, offset `base`). */
export function butterfly(n: number, R: number, Ns: number, sign: 1 | -1, src: string, dst: string, base: string): string {
  const p = butterflyParts(n, R, Ns, sign, src, dst, base, 'j');
  return [...p.load, ...p.store].join('\n    ');
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

/**
 * WGSL: the inverse of real_split, point k of the half-length spectrum of a real signal packed as
 * pairs, from bins X_k and X_{k+h} of its full spectrum and w = exp(−2πik/n) (the forward table,
 * conjugated here): Z_k = (X_k + X_{k+h}) + i·(X_k − X_{k+h})·conj(w). For irfft and istft.
 */
export const MERGE_FN = `
fn merge(a: vec2f, b: vec2f, w: vec2f) -> vec2f {
  let o = cmul(a - b, vec2f(w.x, -w.y));
  return a + b + vec2f(-o.y, o.x);
}`;
