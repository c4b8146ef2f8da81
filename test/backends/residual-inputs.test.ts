// The optional `residual` inputs (InputDecl.variant) of matmul (out = residual + a·b) and conv2d
// (out = residual + conv(x, w) + bias), the residual in the GEMM's or convolution's epilogue
// where the backend has one (cpu: the GEMMs' C with beta 1; cuda: cuBLASLt's C, cuDNN's fused
// add). ref is exact against its own op plus the residual; cpu agrees with ref within f32
// rounding, in every batch-broadcast path and both conv layouts; a wrong residual shape names
// the field and both shapes; a backend that does not take the input refuses it with a reason,
// in prepare() and in the matrix (status unsupported), never silently dropping it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import { getBackend, runOp } from '../../kernel-bridge/src/backend';
import { planForBackend } from '../../kernel-bridge/src/backend/plan-for-backend';
import type { ComputeDType } from '../../kernel-bridge/src/backend/types';
import { inputVariantRefusal } from '../../kernel-bridge/src/backend/variant-support';
import { OrtBackend } from '../../kernel-bridge/src/backends/ort/ort-backend';
import { runMatrix } from '../../kernel-bridge/src/matrix/runner';
import { parseMatrixSpec } from '../../kernel-bridge/src/matrix/spec';
import { getOp } from '../../kernel-bridge/src/ops/catalogue';
import type { Params } from '../../kernel-bridge/src/ops/types';
import type { HostTensor, Shape } from '../../kernel-bridge/src/tensor';
import { normalTensor as normal } from '../helpers/seeded-tensors';

const ref = getBackend('ref');
const cpu = getBackend('cpu');

/**
 * `op` on ref (f64) and cpu (f32), without and with the residual `inputs(dt)` ends in: ref's
 * output is its own op plus the residual exactly, cpu's within f32 rounding, and the two agree.
 */
async function expectResidualAdded(op: string, inputs: (dt: 'f64' | 'f32') => (HostTensor | null)[], params: Params, out: Shape): Promise<void> {
  const outs: Record<string, Float64Array> = {};
  for (const [b, dt] of [[ref, 'f64'], [cpu, 'f32']] as const) {
    const all = inputs(dt);
    const r = all.at(-1)!;
    const [plain] = await runOp(b, op, all.slice(0, -1), params, dt as ComputeDType);
    const [fused] = await runOp(b, op, all, params, dt as ComputeDType);
    expect(fused!.shape).toEqual(out);
    const want = Array.from(plain!.data, (v, i) => r.data[i]! + v);
    if (b === ref) expect(Array.from(fused!.data)).toEqual(want);
    else Array.from(fused!.data).forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i]!))));
    outs[b.id] = Float64Array.from(fused!.data);
  }
  outs.cpu!.forEach((v, i) => expect(Math.abs(v - outs.ref![i]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(outs.ref![i]!))));
}

// [a, b, params, out]: a shared b folded into M, a broadcast a (W·x, as mdx23c's TDF), equal
// batches, a general broadcast, and transposes.
const CASES: [Shape, Shape, Params, Shape][] = [
  [[3, 5, 7], [7, 4], {}, [3, 5, 4]],
  [[6, 7], [2, 3, 7, 4], {}, [2, 3, 6, 4]],
  [[2, 5, 7], [2, 7, 4], {}, [2, 5, 4]],
  [[2, 1, 5, 7], [1, 3, 7, 4], {}, [2, 3, 5, 4]],
  [[7, 5], [4, 7], { transpose_a: true, transpose_b: true }, [5, 4]],
];

describe('matmul with a residual', () => {
  it.each(CASES)('a %j · b %j %j: ref is product + residual exactly; cpu agrees', async (sa, sb, params, so) => {
    await expectResidualAdded('matmul', (dt) => [normal(sa, 1, dt), normal(sb, 2, dt), normal(so, 3, dt)], params, so);
  });

  it('a residual of another shape names the field and both shapes', async () => {
    const a = normal([3, 4], 1, 'f32'), b = normal([4, 2], 2, 'f32');
    await expect(runOp(cpu, 'matmul', [a, b, normal([3, 1], 3, 'f32')], {}, 'f32')).rejects.toThrow(
      expect.objectContaining({ code: 'ABW_ESHAPE', message: expect.stringMatching(/residual.*\[3, 2\].*\[3, 1\]/) }),
    );
  });

  it('a backend without the variant refuses it: ort, and the plan for any backend that does not list it', async () => {
    const spec = getOp('matmul');
    expect(inputVariantRefusal({ id: 'webgpu' }, spec, {}, [[2, 3], [3, 4], [2, 4]])).toBe('matmul with input residual is not implemented on webgpu');
    expect(inputVariantRefusal({ id: 'webgpu' }, spec, {}, [[2, 3], [3, 4]])).toBeUndefined();
    expect(inputVariantRefusal({ id: 'webgpu' }, spec, {}, [[2, 3], [3, 4], null])).toBeUndefined();
    expect(inputVariantRefusal(cpu, spec, {}, [[2, 3], [3, 4], [2, 4]])).toBeUndefined();
    const permissive = { id: 'gpu:x', supports: () => ({ ok: true as const }) };
    const t = (shape: number[]) => ({ backend: 'gpu:x', dtype: 'f32' as const, shape });
    expect(() => planForBackend(permissive, 'matmul', [t([2, 3]), t([3, 4]), t([2, 4])], {}, 'f32')).toThrow(
      expect.objectContaining({ code: 'ABW_EUNSUPPORTED', message: 'matmul with input residual is not implemented on gpu:x' }),
    );
    const ort = new OrtBackend('cpu');
    try {
      await expect(runOp(ort, 'matmul', [normal([2, 3], 1, 'f32'), normal([3, 4], 2, 'f32'), normal([2, 4], 3, 'f32')], {}, 'f32')).rejects.toThrow(
        'matmul with input residual is not implemented on ort:cpu',
      );
    } finally {
      ort.dispose();
    }
  });
});

// [x, w, bias?, params, out]: channels first and last, 1×1 (the GEMM on the input) and 3×3
// (im2col), with and without a bias, strided.
const CONVS: [Shape, Shape, Shape | null, Params, Shape][] = [
  [[2, 6, 5, 7], [4, 6, 3, 3], null, { padding: 1 }, [2, 4, 5, 7]],
  [[2, 6, 5, 7], [4, 6, 1, 1], [4], {}, [2, 4, 5, 7]],
  [[2, 5, 7, 6], [4, 3, 3, 6], [4], { padding: 1, channels_last: true }, [2, 5, 7, 4]],
  [[2, 5, 7, 6], [4, 1, 1, 6], null, { channels_last: true }, [2, 5, 7, 4]],
  [[1, 4, 8, 8], [6, 2, 2, 2], null, { stride: 2, groups: 2 }, [1, 6, 4, 4]],
];

describe('conv2d with a residual', () => {
  it.each(CONVS)('x %j w %j bias %j %j: ref is conv + residual exactly; cpu agrees', async (sx, sw, sb, params, so) => {
    await expectResidualAdded('conv2d', (dt) => [normal(sx, 1, dt), normal(sw, 2, dt), sb ? normal(sb, 4, dt) : null, normal(so, 3, dt)], params, so);
  });

  it('a residual of another shape names the field and both shapes; ort refuses the input', async () => {
    const x = normal([1, 2, 4, 4], 1, 'f32'), w = normal([3, 2, 3, 3], 2, 'f32');
    await expect(runOp(cpu, 'conv2d', [x, w, null, normal([1, 3, 4, 4], 3, 'f32')], {}, 'f32')).rejects.toThrow(
      expect.objectContaining({ code: 'ABW_ESHAPE', message: expect.stringMatching(/residual.*\[1, 3, 2, 2\].*\[1, 3, 4, 4\]/) }),
    );
    expect(inputVariantRefusal({ id: 'webgpu' }, getOp('conv2d'), {}, [[1, 2, 4, 4], [3, 2, 3, 3], null, [1, 3, 2, 2]])).toBe(
      'conv2d with input residual is not implemented on webgpu',
    );
    const ort = new OrtBackend('cpu');
    try {
      await expect(runOp(ort, 'conv2d', [x, w, null, normal([1, 3, 2, 2], 3, 'f32')], {}, 'f32')).rejects.toThrow('conv2d with input residual is not implemented on ort:cpu');
    } finally {
      ort.dispose();
    }
  });
});

describe('the residual in the matrix', () => {
  it('is judged with its addend slack (decision 34), named in the record', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-residual-'));
    const measure = { target: 0.5, budgetMs: 20, warmupMs: 0, minSamples: 2, maxSamples: 2 };
    const matrix = parseMatrixSpec(
      {
        name: 'residuals',
        description: 'conv2d and matmul with a residual',
        version: 1,
        defaults: { dtypes: ['f32', 'bf16'], measure },
        cases: [
          { label: 'conv2d + bias + residual', op: 'conv2d', shapes: [[2, 8, 6, 7], [8, 8, 3, 3], [8], [2, 8, 6, 7]], params: { padding: 1 } },
          { label: 'matmul + residual', op: 'matmul', shapes: [[2, 16, 24], [24, 8], [2, 16, 8]] },
          { label: 'conv2d plain', op: 'conv2d', shapes: [[2, 8, 6, 7], [8, 8, 3, 3]], params: { padding: 1 } },
        ],
      },
      'residuals.json',
    );
    const { run } = await runMatrix({ matrix, backends: ['cpu'], outDir: out, seed: 5, backend: getBackend });
    expect(run.records).toHaveLength(6);
    for (const r of run.records) {
      expect(r.status, r.error?.message).toBe('ok');
      expect(r.precision!.verdict, r.precision!.reason).toBe('pass');
      if (r.label === 'conv2d plain') expect(r.precision!.addend).toBeUndefined();
      else expect(r.precision!.addend).toEqual({ input: 'residual', slackRtol: r.dtype === 'bf16' ? 2 ** -8 : 2 ** -24 });
    }
  });
});
