/**
 * A few lines that fit workgroup memory, each spread over S workgroups, still in one dispatch:
 * decimation in frequency by S. With n = S·m, t = t' + m·j and k = S·q + s,
 *   X[S·q + s] = Σ_t' W_m^(t'·q) · W_n^(t'·s) · Σ_j x[t' + m·j] · W_S^(j·s),
 * so workgroup s of a line reads the whole line, folds it into m points (the S-point sums times
 * the twiddle W_n^(t'·s)), runs the m-point FFT in workgroup memory and holds the bins k ≡ s
 * (mod S). The caller's store runs for those k only and reads point k through z(k) = sz[k / S]; a
 * store that also reads bin n − k (rfft's split step) needs it in the same workgroup: S ≤ 2.
 *
 * Why: with one workgroup per line, few lines leave most of a large GPU idle (rfft 64 × 8192:
 * 64 workgroups of one 4096-point half-length line each on a 132-SM H200). S workgroups per line
 * give S times the workgroups, each with 1/S of the passes and of the store, for S reads of the
 * line (all but the first from L2).
 */
import type { KernelChoices, KernelLimits, Pass } from '../kernel-types';
import { cst, u } from '../wgsl';
import { CMUL, PlanBuilder, twiddles } from './fft-radix';
import { fitsShared, MAX_GROUPS, MIN_POINTS, sharedLayout, sharedPasses, type SharedFft } from './fft-shared';

/** Workgroups a dispatch should have at least: about the SMs of the GPUs this targets (H100, H200: 132). */
export const MIN_GROUPS = 128;
/** Most workgroups per line the rule picks (each one reads the whole line). */
const MAX_SPLIT = 4;

/**
 * Workgroups per line for `count` lines of n points (1: the whole-line dispatch of fft-shared.ts).
 * The rule ('auto'): only where the whole-line dispatch has fewer than MIN_GROUPS workgroups, the
 * smallest S ≤ MAX_SPLIT dividing n with count·S ≥ MIN_GROUPS, else the largest, each workgroup
 * keeping ≥ MIN_POINTS points; S ≤ 2 for a 'mirror' store, none for a store that reads any point.
 * A forced S (choices.fftSplit) ignores the counts: the largest divisor of n up to it (m ≥ 2).
 */
export function splitFactor(
  s: Pick<SharedFft, 'n' | 'count' | 'storeReads' | 'post'>,
  limits: KernelLimits,
  choice: KernelChoices['fftSplit'] = 'auto',
): number {
  const n = s.n;
  if (!s.storeReads || s.post || !fitsShared(n, limits)) return 1;
  const most = s.storeReads === 'mirror' ? 2 : n;
  if (choice !== 'auto') {
    for (let S = Math.min(Math.floor(choice), most, n / 2); S > 1; S--) if (n % S === 0) return S;
    return 1;
  }
  if (sharedLayout(n, s.count, limits).groups >= MIN_GROUPS) return 1;
  let best = 1;
  for (let S = 2; S <= Math.min(MAX_SPLIT, most) && n / S >= MIN_POINTS; S++) {
    if (n % S) continue;
    best = S;
    if (s.count * S >= MIN_GROUPS) break;
  }
  return best;
}

/** The FFT of `count` lines of n = S·m points, S workgroups a line (splitFactor), load and store fused in. */
export function splitFftPass(pb: PlanBuilder, limits: KernelLimits, s: SharedFft, S: number): Pass {
  const n = s.n;
  const m = n / S;
  if (!Number.isInteger(m) || m < 2 || !s.storeReads || (s.storeReads === 'mirror' && S > 2)) {
    throw new Error(`splitFftPass: ${n} points cannot go over ${S} workgroups for this store`);
  }
  const groups = s.count * S;
  const { threads } = sharedLayout(m, groups, limits);
  const { passes, index, zi } = sharedPasses(m, 1, threads, s.sign);
  const tableM = pb.addConst(twiddles(m));
  const tableN = pb.addConst(twiddles(n));
  const gx = Math.min(groups, MAX_GROUPS);
  const conj = s.sign < 0 ? '' : '-';
  // W_S^(j·part) for j ≥ 1: one table read each per thread, then a multiply per point.
  const roots = Array.from({ length: S - 1 }, (_, i) => `let r${i + 1} = split_tw(((${u(i + 1)} * part) % ${u(S)}) * ${u(m)});`);
  // The loads for a thread's points come first and the workgroup stores after, UNROLL points at
  // a time, so that their global reads are in flight together rather than one loop trip each.
  const fold = (t: string) => [`split_src(sline, ${t})`, ...roots.map((_, i) => `cmul(split_src(sline, ${t} + ${u((i + 1) * m)}), r${i + 1})`)].join(' + ');
  const load = unrolled(m, threads, (i, e) => [
    `let a${i} = min(${e}, ${u(m - 1)}); let v${i} = cmul(${fold(`a${i}`)}, split_tw(part * a${i}));`,
    `if (${e} < ${u(m)}) { sz[${index(e)}] = v${i}; }`,
  ]);
  // The store: this workgroup's bins k = part + S·e, likewise unrolled.
  const store = unrolled(Math.ceil(s.outLen / S), threads, (_, e) => [
    '',
    `{ let k = part + ${e} * ${u(S)}; let zb = 0u;
    if (line < ${u(s.count)} && k < ${u(s.outLen)}) {
      ${s.store}
    } }`,
  ]);
  return {
    label: `${s.label} (${S} groups/line, ${threads} threads)`,
    bindings: [...s.bindings, { name: 'TW', ref: cst(tableM), elem: 'vec2f' }, { name: 'TWS', ref: cst(tableN), elem: 'vec2f' }],
    workgroups: [gx, Math.ceil(groups / gx), 1],
    code: `${CMUL}
${s.helpers ?? ''}
fn split_src(line: u32, t: u32) -> vec2f { return ${s.load}; }
fn tw(idx: u32) -> vec2f { let w = TW[idx]; return vec2f(w.x, ${conj}w.y); }
fn split_tw(idx: u32) -> vec2f { let w = TWS[idx]; return vec2f(w.x, ${conj}w.y); }
var<workgroup> sz: array<vec2f, ${m}>;
fn zi(i: u32) -> u32 { return ${zi}; }
fn z(i: u32) -> vec2f { return sz[zi(i / ${u(S)})]; }
@compute @workgroup_size(${threads}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x + wid.y * ${u(gx)};
  let line = g / ${u(S)}; let part = g % ${u(S)};
  // Past the last line (a 2-D grid's spare groups): load a real line, store nothing.
  let sline = min(line, ${u(s.count - 1)});
  ${roots.join('\n  ')}
  ${load}
  workgroupBarrier();
  ${passes.join('\n  ')}
  ${store}
}`,
  };
}

/** Points a thread handles together: its loads of them issued before any is used. */
const UNROLL = 8;

/**
 * WGSL running `body` for e = lid + j·threads, j < ⌈total / threads⌉, UNROLL at a time: each
 * body gives statements for the first half (all of them first) and the second; the second must
 * check e < total itself. One straight block where UNROLL covers all, else a loop of them.
 */
function unrolled(total: number, threads: number, body: (i: number, e: string) => [string, string]): string {
  const chunks = Math.ceil(total / threads);
  const per = Math.min(chunks, UNROLL);
  const looped = chunks > per;
  const es: string[] = [];
  const first: string[] = [];
  const second: string[] = [];
  for (let i = 0; i < per; i++) {
    es.push(`let e${i} = lid + ${looped ? `(c + ${u(i)})` : u(i)} * ${u(threads)};`);
    const [a, b] = body(i, `e${i}`);
    first.push(a);
    second.push(b);
  }
  const block = [...es, ...first, ...second].filter(Boolean).join('\n    ');
  return looped ? `for (var c = 0u; c < ${u(chunks)}; c += ${u(per)}) {\n    ${block}\n  }` : `{\n    ${block}\n  }`;
}
