/** matmul (transposes, broadcast batch dims) and linear on the shared tiled GEMM. */
import { numel } from '../../../tensor';
import type { KernelCtx, KernelFamily } from '../kernel-types';
import { broadcastStrides, inp, out, ro, rw, u, offsetOf } from '../wgsl';
import { gemmPass } from './gemm';

const MAX_BATCH = 65535;

function matmulParts(c: KernelCtx) {
  const a = c.inputs[0]!.shape;
  const b = c.inputs[1]!.shape;
  const o = c.outputs[0].shape;
  const ta = c.p.transpose_a === true;
  const tb = c.p.transpose_b === true;
  const M = o[o.length - 2];
  const N = o[o.length - 1];
  const K = ta ? a[a.length - 2] : a[a.length - 1];
  const batchShape = o.slice(0, -2);
  return { a, b, ta, tb, M, N, K, batchShape, batch: numel(batchShape) };
}

export const matmulKernels: KernelFamily = {
  matmul: {
    unsupported: (c) => (matmulParts(c).batch > MAX_BATCH ? `more than ${MAX_BATCH} batched matrices (one workgroup grid dim)` : undefined),
    build(c) {
      const { a, b, ta, tb, M, N, K, batchShape, batch } = matmulParts(c);
      // Batch offsets: each operand's batch dims broadcast to the output's, in matrices.
      const aOff = offsetOf('z', batchShape, broadcastStrides(a.slice(0, -2), batchShape).map((s) => s * M * K));
      const bOff = offsetOf('z', batchShape, broadcastStrides(b.slice(0, -2), batchShape).map((s) => s * K * N));
      const helpers = `
fn load_a(z: u32, m: u32, k: u32) -> f32 { return f32(A[${aOff} + ${ta ? `k * ${u(M)} + m` : `m * ${u(K)} + k`}]); }
fn load_b(z: u32, k: u32, n: u32) -> f32 { return f32(B[${bOff} + ${tb ? `n * ${u(K)} + k` : `k * ${u(N)} + n`}]); }
fn store_c(z: u32, m: u32, n: u32, v: f32) { C[(z * ${u(M)} + m) * ${u(N)} + n] = T(v); }`;
      return {
        passes: [
          gemmPass({
            label: 'matmul',
            batch,
            M,
            N,
            K,
            helpers,
            bindings: [ro('A', inp(0)), ro('B', inp(1)), rw('C', out(0))],
            aKContiguous: !ta,
            bNContiguous: !tb,
          }),
        ],
      };
    },
  },
  linear: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const [N, K] = c.inputs[1]!.shape;
      const M = numel(x) / K;
      const bias = c.inputs[2] !== null && c.inputs[2] !== undefined;
      const helpers = `
fn load_a(z: u32, m: u32, k: u32) -> f32 { return f32(X[m * ${u(K)} + k]); }
fn load_b(z: u32, k: u32, n: u32) -> f32 { return f32(W[n * ${u(K)} + k]); }
fn store_c(z: u32, m: u32, n: u32, v: f32) { C[m * ${u(N)} + n] = T(v${bias ? ' + f32(bias[n])' : ''}); }`;
      return {
        passes: [
          gemmPass({
            label: 'linear',
            batch: 1,
            M,
            N,
            K,
            helpers,
            bindings: [ro('X', inp(0)), ro('W', inp(1)), ...(bias ? [ro('bias', inp(2))] : []), rw('C', out(0))],
            aKContiguous: true,
            bNContiguous: false,
          }),
        ],
      };
    },
  },
};
