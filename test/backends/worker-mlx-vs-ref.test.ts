// `mlx:cpu` (a Python worker running MLX, PyPI's mlx[cpu]) against the `ref` FP64 oracle, every
// op it supports, in f32 (plus f16/bf16 on a few ops, judged also against its own f32 path), with
// the same precision machinery as ort-vs-ref: FP64 inputs generated once and rounded to the case
// dtype, the oracle run on those values widened to f64. Every op it does not run must say why.
// Needs .venv-workers (scripts/setup-workers.sh); skipped with the reason when it is absent.
import * as path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runOp } from '../../kernel-bridge/src/backend';
import type { ComputeBackend } from '../../kernel-bridge/src/backend/types';
import { PythonWorkerBackend } from '../../kernel-bridge/src/backends/python-worker';
import { OPS } from '../../kernel-bridge/src/ops/catalogue';
import { c, CASES, caseDType, check, failureOf, type Case } from './worker-harness';
import { workerVenvPython } from './worker-venv';

const python = workerVenvPython();
if (!python.ok) console.log(`worker-mlx-vs-ref: skipped: ${python.reason}`);

const mlx: ComputeBackend | undefined = python.ok ? new PythonWorkerBackend('mlx', 'cpu', { python: python.path }) : undefined;

const realOps = OPS.filter((o) => !o.testOnly);
const supported = mlx ? realOps.filter((o) => mlx.supports(o.name, caseDType(o)).ok) : [];
const unsupported = mlx ? realOps.filter((o) => !mlx.supports(o.name, caseDType(o)).ok) : [];
/** Cases the op runs in general but not with these params (pool dilation / ceil_mode): reason kept. */
const paramUnsupported: string[] = [];

afterAll(() => {
  if (!mlx) return;
  console.log(`mlx:cpu supports ${supported.length}/${realOps.length} ops; unsupported: ${unsupported.map((o) => o.name).join(', ')}`);
  if (paramUnsupported.length) console.log(`mlx:cpu cases unsupported for their params:\n  ${paramUnsupported.join('\n  ')}`);
  mlx.dispose();
});

describe.skipIf(!mlx)('mlx:cpu against the ref oracle, every op it supports (f32)', () => {
  it('has cases for every op of the catalogue and runs most of them', () => {
    expect(realOps.map((o) => o.name).filter((n) => !CASES[n]?.length)).toEqual([]);
    expect(supported.length).toBeGreaterThanOrEqual(38);
  });

  for (const spec of supported) {
    describe(spec.name, () => {
      (CASES[spec.name] ?? []).forEach((k, i) => {
        it(`${k.shapes.map((s) => (s ? `[${s.join(',')}]` : '-')).join(' ')} ${JSON.stringify(k.params ?? {})}`, async () => {
          let failure: string | undefined;
          try {
            failure = failureOf(await check(mlx!, spec, k, i, caseDType(spec)));
          } catch (e) {
            const err = e as { code?: string; message: string };
            // A parameter set MLX's function lacks is a visible status with a reason, not a pass.
            if (err.code !== 'ABW_EUNSUPPORTED') throw e;
            expect(err.message).toMatch(/^mlx:cpu: mlx\.nn\.\w+ (has no|always counts)/);
            paramUnsupported.push(`${spec.name} ${JSON.stringify(k.params)}: ${err.message}`);
            return;
          }
          expect(failure, `${spec.name} ${JSON.stringify(k)}: ${failure}`).toBeUndefined();
        });
      });
    });
  }
});

// MLX computes f16/bf16 ops in that dtype (the native cpu backend widens to f32 and rounds once),
// so some half-precision cases fail the strict elementwise rule (e.g. gelu's tail underflows to 0
// in f16). Those verdicts are the matrix's business; here: it runs in that dtype, stays finite,
// and its relative L2 error against FP64 is within a few units of the dtype's rounding.
const HALF_REL_L2: Readonly<Record<'f16' | 'bf16', number>> = { f16: 5e-3, bf16: 4e-2 };
const halfVerdicts: string[] = [];
afterAll(() => {
  if (halfVerdicts.length) console.log(`mlx:cpu half-precision verdicts:\n  ${halfVerdicts.join('\n  ')}`);
});

describe.skipIf(!mlx)('mlx:cpu in half precision (against FP64 and its own FP32 path)', () => {
  const half: readonly [string, Case][] = [
    ['matmul', c([[32, 48], [48, 16]])],
    ['conv1d', c([[2, 4, 50], [6, 4, 5], [6]])],
    ['layer_norm', c([[3, 20], [20], [20]], { normalized_shape: 20 })],
    ['gelu', c([[3, 17]])],
    ['softmax', c([[4, 10]])],
  ];
  for (const dt of ['f16', 'bf16'] as const) {
    it.each(half.map(([op, k]) => [op, k]))(`%s in ${dt}`, async (op, k) => {
      const spec = OPS.find((o) => o.name === op)!;
      const v = await check(mlx!, spec, k as Case, 7, dt);
      halfVerdicts.push(`${op} ${dt}: ${v.verdict}${v.reason ? ` (${v.reason})` : ''}`);
      for (const m of v.vsFp64) {
        expect(m.nanCount + m.infCount, `${op} ${dt} non-finite`).toBe(0);
        expect(m.relL2, `${op} ${dt} relL2 vs FP64`).toBeLessThan(HALF_REL_L2[dt]);
      }
      expect(v.vsFp32, 'judged against its own f32 path too').toBeDefined();
    });
  }
});

describe.skipIf(!mlx)('mlx:cpu says why it does not run an op', () => {
  it.each(unsupported.map((o) => [o.name]))('%s has a reason and running it is ABW_EUNSUPPORTED', async (name) => {
    const spec = OPS.find((o) => o.name === name)!;
    const s = mlx!.supports(name, caseDType(spec));
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.reason).toMatch(/^mlx:cpu: .{10,}/);
    const k = CASES[name][0];
    const inputs = k.shapes.map((shape) => (shape ? { dtype: 'int8' as const, shape, data: new Int8Array(shape.reduce((a, b) => a * b, 1)) } : null));
    await expect(runOp(mlx!, name, inputs, k.params ?? {}, caseDType(spec))).rejects.toMatchObject({ code: 'ABW_EUNSUPPORTED' });
  });

  it('tf32 and f64 are unsupported with reasons; FFTs in f16 say MLX has no half-precision complex type', () => {
    const tf32 = mlx!.supports('matmul', 'tf32');
    expect(tf32).toMatchObject({ ok: false });
    if (!tf32.ok) expect(tf32.reason).toMatch(/TF32/);
    expect(mlx!.supports('matmul', 'f64')).toMatchObject({ ok: false });
    const f16 = mlx!.supports('rfft', 'f16');
    expect(f16.ok).toBe(false);
    if (!f16.ok) expect(f16.reason).toMatch(/complex64 only/);
  });

  it('records that stft / istft are composed (MLX has no STFT op) and the framework versions', () => {
    const info = mlx!.info();
    expect(info.features).toContain('stft:composed(pad+as_strided+rfft)');
    expect(info.libraries.mlx).toMatch(/^\d+\.\d+/);
    expect(info.timer).toBe('host');
    expect(path.isAbsolute(python.ok ? python.path : '')).toBe(true);
  });
});
