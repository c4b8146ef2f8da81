// The `cuda` backend in the registry. On CPU machines (CI): listed as unavailable with the
// reason, `abw list backends` says so, and asking for it is ABW_EUNSUPPORTED. On the GPU machine
// (scripts/device/cuda-suite.sh runs the full op × dtype matrix there): a few ops against ref.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import { getBackend, runOp } from '../../kernel-bridge/src/backend';
import { listBackends } from '../../kernel-bridge/src/backend/registry';
import { cudaProblem } from '../../kernel-bridge/src/backends/native/cuda-backend';
import type { HostTensor } from '../../kernel-bridge/src/tensor';

const problem = cudaProblem();

describe.skipIf(!problem)('cuda on a machine without CUDA', () => {
  it('is listed as unavailable with the reason', () => {
    const cuda = listBackends().find((b) => b.id === 'cuda');
    expect(cuda).toMatchObject({ available: false, reason: problem });
    expect(cuda?.reason).toMatch(/CUDA toolkit|driver|CUDA device|CUDA libraries|module/);
  });

  it('`abw list backends` prints `cuda  no  <reason>`', () => {
    const out = execFileSync(process.execPath, [path.join(__dirname, '../../kernel-bridge/bin/abw.js'), 'list', 'backends'], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => /^cuda\s/.test(l));
    expect(line).toMatch(/^cuda\s+no\s+\S/);
  });

  it('getBackend("cuda") is ABW_EUNSUPPORTED naming the reason', () => {
    expect(() => getBackend('cuda')).toThrow(expect.objectContaining({ code: 'ABW_EUNSUPPORTED', message: expect.stringContaining(problem ?? '') }));
  });
});

describe.runIf(!problem)('cuda on the GPU machine', () => {
  const f32 = (shape: number[], f: (i: number) => number): HostTensor => ({ dtype: 'f32', shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)) });
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => Array.from(a).forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));

  it('matmul and rfft agree with the cpu backend; TF32 is its own dtype', async () => {
    const cuda = getBackend('cuda');
    const cpu = getBackend('cpu');
    const a = f32([33, 17], (i) => Math.sin(i)), b = f32([17, 9], (i) => Math.cos(i));
    close((await runOp(cuda, 'matmul', [a, b], {}, 'f32'))[0].data, (await runOp(cpu, 'matmul', [a, b], {}, 'f32'))[0].data, 1e-5);
    expect(cuda.supports('matmul', 'tf32').ok).toBe(true);
    expect(cuda.supports('relu', 'tf32').ok).toBe(false);
    const x = f32([3, 100], (i) => Math.sin(i * 0.3));
    close((await runOp(cuda, 'rfft', [x], {}, 'f32'))[0].data, (await runOp(cpu, 'rfft', [x], {}, 'f32'))[0].data, 1e-4);
    expect(cuda.timer).toBe('device');
  });
});
