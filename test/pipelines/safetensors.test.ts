// The safetensors loader: round trip, and a clear error for every corrupt or mismatched file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import { getPipeline } from '../../kernel-bridge/src/pipelines';
import { loadSafetensors, parseSafetensors, serializeSafetensors } from '../../kernel-bridge/src/pipelines/safetensors';
import { checkWeights, seededWeights, type WeightDecl } from '../../kernel-bridge/src/pipelines/weights';

const DECLS: WeightDecl[] = [
  { name: 'a.weight', shape: [3, 4], init: { kind: 'fan_in' } },
  { name: 'a.bias', shape: [3], init: { kind: 'shift' } },
  { name: 'codebook', shape: [5, 2], init: { kind: 'normal', std: 1 } },
];

/** A file from a header object and a data buffer (for hand-made corrupt files). */
function file(header: unknown, data = new Uint8Array(0), headerLen?: number): Uint8Array {
  const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function error(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('safetensors', () => {
  it('round-trips seeded weights (F64 exactly, F32 to f32 rounding) and checks names and shapes', () => {
    const w = seededWeights(DECLS, 5);
    const back = parseSafetensors(serializeSafetensors(w, 'F64', { format: 'pt' }));
    expect([...back.keys()].sort()).toEqual([...w.keys()].sort());
    for (const [k, v] of w) {
      expect(back.get(k)!.shape).toEqual(v.shape);
      expect([...back.get(k)!.data]).toEqual([...v.data]);
    }
    const f32 = parseSafetensors(serializeSafetensors(w, 'F32'));
    for (const [k, v] of w) expect([...f32.get(k)!.data]).toEqual([...Float32Array.from(v.data)]);
    expect(() => checkWeights(DECLS, back, 'x')).not.toThrow();
  });

  it('the data buffer starts 8-byte aligned', () => {
    const bytes = serializeSafetensors(seededWeights(DECLS, 1));
    expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
  });

  it('loads a whole pipeline checkpoint from disk', () => {
    const spec = getPipeline('bitnet');
    const { config } = spec.resolve({});
    const w = seededWeights(spec.weights(config), 2);
    const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'abw-st-')), 'bitnet.safetensors');
    fs.writeFileSync(p, serializeSafetensors(w, 'F64'));
    const back = loadSafetensors(p, spec.weights(config));
    expect(back.get('layers.1.up.weight')!.data).toEqual(w.get('layers.1.up.weight')!.data);
    expect(error(() => loadSafetensors(p + '.missing', spec.weights(config)))).toMatch(/weights: cannot read .*missing/);
  });

  it('a mismatched checkpoint names the tensor and both shapes', () => {
    const w = new Map(seededWeights(DECLS, 1));
    w.set('a.weight', { shape: [4, 3], data: new Float64Array(12) });
    expect(error(() => checkWeights(DECLS, parseSafetensors(serializeSafetensors(w)), 'ckpt.safetensors'))).toBe(
      'ckpt.safetensors: tensor "a.weight" has shape [4, 3], expected [3, 4]',
    );
    const missing = new Map(seededWeights(DECLS, 1));
    missing.delete('a.bias');
    expect(error(() => checkWeights(DECLS, missing, 'c'))).toBe('c: tensor "a.bias" is missing (expected shape [3])');
    const extra = new Map(seededWeights(DECLS, 1));
    extra.set('b.weight', { shape: [1], data: new Float64Array(1) });
    expect(error(() => checkWeights(DECLS, extra, 'c'))).toMatch(/1 tensor\(s\) this configuration does not have: b\.weight/);
  });

  it('a corrupt file is a clear error', () => {
    expect(error(() => parseSafetensors(new Uint8Array(3), 'f'))).toMatch(/f: not a valid safetensors file: 3 bytes is shorter/);
    expect(error(() => parseSafetensors(file('{}', undefined, 1 << 20), 'f'))).toMatch(/header length 1048576 does not fit a file of/);
    expect(error(() => parseSafetensors(file('{"a": [1, 2'), 'f'))).toMatch(/the header is not JSON/);
    expect(error(() => parseSafetensors(file('[1]'), 'f'))).toMatch(/the header is not a JSON object/);
    expect(error(() => parseSafetensors(file({ t: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), 'f'))).toMatch(/tensor "t" has dtype "Q4"; supported: F64, F32/);
    expect(error(() => parseSafetensors(file({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), 'f'))).toMatch(/tensor "t" holds 4 bytes but F32 \[2\] needs 8/);
    expect(error(() => parseSafetensors(file({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)), 'f'))).toMatch(/tensor "t" ends at byte 8 of a 4-byte data buffer \(truncated file\?\)/);
    expect(error(() => parseSafetensors(file({ t: { dtype: 'F32', shape: [2], data_offsets: [4, 0] } }, new Uint8Array(8)), 'f'))).toMatch(/tensor "t" has invalid data_offsets/);
    expect(error(() => parseSafetensors(file({ t: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }), 'f'))).toMatch(/tensor "t" has no valid shape/);
    const overlap = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    expect(error(() => parseSafetensors(file(overlap, new Uint8Array(12)), 'f'))).toMatch(/tensors "a" and "b" overlap/);
  });

  it('reads F16, BF16, I8 and I32 tensors', () => {
    const data = new Uint8Array(2 + 2 + 1 + 4);
    const dv = new DataView(data.buffer);
    dv.setUint16(0, 0x3c00, true); // f16 1.0
    dv.setUint16(2, 0xc040, true); // bf16 -3.0
    dv.setInt8(4, -7);
    dv.setInt32(5, 123456, true);
    const w = parseSafetensors(
      file(
        {
          __metadata__: { format: 'pt' },
          h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
          b: { dtype: 'BF16', shape: [1], data_offsets: [2, 4] },
          i: { dtype: 'I8', shape: [1], data_offsets: [4, 5] },
          j: { dtype: 'I32', shape: [], data_offsets: [5, 9] },
        },
        data,
      ),
    );
    expect([w.get('h')!.data[0], w.get('b')!.data[0], w.get('i')!.data[0], w.get('j')!.data[0]]).toEqual([1, -3, -7, 123456]);
  });
});
