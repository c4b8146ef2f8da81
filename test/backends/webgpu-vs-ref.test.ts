// `webgpu` (Dawn: WGSL kernels) against the `ref` FP64 oracle, every op of the catalogue, in f32
// (int8 for ternary_matmul) and in f16 where the adapter has shader-f16, judged by the
// precision module as cpu-vs-ref does: FP64 inputs generated once, rounded to the case dtype; the
// oracle runs on those values widened to f64. On CI this runs on Mesa's lavapipe (software
// Vulkan: scripts/setup-webgpu.sh); without any adapter the suite is skipped and says why.
import { afterAll, describe, expect, it } from 'vitest';

import { getBackend, runOp } from '../../kernel-bridge/src/backend';
import type { ComputeDType } from '../../kernel-bridge/src/backend/types';
import { webgpuProblem } from '../../kernel-bridge/src/backends/webgpu/dawn';
import { WebGpuBackend } from '../../kernel-bridge/src/backends/webgpu/webgpu-backend';
import { OPS } from '../../kernel-bridge/src/ops/catalogue';
import { generatedDType, generateInputs } from '../../kernel-bridge/src/ops/generate';
import { planCall } from '../../kernel-bridge/src/ops/plan-call';
import type { OpSpec, Params } from '../../kernel-bridge/src/ops/types';
import { judge } from '../../kernel-bridge/src/precision/judge';
import { roundToDType, tensorValues } from '../../kernel-bridge/src/precision/dtype-values';
import type { HostTensor, Shape } from '../../kernel-bridge/src/tensor';

interface Case {
  readonly shapes: readonly (Shape | null)[];
  readonly params?: Params;
}
const c = (shapes: readonly (Shape | null)[], params: Params = {}): Case => ({ shapes, params });

/** Small shapes; the parameter sets that exercise each kernel (flags, padding, groups, FFT radices, …). */
const CASES: Readonly<Record<string, readonly Case[]>> = {
  matmul: [
    c([[5, 7], [7, 3]]),
    c([[7, 5], [7, 3]], { transpose_a: true }),
    c([[5, 7], [3, 7]], { transpose_b: true }),
    c([[2, 16, 4], [1, 6, 16]], { transpose_a: true, transpose_b: true }),
    c([[2, 1, 4, 8], [3, 8, 5]]),
    // Past the small-GEMM threshold: the tiled, register-blocked kernel, with ragged tile edges.
    c([[70, 80], [90, 80]], { transpose_b: true }),
  ],
  linear: [
    c([[4, 10], [6, 10], [6]]),
    c([[2, 3, 10], [5, 10]]),
    c([[7], [3, 7], [3]]),
    // M, N ≥ 512: the tiled GEMM with 8×8 register blocks, a ragged last tile and the bias in the store.
    c([[512, 24], [520, 24], [520]]),
  ],
  conv1d: [
    c([[2, 4, 50], [6, 4, 5], [6]]),
    c([[1, 3, 40], [5, 3, 3], [5]], { stride: 2, dilation: 2, padding: 3 }),
    c([[2, 6, 33], [6, 2, 4], null], { groups: 3, padding: 'same' }),
  ],
  conv2d: [
    c([[1, 3, 10, 12], [4, 3, 3, 3], [4]], { padding: 1 }),
    c([[2, 4, 9, 8], [6, 2, 3, 2], null], { stride: [2, 1], dilation: [1, 2], groups: 2, padding: [1, 0] }),
    c([[1, 2, 7, 7], [2, 2, 4, 3], [2]], { padding: 'same' }),
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
  add_bias: [
    c([[2, 5, 7], [5]]),
    c([[3, 4], [4]], { dim: -1 }),
    c([[6], [6]], { dim: 0 }),
    // The `length` variant: the last dim cropped (fftconv's inverse-FFT crop), bias on dim 1 and 0.
    c([[2, 5, 9], [5]], { dim: 1, length: 6 }),
    c([[3, 2, 8], [3]], { dim: 0, length: 8 }),
  ],
  complex_mul: [c([[4, 2], [4, 2]]), c([[3, 1, 2], [1, 4, 2]])],
  fft: [c([[128, 2]]), c([[2, 256, 2]], { norm: 'ortho' }), c([[50, 2]], { n: 64 }), c([[100, 2]], { n: 32, norm: 'forward' }), c([[16, 3, 2]], { dim: 0 }), c([[1024, 2]]), c([[3, 100, 2]]), c([[441, 2]], { norm: 'ortho' }), c([[1000, 2]]), c([[2, 97, 2]]), c([[8192, 2]])],
  ifft: [c([[100, 2]]), c([[2, 64, 2]], { norm: 'forward' }), c([[30, 2]], { n: 45 }), c([[5, 16, 2]], { dim: 0, norm: 'ortho' })],
  rfft: [
    c([[128]]),
    c([[3, 9]], { n: 16 }),
    c([[40]], { n: 32, norm: 'ortho' }),
    c([[8, 3]], { dim: 0 }),
    c([[4096]]),
    c([[2, 441]]),
    c([[1000]], { norm: 'forward' }),
    c([[8192]]),
    c([[101]]),
    // Half lengths 1024, 2048, 4096 (workgroup memory, by the adapter's limit), 8192 (global passes),
    // mixed radix 3000 = 2³·3·5³ and 441 = 3²·7², several lines per workgroup with inner > 1.
    c([[3, 2048]]),
    c([[2, 4096]], { norm: 'ortho' }),
    c([[2, 8192]]),
    c([[16384]]),
    c([[2, 6000]]),
    c([[882, 3]], { dim: 0 }),
    // Half length 97: Bluestein (M = 256) under the split.
    c([[3, 194]]),
  ],
  irfft: [
    c([[51, 2]]),
    c([[2, 65, 2]], { n: 128, norm: 'ortho' }),
    c([[221, 2]], { n: 441 }),
    c([[10, 2]], { n: 7 }),
    c([[2, 1025, 2]]),
    c([[2, 2049, 2]], { norm: 'forward' }),
    c([[4097, 2]]),
    c([[8193, 2]]),
    c([[3, 1001, 2]], { n: 6000 }),
    c([[9, 3, 2]], { dim: 0, n: 16 }),
    c([[3, 98, 2]], { n: 194 }),
    // The filter input (the product in the load): fftconv's band at half length, odd n with
    // zero-padded bins and one filter row for all, dim not last broadcast along it.
    c([[1, 4, 33, 2], [4, 33, 2]], { dim: 2, n: 64, norm: 'ortho' }),
    c([[3, 17, 2], [17, 2]], { n: 41 }),
    c([[2, 9, 3, 2], [3, 2]], { dim: 1, n: 16 }),
  ],
  stft: [
    c([[1000]], { n_fft: 256, hop_length: 64 }),
    c([[2, 1600]], { n_fft: 400, hop_length: 100, center: false }),
    c([[800]], { n_fft: 256, hop_length: 100, win_length: 200, window: 'ones', pad_mode: 'constant', normalized: true }),
    c([[500]], { n_fft: 64, onesided: false }),
    c([[3, 2, 600]], { n_fft: 128, hop_length: 32, win_length: 101 }),
    c([[300]], { n_fft: 75, hop_length: 20 }),
    // Half lengths 1024, 2048, 4096 (workgroup memory by the adapter's limit, else global passes), mixed radix 882.
    c([[2, 12000]], { n_fft: 2048, hop_length: 512 }),
    c([[2, 16000]], { n_fft: 4096, hop_length: 1024 }),
    c([[20000]], { n_fft: 8192, hop_length: 2048 }),
    c([[2, 9000]], { n_fft: 1764, hop_length: 441, center: false }),
    c([[6000]], { n_fft: 2048, hop_length: 700, onesided: false, pad_mode: 'constant' }),
  ],
  istft: [
    c([[129, 10, 2]], { n_fft: 256, hop_length: 64 }),
    c([[2, 201, 9, 2]], { n_fft: 400, hop_length: 100, center: false, window: 'ones' }),
    c([[64, 12, 2]], { n_fft: 64, hop_length: 16, onesided: false, normalized: true, length: 150 }),
    c([[65, 8, 2]], { n_fft: 128, hop_length: 32, win_length: 100, window: 'ones' }),
    c([[2, 1025, 12, 2]], { n_fft: 2048, hop_length: 512 }),
    c([[2049, 10, 2]], { n_fft: 4096, hop_length: 1024 }),
    c([[4097, 6, 2]], { n_fft: 8192, hop_length: 2048 }),
    c([[2, 883, 9, 2]], { n_fft: 1764, hop_length: 441 }),
    c([[38, 12, 2]], { n_fft: 75, hop_length: 20 }),
  ],
  quantize_ternary: [c([[16, 32]]), c([[7]])],
  quantize_int8: [c([[4, 32]]), c([[6, 5]], { dim: 0 }), c([[2, 3, 8]], { dim: 1 })],
  ternary_matmul: [c([[4, 64], [16, 64]]), c([[2, 3, 17], [5, 17]])],
  dequantize_int32: [c([[4, 64], [4, 1]], { weight_scale: 0.03 }), c([[6, 5], [1, 5]], { dim: 0 }), c([[2, 3, 8], [2, 1, 8]], { dim: 1, weight_scale: 0.5 })],
  argmax: [c([[4, 64]]), c([[6, 5]], { dim: 0 }), c([[2, 3, 8]], { dim: 1, keepdim: true })],
  index_select: [c([[16, 8], [5]]), c([[6, 5], [9]], { dim: 1 }), c([[2, 3, 8], [4]], { dim: -2 })],
};


/** f16 (storage f16, f32 accumulation) where the adapter has shader-f16: every op defined for it, first case. */
const F16_OPS = OPS.filter((o) => !o.testOnly && o.dtypes.includes('f16')).map((o) => o.name);

const problem = webgpuProblem();
if (problem) console.log(`webgpu suite skipped: ${problem}`);

function caseDType(spec: OpSpec): ComputeDType {
  return spec.dtypes.length === 1 && spec.dtypes[0] === 'int8' ? 'int8' : 'f32';
}

describe.skipIf(!!problem)('webgpu against the ref oracle', () => {
  const gpu = problem ? undefined : new WebGpuBackend();
  const ref = getBackend('ref');
  afterAll(() => gpu?.dispose());

  async function check(spec: OpSpec, k: Case, index: number, dtype: ComputeDType, backend = gpu!): Promise<string | undefined> {
    const planned = planCall(spec, k.shapes, k.params ?? {});
    const generated = generateInputs(spec, k.shapes, planned.params, 2000 + index);
    const inputs: (HostTensor | null)[] = generated.map((d, i) => {
      const shape = k.shapes[i];
      if (!d || !shape) return null;
      if (!(d instanceof Float64Array)) return { dtype: generatedDType(d), shape, data: d };
      const st = dtype === 'f16' && planned.inputs[i]?.kind !== 'wide' ? 'f16' : 'f32';
      return { dtype: st, shape, data: roundToDType(d, st) };
    });
    const widened = inputs.map((t) => (t && t.dtype !== 'int8' && t.dtype !== 'int32' ? { dtype: 'f64' as const, shape: t.shape, data: Float64Array.from(tensorValues(t)) } : t));
    const oracle = (await runOp(ref, spec.name, widened, planned.params, dtype === 'int8' ? 'int8' : 'f64')).map(tensorValues);
    const outs = await runOp(backend, spec.name, inputs, planned.params, dtype);
    outs.forEach((o, i) => expect(o.shape, `${spec.name} output ${i} shape`).toEqual(planned.plan.outputs[i]));
    const values = outs.map(tensorValues);
    const verdict = judge({
      family: spec.tolerance,
      dtype,
      reduction: planned.plan.reduction,
      outputNames: spec.outputs.map((o) => o.name),
      outputs: values,
      oracle,
    });
    if (spec.tolerance === 'exact') values.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(oracle[i])));
    return verdict.verdict === 'pass' ? undefined : `${verdict.verdict}: ${verdict.reason ?? ''}`;
  }

  const realOps = OPS.filter((o) => !o.testOnly);
  const supported = gpu ? realOps.filter((o) => gpu.supports(o.name, caseDType(o)).ok) : [];
  const unsupported = gpu ? realOps.filter((o) => !gpu.supports(o.name, caseDType(o)).ok) : [];

  afterAll(() => {
    console.log(`webgpu supports ${supported.length}/${realOps.length} ops; unsupported: ${unsupported.map((o) => o.name).join(', ') || 'none'}`);
  });

  it('has cases for every op of the catalogue', () => {
    expect(realOps.map((o) => o.name).filter((n) => !CASES[n]?.length)).toEqual([]);
  });

  for (const spec of supported) {
    describe(spec.name, () => {
      (CASES[spec.name] ?? []).forEach((k, i) => {
        it(`${k.shapes.map((s) => (s ? `[${s.join(',')}]` : '-')).join(' ')} ${JSON.stringify(k.params ?? {})}`, async () => {
          const failure = await check(spec, k, i, caseDType(spec));
          expect(failure, `${spec.name} ${JSON.stringify(k)}: ${failure}`).toBeUndefined();
        });
      });
    });
  }

  describe('f16 (shader-f16)', () => {
    for (const name of F16_OPS) {
      it(name, async (t) => {
        if (!gpu!.supports(name, 'f16').ok) {
          t.skip();
          return;
        }
        const spec = OPS.find((o) => o.name === name)!;
        const failure = await check(spec, CASES[name][0], 0, 'f16');
        expect(failure, `${name} f16: ${failure}`).toBeUndefined();
      });
    }
  });

  // The FFT family sized for smaller devices, so every route runs here: WebGPU's guaranteed
  // limits (16 KiB of workgroup memory: lines to 2048 points in one dispatch, longer ones in
  // four-step), and a tiny 512 bytes (64 points: four-step to 4096, per-radix passes beyond).
  // The cases whose lines are long enough to route differently (each shader compiles for seconds
  // on lavapipe, so not all of them).
  const LIMIT_CASES: Readonly<Record<string, readonly Case[]>> = {
    fft: [c([[8192, 2]]), c([[2, 97, 2]]), c([[3, 100, 2]]), c([[2, 1031, 2]])],
    rfft: [c([[2, 8192]]), c([[16384]]), c([[2, 6000]]), c([[882, 3]], { dim: 0 })],
    irfft: [c([[4097, 2]]), c([[3, 1001, 2]], { n: 6000 })],
    stft: [c([[2, 16000]], { n_fft: 4096, hop_length: 1024 }), c([[2, 9000]], { n_fft: 1764, hop_length: 441, center: false })],
    istft: [c([[4097, 6, 2]], { n_fft: 8192, hop_length: 2048 })],
  };
  for (const [what, limits] of [
    ['minimum', { workgroupStorage: 16384, invocations: 256 }],
    ['tiny', { workgroupStorage: 512, invocations: 64 }],
  ] as const) {
    describe(`FFT family at ${what} limits`, () => {
      const small = problem ? undefined : new WebGpuBackend({ kernelLimits: limits });
      afterAll(() => small?.dispose());
      for (const [name, cases] of Object.entries(LIMIT_CASES)) {
        const spec = OPS.find((o) => o.name === name)!;
        cases.forEach((k, i) => {
          it(`${name} ${k.shapes.map((s) => (s ? `[${s.join(',')}]` : '-')).join(' ')} ${JSON.stringify(k.params ?? {})}`, async () => {
            const failure = await check(spec, k, i, 'f32', small);
            expect(failure, `${name} ${JSON.stringify(k)}: ${failure}`).toBeUndefined();
          });
        });
      }
    });
  }

  // FFT lines spread over several workgroups (kernels/fft-split.ts) and the whole-line dispatch,
  // each forced (kernelChoices.fftSplit) so both run whatever the rule picks at these sizes: the
  // rfft 8192 of the bench with a few lines, its irfft, complex lengths, mixed radices, S = 3,
  // a line of 16 points a workgroup, dim not last, and odd n (complex route under rfft/irfft).
  const SPLIT_CASES: readonly (readonly [number, string, Case])[] = [
    [1, 'rfft', c([[3, 8192]])],
    [1, 'irfft', c([[3, 4097, 2]])],
    [1, 'fft', c([[2, 4096, 2]])],
    [2, 'rfft', c([[3, 8192]])],
    [2, 'rfft', c([[8192, 2]], { dim: 0, norm: 'ortho' })],
    [2, 'rfft', c([[5, 64]], { norm: 'forward' })],
    [2, 'rfft', c([[2, 1000]])],
    [2, 'irfft', c([[3, 4097, 2]])],
    [2, 'irfft', c([[3, 4097, 2], [3, 4097, 2]], { norm: 'ortho' })],
    [2, 'fft', c([[2, 4096, 2]], { norm: 'ortho' })],
    [2, 'ifft', c([[3, 1000, 2]])],
    [3, 'fft', c([[2, 3000, 2]])],
    [3, 'irfft', c([[2, 221, 2]], { n: 441 })],
    [4, 'rfft', c([[2, 4095]])],
    [4, 'irfft', c([[3, 4097, 2]], { norm: 'forward' })],
    [4, 'ifft', c([[2, 4096, 2]])],
    [4, 'fft', c([[3, 64, 2]])],
  ];
  describe('FFT lines over several workgroups, forced', () => {
    const forced = new Map<number, WebGpuBackend>();
    afterAll(() => forced.forEach((b) => b.dispose()));
    SPLIT_CASES.forEach(([split, name, k], i) => {
      it(`fftSplit ${split}: ${name} ${k.shapes.map((s) => `[${s!.join(',')}]`).join(' ')} ${JSON.stringify(k.params ?? {})}`, async () => {
        if (!forced.has(split)) forced.set(split, new WebGpuBackend({ kernelChoices: { fftSplit: split } }));
        const spec = OPS.find((o) => o.name === name)!;
        const failure = await check(spec, k, i, 'f32', forced.get(split));
        expect(failure, `${name} ${JSON.stringify(k)} fftSplit ${split}: ${failure}`).toBeUndefined();
      });
    });
  });

  it.each(unsupported.map((o) => [o.name]))('%s is unsupported with a reason', (name) => {
    const s = gpu!.supports(name, 'f32');
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.reason).toMatch(/webgpu/);
  });
});
