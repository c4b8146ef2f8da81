/**
 * Small WGSL code generators shared by the kernels: the 1-D grid of one thread per element
 * (split over two grid dims past the 65535-workgroup limit), index arithmetic specialised to
 * constant shapes, and the input/output bindings of the common cases.
 */
import type { Shape } from '../../tensor';
import type { Binding, BufferRef, Pass } from './kernel-types';

export const WG = 256;
const MAX_GROUPS = 65535;

export const inp = (index: number): BufferRef => ({ kind: 'in', index });
export const out = (index: number): BufferRef => ({ kind: 'out', index });
export const scr = (index: number): BufferRef => ({ kind: 'scratch', index });
export const cst = (index: number): BufferRef => ({ kind: 'const', index });

export const ro = (name: string, ref: BufferRef, elem = 'T'): Binding => ({ name, ref, elem });
export const rw = (name: string, ref: BufferRef, elem = 'T'): Binding => ({ name, ref, elem, write: true });

/** WGSL u32 literal. */
export const u = (n: number): string => `${n >>> 0}u`;

/** WGSL f32 literal (exact decimal of the f32-rounded value is not needed: WGSL rounds). */
export function f(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`WGSL literal of non-finite ${n}`);
  const s = n.toPrecision(17);
  return s.includes('.') || s.includes('e') ? `f32(${s})` : `f32(${s}.0)`;
}

/** Workgroups for `threads` threads of WG each, and the WGSL that computes the thread index `i`. */
export function grid(threads: number, wg = WG): { workgroups: [number, number, number]; index: string } {
  const groups = Math.max(1, Math.ceil(threads / wg));
  const x = Math.min(groups, MAX_GROUPS);
  const y = Math.ceil(groups / x);
  return {
    workgroups: [x, y, 1],
    index: `let i = gid.x + gid.y * ${u(x * wg)}; if (i >= ${u(threads)}) { return; }`,
  };
}

/** One pass with one thread per `threads`; `body` runs with `i` in [0, threads). */
export function mapPass(label: string, threads: number, bindings: readonly Binding[], body: string, helpers = ''): Pass {
  const g = grid(threads);
  return {
    label,
    bindings,
    workgroups: g.workgroups,
    code: `${helpers}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g.index}
  ${body}
}`,
  };
}

export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1] * shape[d + 1];
  return s;
}

/**
 * WGSL expression: the offset Σ coord_d·strides[d], where coord_d are the coordinates of the
 * linear index `v` in a contiguous tensor of `shape`. Dims of size 1 or stride 0 drop out.
 */
export function offsetOf(v: string, shape: Shape, strides: readonly number[]): string {
  const cs = contiguousStrides(shape);
  const terms: string[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1 || strides[d] === 0) continue;
    const q = cs[d] === 1 ? v : `(${v} / ${u(cs[d])})`;
    const c = d === 0 ? q : `(${q} % ${u(shape[d])})`;
    terms.push(strides[d] === 1 ? c : `${c} * ${u(strides[d])}`);
  }
  return terms.length ? terms.join(' + ') : '0u';
}

/** Strides of `inShape` broadcast (right-aligned) to `outShape`: 0 where the input is broadcast. */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const cs = contiguousStrides(inShape);
  const lead = outShape.length - inShape.length;
  return outShape.map((d, k) => {
    const j = k - lead;
    if (j < 0 || inShape[j] === 1) return 0;
    return cs[j];
  });
}

/** WGSL: reads int8 element `idx` of a packed u32 buffer as i32 (sign-extended). */
export const i8At = (buf: string, idx: string): string => `extractBits(bitcast<i32>(${buf}[(${idx}) >> 2u]), ((${idx}) & 3u) * 8u, 8u)`;
