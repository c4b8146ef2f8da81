/** relu, gelu, silu, elu, sigmoid, tanh (one thread per element) and softmax (one workgroup per row). */
import { numel } from '../../../tensor';
import type { KernelCtx, KernelFamily, KernelPlan } from '../kernel-types';
import { contiguousStrides, f, inp, mapPass, out, ro, rw, u } from '../wgsl';

/**
 * WGSL has no erf. erfc by the Chebyshev fit of Numerical Recipes (erfcc: fractional error
 * < 1.2e-7 everywhere), so gelu's error stays below f32's tolerance without a library.
 * tanh is computed from exp of a negative argument (no overflow, no cancellation past 0.55),
 * with an odd polynomial near 0 where 1 − e^(−2|x|) would cancel: the builtin's accuracy is
 * left to the driver by the WGSL spec.
 */
export const ACTIVATION_HELPERS = `
fn erf_(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}
fn tanh_(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.55) {
    let z2 = x * x;
    return x * (1.0 + z2 * (-0.33333333 + z2 * (0.13333333 + z2 * (-0.05396825 + z2 * (0.02186949 + z2 * -0.00886324)))));
  }
  let e = exp(-2.0 * z);
  return sign(x) * (1.0 - e) / (1.0 + e);
}
fn sigmoid_(x: f32) -> f32 {
  // exp of a non-positive argument only: no overflow for large |x|.
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}`;

function unary(label: string, expr: (c: KernelCtx) => string) {
  return {
    build(c: KernelCtx): KernelPlan {
      const n = numel(c.outputs[0].shape);
      return { passes: [mapPass(label, n, [ro('x', inp(0)), rw('o', out(0))], `let v = f32(x[i]); o[i] = T(${expr(c)});`, ACTIVATION_HELPERS)] };
    },
  };
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Threads per workgroup of the one-workgroup-per-row reductions (softmax, norms). */
export const REDUCE_WG = 64;

/** WGSL: a workgroup-wide sum or max of one value per thread (tree in workgroup memory). */
export const REDUCE_HELPER = `
var<workgroup> red: array<f32, ${REDUCE_WG}>;
fn reduce_(v: f32, lid: u32, is_max: bool) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = ${REDUCE_WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = select(red[lid] + red[lid + s], max(red[lid], red[lid + s]), is_max); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}`;

export const activationKernels: KernelFamily = {
  relu: unary('relu', () => 'max(v, 0.0)'),
  sigmoid: unary('sigmoid', () => 'sigmoid_(v)'),
  tanh: unary('tanh', () => 'tanh_(v)'),
  silu: unary('silu', () => 'v * sigmoid_(v)'),
  elu: unary('elu', (c) => `select(${f(Number(c.p.alpha))} * (exp(v) - 1.0), v, v > 0.0)`),
  gelu: unary('gelu', (c) =>
    c.p.approximate === 'tanh' ? `0.5 * v * (1.0 + tanh_(${f(SQRT_2_OVER_PI)} * (v + 0.044715 * v * v * v)))` : `0.5 * v * (1.0 + erf_(v * ${f(Math.SQRT1_2)}))`,
  ),
  softmax: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const dim = c.p.dim as number;
      const len = x[dim];
      const inner = contiguousStrides(x)[dim];
      const rows = numel(x) / len;
      // One workgroup per row: max, then Σexp, then the normalised values, each a strided loop and a tree reduction.
      const W = REDUCE_WG;
      const rowsX = Math.min(rows, 65535);
      const code = `${REDUCE_HELPER}
@compute @workgroup_size(${W}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let row = wid.x + wid.y * ${u(rowsX)};
  if (row >= ${u(rows)}) { return; }
  let lid = lid3.x;
  let base = (row / ${u(inner)}) * ${u(inner * len)} + row % ${u(inner)};
  var m = -3.402823e38;
  for (var k = lid; k < ${u(len)}; k += ${u(W)}) { m = max(m, f32(x[base + k * ${u(inner)}])); }
  m = reduce_(m, lid, true);
  var s = 0.0;
  for (var k = lid; k < ${u(len)}; k += ${u(W)}) { s += exp(f32(x[base + k * ${u(inner)}]) - m); }
  s = reduce_(s, lid, false);
  let inv = 1.0 / s;
  for (var k = lid; k < ${u(len)}; k += ${u(W)}) { let j = base + k * ${u(inner)}; o[j] = T(exp(f32(x[j]) - m) * inv); }
}`;
      return { passes: [{ label: 'softmax', code, bindings: [ro('x', inp(0)), rw('o', out(0))], workgroups: [rowsX, Math.ceil(rows / rowsX), 1] }] };
    },
  },
};
