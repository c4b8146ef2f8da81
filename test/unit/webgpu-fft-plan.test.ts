// The webgpu FFT's plans without a device: which route a length takes at a given workgroup-memory
// limit, how many dispatches an op costs (the webgpu-vs-cuda cases), and that no pass asks for
// more workgroup memory or threads than the limits it was built for. Numbers are checked against
// the FP64 oracle in test/backends/webgpu-vs-ref.test.ts.
import { describe, expect, it } from 'vitest';

import { kernelPlan, MINIMUM_LIMITS, NVIDIA_LIMITS } from '../helpers/webgpu-kernel-plan';

import { fourStepSplit } from '../../kernel-bridge/src/backends/webgpu/kernels/fft-four-step';
import { radices } from '../../kernel-bridge/src/backends/webgpu/kernels/fft-radix';
import { fitsShared, sharedLayout } from '../../kernel-bridge/src/backends/webgpu/kernels/fft-shared';
import type { Params } from '../../kernel-bridge/src/ops/types';
import type { Shape } from '../../kernel-bridge/src/tensor';

const NVIDIA = NVIDIA_LIMITS;
const MINIMUM = MINIMUM_LIMITS;
const plan = kernelPlan;

describe('webgpu FFT plans', () => {
  it('splits lengths into radices ≤ 13, powers of two mostly in radix 8', () => {
    expect(radices(4096)).toEqual([8, 8, 8, 8]);
    expect(radices(2048)).toEqual([8, 8, 8, 4]);
    expect(radices(1024)).toEqual([8, 8, 4, 4]);
    expect(radices(2)).toEqual([2]);
    expect(radices(97)).toBeUndefined();
    for (const n of [6, 220500, 450, 882, 1764, 3000, 8192]) expect(radices(n)!.reduce((a, b) => a * b, 1)).toBe(n);
  });

  it('keeps a line in workgroup memory up to the limit, else splits it in two that fit', () => {
    expect(fitsShared(4096, NVIDIA)).toBe(true);
    expect(fitsShared(6144, NVIDIA)).toBe(true);
    expect(fitsShared(4096, MINIMUM)).toBe(false);
    expect(fourStepSplit(4096, MINIMUM)).toEqual([64, 64]);
    expect(fourStepSplit(220500, NVIDIA)).toEqual([450, 490]);
    expect(fourStepSplit(97 * 64, NVIDIA)).toBeUndefined();
  });

  it('sizes workgroups within the limits', () => {
    for (const limits of [NVIDIA, MINIMUM]) {
      for (const [n, count, minLines] of [[1024, 1724, 4], [2048, 862, 4], [2048, 1, 1], [16, 3, 1], [450, 980, 8]] as const) {
        if (!fitsShared(n, limits)) continue;
        const l = sharedLayout(n, count, limits, minLines);
        expect(l.lines * n * 8).toBeLessThanOrEqual(limits.workgroupStorage);
        expect(l.threads).toBeLessThanOrEqual(limits.invocations);
        expect(l.groups * l.lines).toBeGreaterThanOrEqual(count);
      }
    }
  });

  // The bench/webgpu-vs-cuda cases and their inverses: dispatches per call.
  const CASES: [string, Shape[], Params, number, number][] = [
    ['rfft', [[64, 8192]], {}, 1, 3],
    ['rfft', [[2, 441000]], {}, 3, 3],
    ['stft', [[2, 441000]], { n_fft: 2048, hop_length: 512 }, 1, 1],
    ['stft', [[2, 441000]], { n_fft: 4096, hop_length: 1024 }, 1, 1],
    ['irfft', [[64, 4097, 2]], {}, 1, 3],
    ['istft', [[2, 1025, 862, 2]], { n_fft: 2048, hop_length: 512 }, 2, 2],
    // Bluestein: M = 256 in workgroup memory, forward and inverse; M = 4096 past 16 KiB: gather,
    // premultiply, four-step, filter, four-step, postmultiply, scatter.
    ['fft', [[2, 97, 2]], {}, 2, 2],
    ['fft', [[2, 1031, 2]], {}, 2, 9],
  ];
  for (const [op, shapes, params, nvidia, minimum] of CASES) {
    it(`${op} ${JSON.stringify(shapes)} ${JSON.stringify(params)}: ${nvidia} dispatch(es) at 48 KiB, ${minimum} at 16 KiB`, () => {
      for (const [limits, want] of [[NVIDIA, nvidia], [MINIMUM, minimum]] as const) {
        const p = plan(op, shapes, params, limits);
        expect(p.passes.length).toBe(want);
        for (const pass of p.passes) {
          const wg = /var<workgroup> sz: array<vec2f, (\d+)>/.exec(pass.code);
          if (wg) expect(Number(wg[1]) * 8).toBeLessThanOrEqual(limits.workgroupStorage);
          const size = /@workgroup_size\((\d+)\)/.exec(pass.code);
          expect(Number(size![1])).toBeLessThanOrEqual(limits.invocations);
        }
      }
    });
  }
});
