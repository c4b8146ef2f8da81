// The op variants behind variant params (ParamDecl.variant): conv2d and instance_norm with
// channels_last, instance_norm with a fused GELU. On ref and cpu each must equal the default
// variant on permuted data (conv2d NHWC = permute(conv2d(NCHW x, OIHW w))) or composed with the
// gelu op; ref bit for bit (its loops sum in the same order), cpu within rounding. Every backend
// that does not implement a variant refuses it with a reason, in supports() and in prepare().
import { describe, expect, it } from 'vitest';

import * as native from '@abw/native';

import { getBackend, runOp } from '../../kernel-bridge/src/backend';
import { planForBackend } from '../../kernel-bridge/src/backend/plan-for-backend';
import type { ComputeBackend, ComputeDType } from '../../kernel-bridge/src/backend/types';
import { variantRefusal } from '../../kernel-bridge/src/backend/variant-support';
import { OrtBackend } from '../../kernel-bridge/src/backends/ort/ort-backend';
import { webgpuProblem } from '../../kernel-bridge/src/backends/webgpu/dawn';
import { WebGpuBackend } from '../../kernel-bridge/src/backends/webgpu/webgpu-backend';
import { AbwError } from '../../kernel-bridge/src/errors';
import { getOp } from '../../kernel-bridge/src/ops/catalogue';
import type { Params } from '../../kernel-bridge/src/ops/types';
import { roundToDType, tensorValues } from '../../kernel-bridge/src/precision/dtype-values';
import type { HostTensor, Shape, TypedData } from '../../kernel-bridge/src/tensor';
import { normalTensor as normal } from '../helpers/seeded-tensors';

const ref = getBackend('ref');
const cpu = getBackend('cpu');

/** `data` of shape `shape` permuted so that output dim i is input dim dims[i] (torch.permute). */
function permute<T extends TypedData>(data: T, shape: Shape, dims: readonly number[]): T {
  const outShape = dims.map((d) => shape[d]);
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let i = 0; i < dims.length; i++) src += idx[i] * inStrides[dims[i]];
    out[o] = data[src];
    for (let i = dims.length - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

const permuteTensor = (t: HostTensor, dims: readonly number[]): HostTensor => ({
  dtype: t.dtype,
  shape: dims.map((d) => t.shape[d]),
  data: permute(t.data, t.shape, dims),
});

/** NC… → N…C and back, for any rank. */
const toLast = (rank: number): number[] => [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
const toFirst = (rank: number): number[] => [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];

function values(t: HostTensor): number[] {
  return Array.from(tensorValues(t));
}

/**
 * cpu tolerance between two orders of summation of the same f32 products, relative to the
 * output's scale; f16 outputs are each rounded once and may land one f16 ulp (2^-10) apart.
 */
const TOL: Record<string, number> = { f32: 2e-6, f16: 2e-3 };

function expectClose(actual: HostTensor, expected: HostTensor, tol: number, what: string): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  const a = values(actual);
  const e = values(expected);
  const scale = Math.max(1, ...e.map(Math.abs));
  let worst = 0;
  a.forEach((v, i) => (worst = Math.max(worst, Number.isNaN(v) ? Infinity : Math.abs(v - e[i]))));
  expect(worst, `${what}: max |diff| ${worst} > ${tol}·${scale}`).toBeLessThanOrEqual(tol * scale);
}

function expectExact(actual: HostTensor, expected: HostTensor, what: string): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  expect(values(actual), what).toEqual(values(expected));
}

interface ConvCase {
  readonly name: string;
  /** NCHW input and OIHW weight shapes. */
  readonly x: Shape;
  readonly w: Shape;
  readonly bias: boolean;
  readonly params: Params;
}

const CONV: readonly ConvCase[] = [
  { name: 'stride 2, padding 1, bias', x: [2, 3, 9, 10], w: [4, 3, 3, 3], bias: true, params: { stride: 2, padding: 1 } },
  { name: 'groups 2, no bias', x: [1, 4, 7, 8], w: [6, 2, 3, 2], bias: false, params: { groups: 2, stride: [2, 1], dilation: [1, 2], padding: [1, 0] } },
  { name: "asymmetric 'same' (even kernel), bias", x: [1, 2, 7, 8], w: [3, 2, 2, 4], bias: true, params: { padding: 'same' } },
  { name: "'same' with dilation, no bias", x: [2, 3, 6, 5], w: [2, 3, 3, 2], bias: false, params: { padding: 'same', dilation: [2, 3] } },
  { name: '1×1 (input multiplied in place), groups 2, bias', x: [2, 4, 5, 6], w: [6, 2, 1, 1], bias: true, params: { groups: 2 } },
  { name: 'depthwise, no bias', x: [1, 4, 6, 6], w: [4, 1, 3, 3], bias: false, params: { groups: 4, padding: 1 } },
  { name: 'more than one im2col tile, bias', x: [1, 64, 64, 64], w: [16, 64, 3, 3], bias: true, params: { padding: 1 } },
];

describe('conv2d channels_last equals permute(conv2d(permute(x), permute(w)))', () => {
  const run = async (b: ComputeBackend, dtype: ComputeDType, k: ConvCase, seed: number) => {
    const x = normal(k.x, seed, dtype);
    const w = normal(k.w, seed + 1, dtype, 0, 0.3);
    const bias = k.bias ? normal([k.w[0]], seed + 2, dtype) : null;
    const [cf] = await runOp(b, 'conv2d', [x, w, bias], k.params, dtype);
    const [cl] = await runOp(b, 'conv2d', [permuteTensor(x, [0, 2, 3, 1]), permuteTensor(w, [0, 2, 3, 1]), bias], { ...k.params, channels_last: true }, dtype);
    return { cl, want: permuteTensor(cf, [0, 2, 3, 1]) };
  };

  it.each(CONV.map((k, i) => [k.name, k, i] as const))('ref: %s, bit for bit', async (_, k, i) => {
    const { cl, want } = await run(ref, 'f64', k, 10 * i);
    expectExact(cl, want, k.name);
  });

  for (const dtype of ['f32', 'f16'] as const) {
    it.each(CONV.map((k, i) => [k.name, k, i] as const))(`cpu ${dtype}: %s`, async (_, k, i) => {
      const { cl, want } = await run(cpu, dtype, k, 10 * i);
      expect(cl.dtype).toBe(dtype);
      expectClose(cl, want, TOL[dtype], `${k.name} ${dtype}`);
    });
  }
});

interface NormCase {
  readonly name: string;
  /** Channels-first input shape. */
  readonly x: Shape;
  readonly affine: boolean;
  readonly params?: Params;
}

const NORM: readonly NormCase[] = [
  { name: '3-d, affine', x: [2, 3, 12], affine: true },
  { name: '3-d, no affine', x: [2, 5, 7], affine: false },
  { name: '4-d, affine', x: [2, 4, 5, 6], affine: true },
  { name: '4-d, no affine, eps 1e-3', x: [1, 3, 4, 4], affine: false, params: { eps: 1e-3 } },
  { name: '5-d, affine', x: [1, 3, 2, 3, 4], affine: true },
  { name: '4-d, running statistics, affine', x: [2, 3, 5, 4], affine: true, params: { use_input_stats: false } },
  { name: '3-d, more channels than one cpu block (64), affine', x: [2, 70, 9], affine: true },
];

describe('instance_norm channels_last and activation', () => {
  const inputs = (k: NormCase, dtype: ComputeDType, seed: number): (HostTensor | null)[] => {
    const C = k.x[1];
    const running = k.params?.use_input_stats === false;
    const varData = normal([C], seed + 2, dtype, 0, 1);
    const variance: HostTensor = { ...varData, data: roundToDType(Float64Array.from(values(varData), (v) => 0.5 + Math.abs(v)), varData.dtype) };
    return [
      normal(k.x, seed, dtype, 0.5, 2),
      running ? normal([C], seed + 1, dtype, 0.5, 0.5) : null,
      running ? variance : null,
      k.affine ? normal([C], seed + 3, dtype, 1, 0.3) : null,
      k.affine ? normal([C], seed + 4, dtype, 0, 0.5) : null,
    ];
  };
  const withLastInput = (ins: (HostTensor | null)[], rank: number) => [permuteTensor(ins[0]!, toLast(rank)), ...ins.slice(1)];

  const cases = NORM.map((k, i) => [k.name, k, i] as const);

  it.each(cases)('ref: %s: channels_last equals the permuted channels-first result, bit for bit', async (_, k, i) => {
    const ins = inputs(k, 'f64', 100 + 10 * i);
    const [cf] = await runOp(ref, 'instance_norm', ins, k.params ?? {}, 'f64');
    const [cl] = await runOp(ref, 'instance_norm', withLastInput(ins, k.x.length), { ...k.params, channels_last: true }, 'f64');
    expectExact(cl, permuteTensor(cf, toLast(k.x.length)), k.name);
    expectExact(permuteTensor(cl, toFirst(k.x.length)), cf, `${k.name} (back to channels-first)`);
  });

  it.each(cases)("ref: %s: activation 'gelu' equals gelu(instance_norm(x)), bit for bit, in both layouts", async (_, k, i) => {
    const ins = inputs(k, 'f64', 200 + 10 * i);
    for (const last of [false, true]) {
      const args = last ? withLastInput(ins, k.x.length) : ins;
      const params = { ...k.params, channels_last: last };
      const [plain] = await runOp(ref, 'instance_norm', args, params, 'f64');
      const [fused] = await runOp(ref, 'instance_norm', args, { ...params, activation: 'gelu' }, 'f64');
      const [composed] = await runOp(ref, 'gelu', [plain], {}, 'f64');
      expectExact(fused, composed, `${k.name} channels_last=${last}`);
    }
  });

  for (const dtype of ['f32', 'f16'] as const) {
    it.each(cases)(`cpu ${dtype}: %s: channels_last (with and without gelu) equals the permuted channels-first result`, async (_, k, i) => {
      const ins = inputs(k, dtype, 300 + 10 * i);
      for (const activation of ['none', 'gelu']) {
        const params = { ...k.params, activation };
        const [cf] = await runOp(cpu, 'instance_norm', ins, params, dtype);
        const [cl] = await runOp(cpu, 'instance_norm', withLastInput(ins, k.x.length), { ...params, channels_last: true }, dtype);
        expect(cl.dtype).toBe(dtype);
        expectClose(cl, permuteTensor(cf, toLast(k.x.length)), TOL[dtype], `${k.name} ${dtype} ${activation}`);
      }
    });

    it.each(cases)(`cpu ${dtype}: %s: activation 'gelu' equals gelu(instance_norm(x))`, async (_, k, i) => {
      const ins = inputs(k, dtype, 400 + 10 * i);
      for (const last of [false, true]) {
        const args = last ? withLastInput(ins, k.x.length) : ins;
        const params = { ...k.params, channels_last: last };
        const [plain] = await runOp(cpu, 'instance_norm', args, params, dtype);
        const [fused] = await runOp(cpu, 'instance_norm', args, { ...params, activation: 'gelu' }, dtype);
        const [composed] = await runOp(cpu, 'gelu', [plain], {}, dtype);
        // f32: the same float formula on the same float values. f16: the composed path rounds
        // the normalised value to f16 before the GELU, the fused one does not.
        if (dtype === 'f32') expectExact(fused, composed, `${k.name} channels_last=${last}`);
        else expectClose(fused, composed, TOL.f16, `${k.name} channels_last=${last}`);
      }
    });
  }
});

/** The error `fn` throws (sync or async). */
async function errorOf(fn: () => unknown): Promise<Error & { code?: string; field?: string }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { code?: string; field?: string };
  }
  throw new Error('expected an error');
}

describe('bad calls', () => {
  const f64 = (shape: Shape): HostTensor => normal(shape, 1, 'f64');

  it('through runOp: the plan names the field and the channels_last layout', async () => {
    const rank = await errorOf(() => runOp(ref, 'conv2d', [f64([1, 8, 8, 4]), f64([6, 3, 3])], { channels_last: true }, 'f64'));
    expect(rank).toBeInstanceOf(AbwError);
    expect(rank).toMatchObject({ code: 'ABW_ESHAPE', field: 'inputs.weight' });
    expect(rank.message).toContain('weight: expected 4 dims ([Cout, kH, kW, Cin/groups] when channels_last)');
    const shape = await errorOf(() => runOp(cpu, 'conv2d', [normal([1, 8, 8, 4], 1, 'f32'), normal([6, 4, 3, 3], 2, 'f32')], { channels_last: true }, 'f32'));
    expect(shape).toMatchObject({ code: 'ABW_ESHAPE', field: 'inputs.weight' });
    expect(shape.message).toContain('when channels_last');
    const act = await errorOf(() => runOp(cpu, 'instance_norm', [normal([2, 3, 10], 1, 'f32')], { activation: 'relu' }, 'f32'));
    expect(act).toMatchObject({ code: 'ABW_EINVAL', field: 'params.activation' });
    expect(act.message).toBe("[instance_norm] params.activation: expected 'none' | 'gelu', got 'relu'");
  });

  it('straight to the kernels: they check the layout and the activation themselves', () => {
    const code = (fn: () => unknown): { code?: string; message: string } => {
      try {
        fn();
      } catch (e) {
        return e as { code?: string; message: string };
      }
      throw new Error('expected an error');
    };
    for (const [backend, dt] of [['ref', 'f64'], ['cpu', 'f32']] as const) {
      const x = native.tensor(dt, [2, 5, 3]);
      const y = native.tensor(dt, [2, 5, 3]);
      const relu = code(() => new native.PreparedOp(backend, 'instance_norm', dt, [x], [y], { use_input_stats: true, eps: 1e-5, activation: 'relu' }).run());
      expect(relu.code).toBe('ABW_EINVAL');
      expect(relu.message).toContain("`activation` must be 'none' or 'gelu', got 'relu'");
      const cx = native.tensor(dt, [1, 6, 6, 4]);
      const cw = native.tensor(dt, [3, 4, 3, 3]); // OIHW where OHWI is expected
      const cy = native.tensor(dt, [1, 4, 4, 3]);
      const conv = code(() =>
        new native.PreparedOp(backend, 'conv2d', dt, [cx, cw, null], [cy], { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1, channels_last: true }).run(),
      );
      expect(conv.code).toBe('ABW_ESHAPE');
      expect(conv.message).toMatch(/weight.*(\[Cout, kH, kW, Cin\/groups\]|channels_last)/);
      [x, y, cx, cw, cy].forEach((t) => t.free());
    }
  });
});

describe('backends without a variant refuse it with a reason', () => {
  const conv = getOp('conv2d');
  const norm = getOp('instance_norm');

  it('ref and cpu implement all three; the default values need no variant', () => {
    for (const b of [ref, cpu]) {
      const dt: ComputeDType = b === ref ? 'f64' : 'f32';
      expect(b.supports('conv2d', dt, { channels_last: true })).toEqual({ ok: true });
      expect(b.supports('instance_norm', dt, { channels_last: true, activation: 'gelu' })).toEqual({ ok: true });
    }
    const none = { id: 'none' } as const;
    expect(variantRefusal(none, conv, { channels_last: false, groups: 2 })).toBeUndefined();
    expect(variantRefusal(none, norm, { activation: 'none' })).toBeUndefined();
    expect(variantRefusal(none, norm, {})).toBeUndefined();
    expect(variantRefusal(none, norm, undefined)).toBeUndefined();
  });

  it('says which variant and which backend', () => {
    const none = { id: 'webgpu' } as const;
    expect(variantRefusal(none, conv, { channels_last: true })).toBe('channels_last conv2d is not implemented on webgpu');
    expect(variantRefusal(none, norm, { channels_last: true })).toBe('channels_last instance_norm is not implemented on webgpu');
    expect(variantRefusal(none, norm, { activation: 'gelu' })).toBe("instance_norm with activation = 'gelu' is not implemented on webgpu");
    expect(variantRefusal({ id: 'x', variants: { instance_norm: ['activation'] } }, norm, { activation: 'gelu', channels_last: true })).toBe(
      'channels_last instance_norm is not implemented on x',
    );
  });

  it('webgpu and ort refuse in supports(), before looking for a device or a runtime', () => {
    // WebGpuBackend's constructor needs an adapter (Mesa lavapipe in CI); without one only ort.
    const webgpu = webgpuProblem() ? undefined : new WebGpuBackend();
    if (!webgpu) console.log(`op-variants: webgpu part skipped: ${webgpuProblem()}`);
    const ort = new OrtBackend('cpu');
    for (const b of [...(webgpu ? [webgpu] : []), ort]) {
      expect(b.supports('conv2d', 'f32', { channels_last: true })).toEqual({ ok: false, reason: `channels_last conv2d is not implemented on ${b.id}` });
      expect(b.supports('instance_norm', 'f32', { channels_last: true })).toEqual({ ok: false, reason: `channels_last instance_norm is not implemented on ${b.id}` });
      expect(b.supports('instance_norm', 'f32', { activation: 'gelu' })).toEqual({
        ok: false,
        reason: `instance_norm with activation = 'gelu' is not implemented on ${b.id}`,
      });
    }
    webgpu?.dispose();
    ort.dispose();
  });

  it('prepare refuses too, for a backend whose supports() does not ask (cuda until it lists them)', () => {
    // A backend that says yes to everything but declares no variants.
    const permissive = { id: 'cuda:0', supports: () => ({ ok: true as const }) };
    const x = { backend: 'cuda:0', dtype: 'f32' as const, shape: [1, 2, 8] };
    const err = (() => {
      try {
        planForBackend(permissive, 'instance_norm', [x], { channels_last: true }, 'f32');
      } catch (e) {
        return e as AbwError;
      }
      throw new Error('expected an error');
    })();
    expect(err).toMatchObject({ code: 'ABW_EUNSUPPORTED', message: 'channels_last instance_norm is not implemented on cuda:0' });
    expect(planForBackend(permissive, 'instance_norm', [x], {}, 'f32').outputs[0].shape).toEqual([1, 2, 8]);
  });
});
