// A Python worker that crashes, hangs or runs out of memory turns into an error / timeout / oom
// for that call; the worker is restarted and the next call works. Uses mlx:cpu from
// .venv-workers (skipped with the reason when absent); the hang uses the worker's test-only
// debug command (ABW_WORKER_DEBUG=1).
import { afterEach, describe, expect, it } from 'vitest';

import { getBackend, runOp } from '../../kernel-bridge/src/backend';
import { backendEntries } from '../../kernel-bridge/src/backend/registry';
import { PythonWorkerBackend } from '../../kernel-bridge/src/backends/python-worker';
import { clearProbeCache, probeFramework } from '../../kernel-bridge/src/backends/python-worker/python';
import { executeCase, OracleCache } from '../../kernel-bridge/src/matrix/executor';
import type { HostTensor } from '../../kernel-bridge/src/tensor';
import { withOverrides } from '../helpers/backend-overrides';
import { workerVenvPython } from './worker-venv';

const python = workerVenvPython();
if (!python.ok) console.log(`worker-failures: skipped: ${python.reason}`);

const created: PythonWorkerBackend[] = [];
function backend(options: ConstructorParameters<typeof PythonWorkerBackend>[2] = {}): PythonWorkerBackend {
  const b = new PythonWorkerBackend('mlx', 'cpu', { python: python.ok ? python.path : 'python3', ...options });
  created.push(b);
  return b;
}
afterEach(() => {
  while (created.length) created.pop()!.dispose();
});

const ones = (n: number): HostTensor => ({ dtype: 'f32', shape: [n, n], data: new Float32Array(n * n).fill(1) });

async function matmulWorks(b: PythonWorkerBackend, n = 8): Promise<void> {
  const [out] = await runOp(b, 'matmul', [ones(n), ones(n)], {}, 'f32');
  expect(out.data[0]).toBe(n);
}

function waitForExit(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        clearInterval(t);
        resolve();
      }
    }, 20);
  });
}

describe.skipIf(!python.ok)('a crashed, hung or out-of-memory worker is survived', () => {
  it('killing the worker in the middle of a measurement fails that call with ABW_ECRASH; the next call restarts it', async () => {
    const b = backend();
    await matmulWorks(b);
    const pid = b.workerPid!;
    const x = b.upload(ones(256));
    const call = b.prepare('matmul', [x, x], {}, 'f32');
    await call.run();
    const measuring = call.measure({ iterations: 1_000_000, samples: 1 }); // minutes of work
    setTimeout(() => process.kill(pid, 'SIGKILL'), 300);
    await expect(measuring).rejects.toMatchObject({ code: 'ABW_ECRASH', message: expect.stringMatching(/killed by SIGKILL/) });
    await waitForExit(pid);
    // The dead worker's tensors and calls say so instead of hanging.
    await expect(call.run()).rejects.toMatchObject({ code: 'ABW_ECRASH' });
    expect(() => b.prepare('matmul', [x, x], {}, 'f32')).toThrow(/worker that has exited/);
    call.dispose();
    b.free(x);
    await matmulWorks(b);
    expect(b.generation).toBe(2);
    expect(b.workerPid).not.toBe(pid);
  });

  it('a worker that exits on its own fails the request in flight with its status and stderr', async () => {
    const b = backend({ env: { ABW_WORKER_DEBUG: '1' } });
    await matmulWorks(b);
    await expect(b.request({ cmd: 'debug', action: 'exit', status: 7 })).rejects.toMatchObject({ code: 'ABW_ECRASH', message: expect.stringMatching(/exited with status 7/) });
    await matmulWorks(b);
  });

  it('a hung worker times out (ABW_ETIMEOUT), is killed, and the next call works', async () => {
    const b = backend({ timeoutMs: 1500, startupMs: 20_000, env: { ABW_WORKER_DEBUG: '1' } });
    await matmulWorks(b);
    const pid = b.workerPid!;
    const t0 = Date.now();
    await expect(b.request({ cmd: 'debug', action: 'sleep', seconds: 3600 })).rejects.toMatchObject({ code: 'ABW_ETIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    await waitForExit(pid);
    await matmulWorks(b);
    expect(b.generation).toBe(2);
  });

  it('the debug commands exist only with ABW_WORKER_DEBUG=1', async () => {
    const b = backend();
    await expect(b.request({ cmd: 'debug', action: 'pid' })).rejects.toMatchObject({ code: 'ABW_EINVAL', message: expect.stringMatching(/unknown command 'debug'/) });
  });

  it('running out of host memory is ABW_ENOMEM for that upload; the worker lives on', async () => {
    // ABW_WORKER_MAX_BYTES caps the worker's address space (CPU workers), so the allocation fails inside it.
    const b = backend({ env: { ABW_WORKER_MAX_BYTES: String(1536 * 1024 * 1024) } });
    await matmulWorks(b);
    const pid = b.workerPid;
    const huge: HostTensor = { dtype: 'f32', shape: [2 ** 29], data: new Float32Array(2 ** 29) }; // 2 GiB
    const d = b.upload(huge);
    await expect(b.download(d)).rejects.toMatchObject({ code: 'ABW_ENOMEM', message: expect.stringMatching(/out of memory/) });
    b.free(d);
    await matmulWorks(b);
    expect(b.workerPid).toBe(pid);
  });

  it('in the matrix executor, a crash is that case\'s status and the next case is measured', async () => {
    const b = backend();
    // The same backend, except that the worker is SIGKILLed as the case's measurement starts.
    let killed = false;
    const killing = withOverrides(b, {
      prepare: (...args: Parameters<PythonWorkerBackend['prepare']>) => {
        const call = b.prepare(...args);
        return {
          outputs: call.outputs,
          run: () => call.run(),
          dispose: () => call.dispose(),
          measure: (o: Parameters<typeof call.measure>[0]) => {
            if (!killed) {
              killed = true;
              process.kill(b.workerPid!, 'SIGKILL');
            }
            return call.measure(o);
          },
        };
      },
    });
    const kase = (n: number) => ({
      key: `mlx:cpu|op|matmul|f32|${n}`,
      inputKey: `matmul|${n}`,
      kind: 'op' as const,
      op: 'matmul',
      backend: 'mlx:cpu',
      dtype: 'f32' as const,
      label: `matmul ${n}`,
      params: {},
      shapes: [
        [n, n],
        [n, n],
      ],
      measure: {},
    });
    const ctx = {
      seed: 1,
      oracle: new OracleCache(),
      backend: (id: string) => (id === 'mlx:cpu' ? killing : getBackend(id)),
      measure: { budgetMs: 200, warmupMs: 10, minSamples: 3, maxSamples: 5 },
    };
    const crashed = await executeCase(kase(32) as never, ctx);
    expect(killed).toBe(true);
    expect(crashed.status).toBe('error');
    expect(crashed.error?.code).toBe('ABW_ECRASH');
    expect(crashed.error?.message).toMatch(/killed by SIGKILL/);
    const next = await executeCase(kase(48) as never, ctx);
    expect(next.status, JSON.stringify(next.error)).toBe('ok');
    expect(next.precision?.verdict).toBe('pass');
    expect(next.timing?.samplesNs.length).toBeGreaterThanOrEqual(3);
    expect(b.generation).toBe(2);
  });
});

describe('a missing Python or framework is a reason, not a crash', () => {
  it('a Python that does not exist', () => {
    clearProbeCache();
    const p = probeFramework('mlx', '/nonexistent/python3');
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.reason).toMatch(/Python not found: '\/nonexistent\/python3'.*ABW_PYTHON/);
    const b = new PythonWorkerBackend('mlx', 'cpu', { python: '/nonexistent/python3' });
    const s = b.supports('matmul', 'f32');
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.reason).toMatch(/^mlx:cpu: Python not found/);
  });

  it.skipIf(!python.ok)('a Python without the framework names what to install', () => {
    // The venv has MLX and numpy but not PyTorch.
    const p = probeFramework('torch', python.ok ? python.path : '');
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.reason).toMatch(/cannot import torch.*pip install torch/);
  });
});

describe('the worker backends in the registry', () => {
  const ids = ['torch:cpu', 'torch:cuda', 'torch:mps', 'mlx:cpu', 'mlx:gpu'];

  it('lists torch:cpu|cuda|mps and mlx:cpu|gpu, each available or with a reason', () => {
    const entries = backendEntries().filter((e) => ids.includes(e.id));
    expect(entries.map((e) => e.id)).toEqual(ids);
    for (const e of entries) {
      const reason = e.probe();
      if (reason !== undefined) expect(reason.length, e.id).toBeGreaterThan(15);
    }
  });

  it.skipIf(!python.ok)('with ABW_PYTHON at the venv: mlx:cpu is available, mlx:gpu says the mlx[cpu] build has no GPU', () => {
    const saved = process.env.ABW_PYTHON;
    process.env.ABW_PYTHON = python.ok ? python.path : '';
    clearProbeCache();
    try {
      const probe = (id: string) => backendEntries().find((e) => e.id === id)!.probe();
      expect(probe('mlx:cpu')).toBeUndefined();
      expect(probe('mlx:gpu')).toMatch(/no GPU backend here/);
      expect(probe('torch:cpu')).toMatch(/cannot import torch/);
    } finally {
      if (saved === undefined) delete process.env.ABW_PYTHON;
      else process.env.ABW_PYTHON = saved;
      clearProbeCache();
    }
  });
});
