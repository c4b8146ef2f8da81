// Shared by the worker backend suites: the op cases (those of ort-vs-ref, plus conv2d and
// instance_norm variants, channels_last and activation, that ort does not run) and the check of one
// case against the ref FP64 oracle with the precision module, as ort-vs-ref does it. For
// f16/bf16 the same backend's f32 path is run too (the vs-FP32 rule).
import { getBackend, runOp } from '../../kernel-bridge/src/backend';
import type { ComputeBackend, ComputeDType } from '../../kernel-bridge/src/backend/types';
import { generatedDType, generateInputs } from '../../kernel-bridge/src/ops/generate';
import { planCall } from '../../kernel-bridge/src/ops/plan-call';
import { kindStorage } from '../../kernel-bridge/src/ops/tensor-kind';
import type { OpSpec, Params } from '../../kernel-bridge/src/ops/types';
import { judge } from '../../kernel-bridge/src/precision/judge';
import { roundToDType, tensorValues } from '../../kernel-bridge/src/precision/dtype-values';
import type { PrecisionResult } from '../../kernel-bridge/src/results/record';
import type { HostTensor, Shape } from '../../kernel-bridge/src/tensor';
import { expect } from 'vitest';

export interface Case {
  readonly shapes: readonly (Shape | null)[];
  readonly params?: Params;
}
export const c = (shapes: readonly (Shape | null)[], params: Params = {}): Case => ({ shapes, params });

/** The ort-vs-ref cases (small shapes; the parameter sets that exercise each mapping (flags, padding, groups, gate reorder, …). */
export const CASES: Readonly<Record<string, readonly Case[]>> = {
  matmul: [
    c([[5, 7], [7, 3]]),
    c([[7, 5], [7, 3]], { transpose_a: true }),
    c([[5, 7], [3, 7]], { transpose_b: true }),
    c([[2, 16, 4], [1, 6, 16]], { transpose_a: true, transpose_b: true }),
    c([[2, 1, 4, 8], [3, 8, 5]]),
  ],
  linear: [c([[4, 10], [6, 10], [6]]), c([[2, 3, 10], [5, 10]]), c([[7], [3, 7], [3]])],
  conv1d: [
    c([[2, 4, 50], [6, 4, 5], [6]]),
    c([[1, 3, 40], [5, 3, 3], [5]], { stride: 2, dilation: 2, padding: 3 }),
    c([[2, 6, 33], [6, 2, 4], null], { groups: 3, padding: 'same' }),
  ],
  conv2d: [
    c([[1, 3, 10, 12], [4, 3, 3, 3], [4]], { padding: 1 }),
    c([[2, 4, 9, 8], [6, 2, 3, 2], null], { stride: [2, 1], dilation: [1, 2], groups: 2, padding: [1, 0] }),
    c([[1, 2, 7, 7], [2, 2, 4, 3], [2]], { padding: 'same' }),
    // channels_last: input [N, H, W, Cin], weight [Cout, kH, kW, Cin/groups]
    c([[2, 9, 8, 4], [6, 3, 2, 2], null], { channels_last: true, stride: [2, 1], dilation: [1, 2], groups: 2, padding: [1, 0] }),
    c([[1, 7, 7, 2], [2, 4, 3, 2], [2]], { channels_last: true, padding: 'same' }),
  ],
  conv_transpose1d: [
    c([[2, 4, 10], [4, 3, 5], [3]], { stride: 2, padding: 1, output_padding: 1 }),
    c([[1, 6, 8], [6, 2, 3], [6]], { groups: 3 }),
    c([[1, 2, 7], [2, 3, 3], null], { stride: 3, dilation: 2, output_padding: 1, padding: 2 }),
  ],
  lstm_cell: [c([[3, 5], [3, 4], [3, 4], [16, 5], [16, 4], [16], [16]]), c([[2, 6], [2, 3], [2, 3], [12, 6], [12, 3]])],
  lstm: [
    c([[5, 2, 4], [1, 2, 3], [1, 2, 3], [12, 4], [12, 3], [12], [12]]),
    c([[4, 3, 5], null, null, [16, 5], [16, 4], [16, 4], [16, 4]], { num_layers: 2, bias: false }),
    c([[2, 6, 3], [2, 2, 5], [2, 2, 5], [20, 3], [20, 5], [20], [20], [20, 5], [20, 5], [20], [20]], {
      batch_first: true,
      num_layers: 2,
      hidden_size: 5,
    }),
  ],
  relu: [c([[3, 17]])],
  gelu: [c([[3, 17]]), c([[2, 3, 40]], { approximate: 'tanh' })],
  silu: [c([[3, 17]])],
  elu: [c([[3, 17]]), c([[2, 3, 40]], { alpha: 0.5 })],
  sigmoid: [c([[3, 17]])],
  tanh: [c([[3, 17]])],
  softmax: [c([[4, 10]]), c([[3, 5, 7]], { dim: 1 }), c([[2, 3, 4]], { dim: -3 })],
  max_pool1d: [
    c([[2, 3, 20]], { kernel_size: 3 }),
    c([[2, 3, 20]], { kernel_size: 4, stride: 3, padding: 2, ceil_mode: true }),
    c([[1, 2, 19]], { kernel_size: 3, stride: 2, padding: 1, dilation: 2 }),
    c([[1, 2, 10]], { kernel_size: 2, stride: 4, ceil_mode: true }),
  ],
  avg_pool1d: [
    c([[2, 3, 20]], { kernel_size: 3 }),
    c([[2, 3, 20]], { kernel_size: 4, stride: 3, padding: 2, ceil_mode: true, count_include_pad: false }),
    c([[2, 3, 20]], { kernel_size: 4, stride: 3, padding: 2, ceil_mode: true, count_include_pad: true }),
    c([[1, 2, 7]], { kernel_size: 4, stride: 1, padding: 2, count_include_pad: false }),
  ],
  max_pool2d: [
    c([[1, 2, 9, 10]], { kernel_size: 2 }),
    c([[2, 2, 9, 10]], { kernel_size: [3, 2], stride: [2, 1], padding: [1, 1], dilation: [1, 2], ceil_mode: true }),
  ],
  avg_pool2d: [
    c([[1, 2, 9, 10]], { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false }),
    c([[2, 2, 8, 9]], { kernel_size: [2, 3], padding: [1, 1] }),
    c([[1, 3, 7, 7]], { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true }),
  ],
  layer_norm: [
    c([[3, 20], [20], [20]], { normalized_shape: 20 }),
    c([[2, 3, 4, 5], null, null], { normalized_shape: [4, 5] }),
    c([[4, 16], [16]], { normalized_shape: [16], eps: 1e-3 }),
  ],
  batch_norm: [c([[2, 3, 10], [3], [3], [3], [3]]), c([[4, 5], [5], [5]]), c([[3, 2, 1], [2], [2], null, [2]])],
  instance_norm: [
    c([[2, 3, 12], null, null, [3], [3]]),
    c([[2, 3, 12]]),
    c([[2, 3, 5, 4], [3], [3], [3], [3]], { use_input_stats: false }),
    c([[2, 5, 4, 3], null, null, [3], [3]], { channels_last: true, activation: 'gelu' }),
    c([[2, 12, 3], [3], [3], [3], [3]], { channels_last: true, use_input_stats: false }),
    c([[2, 3, 12]], { activation: 'gelu' }),
  ],
  group_norm: [c([[2, 6, 10], [6], [6]], { num_groups: 3 }), c([[2, 4, 3, 3]], { num_groups: 2 }), c([[3, 6], [6], [6]], { num_groups: 2 })],
  reshape: [c([[2, 3, 4]], { shape: [4, -1] }), c([[6]], { shape: [1, 2, 3] })],
  transpose: [c([[2, 3, 4]], { dim0: 0, dim1: 2 }), c([[2, 3]], { dim0: 1, dim1: 1 })],
  permute: [c([[2, 3, 4, 5]], { dims: [3, 1, 0, 2] })],
  concat: [c([[2, 3], [4, 3], [1, 3]], { dim: 0 }), c([[3, 3]]), c([[2, 3, 1], [2, 3, 2]], { dim: 2 })],
  pad: [
    c([[2, 3, 8]], { pad: [2, 1], mode: 'reflect' }),
    c([[1, 2, 5, 6]], { pad: [2, 2, 1, 3], mode: 'reflect' }),
    c([[1, 2, 4, 5]], { pad: [1, 2, 3, 0], mode: 'replicate' }),
    c([[2, 3, 8]], { pad: [2, 3], mode: 'constant', value: 1.5 }),
    c([[2, 4, 6]], { pad: [-1, 2, 1, -1] }),
  ],
  slice: [
    c([[10, 4]], { dim: 0, start: 1, end: 9, step: 3 }),
    c([[3, 12]], { dim: -1, start: -7, step: 2 }),
    c([[5, 3]], { dim: 0, start: 4, end: 100, step: 7 }),
  ],
  add: [c([[3, 4], [3, 4]]), c([[2, 3, 4], [4]], { alpha: -0.5 }), c([[1], [6, 2]], { alpha: 2 })],
  mul: [c([[3, 4], [3, 4]]), c([[3, 1, 5], [4, 1]])],
  add_bias: [c([[2, 5, 7], [5]]), c([[3, 4], [4]], { dim: -1 }), c([[6], [6]], { dim: 0 })],
  complex_mul: [c([[4, 2], [4, 2]]), c([[3, 1, 2], [1, 4, 2]])],
  fft: [c([[128, 2]]), c([[2, 256, 2]], { norm: 'ortho' }), c([[50, 2]], { n: 64 }), c([[100, 2]], { n: 32, norm: 'forward' }), c([[16, 3, 2]], { dim: 0 }), c([[1024, 2]])],
  ifft: [c([[100, 2]]), c([[2, 64, 2]], { norm: 'forward' }), c([[30, 2]], { n: 45 }), c([[5, 16, 2]], { dim: 0, norm: 'ortho' })],
  rfft: [c([[128]]), c([[3, 9]], { n: 16 }), c([[40]], { n: 32, norm: 'ortho' }), c([[8, 3]], { dim: 0 }), c([[4096]])],
  irfft: [c([[51, 2]])],
  stft: [
    c([[1000]], { n_fft: 256, hop_length: 64 }),
    c([[2, 1600]], { n_fft: 400, hop_length: 100, center: false }),
    c([[800]], { n_fft: 256, hop_length: 100, win_length: 200, window: 'ones', pad_mode: 'constant', normalized: true }),
    c([[500]], { n_fft: 64, onesided: false }),
    c([[3, 2, 600]], { n_fft: 128, hop_length: 32, win_length: 101 }),
  ],
  istft: [c([[129, 10, 2]], { n_fft: 256, hop_length: 64 })],
  quantize_ternary: [c([[16, 32]]), c([[7]])],
  quantize_int8: [c([[4, 32]]), c([[6, 5]], { dim: 0 }), c([[2, 3, 8]], { dim: 1 })],
  ternary_matmul: [c([[4, 64], [16, 64]]), c([[2, 3, 17], [5, 17]])],
  dequantize_int32: [c([[4, 64], [4, 1]], { weight_scale: 0.03 }), c([[6, 5], [1, 5]], { dim: 0 }), c([[2, 3, 8], [2, 1, 8]], { dim: 1, weight_scale: 0.5 })],
  argmax: [c([[4, 64]]), c([[6, 5]], { dim: 0 }), c([[2, 3, 8]], { dim: 1, keepdim: true })],
  index_select: [c([[16, 8], [5]]), c([[6, 5], [9]], { dim: 1 }), c([[2, 3, 8], [4]], { dim: -2 })],
};


const ref = getBackend('ref');

export function caseDType(spec: OpSpec): ComputeDType {
  return spec.dtypes.length === 1 && spec.dtypes[0] === 'int8' ? 'int8' : 'f32';
}

/** Candidate outputs and the verdict; f16/bf16 cases also run the f32 path for the vs-FP32 rule. */
export async function check(b: ComputeBackend, spec: OpSpec, k: Case, index: number, dtype: ComputeDType): Promise<PrecisionResult> {
  const planned = planCall(spec, k.shapes, k.params ?? {});
  const generated = generateInputs(spec, k.shapes, planned.params, 2000 + index);
  const rounded = (dt: ComputeDType): (HostTensor | null)[] =>
    generated.map((d, i) => {
      const shape = k.shapes[i];
      if (!d || !shape) return null;
      if (!(d instanceof Float64Array)) return { dtype: generatedDType(d), shape, data: d };
      const st = kindStorage(planned.inputs[i].kind, dt);
      return { dtype: st, shape, data: roundToDType(d, st) };
    });
  const inputs = rounded(dtype);
  const widened = inputs.map((t) => (t && t.dtype !== 'int8' && t.dtype !== 'int32' ? { dtype: 'f64' as const, shape: t.shape, data: Float64Array.from(tensorValues(t)) } : t));
  const oracle = (await runOp(ref, spec.name, widened, planned.params, dtype === 'int8' ? 'int8' : 'f64')).map(tensorValues);
  const outs = await runOp(b, spec.name, inputs, planned.params, dtype);
  outs.forEach((o, i) => expect(o.shape, `${spec.name} output ${i} shape`).toEqual(planned.plan.outputs[i]));
  const fp32 = dtype === 'f16' || dtype === 'bf16' ? (await runOp(b, spec.name, rounded(dtype).map((t, i) => t && (t.dtype === 'int8' || t.dtype === 'int32' ? t : { dtype: 'f32' as const, shape: t.shape, data: Float32Array.from(tensorValues(t)) })), planned.params, 'f32')).map(tensorValues) : undefined;
  const values = outs.map(tensorValues);
  return judge({
    family: spec.tolerance,
    dtype,
    reduction: planned.plan.reduction,
    outputNames: spec.outputs.map((o) => o.name),
    outputs: values,
    oracle,
    ...(fp32 ? { fp32 } : {}),
  });
}

export function failureOf(v: PrecisionResult): string | undefined {
  return v.verdict === 'pass' ? undefined : `${v.verdict}: ${v.reason ?? ''}`;
}

