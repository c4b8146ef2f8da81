// Quantisation scales are stored at least in f32: in f16, 127/max|x| overflows for small
// activations (max|x| < 1.94e-3), which BitNet layers meet routinely.
import { describe, expect, it } from 'vitest';

import * as native from '@abw/native';
import { getBackend, runOp } from '../../kernel-bridge/src/backend';

describe('quantisation scales in f16/bf16 cases', () => {
  it('quantize_int8 keeps a finite f32 scale for small f16 activations', async () => {
    const x = native.roundTo('f16', new Float64Array([1e-3, -5e-4, 2e-4, 1e-4]));
    const [q, scale] = await runOp(getBackend('cpu'), 'quantize_int8', [{ dtype: 'f16', shape: [1, 4], data: x }], { dim: -1 }, 'f16');
    expect(scale.dtype).toBe('f32');
    const s = (scale.data as Float32Array)[0];
    const maxAbs = native.widen('f16', x)[0];
    expect(s).toBeCloseTo(127 / maxAbs, 0);
    expect(Array.from(q.data as Int8Array)[0]).toBe(127);
  });

  it('quantize_ternary returns an f32 absmean scale in a bf16 case', async () => {
    const w = native.roundTo('bf16', new Float64Array([0.5, -0.25, 0.125, -1]));
    const [q, scale] = await runOp(getBackend('cpu'), 'quantize_ternary', [{ dtype: 'bf16', shape: [4], data: w }], {}, 'bf16');
    expect(scale.dtype).toBe('f32');
    expect((scale.data as Float32Array)[0]).toBeCloseTo(0.46875, 6);
    expect(Array.from(q.data as Int8Array)).toEqual([1, -1, 0, -1]);
  });
});
