// The webgpu backend's machinery, apart from op numerics (webgpu-vs-ref.test.ts): adapter info and
// choice, the registry entry, cached pipelines (nothing compiles inside measure), the buffer pool's
// byte counts, both timers, the dispatches a call names and forced kernel choices, clear errors
// for bad input, broken WGSL and a lost device, and dispose / reopen in one process. Skipped, saying why, only where Dawn finds no adapter.
import { afterAll, describe, expect, it } from 'vitest';

import { backendEntries } from '../../kernel-bridge/src/backend/registry';
import { probeAdapter, webgpuProblem } from '../../kernel-bridge/src/backends/webgpu/dawn';
import { WebGpuBackend } from '../../kernel-bridge/src/backends/webgpu/webgpu-backend';
import type { HostTensor } from '../../kernel-bridge/src/tensor';

const problem = webgpuProblem();
if (problem) console.log(`webgpu backend tests skipped: ${problem}`);

const ones = (shape: number[], v = 1): HostTensor => ({ dtype: 'f32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v) });

describe('webgpu availability', () => {
  it('the registry lists webgpu, available or with the reason it is not', () => {
    const b = backendEntries().find((x) => x.id === 'webgpu');
    expect(b).toBeDefined();
    const reason = b!.probe();
    expect(reason).toBe(problem);
    if (reason) expect(reason).toMatch(/webgpu/);
  });

  it('an adapter name that matches nothing is a reason, not a crash', () => {
    const p = probeAdapter({ adapter: 'no-such-gpu-anywhere' });
    expect(p.problem).toMatch(/no adapter|no GPU adapter/);
  });
});

describe.skipIf(!!problem)('webgpu backend', () => {
  const gpu = problem ? undefined : new WebGpuBackend();
  afterAll(() => gpu?.dispose());

  it('info() names the adapter, its features and limits, dtypes and the timer kind', () => {
    const info = gpu!.info();
    expect(info.id).toBe('webgpu');
    expect(info.available).toBe(true);
    expect(info.device).toMatch(/vendor .*architecture/);
    expect(info.features.some((f) => f.startsWith('adapter-vendor:'))).toBe(true);
    expect(info.features.some((f) => f.startsWith('limit:maxStorageBufferBindingSize='))).toBe(true);
    const ts = info.features.includes('feature:timestamp-query');
    expect(info.timer).toBe(ts ? 'device' : 'host');
    expect(info.features).toContain(ts ? 'timer:timestamp-query' : 'timer:host-onSubmittedWorkDone');
    expect(info.dtypes).toContain('f32');
    expect(info.dtypes.includes('f16')).toBe(info.features.includes('feature:shader-f16'));
  });

  it('says why it does not run f64, bf16 or tf32', () => {
    for (const dt of ['f64', 'bf16', 'tf32'] as const) {
      const s = gpu!.supports('matmul', dt);
      expect(s.ok).toBe(false);
      if (!s.ok) expect(s.reason).toMatch(/webgpu/);
    }
  });

  it('compiles a pipeline once: a repeat and the timed loop reuse it', async () => {
    const x = gpu!.upload(ones([16, 16], 0.5));
    const y = gpu!.upload(ones([16, 16], 2));
    const call = gpu!.prepare('matmul', [x, y], {}, 'f32');
    await call.run();
    const compiled = gpu!.cacheStats().compiled;
    const ns = await call.measure({ iterations: 4, samples: 3 });
    expect(ns).toHaveLength(3);
    ns.forEach((v) => expect(v).toBeGreaterThan(0));
    const again = gpu!.prepare('matmul', [x, y], {}, 'f32');
    await again.run();
    expect(gpu!.cacheStats().compiled).toBe(compiled);
    const out = await gpu!.download(again.outputs[0]);
    expect(Array.from(out.data.slice(0, 3))).toEqual([16, 16, 16]);
    // Cold samples (caches flushed first) run too.
    const cold = await call.measure({ iterations: 2, samples: 2, cold: true });
    expect(cold.every((v) => v > 0)).toBe(true);
    // A long sample is split into several passes and submissions, still one clock.
    const long = await call.measure({ iterations: 9000, samples: 1 });
    expect(long[0]).toBeGreaterThan(0);
    expect((call as unknown as { clocks: Set<string> }).clocks.size).toBe(1);
    expect(gpu!.cacheStats().compiled).toBe(compiled);
    call.dispose();
    again.dispose();
    gpu!.free(x);
    gpu!.free(y);
  });

  it('a prepared call names its dispatches; kernelChoices forces the FFT\'s, the results agree', async () => {
    // The default: fft-split.ts's rule on a GPU, whole lines on a software adapter (lavapipe).
    const info = gpu!.info();
    const software = info.features.includes('adapter-architecture:software') || /software fallback adapter/.test(info.device);
    expect(info.features).toContain(`fft-split:${software ? 1 : 'auto'}`);
    const rule = new WebGpuBackend({ kernelChoices: { fftSplit: 'auto' } });
    const whole = new WebGpuBackend({ kernelChoices: { fftSplit: 1 } });
    try {
      const data = Float32Array.from({ length: 3 * 4096 }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13);
      const outs: Float32Array[] = [];
      const cases = [
        [rule, /\(2 groups\/line/],
        [whole, /\(1 line\/group/],
        [gpu!, software ? /\(1 line\/group/ : /\(2 groups\/line/],
      ] as const;
      for (const [b, want] of cases) {
        const x = b.upload({ dtype: 'f32', shape: [3, 4096], data });
        const call = b.prepare('rfft', [x], {}, 'f32') as unknown as { dispatches: string[]; run(): Promise<void>; outputs: readonly never[]; dispose(): void };
        expect(call.dispatches).toHaveLength(1);
        expect(call.dispatches[0]).toMatch(want);
        await call.run();
        outs.push((await b.download(call.outputs[0])).data as Float32Array);
        call.dispose();
        b.free(x);
      }
      const scale = Math.max(...outs[1].map(Math.abs));
      expect(Math.max(...outs[0].map((v, i) => Math.abs(v - outs[1][i]))) / scale).toBeLessThan(1e-5);
    } finally {
      rule.dispose();
      whole.dispose();
    }
  });

  it('host timing is available where timestamps are not wanted, and says so', async () => {
    const host = new WebGpuBackend({ hostTimer: true });
    try {
      expect(host.timer).toBe('host');
      expect(host.info().features).toContain('timer:host-onSubmittedWorkDone');
      const x = host.upload(ones([1000], -1));
      const call = host.prepare('relu', [x], {}, 'f32');
      const ns = await call.measure({ iterations: 10, samples: 2 });
      expect(ns.every((v) => v > 0)).toBe(true);
    } finally {
      host.dispose();
    }
  });

  it('counts pooled device bytes: current, peak, reset', async () => {
    const b = await WebGpuBackend.open();
    try {
      const before = b.memory().currentBytes;
      const t = b.upload(ones([1024]));
      expect(b.memory().currentBytes - before).toBeGreaterThanOrEqual(4096);
      const [o] = await b.run('relu', [t], {}, 'f32');
      const peak = b.memory().peakBytes;
      expect(peak).toBeGreaterThanOrEqual(8192);
      b.free(t);
      b.free(o);
      expect(b.memory().currentBytes).toBe(before);
      expect(b.cacheStats().pooledBytes).toBeGreaterThanOrEqual(8192);
      b.resetPeak();
      expect(b.memory().peakBytes).toBe(b.memory().currentBytes);
      // A pooled buffer is reused, not created again.
      const t2 = b.upload(ones([1024]));
      expect(b.cacheStats().pooledBytes).toBeLessThan(8192 + 1);
      b.free(t2);
    } finally {
      b.dispose();
    }
  });

  it('bad input is a clear error naming what is wrong', async () => {
    expect(() => gpu!.upload({ dtype: 'f64', shape: [2], data: new Float64Array(2) })).toThrow(expect.objectContaining({ code: 'ABW_EDTYPE' }));
    const foreign = { backend: 'cpu', dtype: 'f32' as const, shape: [2] };
    await expect(gpu!.run('relu', [foreign], {}, 'f32')).rejects.toMatchObject({ code: 'ABW_EINVAL' });
    const t = gpu!.upload(ones([2, 3]));
    expect(() => gpu!.prepare('matmul', [t, t], {}, 'f32')).toThrow(expect.objectContaining({ code: 'ABW_ESHAPE' }));
    gpu!.free(t);
    await expect(gpu!.download(t)).rejects.toMatchObject({ code: 'ABW_EINVAL' });
  });

  it('a shader that does not compile is an error naming the kernel and the line', async () => {
    await expect(gpu!.compileWgsl('broken kernel', '@compute @workgroup_size(1) fn main() { let x: f32 = undefined_thing; }')).rejects.toMatchObject({
      code: 'ABW_EINTERNAL',
      message: expect.stringMatching(/broken kernel.*does not compile.*line 1/),
    });
    await expect(gpu!.compileWgsl('fine kernel', '@compute @workgroup_size(1) fn main() { }')).resolves.toBeUndefined();
  });

  it('a lost device fails every later call clearly; a new backend works', async () => {
    const b = await WebGpuBackend.open();
    const t = b.upload(ones([8]));
    b.loseDeviceForTesting();
    await new Promise((r) => setTimeout(r, 50));
    await expect(b.run('relu', [t], {}, 'f32')).rejects.toMatchObject({ code: 'ABW_ECRASH', message: expect.stringMatching(/device was lost/) });
    b.dispose();
    const fresh = await WebGpuBackend.open();
    try {
      const [o] = await fresh.run('relu', [fresh.upload(ones([8], -2))], {}, 'f32');
      expect(Array.from((await fresh.download(o)).data)).toEqual(new Array(8).fill(0));
    } finally {
      fresh.dispose();
    }
  });

  it('disposes and opens again in one process', async () => {
    for (let round = 0; round < 3; round++) {
      const b = new WebGpuBackend();
      const x = b.upload(ones([4], round + 1));
      const [o] = await b.run('add', [x, x], { alpha: 1 }, 'f32');
      expect(Array.from((await b.download(o)).data)).toEqual(new Array(4).fill(2 * (round + 1)));
      b.dispose();
      expect(() => b.upload(ones([1]))).toThrow(expect.objectContaining({ code: 'ABW_EINVAL' }));
    }
  });
});
