/**
 * conv1d, conv2d and conv_transpose1d as implicit GEMM on the shared tiled kernel (gemm.ts):
 * per group, C[co, (n, oy, ox)] = Σ_(ci, ky, kx) W[co, ci, ky, kx] · X[n, ci, iy, ix], with the
 * im2col gather done inside `load_b` (no unfolded copy in memory). conv1d is conv2d with H = 1.
 * conv_transpose1d is the gather form: output l takes input (l + p − k·d)/s where divisible.
 */
import type { KernelCtx, KernelFamily, KernelPlan } from '../kernel-types';
import { inp, out, ro, rw, u } from '../wgsl';
import { gemmPass } from './gemm';

interface Conv2d {
  N: number;
  Cin: number;
  H: number;
  W: number;
  Cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
  dh: number;
  dw: number;
  groups: number;
  Ho: number;
  Wo: number;
}

function convGemm(c: KernelCtx, label: string, g: Conv2d): KernelPlan {
  const cinG = g.Cin / g.groups;
  const coutG = g.Cout / g.groups;
  const K = cinG * g.kh * g.kw;
  const cols = g.N * g.Ho * g.Wo;
  const bias = !!c.inputs[2];
  const helpers = `
fn load_a(z: u32, m: u32, k: u32) -> f32 { return f32(Wt[(z * ${u(coutG)} + m) * ${u(K)} + k]); }
fn load_b(z: u32, k: u32, col: u32) -> f32 {
  let ci = k / ${u(g.kh * g.kw)}; let r = k % ${u(g.kh * g.kw)};
  let ky = r / ${u(g.kw)}; let kx = r % ${u(g.kw)};
  let n = col / ${u(g.Ho * g.Wo)}; let p = col % ${u(g.Ho * g.Wo)};
  let oy = p / ${u(g.Wo)}; let ox = p % ${u(g.Wo)};
  let iy = i32(oy * ${u(g.sh)} + ky * ${u(g.dh)}) - ${g.pt};
  let ix = i32(ox * ${u(g.sw)} + kx * ${u(g.dw)}) - ${g.pl};
  if (iy < 0 || iy >= ${g.H} || ix < 0 || ix >= ${g.W}) { return 0.0; }
  return f32(X[((n * ${u(g.Cin)} + z * ${u(cinG)} + ci) * ${u(g.H)} + u32(iy)) * ${u(g.W)} + u32(ix)]);
}
fn store_c(z: u32, m: u32, col: u32, v: f32) {
  let co = z * ${u(coutG)} + m;
  let n = col / ${u(g.Ho * g.Wo)}; let p = col % ${u(g.Ho * g.Wo)};
  Y[(n * ${u(g.Cout)} + co) * ${u(g.Ho * g.Wo)} + p] = T(v${bias ? ' + f32(bias[co])' : ''});
}`;
  return {
    passes: [
      gemmPass({
        label,
        batch: g.groups,
        M: coutG,
        N: cols,
        K,
        helpers,
        bindings: [ro('X', inp(0)), ro('Wt', inp(1)), ...(bias ? [ro('bias', inp(2))] : []), rw('Y', out(0))],
        aKContiguous: true,
        bNContiguous: true,
      }),
    ],
  };
}

export const convKernels: KernelFamily = {
  conv1d: {
    build(c) {
      const [N, Cin, L] = c.inputs[0]!.shape;
      const [Cout, , K] = c.inputs[1]!.shape;
      const pad = c.p.padding as number[];
      const Lo = c.outputs[0].shape[2];
      const s = c.p.stride as number;
      const d = c.p.dilation as number;
      return convGemm(c, 'conv1d', { N, Cin, H: 1, W: L, Cout, kh: 1, kw: K, sh: 1, sw: s, pt: 0, pl: pad[0], dh: 1, dw: d, groups: c.p.groups as number, Ho: 1, Wo: Lo });
    },
  },
  conv2d: {
    build(c) {
      const [N, Cin, H, W] = c.inputs[0]!.shape;
      const [Cout, , kh, kw] = c.inputs[1]!.shape;
      const pad = c.p.padding as number[];
      const [sh, sw] = c.p.stride as number[];
      const [dh, dw] = c.p.dilation as number[];
      const [, , Ho, Wo] = c.outputs[0].shape;
      return convGemm(c, 'conv2d', { N, Cin, H, W, Cout, kh, kw, sh, sw, pt: pad[0], pl: pad[2], dh, dw, groups: c.p.groups as number, Ho, Wo });
    },
  },
  conv_transpose1d: {
    build(c) {
      const [N, Cin, L] = c.inputs[0]!.shape;
      const [, coutG, Kk] = c.inputs[1]!.shape;
      const groups = c.p.groups as number;
      const Cout = coutG * groups;
      const cinG = Cin / groups;
      const Lo = c.outputs[0].shape[2];
      const s = c.p.stride as number;
      const d = c.p.dilation as number;
      const p = c.p.padding as number;
      const bias = !!c.inputs[2];
      const helpers = `
fn load_a(z: u32, m: u32, k: u32) -> f32 {
  let ci = k / ${u(Kk)}; let kk = k % ${u(Kk)};
  return f32(Wt[((z * ${u(cinG)} + ci) * ${u(coutG)} + m) * ${u(Kk)} + kk]);
}
fn load_b(z: u32, k: u32, col: u32) -> f32 {
  let ci = k / ${u(Kk)}; let kk = k % ${u(Kk)};
  let n = col / ${u(Lo)}; let l = col % ${u(Lo)};
  let t = i32(l) + ${p} - i32(kk * ${u(d)});
  if (t < 0 || t % ${s} != 0 || t / ${s} >= ${L}) { return 0.0; }
  return f32(X[(n * ${u(Cin)} + z * ${u(cinG)} + ci) * ${u(L)} + u32(t / ${s})]);
}
fn store_c(z: u32, m: u32, col: u32, v: f32) {
  let co = z * ${u(coutG)} + m;
  let n = col / ${u(Lo)}; let l = col % ${u(Lo)};
  Y[(n * ${u(Cout)} + co) * ${u(Lo)} + l] = T(v${bias ? ' + f32(bias[co])' : ''});
}`;
      return {
        passes: [
          gemmPass({
            label: 'conv_transpose1d',
            batch: groups,
            M: coutG,
            N: N * Lo,
            K: cinG * Kk,
            helpers,
            bindings: [ro('X', inp(0)), ro('Wt', inp(1)), ...(bias ? [ro('bias', inp(2))] : []), rw('Y', out(0))],
            aKContiguous: false,
            bNContiguous: true,
          }),
        ],
      };
    },
  },
};
