/**
 * layer_norm, instance_norm, group_norm: one workgroup per statistics group (mean, then the
 * biased variance of the centred values: two passes over the group, steadier than E[x²] − mean²),
 * then the normalised, affine output. batch_norm (inference) and instance_norm with running
 * statistics are elementwise.
 */
import { numel } from '../../../tensor';
import type { Binding, KernelCtx, KernelFamily, KernelPlan } from '../kernel-types';
import { f, inp, mapPass, out, ro, rw, u } from '../wgsl';
import { REDUCE_HELPER, REDUCE_WG } from './activation';

interface Grouping {
  /** Number of statistics groups and elements per group; group g's element k is at g·size + k. */
  readonly groups: number;
  readonly size: number;
  /** WGSL: the weight/bias index of element k of group g. */
  readonly param: string;
}

function affineBindings(c: KernelCtx, wIdx: number, bIdx: number): { bindings: Binding[]; w: string; b: string } {
  const hasW = !!c.inputs[wIdx];
  const hasB = !!c.inputs[bIdx];
  return {
    bindings: [...(hasW ? [ro('wt', inp(wIdx))] : []), ...(hasB ? [ro('bs', inp(bIdx))] : [])],
    w: hasW ? 'f32(wt[pi])' : '1.0',
    b: hasB ? 'f32(bs[pi])' : '0.0',
  };
}

function groupNorm(c: KernelCtx, label: string, g: Grouping, wIdx: number, bIdx: number): KernelPlan {
  const eps = Number(c.p.eps);
  const a = affineBindings(c, wIdx, bIdx);
  const W = REDUCE_WG;
  const gx = Math.min(g.groups, 65535);
  const code = `${REDUCE_HELPER}
@compute @workgroup_size(${W}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let grp = wid.x + wid.y * ${u(gx)};
  if (grp >= ${u(g.groups)}) { return; }
  let lid = lid3.x;
  let base = grp * ${u(g.size)};
  var s = 0.0;
  for (var k = lid; k < ${u(g.size)}; k += ${u(W)}) { s += f32(x[base + k]); }
  let mean = reduce_(s, lid, false) / ${f(g.size)};
  var v = 0.0;
  for (var k = lid; k < ${u(g.size)}; k += ${u(W)}) { let d = f32(x[base + k]) - mean; v = fma(d, d, v); }
  let rstd = inverseSqrt(reduce_(v, lid, false) / ${f(g.size)} + ${f(eps)});
  for (var k = lid; k < ${u(g.size)}; k += ${u(W)}) {
    let pi = ${g.param};
    y[base + k] = T((f32(x[base + k]) - mean) * rstd * ${a.w} + ${a.b});
  }
}`;
  return {
    passes: [{ label, code, bindings: [ro('x', inp(0)), ...a.bindings, rw('y', out(0))], workgroups: [gx, Math.ceil(g.groups / gx), 1] }],
  };
}

/** y = (x − mean[c]) / √(var[c] + eps) · w[c] + b[c] with given statistics (inference). */
function runningStats(c: KernelCtx, label: string): KernelPlan {
  const x = c.inputs[0]!.shape;
  const C = x[1];
  const S = numel(x.slice(2));
  const a = affineBindings(c, 3, 4);
  return {
    passes: [
      mapPass(
        label,
        numel(x),
        [ro('x', inp(0)), ro('rm', inp(1)), ro('rv', inp(2)), ...a.bindings, rw('y', out(0))],
        `let pi = (i / ${u(S)}) % ${u(C)};
  y[i] = T((f32(x[i]) - f32(rm[pi])) * inverseSqrt(f32(rv[pi]) + ${f(Number(c.p.eps))}) * ${a.w} + ${a.b});`,
      ),
    ],
  };
}

export const normKernels: KernelFamily = {
  layer_norm: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const D = numel(c.p.normalized_shape as number[]);
      return groupNorm(c, 'layer_norm', { groups: numel(x) / D, size: D, param: 'k' }, 1, 2);
    },
  },
  batch_norm: { build: (c) => runningStats(c, 'batch_norm') },
  instance_norm: {
    build(c) {
      if (c.p.use_input_stats === false) return runningStats(c, 'instance_norm (running statistics)');
      const x = c.inputs[0]!.shape;
      const C = x[1];
      return groupNorm(c, 'instance_norm', { groups: x[0] * C, size: numel(x.slice(2)), param: `grp % ${u(C)}` }, 3, 4);
    },
  },
  group_norm: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const G = c.p.num_groups as number;
      const C = x[1];
      const S = numel(x.slice(2));
      const per = C / G;
      return groupNorm(c, 'group_norm', { groups: x[0] * G, size: per * S, param: `(grp % ${u(G)}) * ${u(per)} + k / ${u(S)}` }, 1, 2);
    },
  },
};
