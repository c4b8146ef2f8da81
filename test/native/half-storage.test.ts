// The dispatcher's bulk f16/bf16 conversions (SIMD where available) agree bit for bit with
// the scalar round-to-nearest-even conversion, on every bit pattern and on rounding ties.
import { describe, expect, it } from 'vitest';

import * as native from '@abw/native';

function runCpu(op: string, dtype: 'f16' | 'bf16', inputs: Uint16Array[], shape: number[], params: Record<string, native.NativeParamValue>) {
  const ins = inputs.map((d) => native.tensor(dtype, shape, d));
  const out = native.tensor(dtype, shape);
  new native.PreparedOp('cpu', op, dtype, ins, [out], params).run();
  const bits = out.read() as Uint16Array;
  [...ins, out].forEach((t) => t.free());
  return bits;
}

const isNaNBits = (dtype: 'f16' | 'bf16', b: number) =>
  dtype === 'f16' ? (b & 0x7c00) === 0x7c00 && (b & 0x03ff) !== 0 : (b & 0x7f80) === 0x7f80 && (b & 0x007f) !== 0;

describe.each(['f16', 'bf16'] as const)('%s storage on the cpu backend', (dtype) => {
  it('a copy through f32 keeps every one of the 65,536 bit patterns', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const got = runCpu('reshape', dtype, [all], [65536], { shape: [65536] });
    for (let i = 0; i < 65536; i++) {
      if (isNaNBits(dtype, i)) expect(isNaNBits(dtype, got[i])).toBe(true);
      else if (got[i] !== i) expect.fail(`bits 0x${i.toString(16)} came back as 0x${got[i].toString(16)}`);
    }
  });

  it('rounds f32 results to nearest even, as the scalar conversion does', () => {
    // Sums of two values of the dtype land on ties and on both sides of them.
    const n = 1 << 16;
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = 1 + (i % 1024) / 1024;
      b[i] = 2 ** -(8 + (i % 8)) * (i % 3 === 0 ? -1 : 1);
    }
    const ab = native.roundTo(dtype, a);
    const bb = native.roundTo(dtype, b);
    const got = runCpu('add', dtype, [ab, bb], [n], { alpha: 1 });
    const wa = native.widen(dtype, ab);
    const wb = native.widen(dtype, bb);
    const sum32 = new Float32Array(n).map((_, i) => wa[i] + wb[i]);
    const want = native.roundTo(dtype, sum32);
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (got[i] !== want[i]) mismatches++;
    expect(mismatches).toBe(0);
  });
});
