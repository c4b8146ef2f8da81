// The webgpu FFT's rule for spreading a few lines over several workgroups (kernels/fft-split.ts),
// without a device: what it picks for the bench/webgpu-vs-cuda cases at NVIDIA's limits, what a
// forced choice (kernelChoices.fftSplit) becomes, and that the split passes stay within the
// limits. The numbers of both dispatches are checked against the FP64 oracle in
// webgpu-vs-ref.test.ts ('FFT lines over several workgroups, forced').
import { describe, expect, it } from 'vitest';

import { kernelPlan, MINIMUM_LIMITS, NVIDIA_LIMITS } from '../helpers/webgpu-kernel-plan';

import type { KernelPlan } from '../../kernel-bridge/src/backends/webgpu/kernel-types';
import { MIN_GROUPS, splitFactor } from '../../kernel-bridge/src/backends/webgpu/kernels/fft-split';
import { WebGpuBackend } from '../../kernel-bridge/src/backends/webgpu/webgpu-backend';
import type { Shape } from '../../kernel-bridge/src/tensor';

const NVIDIA = NVIDIA_LIMITS;
const MINIMUM = MINIMUM_LIMITS;
const plan = kernelPlan;

const labels = (p: KernelPlan) => p.passes.map((x) => x.label);

describe('webgpu FFT lines over several workgroups: the rule', () => {
  it('rfft 64 × 8192 (the bench case): two workgroups per 4096-point half line, one dispatch, 128 workgroups', () => {
    expect(splitFactor({ n: 4096, count: 64, storeReads: 'mirror' }, NVIDIA)).toBe(2);
    const p = plan('rfft', [[64, 8192]], {}, NVIDIA);
    expect(labels(p)).toEqual(['rfft n=8192 (half length) (2 groups/line, 512 threads)']);
    expect(p.passes[0].workgroups).toEqual([128, 1, 1]);
    // Forced whole lines: the previous dispatch, 64 workgroups.
    const whole = plan('rfft', [[64, 8192]], {}, NVIDIA, { fftSplit: 1 });
    expect(labels(whole)).toEqual(['rfft n=8192 (half length) (1 line/group, 512 threads)']);
    expect(whole.passes[0].workgroups).toEqual([64, 1, 1]);
  });

  it('irfft and complex fft of 64 lines split the same way; enough lines stay whole', () => {
    expect(labels(plan('irfft', [[64, 4097, 2]], {}, NVIDIA))[0]).toMatch(/\(2 groups\/line/);
    expect(labels(plan('fft', [[64, 4096, 2]], {}, NVIDIA))[0]).toMatch(/\(2 groups\/line/);
    expect(labels(plan('fft', [[2, 4096, 2]], {}, NVIDIA))[0]).toMatch(/\(4 groups\/line/);
    expect(labels(plan('rfft', [[MIN_GROUPS, 8192]], {}, NVIDIA))[0]).toMatch(/\(1 line\/group/);
    // Short lines share workgroups already; 1024-point halves would be below MIN_POINTS.
    expect(labels(plan('rfft', [[4, 2048]], {}, NVIDIA))[0]).toMatch(/\(1 line\/group/);
  });

  it('rfft 2 × 441000 and the stft cases keep their dispatches whatever the choice', () => {
    for (const [op, shapes, params, n] of [
      ['rfft', [[2, 441000]], {}, 3],
      ['stft', [[2, 441000]], { n_fft: 2048, hop_length: 512 }, 1],
      ['stft', [[2, 441000]], { n_fft: 4096, hop_length: 1024 }, 1],
    ] as const) {
      const auto = labels(plan(op, shapes as unknown as Shape[], params, NVIDIA));
      expect(auto.length).toBe(n);
      for (const fftSplit of [1, 2, 4]) expect(labels(plan(op, shapes as unknown as Shape[], params, NVIDIA, { fftSplit }))).toEqual(auto);
    }
  });

  it('a forced split takes the largest divisor the length and the store allow', () => {
    expect(splitFactor({ n: 4096, count: 1000, storeReads: 'mirror' }, NVIDIA, 4)).toBe(2);
    expect(splitFactor({ n: 4096, count: 1000, storeReads: 'k' }, NVIDIA, 4)).toBe(4);
    expect(splitFactor({ n: 3000, count: 1, storeReads: 'k' }, NVIDIA, 4)).toBe(4);
    expect(splitFactor({ n: 4095, count: 1, storeReads: 'k' }, NVIDIA, 4)).toBe(3);
    expect(splitFactor({ n: 4095, count: 1, storeReads: 'mirror' }, NVIDIA, 2)).toBe(1);
    expect(splitFactor({ n: 64, count: 1, storeReads: 'k' }, NVIDIA, 1)).toBe(1);
    // No storeReads (stft), or a line that does not fit workgroup memory: never.
    expect(splitFactor({ n: 4096, count: 1 }, NVIDIA, 4)).toBe(1);
    expect(splitFactor({ n: 4096, count: 1, storeReads: 'k' }, MINIMUM, 4)).toBe(1);
  });

  it('split passes stay within the limits they were built for', () => {
    for (const limits of [NVIDIA, MINIMUM]) {
      for (const fftSplit of [2, 3, 4, 8]) {
        for (const [op, shapes] of [['rfft', [[3, 4096]]], ['irfft', [[3, 1025, 2]]], ['fft', [[2, 1536, 2]]]] as const) {
          for (const pass of plan(op, shapes as unknown as Shape[], {}, limits, { fftSplit }).passes) {
            const wg = /var<workgroup> sz: array<vec2f, (\d+)>/.exec(pass.code);
            if (wg) expect(Number(wg[1]) * 8).toBeLessThanOrEqual(limits.workgroupStorage);
            expect(Number(/@workgroup_size\((\d+)\)/.exec(pass.code)![1])).toBeLessThanOrEqual(limits.invocations);
          }
        }
      }
    }
  });

  it('the backend refuses a choice that is not auto or a whole number ≥ 1', () => {
    for (const fftSplit of [0, 1.5, -2]) expect(() => new WebGpuBackend({ kernelChoices: { fftSplit } })).toThrow(/fftSplit/);
  });
});
