/**
 * The one tiled, register-blocked GEMM every matrix-shaped op uses (matmul, linear, conv as
 * implicit GEMM, conv_transpose1d, the LSTM's input projection). C[z](m, n) = Σ_k A(z, m, k)·B(z, k, n):
 * the caller supplies WGSL functions `load_a(z, m, k)`, `load_b(z, k, n)` (0 outside the
 * matrix) and `store_c(z, m, n, v)`, so layouts, transposes, im2col and bias live in the loaders
 * and the tile loop is written once.
 *
 * A 16×16 workgroup computes a (16·R)×(16·R) tile of C, each thread an R×R register block, with
 * K-slices of TK staged in workgroup memory and read back as vec4; f32 accumulation whatever the
 * storage type.
 */
import { AbwError } from '../../../errors';
import type { Binding, Pass } from '../kernel-types';
import { grid, u } from '../wgsl';

export interface GemmSpec {
  readonly label: string;
  readonly batch: number;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  /** WGSL defining load_a, load_b and store_c (u32 args; loads return f32). */
  readonly helpers: string;
  readonly bindings: readonly Binding[];
  /** A's consecutive k are adjacent in memory (row-major A): stage it k-fastest for coalescing. */
  readonly aKContiguous: boolean;
  /** B's consecutive n are adjacent in memory. */
  readonly bNContiguous: boolean;
}

const TK = 16;
const MAX_GROUPS = 65535;

/** Below this many multiply-adds the problem fills few tiles; a thread-per-output loop compiles in a fraction of the time (lavapipe: seconds per tiled pipeline). */
const SMALL_MACS = 1 << 18;

export function gemmPass(s: GemmSpec): Pass {
  return s.M * s.N * s.K < SMALL_MACS ? simplePass(s) : tiledPass(s);
}

/** One thread per output element, K loop in registers: for small problems (and tiny tiles). */
function simplePass(s: GemmSpec): Pass {
  const g = grid(s.batch * s.M * s.N);
  return {
    label: `${s.label} gemm-simple`,
    bindings: s.bindings,
    workgroups: g.workgroups,
    code: `${s.helpers}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) {
  ${g.index}
  let z = i / ${u(s.M * s.N)}; let m = (i / ${u(s.N)}) % ${u(s.M)}; let n = i % ${u(s.N)};
  var acc = 0.0;
  for (var k = 0u; k < ${u(s.K)}; k++) { acc = fma(load_a(z, m, k), load_b(z, k, n), acc); }
  store_c(z, m, n, acc);
}`,
  };
}

/**
 * The tiled kernel, written out unrolled. Thread (x, y) owns rows m0 + y·R … + R − 1 and columns
 * n0 + x·R … + R − 1, so its A and B values in workgroup memory are contiguous: read as vec4
 * (a quarter of the scalar reads), accumulated as R × R/4 vec4 FMAs in registers.
 */
function tiledPass(s: GemmSpec): Pass {
  // 8×8 blocks (128² tiles) once the matrix is large enough to fill the GPU with them.
  const R = s.M >= 512 && s.N >= 512 ? 8 : 4;
  const V = R / 4;
  const TM = 16 * R;
  const TN = 16 * R;
  const aLoads = (TM * TK) / 256;
  const bLoads = (TN * TK) / 256;
  const aIdx = s.aKContiguous ? `let kk = e % ${u(TK)}; let mm = e / ${u(TK)};` : `let mm = e % ${u(TM)}; let kk = e / ${u(TM)};`;
  const bIdx = s.bNContiguous ? `let nn = e % ${u(TN)}; let kk = e / ${u(TN)};` : `let kk = e % ${u(TK)}; let nn = e / ${u(TK)};`;
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const comp = ['x', 'y', 'z', 'w'];
  const loadsA = range(aLoads)
    .map((l) => `{ let e = li + ${u(l * 256)}; ${aIdx}
      As[kk * ${u(TM / 4)} + mm / 4u][mm % 4u] = select(0.0, load_a(z, m0 + mm, k0 + kk), m0 + mm < ${u(s.M)} && k0 + kk < ${u(s.K)}); }`)
    .join('\n    ');
  const loadsB = range(bLoads)
    .map((l) => `{ let e = li + ${u(l * 256)}; ${bIdx}
      Bs[kk * ${u(TN / 4)} + nn / 4u][nn % 4u] = select(0.0, load_b(z, k0 + kk, n0 + nn), n0 + nn < ${u(s.N)} && k0 + kk < ${u(s.K)}); }`)
    .join('\n    ');
  const decl = range(R).map((i) => range(V).map((v) => `var c${i}_${v} = vec4f(0.0);`).join(' ')).join('\n  ');
  const inner = [
    ...range(V).map((v) => `let a${v} = As[kk * ${u(TM / 4)} + lid.y * ${u(V)} + ${u(v)}]; let b${v} = Bs[kk * ${u(TN / 4)} + lid.x * ${u(V)} + ${u(v)}];`),
    ...range(R).map((i) => range(V).map((v) => `c${i}_${v} = fma(vec4f(a${Math.floor(i / 4)}.${comp[i % 4]}), b${v}, c${i}_${v});`).join(' ')),
  ].join('\n      ');
  const stores = range(R)
    .map((i) => {
      const row = range(R)
        .map((j) => `if (n0 + ${u(j)} + lid.x * ${u(R)} < ${u(s.N)}) { store_c(z, m, n0 + lid.x * ${u(R)} + ${u(j)}, c${i}_${Math.floor(j / 4)}.${comp[j % 4]}); }`)
        .join(' ');
      return `{ let m = m0 + lid.y * ${u(R)} + ${u(i)}; if (m < ${u(s.M)}) { ${row} } }`;
    })
    .join('\n  ');
  const code = `${s.helpers}
var<workgroup> As: array<vec4f, ${(TK * TM) / 4}>;
var<workgroup> Bs: array<vec4f, ${(TK * TN) / 4}>;
@compute @workgroup_size(16, 16) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
    @builtin(local_invocation_index) li: u32) {
  let z = wid.z;
  let m0 = wid.y * ${u(TM)};
  let n0 = wid.x * ${u(TN)};
  ${decl}
  for (var k0 = 0u; k0 < ${u(s.K)}; k0 += ${u(TK)}) {
    ${loadsA}
    ${loadsB}
    workgroupBarrier();
    for (var kk = 0u; kk < ${u(TK)}; kk++) {
      ${inner}
    }
    workgroupBarrier();
  }
  ${stores}
}`;
  const workgroups: [number, number, number] = [Math.ceil(s.N / TN), Math.ceil(s.M / TM), s.batch];
  if (workgroups.some((w) => w > MAX_GROUPS)) {
    throw new AbwError('ABW_EUNSUPPORTED', `webgpu: [${s.label}] a ${s.batch}×${s.M}×${s.N} GEMM needs a grid of ${workgroups.join('×')} workgroups; WebGPU allows ${MAX_GROUPS} per dim`);
  }
  return {
    label: `${s.label} gemm-tiled-${TM}x${TN}`,
    code,
    bindings: s.bindings,
    workgroups,
  };
}
