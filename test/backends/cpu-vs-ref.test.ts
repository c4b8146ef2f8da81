// Every op of the catalogue on `cpu` against the `ref` FP64 oracle, in f32, f16 and bf16 (int8
// for ternary_matmul), judged by the precision module exactly as the matrix runner does:
// FP64 inputs generated once, rounded to the case dtype; the oracle runs on the rounded values
// widened to f64; the candidate in its dtype; f16/bf16 also against the cpu f32 result.
// Then: bad calls through runOp are clean AbwErrors and the process carries on.
import { describe, expect, it } from 'vitest';

import * as native from '@abw/native';

import { getBackend, runOp } from '../../kernel-bridge/src/backend';
import type { ComputeDType } from '../../kernel-bridge/src/backend/types';
import { AbwError } from '../../kernel-bridge/src/errors';
import { OPS, getOp } from '../../kernel-bridge/src/ops/catalogue';
import { generatedDType, generateInputs } from '../../kernel-bridge/src/ops/generate';
import { planCall, type PlannedCall } from '../../kernel-bridge/src/ops/plan-call';
import { kindStorage } from '../../kernel-bridge/src/ops/tensor-kind';
import type { OpSpec, Params } from '../../kernel-bridge/src/ops/types';
import { judge } from '../../kernel-bridge/src/precision/judge';
import { roundToDType, tensorValues, type Values } from '../../kernel-bridge/src/precision/dtype-values';
import type { HostTensor, Shape } from '../../kernel-bridge/src/tensor';

interface Case {
  readonly shapes: readonly (Shape | null)[];
  readonly params?: Params;
}

const c = (shapes: readonly (Shape | null)[], params: Params = {}): Case => ({ shapes, params });

/** Small shapes (the whole file runs in well under 90 s on 2 cores), several parameter sets per op. */
const CASES: Readonly<Record<string, readonly Case[]>> = {
  matmul: [
    c([[5, 7], [7, 3]]),
    c([[7, 5], [7, 3]], { transpose_a: true }),
    c([[5, 7], [3, 7]], { transpose_b: true }),
    c([[9, 6], [4, 9]], { transpose_a: true, transpose_b: true }),
    c([[2, 1, 4, 8], [3, 8, 5]]), // batch dims broadcast: [2,1] with [3] → [2,3]
    c([[3, 4, 16], [16, 6]]),
    c([[2, 16, 4], [1, 6, 16]], { transpose_a: true, transpose_b: true }),
    c([[8, 128], [128, 8]]),
    c([[2, 64, 200], [200, 48]]), // large enough for blocked / threaded paths
    c([[96, 80], [72, 96]], { transpose_a: true, transpose_b: true }),
    c([[1, 9], [9, 1]]),
    c([[5, 1], [1, 4]]),
    c([[1, 300], [300, 17]]),
    c([[3, 2, 5, 3], [2, 3, 4]]),
    c([[80, 600], [600, 40]]), // several K and M blocks of a blocked GEMM
    c([[8, 300], [300, 3100]]),
    c([[300, 70], [300, 5]], { transpose_a: true }),
  ],
  linear: [
    c([[4, 10], [6, 10], [6]]),
    c([[2, 3, 10], [5, 10]]),
    c([[1, 64], [32, 64], [32]]),
    c([[7], [3, 7], [3]]),
    c([[33, 256], [100, 256], [100]]),
  ],
  conv1d: [
    c([[2, 4, 50], [6, 4, 5], [6]]),
    c([[1, 3, 40], [5, 3, 3], [5]], { stride: 2, dilation: 2, padding: 3 }),
    c([[2, 6, 33], [6, 2, 4], null], { groups: 3, padding: 'same' }),
    c([[1, 4, 20], [4, 1, 3], [4]], { groups: 4, padding: [2] }),
    c([[1, 2, 16], [3, 2, 16], [3]], { padding: 'valid' }),
    c([[1, 2, 21], [2, 2, 5], [2]], { padding: 'same', dilation: 3 }),
    c([[2, 16, 400], [32, 16, 7], [32]], { padding: 3, stride: 2 }),
    c([[1, 1, 5], [2, 1, 7], [2]], { padding: 3 }),
    c([[1, 2, 20], [2, 2, 2], null], { stride: 5 }),
    c([[3, 1, 9], [1, 1, 1], [1]]),
  ],
  conv2d: [
    c([[1, 3, 10, 12], [4, 3, 3, 3], [4]], { padding: 1 }),
    c([[2, 4, 9, 8], [6, 2, 3, 2], null], { stride: [2, 1], dilation: [1, 2], groups: 2, padding: [1, 0] }),
    c([[1, 2, 7, 7], [2, 2, 4, 3], [2]], { padding: 'same' }),
    c([[1, 1, 6, 5], [3, 1, 2, 2], [3]], { stride: 2 }),
    c([[2, 8, 24, 30], [16, 8, 3, 3], [16]], { padding: 1 }),
    c([[1, 2, 9, 8], [4, 2, 2, 4], [4]], { padding: 'same', dilation: [2, 1] }),
    c([[1, 4, 5, 5], [4, 1, 3, 3], null], { groups: 4, stride: [1, 2], padding: [0, 1] }),
    // channels_last: input [N, H, W, Cin], weight [Cout, kH, kW, Cin/groups]
    c([[1, 10, 12, 3], [4, 3, 3, 3], [4]], { channels_last: true, padding: 1, stride: 2 }),
    c([[2, 9, 8, 4], [6, 3, 2, 2], null], { channels_last: true, stride: [2, 1], dilation: [1, 2], groups: 2, padding: [1, 0] }),
    c([[1, 7, 8, 2], [3, 2, 4, 2], [3]], { channels_last: true, padding: 'same' }),
    c([[2, 5, 6, 8], [16, 1, 1, 8], [16]], { channels_last: true }),
    c([[1, 24, 30, 8], [16, 3, 3, 8], [16]], { channels_last: true, padding: 1 }),
  ],
  conv_transpose1d: [
    c([[2, 4, 10], [4, 3, 5], [3]], { stride: 2, padding: 1, output_padding: 1 }),
    c([[1, 6, 8], [6, 2, 3], [6]], { groups: 3 }),
    c([[1, 2, 7], [2, 3, 3], null], { stride: 3, dilation: 2, output_padding: 1, padding: 2 }),
    c([[2, 4, 9], [4, 2, 4], [4]], { stride: 2, groups: 2, output_padding: 1 }),
    c([[2, 32, 50], [32, 16, 8], [16]], { stride: 4, padding: 2 }),
    c([[1, 2, 6], [2, 2, 3], [2]], { stride: 2, dilation: 3, output_padding: 2 }),
    c([[2, 3, 1], [3, 4, 5], [4]]),
    c([[1, 4, 12], [4, 1, 2], [4]], { groups: 4, stride: 1, padding: 1 }),
  ],
  lstm_cell: [
    c([[3, 5], [3, 4], [3, 4], [16, 5], [16, 4], [16], [16]]),
    c([[2, 6], [2, 3], [2, 3], [12, 6], [12, 3]]),
    c([[1, 32], [1, 16], [1, 16], [64, 32], [64, 16], [64], [64]]),
  ],
  lstm: [
    // [T, B, I], h0, c0, w_ih, w_hh, b_ih, b_hh
    c([[5, 2, 4], [1, 2, 3], [1, 2, 3], [12, 4], [12, 3], [12], [12]]),
    // two layers, no bias, h0/c0 omitted
    c([[4, 3, 5], null, null, [16, 5], [16, 4], [16, 4], [16, 4]], { num_layers: 2, bias: false }),
    // batch_first, two layers with bias and initial state
    c(
      [[2, 6, 3], [2, 2, 5], [2, 2, 5], [20, 3], [20, 5], [20], [20], [20, 5], [20, 5], [20], [20]],
      { batch_first: true, num_layers: 2, hidden_size: 5 },
    ),
    // one layer, zero initial state, explicit batch_first false
    c([[3, 1, 2], null, null, [8, 2], [8, 2], [8], [8]], { batch_first: false }),
    c([[20, 4, 40], [1, 4, 64], [1, 4, 64], [256, 40], [256, 64], [256], [256]]),
    c([[30, 2, 3], [1, 2, 2], [1, 2, 2], [8, 3], [8, 2], [8], [8]]),
    c([[1, 1, 1], null, null, [4, 1], [4, 1]], { bias: false }),
    c(
      [[4, 2, 3], null, null, [12, 3], [12, 3], [12], [12], [12, 3], [12, 3], [12], [12], [12, 3], [12, 3], [12], [12]],
      { num_layers: 3 },
    ),
  ],
  relu: [c([[3, 17]]), c([[2, 3, 4, 5]])],
  gelu: [
    c([[3, 17]]),
    c([[2, 3, 40]], { approximate: 'tanh' }),
    c([[101]], { approximate: 'none' }),
    c([[7]], { approximate: 'tanh' }),
  ],
  silu: [c([[3, 17]]), c([[2, 3, 4, 5]])],
  elu: [c([[3, 17]]), c([[2, 3, 40]], { alpha: 0.5 }), c([[64]], { alpha: 2 })],
  sigmoid: [c([[3, 17]]), c([[2, 3, 4, 5]])],
  tanh: [c([[3, 17]]), c([[2, 3, 4, 5]])],
  softmax: [
    c([[4, 10]]),
    c([[3, 5, 7]], { dim: 1 }),
    c([[2, 3, 4]], { dim: -3 }),
    c([[2, 257]]),
    c([[1]]),
    c([[5, 1]], { dim: 1 }),
  ],
  max_pool1d: [
    c([[2, 3, 20]], { kernel_size: 3 }),
    c([[2, 3, 20]], { kernel_size: 4, stride: 3, padding: 2, ceil_mode: true }),
    c([[1, 2, 19]], { kernel_size: 3, stride: 2, padding: 1, dilation: 2 }),
    c([[1, 2, 11]], { kernel_size: 2, ceil_mode: true }),
    c([[1, 1, 9]], { kernel_size: 1, stride: 2 }),
    c([[1, 2, 10]], { kernel_size: 2, stride: 4, ceil_mode: true }),
    c([[1, 1, 8]], { kernel_size: 3, stride: 3, padding: 1, ceil_mode: true, dilation: 2 }),
  ],
  avg_pool1d: [
    c([[2, 3, 20]], { kernel_size: 3 }),
    c([[2, 3, 20]], { kernel_size: 4, stride: 3, padding: 2, ceil_mode: true, count_include_pad: false }),
    c([[2, 3, 20]], { kernel_size: 4, stride: 3, padding: 2, ceil_mode: true, count_include_pad: true }),
    c([[1, 2, 13]], { kernel_size: 5, stride: 2, padding: 2 }),
    c([[1, 1, 9]], { kernel_size: 1, stride: 2 }),
    c([[1, 2, 10]], { kernel_size: 2, stride: 4, ceil_mode: true, count_include_pad: false }),
    c([[1, 2, 7]], { kernel_size: 4, stride: 1, padding: 2, count_include_pad: false }),
  ],
  max_pool2d: [
    c([[1, 2, 9, 10]], { kernel_size: 2 }),
    c([[2, 2, 9, 10]], { kernel_size: [3, 2], stride: [2, 1], padding: [1, 1], dilation: [1, 2], ceil_mode: true }),
    c([[1, 3, 7, 7]], { kernel_size: 3, stride: 2, padding: 1 }),
    c([[1, 1, 5, 6]], { kernel_size: [1, 3], stride: [2, 2], padding: [0, 1], ceil_mode: true }),
  ],
  avg_pool2d: [
    c([[1, 2, 9, 10]], { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false }),
    c([[2, 2, 8, 9]], { kernel_size: [2, 3], padding: [1, 1] }),
    c([[1, 3, 7, 7]], { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true }),
    c([[1, 1, 5, 6]], { kernel_size: [3, 1], stride: [2, 3], padding: [1, 0], ceil_mode: true, count_include_pad: false }),
  ],
  layer_norm: [
    c([[3, 20], [20], [20]], { normalized_shape: 20 }),
    c([[2, 3, 4, 5], null, null], { normalized_shape: [4, 5] }),
    c([[4, 16], [16]], { normalized_shape: [16], eps: 1e-3 }),
    c([[2, 2, 3, 4], [2, 3, 4], [2, 3, 4]], { normalized_shape: [2, 3, 4] }),
    c([[5, 1], [1], [1]], { normalized_shape: 1 }),
    c([[1, 300], [300], [300]], { normalized_shape: 300 }),
  ],
  batch_norm: [
    c([[2, 3, 10], [3], [3], [3], [3]]),
    c([[4, 5], [5], [5]]),
    c([[1, 2, 4, 4], [2], [2], [2], [2]], { eps: 1e-3 }),
    c([[3, 2, 1], [2], [2], null, [2]]),
  ],
  instance_norm: [
    c([[2, 3, 12], null, null, [3], [3]]),
    c([[2, 3, 12]]),
    c([[2, 3, 5, 4], [3], [3], [3], [3]], { use_input_stats: false }),
    c([[1, 2, 4, 6], [2], [2]], { use_input_stats: true, eps: 1e-3 }),
    c([[1, 1, 2]]),
    c([[2, 3, 2, 2, 3], null, null, [3], [3]]),
    // channels_last: input [N, …spatial, C]; activation after the affine
    c([[2, 12, 3], null, null, [3], [3]], { channels_last: true }),
    c([[2, 5, 4, 3], [3], [3], [3], [3]], { channels_last: true, use_input_stats: false }),
    c([[2, 3, 12], null, null, [3], [3]], { activation: 'gelu' }),
    c([[1, 6, 5, 70], null, null, [70], [70]], { channels_last: true, activation: 'gelu' }),
    c([[2, 3, 5, 4], [3], [3]], { use_input_stats: false, activation: 'gelu' }),
  ],
  group_norm: [
    c([[2, 6, 10], [6], [6]], { num_groups: 3 }),
    c([[2, 4, 3, 3]], { num_groups: 2 }),
    c([[1, 4, 8], null, null], { num_groups: 1 }),
    c([[2, 4, 5], [4], [4]], { num_groups: 4 }),
    c([[3, 6], [6], [6]], { num_groups: 2 }),
    c([[1, 6, 1, 1], [6], [6]], { num_groups: 3 }),
  ],
  reshape: [c([[2, 3, 4]], { shape: [4, -1] }), c([[2, 3, 4]], { shape: [24] }), c([[6]], { shape: [1, 2, 3] })],
  transpose: [
    c([[2, 3, 4]], { dim0: 0, dim1: 2 }),
    c([[2, 3, 4]], { dim0: -1, dim1: -2 }),
    c([[5, 7]], { dim0: 0, dim1: 1 }),
    c([[2, 3]], { dim0: 1, dim1: 1 }),
    c([[2, 3, 4, 5, 6]], { dim0: 1, dim1: -2 }),
  ],
  permute: [
    c([[2, 3, 4, 5]], { dims: [3, 1, 0, 2] }),
    c([[2, 3, 4, 5]], { dims: [-1, 0, -3, -2] }),
    c([[3, 4]], { dims: [1, 0] }),
    c([[2, 3, 4]], { dims: [0, 1, 2] }),
  ],
  concat: [
    c([[2, 3], [4, 3], [1, 3]], { dim: 0 }),
    c([[2, 3, 4], [2, 5, 4]], { dim: -2 }),
    c([[3, 3]]),
    c([[2, 3, 1], [2, 3, 2]], { dim: 2 }),
    c([[1, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2]], { dim: 0 }),
  ],
  pad: [
    c([[2, 3, 8]], { pad: [2, 1], mode: 'reflect' }),
    c([[1, 2, 5, 6]], { pad: [2, 2, 1, 3], mode: 'reflect' }),
    c([[2, 3, 8]], { pad: [1, 2], mode: 'replicate' }),
    c([[1, 2, 4, 5]], { pad: [1, 2, 3, 0], mode: 'replicate' }),
    c([[2, 3, 8]], { pad: [2, 3], mode: 'constant', value: 1.5 }),
    c([[2, 4, 6]], { pad: [-1, 2, 1, -1] }),
    c([[2, 3, 4]], { pad: [1, 1, 0, 2, 1, 0], value: -2 }),
    c([[1, 2, 3, 4, 5]], { pad: [1, 2, 2, 1, 1, 1], mode: 'reflect' }),
    c([[2, 3, 4, 5]], { pad: [4, 6, 0, 3, 2, 1], mode: 'replicate' }),
    c([[3, 4]], { pad: [3, 3], mode: 'reflect' }),
    c([[4]], { pad: [0, 0], value: 3 }),
  ],
  slice: [
    c([[10, 4]], { dim: 0, start: 1, end: 9, step: 3 }),
    c([[3, 12]], { dim: -1, start: -7, step: 2 }),
    c([[3, 12]], { dim: 1, start: 0, end: null }),
    c([[2, 9, 3]], { dim: 1, start: 2, end: -1, step: 4 }),
    c([[5, 3]], { dim: 0, start: 4, end: 100, step: 7 }),
    c([[5, 3]], { dim: 1, start: -100, end: 2 }),
  ],
  add: [
    c([[3, 4], [3, 4]]),
    c([[2, 3, 4], [4]], { alpha: -0.5 }),
    c([[3, 1, 5], [4, 1]]),
    c([[1], [6, 2]], { alpha: 2 }),
    c([[2, 1, 3, 1], [1, 4, 1, 5]], { alpha: 0 }),
  ],
  mul: [c([[3, 4], [3, 4]]), c([[2, 3, 4], [4]]), c([[3, 1, 5], [4, 1]]), c([[1], [6, 2]])],
  add_bias: [c([[2, 5, 7], [5]]), c([[3, 4], [4]], { dim: -1 }), c([[2, 3, 4, 5], [4]], { dim: 2 }), c([[6], [6]], { dim: 0 })],
  complex_mul: [c([[4, 2], [4, 2]]), c([[3, 5, 2], [5, 2]]), c([[3, 1, 2], [1, 4, 2]]), c([[2, 1, 3, 2], [4, 1, 2]])],
  fft: [
    c([[100, 2]]),
    c([[441, 2]]),
    c([[2, 1000, 2]]),
    c([[64, 2]]),
    c([[2, 256, 2]], { norm: 'ortho' }),
    c([[50, 2]], { n: 64 }),
    c([[100, 2]], { n: 60, norm: 'forward' }),
    c([[12, 3, 2]], { dim: 0 }),
    c([[97, 2]]),
    c([[4096, 2]]),
    c([[3, 1024, 2]], { norm: 'ortho' }),
    c([[1, 2]]),
    c([[2, 2]]),
    c([[3, 2]]),
    c([[1009, 2]]),
    c([[4097, 2]]),
    c([[6, 5, 2]], { dim: 0, n: 9 }),
    c([[59, 2]]),
    c([[61, 2]]),
    c([[67, 2]]),
    c([[183, 2]]),
    c([[16, 4096, 2]]), // batch × n ≥ 65536: split across threads
  ],
  ifft: [
    c([[100, 2]]),
    c([[441, 2]]),
    c([[2, 1000, 2]], { norm: 'forward' }),
    c([[128, 2]], { norm: 'ortho' }),
    c([[30, 2]], { n: 45 }),
    c([[5, 16, 2]], { dim: 0 }),
    c([[1, 2]]),
    c([[1009, 2]]),
    c([[7, 4, 2]], { dim: -2, n: 3, norm: 'ortho' }),
  ],
  rfft: [
    c([[100]]),
    c([[441]]),
    c([[2, 1000]]),
    c([[256]], { norm: 'forward' }),
    c([[101]], { norm: 'ortho' }),
    c([[3, 9]], { n: 16 }),
    c([[40]], { n: 33 }),
    c([[12, 3]], { dim: 0 }),
    c([[4, 4096]]),
    c([[2205]]),
    c([[1]]),
    c([[2]]),
    c([[3]]),
    c([[1009]]),
    c([[7, 4]], { dim: 0, n: 11, norm: 'forward' }),
    c([[2, 67]]),
    c([[16, 4096]]),
  ],
  irfft: [
    c([[51, 2]]), // n = 100
    c([[51, 2]], { n: 101 }),
    c([[221, 2]], { n: 441 }),
    c([[2, 501, 2]], { n: 1000 }),
    c([[129, 2]], { norm: 'ortho' }),
    c([[65, 2]], { norm: 'forward' }),
    c([[3, 10, 2]], { n: 7 }), // more bins than needed
    c([[5, 2]], { n: 20 }), // fewer: zero-padded
    c([[9, 3, 2]], { dim: 0 }),
    c([[2, 2049, 2]]),
    c([[1, 2]], { n: 1 }),
    c([[2, 2]]),
    c([[2, 2]], { n: 3 }),
    c([[505, 2]], { n: 1009 }),
    c([[6, 4, 2]], { dim: 0, n: 11, norm: 'forward' }),
    c([[34, 2]], { n: 67 }),
    c([[16, 2049, 2]]),
  ],
  stft: [
    c([[1000]], { n_fft: 256, hop_length: 64 }),
    c([[2, 1600]], { n_fft: 400, hop_length: 100, center: false }),
    c([[1600]], { n_fft: 400, hop_length: 100 }),
    c([[800]], { n_fft: 256, hop_length: 100, win_length: 200, window: 'ones', pad_mode: 'constant', normalized: true }),
    c([[500]], { n_fft: 64, onesided: false }),
    c([[700]], { n_fft: 256, hop_length: 64, center: false, win_length: 160 }),
    c([[2, 16000]], { n_fft: 512, hop_length: 128 }),
    c([[400]], { n_fft: 255, hop_length: 50 }),
    c([[300]], { n_fft: 100, hop_length: 120, center: false }),
    c([[3, 2, 600]], { n_fft: 128, hop_length: 32, win_length: 101 }),
    c([[1000]], { n_fft: 401, hop_length: 100, onesided: false, normalized: true }),
  ],
  istft: [
    c([[129, 10, 2]], { n_fft: 256, hop_length: 64 }),
    // center=false with a periodic Hann is not invertible at sample 0 (NOLA), as in torch.
    c([[2, 201, 8, 2]], { n_fft: 400, hop_length: 100, center: false, window: 'ones' }),
    c([[129, 10, 2]], { n_fft: 256, hop_length: 64, center: false, length: 600, window: 'ones' }),
    c([[201, 12, 2]], { n_fft: 400, hop_length: 100 }),
    c([[129, 12, 2]], { n_fft: 256, hop_length: 100, win_length: 200 }),
    c([[129, 9, 2]], { n_fft: 256, hop_length: 64, length: 700 }),
    c([[64, 10, 2]], { n_fft: 64, hop_length: 16, onesided: false, normalized: true }),
    c([[128, 9, 2]], { n_fft: 255, hop_length: 50 }),
    c([[255, 9, 2]], { n_fft: 255, hop_length: 50, onesided: false }),
    c([[65, 20, 2]], { n_fft: 128, hop_length: 32, win_length: 101, length: 500 }),
    c([[3, 65, 20, 2]], { n_fft: 128, hop_length: 32, length: 1000 }),
  ],
  quantize_ternary: [
    c([[16, 32]]),
    c([[7]]),
    c([[3, 5, 4]]),
    c([[1]]),
    c([[1000]]),
  ],
  quantize_int8: [
    c([[4, 32]]),
    c([[6, 5]], { dim: 0 }),
    c([[2, 3, 8]], { dim: 1 }),
    c([[300]]),
    c([[1]]),
    c([[3, 1]], { dim: 1 }),
    c([[3, 1]], { dim: 0 }),
  ],
  ternary_matmul: [
    c([[4, 64], [16, 64]]),
    c([[2, 3, 17], [5, 17]]),
    c([[1, 300], [7, 300]]),
    c([[1, 1], [1, 1]]),
    c([[3, 2, 4096], [2, 4096]]),
  ],
  dequantize_int32: [
    c([[4, 64], [4, 1]], { weight_scale: 0.03 }),
    c([[6, 5], [1, 5]], { dim: 0, weight_scale: 0.5 }),
    c([[2, 3, 8], [2, 1, 8]], { dim: 1 }),
    c([[300], [1]]),
    c([[1, 1], [1, 1]], { weight_scale: 1e-3 }),
    c([[3, 2, 4096], [3, 2, 1]], { weight_scale: 0.02 }),
  ],
  argmax: [
    c([[4, 64]]),
    c([[6, 5]], { dim: 0 }),
    c([[2, 3, 8]], { dim: 1, keepdim: true }),
    c([[300]]),
    c([[1, 1]]),
    c([[17, 1024]], { dim: -1 }),
    c([[2, 40, 3]], { dim: -2 }),
  ],
  index_select: [
    c([[16, 8], [5]]),
    c([[6, 5], [9]], { dim: 1 }),
    c([[2, 3, 8], [4]], { dim: -2 }),
    c([[300], [1]]),
    c([[1, 1], [3]]),
    c([[1024, 128], [37]]),
    c([[3, 7, 5], [20]], { dim: 1 }),
  ],
};

const cpu = getBackend('cpu');
const ref = getBackend('ref');

/** The generated FP64 inputs rounded to `dtype`'s float storage (int8 inputs unchanged). */
function inputsFor(planned: PlannedCall, c: Case, generated: ReturnType<typeof generateInputs>, dtype: ComputeDType): (HostTensor | null)[] {
  return generated.map((d, i) => {
    const shape = c.shapes[i];
    if (!d || !shape) return null;
    const kind = planned.inputs[i]?.kind ?? 'float';
    if (!(d instanceof Float64Array)) return { dtype: generatedDType(d), shape, data: d };
    const st = kindStorage(kind, dtype);
    return { dtype: st, shape, data: roundToDType(d, st) };
  });
}

/** Inputs rounded to `dtype`, then widened back to f64 (the values the oracle sees). */
function widened(inputs: readonly (HostTensor | null)[]): (HostTensor | null)[] {
  return inputs.map((t) => {
    if (!t || t.dtype === 'int8' || t.dtype === 'int32') return t;
    const v = tensorValues(t);
    return { dtype: 'f64', shape: t.shape, data: Float64Array.from(v) };
  });
}

function describeCase(op: string, k: Case, dtype: string): string {
  const shapes = k.shapes.map((s) => (s ? `[${s.join(',')}]` : 'null')).join(' ');
  return `${op} ${dtype} ${shapes} ${JSON.stringify(k.params ?? {})}`;
}

function caseDTypes(spec: OpSpec): ComputeDType[] {
  if (spec.dtypes.length === 1 && spec.dtypes[0] === 'int8') return ['int8'];
  return (['f32', 'f16', 'bf16'] as const).filter((d) => spec.dtypes.includes(d));
}

async function checkCase(spec: OpSpec, k: Case, index: number): Promise<void> {
  const planned = planCall(spec, k.shapes, k.params ?? {});
  const generated = generateInputs(spec, k.shapes, planned.params, 1000 + index);
  const dtypes = caseDTypes(spec);
  const names = spec.outputs.map((o) => o.name);
  let fp32: Values[] | undefined;
  const failures: string[] = [];
  for (const dtype of dtypes) {
    const support = cpu.supports(spec.name, dtype, planned.params);
    if (!support.ok) {
      failures.push(`${describeCase(spec.name, k, dtype)}: cpu does not support it: ${support.reason}`);
      continue;
    }
    const rounded = inputsFor(planned, k, generated, dtype);
    const oracleDType: ComputeDType = dtype === 'int8' ? 'int8' : 'f64';
    const oracle = (await runOp(ref, spec.name, widened(rounded), planned.params, oracleDType)).map(tensorValues);
    const outs = await runOp(cpu, spec.name, rounded, planned.params, dtype);
    outs.forEach((o, i) => {
      expect(o.shape, `${describeCase(spec.name, k, dtype)} output ${names[i]} shape`).toEqual(planned.plan.outputs[i]);
    });
    const values = outs.map(tensorValues);
    if (dtype === 'f32') fp32 = values;
    const verdict = judge({
      family: spec.tolerance,
      dtype,
      reduction: planned.plan.reduction,
      outputNames: names,
      outputs: values,
      oracle,
      ...((dtype === 'f16' || dtype === 'bf16') && fp32 ? { fp32 } : {}),
    });
    if (verdict.verdict !== 'pass') failures.push(`${describeCase(spec.name, k, dtype)}: ${verdict.verdict}: ${verdict.reason ?? ''}`);
    if (spec.tolerance === 'exact') {
      // Integer results must be bit-exact, not merely within a tolerance.
      values.forEach((v, i) => expect(Array.from(v), `${describeCase(spec.name, k, dtype)} ${names[i]}`).toEqual(Array.from(oracle[i])));
    }
  }
  expect(failures, failures.join('\n')).toEqual([]);
}

describe('cpu against the ref oracle, every op', () => {
  it('has cases for every op of the catalogue', () => {
    const missing = OPS.map((o) => o.name).filter((n) => !CASES[n] || CASES[n].length === 0);
    expect(missing, `ops without cases in cpu-vs-ref.test.ts: ${missing.join(', ')}`).toEqual([]);
    const unknown = Object.keys(CASES).filter((n) => !OPS.some((o) => o.name === n));
    expect(unknown, `cases for ops not in the catalogue: ${unknown.join(', ')}`).toEqual([]);
  });

  for (const spec of OPS) {
    describe(spec.name, () => {
      const cases = CASES[spec.name] ?? [];
      if (cases.length === 0) {
        it('has cases', () => {
          throw new Error(`no cases defined for op ${spec.name} in cpu-vs-ref.test.ts`);
        });
      }
      cases.forEach((k, i) => {
        it(`${k.shapes.map((s) => (s ? `[${s.join(',')}]` : '-')).join(' ')} ${JSON.stringify(k.params ?? {})}`, async () => {
          await checkCase(spec, k, i);
        });
      });
    });
  }
});

describe('activations over a wide range (the tails generated normals rarely reach)', () => {
  const xs = Float64Array.from({ length: 481 }, (_, i) => -12 + i * 0.05);
  const unary: [string, Params][] = [
    ['relu', {}],
    ['gelu', {}],
    ['gelu', { approximate: 'tanh' }],
    ['silu', {}],
    ['elu', {}],
    ['elu', { alpha: 0.3 }],
    ['sigmoid', {}],
    ['tanh', {}],
    ['softmax', {}],
  ];
  it.each(unary)('%s %j', async (op, params) => {
    const spec = getOp(op);
    const failures: string[] = [];
    let fp32: Values[] | undefined;
    for (const dtype of ['f32', 'f16', 'bf16'] as const) {
      const input: HostTensor = { dtype, shape: [xs.length], data: roundToDType(xs, dtype) };
      const oracle = (await runOp(ref, op, widened([input]), params, 'f64')).map(tensorValues);
      const out = (await runOp(cpu, op, [input], params, dtype)).map(tensorValues);
      if (dtype === 'f32') fp32 = out;
      const planned = planCall(spec, [[xs.length]], params);
      const v = judge({
        family: spec.tolerance,
        dtype,
        reduction: planned.plan.reduction,
        outputNames: ['out'],
        outputs: out,
        oracle,
        ...(dtype !== 'f32' && fp32 ? { fp32 } : {}),
      });
      if (v.verdict !== 'pass') failures.push(`${op} ${dtype} ${JSON.stringify(params)} on [-12, 12]: ${v.reason}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });
});

describe('the comparison has teeth', () => {
  // Guards the suite against passing vacuously: a slightly wrong cpu result must fail.
  it('fails a matmul output off by 1e-3 in one element and a ternary_matmul off by one', async () => {
    const spec = getOp('matmul');
    const k = c([[8, 32], [32, 8]]);
    const planned = planCall(spec, k.shapes, {});
    const generated = generateInputs(spec, k.shapes, planned.params, 7);
    const rounded = inputsFor(planned, k, generated, 'f32');
    const oracle = (await runOp(ref, 'matmul', widened(rounded), planned.params, 'f64')).map(tensorValues);
    const out = Float64Array.from(tensorValues((await runOp(cpu, 'matmul', rounded, planned.params, 'f32'))[0]));
    const base = { family: spec.tolerance, dtype: 'f32' as const, reduction: planned.plan.reduction, outputNames: ['out'], oracle };
    expect(judge({ ...base, outputs: [out] }).verdict).toBe('pass');
    out[5] += 1e-3 * Math.max(1, Math.abs(out[5]));
    expect(judge({ ...base, outputs: [out] }).verdict).toBe('fail');

    const tm = getOp('ternary_matmul');
    const tk = c([[2, 16], [3, 16]]);
    const tp = planCall(tm, tk.shapes, {});
    const tin = inputsFor(tp, tk, generateInputs(tm, tk.shapes, tp.params, 3), 'int8');
    const toracle = (await runOp(ref, 'ternary_matmul', tin, {}, 'int8')).map(tensorValues);
    const tout = Int32Array.from(tensorValues((await runOp(cpu, 'ternary_matmul', tin, {}, 'int8'))[0]));
    tout[0] += 1;
    expect(judge({ family: 'exact', dtype: 'int8', outputNames: ['out'], outputs: [tout], oracle: toracle }).verdict).toBe('fail');
  });
});

/** The error thrown by `fn` (sync or async), or a failure when it does not throw. */
async function errorOf(fn: () => unknown): Promise<Error & { code?: string; field?: string }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected an error');
}

const f32 = (shape: Shape, fill = 1): HostTensor => ({
  dtype: 'f32',
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill),
});

describe('bad calls through runOp', () => {
  it.each(['cpu', 'ref'] as const)('%s: wrong shapes are ABW_ESHAPE naming the input', async (id) => {
    const b = getBackend(id);
    const dt: ComputeDType = id === 'ref' ? 'f64' : 'f32';
    const t = (shape: Shape): HostTensor =>
      id === 'ref' ? { dtype: 'f64', shape, data: new Float64Array(shape.reduce((a, x) => a * x, 1)) } : f32(shape);
    const e1 = await errorOf(() => runOp(b, 'matmul', [t([2, 3]), t([4, 5])], {}, dt));
    expect(e1).toBeInstanceOf(AbwError);
    expect(e1.code).toBe('ABW_ESHAPE');
    expect(e1.message).toMatch(/matmul/);
    const e2 = await errorOf(() => runOp(b, 'conv1d', [t([1, 3, 10]), t([4, 2, 3])], {}, dt));
    expect(e2).toMatchObject({ code: 'ABW_ESHAPE' });
    expect(e2.message).toMatch(/weight/);
    const e3 = await errorOf(() => runOp(b, 'add', [t([3, 4]), t([5])], {}, dt));
    expect(e3).toMatchObject({ code: 'ABW_ESHAPE' });
    const e4 = await errorOf(() => runOp(b, 'lstm_cell', [t([2, 3]), t([2, 4]), t([2, 4]), t([16, 3]), t([12, 4])], {}, dt));
    expect(e4).toMatchObject({ code: 'ABW_ESHAPE' });
    const e5 = await errorOf(() => runOp(b, 'max_pool1d', [t([1, 1, 2])], { kernel_size: 5 }, dt));
    expect(e5).toMatchObject({ code: 'ABW_ESHAPE' });
  });

  it('wrong input dtypes are ABW_EDTYPE naming the input', async () => {
    const half: HostTensor = { dtype: 'f16', shape: [3], data: new Uint16Array(3).fill(0x3c00) };
    const e1 = await errorOf(() => runOp(cpu, 'add', [f32([3]), half], {}, 'f32'));
    expect(e1).toBeInstanceOf(AbwError);
    expect(e1.code).toBe('ABW_EDTYPE');
    expect(e1.message).toMatch(/other/);
    // Float where int8 is declared.
    const e2 = await errorOf(() => runOp(cpu, 'ternary_matmul', [f32([2, 4]), f32([3, 4])], {}, 'int8'));
    expect(e2).toMatchObject({ code: 'ABW_EDTYPE' });
    // f64 into the oracle's f64 op is fine, f32 into it is not.
    const e3 = await errorOf(() => runOp(ref, 'relu', [f32([4])], {}, 'f64'));
    expect(e3).toMatchObject({ code: 'ABW_EDTYPE' });
    // A case dtype the op is not defined for.
    const e4 = await errorOf(() => runOp(cpu, 'relu', [{ dtype: 'int8', shape: [2], data: new Int8Array(2) }], {}, 'int8'));
    expect(e4).toBeInstanceOf(AbwError);
    expect(['ABW_EDTYPE', 'ABW_EUNSUPPORTED']).toContain(e4.code);
  });

  it('an unknown op is ABW_EINVAL listing the known ones', async () => {
    const e = await errorOf(() => runOp(cpu, 'no_such_op', [f32([2])], {}, 'f32'));
    expect(e).toBeInstanceOf(AbwError);
    expect(e.code).toBe('ABW_EINVAL');
    expect(e.message).toMatch(/unknown op/);
    expect(e.message).toMatch(/matmul/);
    expect(() => getOp('nope')).toThrow(AbwError);
  });

  it('unknown or bad params are ABW_EINVAL naming the param', async () => {
    const e1 = await errorOf(() => runOp(cpu, 'relu', [f32([2])], { slope: 0.1 }, 'f32'));
    expect(e1).toBeInstanceOf(AbwError);
    expect(e1.code).toBe('ABW_EINVAL');
    expect(e1.message).toMatch(/slope/);
    const e2 = await errorOf(() => runOp(cpu, 'gelu', [f32([2])], { approximate: 'fast' }, 'f32'));
    expect(e2).toMatchObject({ code: 'ABW_EINVAL' });
    expect(e2.message).toMatch(/approximate/);
    const e3 = await errorOf(() => runOp(cpu, 'conv1d', [f32([1, 1, 8]), f32([1, 1, 3])], { stride: 0 }, 'f32'));
    expect(e3).toMatchObject({ code: 'ABW_EINVAL' });
    expect(e3.message).toMatch(/stride/);
    const e4 = await errorOf(() => runOp(cpu, 'softmax', [f32([2, 3])], { dim: 2 }, 'f32'));
    expect(e4).toMatchObject({ code: 'ABW_EINVAL' });
    const e5 = await errorOf(() => runOp(cpu, 'add', [f32([2]), f32([2])], { alpha: Number.NaN }, 'f32'));
    expect(e5).toMatchObject({ code: 'ABW_EINVAL' });
  });

  it('missing and extra inputs are clean errors', async () => {
    const e1 = await errorOf(() => runOp(cpu, 'matmul', [f32([2, 2])], {}, 'f32'));
    expect(e1).toBeInstanceOf(AbwError);
    expect(e1.code).toBe('ABW_EINVAL');
    const e2 = await errorOf(() => runOp(cpu, 'relu', [f32([2]), f32([2])], {}, 'f32'));
    expect(e2).toMatchObject({ code: 'ABW_EINVAL' });
  });

  it('a tensor of one backend passed to another is a clear error', async () => {
    const onRef = ref.upload(f32([3]));
    const onCpu = cpu.upload(f32([3]));
    try {
      const e = await errorOf(() => cpu.run('relu', [onRef], {}, 'f32'));
      expect(e).toBeInstanceOf(AbwError);
      expect(e.message).toMatch(/belongs to backend ref/);
      const e2 = await errorOf(() => ref.download(onCpu));
      expect(e2.message).toMatch(/belongs to backend cpu/);
      const fake = { backend: 'cpu', dtype: 'f32', shape: [3] } as const;
      const e3 = await errorOf(() => cpu.run('relu', [fake], {}, 'f32'));
      expect(e3).toBeInstanceOf(AbwError);
      expect(e3.message).toMatch(/not a tensor of a native backend/);
    } finally {
      ref.free(onRef);
      cpu.free(onCpu);
    }
  });

  it('every kernel re-checks shapes natively: an output of the wrong size is ABW_ESHAPE naming the op', () => {
    // Past the TS plan (the addon called directly): docs/ops.md has the kernel check again the
    // shape facts it relies on, never reading or writing out of bounds.
    const problems: string[] = [];
    for (const spec of OPS) {
      const k = CASES[spec.name]?.[0];
      if (!k) continue;
      const planned = planCall(spec, k.shapes, k.params ?? {});
      for (const id of ['ref', 'cpu'] as const) {
        const fdt = id === 'ref' ? 'f64' : 'f32';
        const cdt = caseDTypes(spec)[0] === 'int8' ? 'int8' : fdt;
        const made: native.NativeTensor[] = [];
        const mk = (kind: string, shape: Shape) => {
          const dt = kind === 'float' || (kind === 'wide' && id === 'ref') ? fdt : kind === 'wide' ? 'f32' : (kind as 'int8' | 'int32');
          const h = native.tensor(dt, [...shape]);
          made.push(h);
          return h;
        };
        try {
          const ins = planned.inputs.map((d, i) => (k.shapes[i] ? mk(d.kind, k.shapes[i] as Shape) : null));
          const outs = spec.outputs.map((d, i) => {
            const s = [...planned.plan.outputs[i]];
            if (i === 0) s.length > 0 ? (s[s.length - 1] += 1) : s.push(2);
            return mk(d.kind, s);
          });
          new native.PreparedOp(id, spec.name, cdt, ins, outs, planned.plan.native as Record<string, native.NativeParamValue>).run();
          problems.push(`${id} ${spec.name}: no error for a wrong output shape`);
        } catch (e) {
          const err = e as Error & { code?: string };
          if (err.code !== 'ABW_ESHAPE' || !err.message.includes(`[${spec.name}]`)) {
            problems.push(`${id} ${spec.name}: ${err.code}: ${err.message}`);
          }
        } finally {
          made.forEach((h) => h.free());
        }
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('the process survives all of the above and still computes', async () => {
    const [out] = await runOp(cpu, 'add', [f32([4], 2), f32([4], 3)], { alpha: 2 }, 'f32');
    expect(Array.from(out.data)).toEqual([8, 8, 8, 8]);
    const [o2] = await runOp(ref, 'relu', [{ dtype: 'f64', shape: [3], data: new Float64Array([-1, 0, 2]) }], {}, 'f64');
    expect(Array.from(o2.data)).toEqual([0, 0, 2]);
  });
});
