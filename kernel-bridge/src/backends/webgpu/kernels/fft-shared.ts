/**
 * Whole FFT lines in workgroup memory: one dispatch runs every radix pass of a line, with the
 * caller's gather (framing, windowing, real packing, Hermitian extension) fused into the load and
 * its scatter (split, layout, scale) into the store. The passes work in place — each thread reads
 * its butterflies' inputs into registers, a barrier, it writes their outputs, a barrier — so a
 * line of n points takes 8n bytes and the adapter's workgroup storage limit sets the longest line
 * (16 KiB, WebGPU's guarantee: 2048 points; 32 KiB on lavapipe: 4096; 48 KiB on NVIDIA: 6144).
 *
 * Short lines share a workgroup so its threads have work, and a caller whose store puts
 * neighbouring lines at neighbouring addresses (stft's [freq, frame] layout) asks for several
 * lines per workgroup so that those writes coalesce.
 */
import type { Binding, KernelLimits, Pass } from '../kernel-types';
import { cst, u } from '../wgsl';
import { butterflyParts, CMUL, PlanBuilder, radices, twiddles } from './fft-radix';

/** Points one workgroup should hold at least, so its threads have butterflies (128–256 a pass). */
export const MIN_POINTS = 1024;
/**
 * Threads of a workgroup when there are many, and up to how many when there are fewer groups
 * than FEW_GROUPS (a few long lines would leave most of a large GPU idle). A guess, not tuned on
 * a GPU; lavapipe is faster with fewer (it runs a workgroup's invocations on one CPU thread).
 */
const BASE_THREADS = 256;
const FEW_THREADS = 512;
const FEW_GROUPS = 256;
export const MAX_GROUPS = 65535;

/** The longest line one workgroup holds. */
export function sharedMax(limits: KernelLimits): number {
  return Math.floor(limits.workgroupStorage / 8);
}

/** Whether lines of n points run in workgroup memory (factors ≤ 13 and short enough). */
export function fitsShared(n: number, limits: KernelLimits): boolean {
  return n >= 1 && n <= sharedMax(limits) && radices(n) !== undefined;
}

export interface SharedLayout {
  /** Lines per workgroup. */
  readonly lines: number;
  readonly threads: number;
  readonly groups: number;
}

/**
 * Lines and threads per workgroup: at least `minLines` lines and MIN_POINTS points where the
 * storage allows; as many threads as the widest pass has butterflies, up to BASE_THREADS, or
 * FEW_THREADS when the groups are few (rfft of a few long lines).
 */
export function sharedLayout(n: number, count: number, limits: KernelLimits, minLines = 1): SharedLayout {
  const fit = Math.max(1, Math.floor(limits.workgroupStorage / (8 * n)));
  const lines = Math.max(1, Math.min(fit, count, Math.max(minLines, Math.ceil(MIN_POINTS / n))));
  const groups = Math.ceil(count / lines);
  const rs = radices(n) ?? [];
  const widest = (lines * n) / (rs.length ? Math.min(...rs) : 1);
  const cap = Math.min(limits.invocations, groups < FEW_GROUPS ? FEW_THREADS : BASE_THREADS);
  let threads = 32;
  while (threads < widest && threads < cap) threads *= 2;
  return { lines, threads: Math.min(threads, cap), groups };
}

export interface SharedFft {
  readonly label: string;
  /** Transform length (fitsShared) and number of lines. */
  readonly n: number;
  readonly count: number;
  readonly sign: 1 | -1;
  /** Bindings besides the twiddle table `TW`. */
  readonly bindings: readonly Binding[];
  /** WGSL helpers (functions) the load and store use; `cmul` is defined. */
  readonly helpers?: string;
  /** WGSL expression: point t (< n) of line `line` (< count). */
  readonly load: string;
  /** Outputs per line: the store runs for k < outLen. */
  readonly outLen: number;
  /** WGSL statements storing output k of line `line`; `z(zb + i)` is point i of its transform. */
  readonly store: string;
  /** Neighbouring threads store neighbouring lines (true) or neighbouring k of one line. */
  readonly lineFastest?: boolean;
  /** Neighbouring threads load neighbouring lines (true: a strided gather) or neighbouring t of one line. */
  readonly loadLineFastest?: boolean;
  /** Lines per workgroup the store wants at least (coalescing). */
  readonly minLines?: number;
  /** WGSL: what `z(i)` returns, from the point `v` at workgroup index i (Bluestein's chirp); default v. */
  readonly post?: (v: string, i: string) => string;
  /**
   * The points of its line the store reads through `z`: 'k' only z(zb + k); 'mirror' also
   * z(zb + (n − k) mod n) (rfft's split step). Set by callers whose line may be spread over
   * several workgroups (fft-split.ts); absent: any point, so the line stays whole.
   */
  readonly storeReads?: 'k' | 'mirror';
}

/** One radix-R pass in place over `lines` lines of n points in `sz`: loads, barrier, stores, barrier. */
function inPlacePass(n: number, lines: number, threads: number, R: number, Ns: number, sign: 1 | -1, index: (e: string) => string): string {
  const Q = n / R;
  const total = lines * Q;
  const loads: string[] = [];
  const stores: string[] = [];
  for (let b = 0; b * threads < total; b++) {
    const at = b ? `lid + ${u(b * threads)}` : 'lid';
    const whole = (b + 1) * threads <= total;
    // A thread past the end loads a valid butterfly (the last) and skips its store.
    loads.push(`let g${b} = ${whole ? at : `min(${at}, ${u(total - 1)})`};`);
    if (lines > 1) loads.push(`let o${b} = (g${b} / ${u(Q)}) * ${u(n)}; let j${b} = g${b} % ${u(Q)};`);
    const p = butterflyParts(n, R, Ns, sign, 'sz', 'sz', lines > 1 ? `o${b} + ` : '', lines > 1 ? `j${b}` : `g${b}`, `${b}`, index);
    loads.push(...p.load);
    const st = p.store.join(' ');
    stores.push(whole ? st : `if (${at} < ${u(total)}) { ${st} }`);
  }
  return `{
    ${loads.join('\n    ')}
    workgroupBarrier();
    ${stores.join('\n    ')}
    workgroupBarrier();
  }`;
}

/**
 * The radix passes of `lines` lines of n points held in the workgroup array `sz`, in place, and
 * the index map they (and every load, store and `z(i)`) go through: for power-of-two lines point i
 * sits at i ^ ((i/16 ^ i/256) mod 16), a permutation within each 16 points that spreads the early
 * passes' strided stores (d = j·R + q) over all banks; half the shared-memory wavefronts without
 * it (a bank-conflict count over the passes of 1024–4096). `zi` is the WGSL body of that map.
 */
export function sharedPasses(n: number, lines: number, threads: number, sign: 1 | -1): { passes: string[]; index: (e: string) => string; zi: string } {
  const rs = radices(n);
  if (!rs) throw new Error(`sharedPasses: ${n} has a prime factor above 13`);
  const swizzle = n >= 16 && (n & (n - 1)) === 0;
  const index = swizzle ? (e: string) => `zi(${e})` : (e: string) => e;
  const passes: string[] = [];
  let Ns = 1;
  for (const R of rs) {
    passes.push(inPlacePass(n, lines, threads, R, Ns, sign, index));
    Ns *= R;
  }
  return { passes, index, zi: swizzle ? 'i ^ (((i >> 4u) ^ (i >> 8u)) & 15u)' : 'i' };
}

/** The one-dispatch FFT of `count` lines, the caller's load and store fused in. */
export function sharedFftPass(pb: PlanBuilder, limits: KernelLimits, s: SharedFft): Pass {
  if (!fitsShared(s.n, limits)) throw new Error(`sharedFftPass: ${s.n} does not fit workgroup memory`);
  const n = s.n;
  const { lines, threads, groups } = sharedLayout(n, s.count, limits, s.minLines);
  const table = pb.addConst(twiddles(n));
  const { passes, index, zi } = sharedPasses(n, lines, threads, s.sign);
  const gx = Math.min(groups, MAX_GROUPS);
  const loadAt =
    lines === 1
      ? 'let line = first; let t = e; let p = e;'
      : s.loadLineFastest
        ? `let l = e % ${u(lines)}; let t = e / ${u(lines)}; let line = first + l; let p = l * ${u(n)} + t;`
        : `let line = first + e / ${u(n)}; let t = e % ${u(n)}; let p = e;`;
  const storeAt =
    lines === 1
      ? 'let line = first; let k = e; let zb = 0u;'
      : s.lineFastest
        ? `let l = e % ${u(lines)}; let k = e / ${u(lines)}; let line = first + l; let zb = l * ${u(n)};`
        : `let l = e / ${u(s.outLen)}; let k = e % ${u(s.outLen)}; let line = first + l; let zb = l * ${u(n)};`;
  return {
    label: `${s.label} (${lines} line${lines > 1 ? 's' : ''}/group, ${threads} threads)`,
    bindings: [...s.bindings, { name: 'TW', ref: cst(table), elem: 'vec2f' }],
    workgroups: [gx, Math.ceil(groups / gx), 1],
    code: `${CMUL}
${s.helpers ?? ''}
fn tw(idx: u32) -> vec2f { let w = TW[idx]; return vec2f(w.x, ${s.sign < 0 ? 'w.y' : '-w.y'}); }
var<workgroup> sz: array<vec2f, ${lines * n}>;
fn zi(i: u32) -> u32 { return ${zi}; }
fn z(i: u32) -> vec2f { return ${s.post ? s.post('sz[zi(i)]', 'i') : 'sz[zi(i)]'}; }
@compute @workgroup_size(${threads}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = (wid.x + wid.y * ${u(gx)}) * ${u(lines)};
  for (var e = lid; e < ${u(lines * n)}; e += ${u(threads)}) {
    ${loadAt}
    var v = vec2f(0.0);
    if (line < ${u(s.count)}) { v = ${s.load}; }
    sz[${index('p')}] = v;
  }
  workgroupBarrier();
  ${passes.join('\n  ')}
  for (var e = lid; e < ${u(lines * s.outLen)}; e += ${u(threads)}) {
    ${storeAt}
    if (line < ${u(s.count)}) {
      ${s.store}
    }
  }
}`,
  };
}
