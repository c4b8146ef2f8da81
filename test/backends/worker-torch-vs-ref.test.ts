// `torch:<device>` (a Python worker running PyTorch) against the `ref` FP64 oracle: every op in
// f32 (int8 for ternary_matmul), tf32 rows on CUDA for the ops TF32 changes, and f16/bf16 on a
// few ops (relative-L2 bound, verdicts printed). Not in CI (PyTorch is not installed there):
// runs when ABW_TORCH_PYTHON names a Python with torch; ABW_TORCH_DEVICE picks cpu (default),
// cuda or mps. scripts/device/torch-worker-suite.sh runs it with torch:cuda on the GPU machine.
import { afterAll, describe, expect, it } from 'vitest';

import { runOp } from '../../kernel-bridge/src/backend';
import { PythonWorkerBackend } from '../../kernel-bridge/src/backends/python-worker';
import { OPS } from '../../kernel-bridge/src/ops/catalogue';
import { c, CASES, caseDType, check, failureOf, type Case } from './worker-harness';

const pythonPath = process.env.ABW_TORCH_PYTHON;
const device = process.env.ABW_TORCH_DEVICE ?? 'cpu';
if (!pythonPath) console.log('worker-torch-vs-ref: skipped: set ABW_TORCH_PYTHON to a Python that has PyTorch (ABW_TORCH_DEVICE=cpu|cuda|mps)');
const torch = pythonPath ? new PythonWorkerBackend('torch', device, { python: pythonPath }) : undefined;
const id = `torch:${device}`;

const realOps = OPS.filter((o) => !o.testOnly);
const supported = torch ? realOps.filter((o) => torch.supports(o.name, caseDType(o)).ok) : [];
const unsupported = torch ? realOps.filter((o) => !torch.supports(o.name, caseDType(o)).ok) : [];
const notes: string[] = [];

afterAll(() => {
  if (!torch) return;
  const info = torch.info();
  console.log(`${id}: ${JSON.stringify(info.libraries)} device ${info.device}; supports ${supported.length}/${realOps.length} ops; unsupported: ${unsupported.map((o) => `${o.name} (${(torch.supports(o.name, caseDType(o)) as { reason?: string }).reason})`).join(', ') || 'none'}`);
  if (notes.length) console.log(`${id} notes:\n  ${notes.join('\n  ')}`);
  torch.dispose();
});

describe.skipIf(!torch)(`${id} against the ref oracle, every op (f32; int8 for ternary_matmul)`, () => {
  it('runs every op of the catalogue, or says why', () => {
    for (const o of unsupported) {
      const s = torch!.supports(o.name, caseDType(o));
      expect(s.ok).toBe(false);
      if (!s.ok) expect(s.reason).toMatch(new RegExp(`^${id}: .{10,}`));
    }
    if (device === 'cpu') expect(unsupported.map((o) => o.name)).toEqual([]);
  });

  for (const spec of supported) {
    describe(spec.name, () => {
      (CASES[spec.name] ?? []).forEach((k, i) => {
        it(`${k.shapes.map((s) => (s ? `[${s.join(',')}]` : '-')).join(' ')} ${JSON.stringify(k.params ?? {})}`, async () => {
          let failure: string | undefined;
          try {
            failure = failureOf(await check(torch!, spec, k, i, caseDType(spec)));
          } catch (e) {
            const err = e as { code?: string; message: string };
            if (err.code !== 'ABW_EUNSUPPORTED') throw e;
            notes.push(`${spec.name} ${JSON.stringify(k.params)}: unsupported: ${err.message}`);
            expect(err.message).toMatch(new RegExp(`^${id}: `));
            return;
          }
          expect(failure, `${spec.name} ${JSON.stringify(k)}: ${failure}`).toBeUndefined();
        });
      });
    });
  }
});

describe.skipIf(!torch || device !== 'cuda')(`${id} tf32 rows`, () => {
  const cases: readonly [string, Case][] = [
    ['matmul', c([[256, 512], [512, 128]])],
    ['conv1d', c([[2, 16, 400], [32, 16, 7], [32]])],
    ['linear', c([[64, 256], [128, 256], [128]])],
  ];
  it.each(cases.map(([op, k]) => [op, k]))('%s in tf32 runs with the TF32 flags on, and f32 with them off', async (op, k) => {
    const spec = OPS.find((o) => o.name === op)!;
    const v = await check(torch!, spec, k as Case, 3, 'tf32');
    expect(torch!.lastSettings).toMatchObject({ tf32: true, allow_tf32_matmul: true, allow_tf32_cudnn: true, autocast: false });
    notes.push(`${op} tf32: ${v.verdict}${v.reason ? ` (${v.reason})` : ''}; relL2 ${v.vsFp64.map((m) => m.relL2.toExponential(2)).join(', ')}`);
    for (const m of v.vsFp64) expect(m.relL2).toBeLessThan(2e-3);
    await check(torch!, spec, k as Case, 3, 'f32');
    expect(torch!.lastSettings).toMatchObject({ tf32: false, allow_tf32_matmul: false, allow_tf32_cudnn: false });
  });
});

describe.skipIf(!torch)(`${id} in half precision`, () => {
  const HALF_REL_L2 = { f16: 5e-3, bf16: 4e-2 } as const;
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
      if (!torch!.supports(op, dt).ok) return;
      const v = await check(torch!, spec, k as Case, 7, dt);
      notes.push(`${op} ${dt}: ${v.verdict}${v.reason ? ` (${v.reason})` : ''}`);
      for (const m of v.vsFp64) expect(m.relL2, `${op} ${dt}`).toBeLessThan(HALF_REL_L2[dt]);
    });
  }

  it('timing comes from inside the worker (ns per call per sample)', async () => {
    const x = { dtype: 'f32' as const, shape: [128, 128], data: new Float32Array(128 * 128).fill(1) };
    const [out] = await runOp(torch!, 'matmul', [x, x], {}, 'f32');
    expect(out.data[0]).toBe(128);
    const a = torch!.upload(x);
    const call = torch!.prepare('matmul', [a, a], {}, 'f32');
    await call.run();
    const ns = await call.measure({ iterations: 10, samples: 3 });
    expect(ns).toHaveLength(3);
    ns.forEach((v) => expect(v).toBeGreaterThan(0));
    expect(torch!.timer).toBe(device === 'cuda' ? 'device' : 'host');
    call.dispose();
    torch!.free(a);
  });
});
