// The Python worker protocol's TypeScript codec (frames and their tensors), without Python:
// encode → decode round trips for every dtype and shape edge case, streams split at any byte,
// and malformed frames rejected with a reason.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeFrame, encodeFrame, FRAME_ERROR, FRAME_REPLY, FRAME_REQUEST, FrameReader } from '../../kernel-bridge/src/backends/python-worker/protocol';
import { allocData, DTYPES, numel, type DType, type HostTensor, type Shape } from '../../kernel-bridge/src/tensor';

function filled(dtype: DType, shape: Shape, seed = 1): HostTensor {
  const n = numel(shape);
  const data = allocData(dtype, n);
  // Bit patterns that matter: negative values, NaN/Inf payloads (f16/bf16 as raw u16), extremes.
  for (let i = 0; i < n; i++) {
    const v = ((i * 2654435761 + seed) >>> 0) / 2 ** 32;
    if (dtype === 'f16' || dtype === 'bf16') (data as Uint16Array)[i] = (v * 65536) | 0;
    else if (dtype === 'int8') (data as Int8Array)[i] = ((v * 256) | 0) - 128;
    else if (dtype === 'int32') (data as Int32Array)[i] = ((v * 2 ** 32) | 0) - 2 ** 31;
    else (data as Float32Array | Float64Array)[i] = (v - 0.5) * 1e6;
  }
  if (n > 2 && (dtype === 'f32' || dtype === 'f64')) {
    (data as Float32Array)[0] = NaN;
    (data as Float32Array)[1] = -Infinity;
  }
  return { dtype, shape, data };
}

function frameBytes(buffers: Buffer[]): Buffer {
  return Buffer.concat(buffers);
}

const SHAPES: readonly Shape[] = [[], [0], [3, 0, 2], [1], [7], [2, 3, 5], [1, 1, 1, 1, 9]];

describe('worker protocol frames', () => {
  it.each(DTYPES.flatMap((dt) => SHAPES.map((s) => [dt, s] as const)))('%s %j round-trips bit for bit', (dtype, shape) => {
    const t = filled(dtype, shape);
    const f = decodeFrame(frameBytes(encodeFrame(FRAME_REPLY, 42, { cmd: 'x', note: 'ünïcødé' }, [t])));
    expect(f.type).toBe(FRAME_REPLY);
    expect(f.id).toBe(42);
    expect(f.header.note).toBe('ünïcødé');
    expect(f.tensors).toHaveLength(1);
    expect(f.tensors[0].dtype).toBe(dtype);
    expect(f.tensors[0].shape).toEqual(shape);
    expect(f.tensors[0].data.constructor).toBe(t.data.constructor);
    expect(Buffer.from(f.tensors[0].data.buffer, f.tensors[0].data.byteOffset, f.tensors[0].data.byteLength)).toEqual(
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
    );
  });

  it('carries several tensors back to back, and a subarray view sends only its own bytes', () => {
    const big = new Float64Array([9, 1, 2, 3, 9]);
    const view: HostTensor = { dtype: 'f64', shape: [3], data: big.subarray(1, 4) };
    const f = decodeFrame(frameBytes(encodeFrame(FRAME_REQUEST, 7, { cmd: 'upload' }, [view, filled('int8', [5]), filled('bf16', [2, 2])])));
    expect(Array.from(f.tensors[0].data)).toEqual([1, 2, 3]);
    expect(f.tensors.map((t) => t.dtype)).toEqual(['f64', 'int8', 'bf16']);
    expect(f.header.tensors).toEqual([
      { dtype: 'f64', shape: [3], nbytes: 24 },
      { dtype: 'int8', shape: [5], nbytes: 5 },
      { dtype: 'bf16', shape: [2, 2], nbytes: 8 },
    ]);
  });

  it('decodes a stream split at every byte boundary, and many frames in one chunk', () => {
    const frames = [
      frameBytes(encodeFrame(FRAME_REPLY, 1, { a: 1 }, [filled('f32', [5])])),
      frameBytes(encodeFrame(FRAME_ERROR, 2, { code: 'ABW_ENOMEM', message: 'x' })),
      frameBytes(encodeFrame(FRAME_REPLY, 3, {}, [filled('f16', [])])),
    ];
    const all = Buffer.concat(frames);
    for (let cut = 1; cut < all.length; cut += 3) {
      const r = new FrameReader();
      const got = [...r.push(all.subarray(0, cut)), ...r.push(all.subarray(cut))];
      expect(got.map((f) => f.id)).toEqual([1, 2, 3]);
      expect(r.pending).toBe(0);
    }
    const r = new FrameReader();
    const byByte = [...all].flatMap((b) => r.push(Buffer.from([b])));
    expect(byByte.map((f) => f.type)).toEqual([FRAME_REPLY, FRAME_ERROR, FRAME_REPLY]);
  });

  it('random shapes and dtypes survive random chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DTYPES),
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (dtype, shape, cuts) => {
          const t = filled(dtype, shape, cuts.length);
          const bytes = frameBytes(encodeFrame(FRAME_REPLY, 9, { s: shape }, [t]));
          const r = new FrameReader();
          const out = [];
          let at = 0;
          for (const c of [...cuts, bytes.length]) {
            out.push(...r.push(bytes.subarray(at, Math.min(bytes.length, at + c))));
            at = Math.min(bytes.length, at + c);
          }
          expect(out).toHaveLength(1);
          expect(Buffer.from(out[0].tensors[0].data.buffer)).toEqual(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects malformed frames and tensors with a reason', () => {
    const good = frameBytes(encodeFrame(FRAME_REPLY, 1, {}, [filled('f32', [4])]));
    const truncated = Buffer.from(good.subarray(0, good.length - 1));
    truncated.writeUInt32LE(truncated.length - 4, 0);
    expect(() => decodeFrame(truncated)).toThrow(/overruns the frame/);
    const badType = Buffer.from(good);
    badType.writeUInt8(9, 4);
    expect(() => decodeFrame(badType)).toThrow(/unknown frame type 9/);
    expect(() => new FrameReader().push(Buffer.from([1, 0, 0, 0, 0]))).toThrow(/shorter than its fixed fields/);
    expect(() => encodeFrame(FRAME_REQUEST, 1, {}, [{ dtype: 'f32', shape: [3], data: new Float32Array(2) }])).toThrow(/needs 12 bytes/);
    expect(() => encodeFrame(FRAME_REQUEST, 1, {}, [{ dtype: 'f8' as DType, shape: [1], data: new Float32Array(1) }])).toThrow(/allowed: f64, f32/);
  });
});
