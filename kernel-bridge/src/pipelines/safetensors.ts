/**
 * safetensors read/write (https://github.com/huggingface/safetensors, "Format"): an 8-byte
 * little-endian header length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin,
 * end]}, "__metadata__"?: {…}}`, then the data buffer (offsets are relative to it).
 *
 * Hand-written because the format is that small and the npm readers we looked at parse without
 * validating (offsets past the buffer, sizes that disagree with the shape, overlapping ranges):
 * a checkpoint is untrusted input here and each of those must be a clear error naming the tensor.
 */
import * as fs from 'node:fs';

import { AbwError } from '../errors';
import { numel, shapeStr, type Shape } from '../tensor';
import { checkWeights, type WeightDecl, type WeightSet } from './weights';

const DTYPE_BYTES: Readonly<Record<string, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I8: 1, I32: 4 };
/** Headers beyond this are not checkpoints of these pipelines (the format caps at 100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function corrupt(source: string, message: string, field?: string): AbwError {
  return new AbwError('ABW_ESCHEMA', `${source}: not a valid safetensors file: ${message}`, field);
}

function f16ToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function decode(dtype: string, bytes: Uint8Array): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / DTYPE_BYTES[dtype]!;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'F64': out[i] = view.getFloat64(i * 8, true); break;
      case 'F32': out[i] = view.getFloat32(i * 4, true); break;
      case 'F16': out[i] = f16ToNumber(view.getUint16(i * 2, true)); break;
      case 'BF16': { // bf16 is the top half of an f32
        const b = new DataView(new ArrayBuffer(4));
        b.setUint16(0, view.getUint16(i * 2, true), false);
        out[i] = b.getFloat32(0, false);
        break;
      }
      case 'I8': out[i] = view.getInt8(i); break;
      case 'I32': out[i] = view.getInt32(i * 4, true); break;
    }
  }
  return out;
}

/** Parses a safetensors buffer; every structural problem is an ABW_ESCHEMA error naming the tensor. */
export function parseSafetensors(buf: Uint8Array, source = 'safetensors'): WeightSet {
  if (buf.byteLength < 8) throw corrupt(source, `${buf.byteLength} bytes is shorter than the 8-byte header length`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n < 2 || n > MAX_HEADER_BYTES || 8 + n > buf.byteLength) {
    throw corrupt(source, `header length ${n} does not fit a file of ${buf.byteLength} bytes`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (e) {
    throw corrupt(source, `the header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw corrupt(source, 'the header is not a JSON object');
  const data = buf.subarray(8 + n);
  const out = new Map<string, { shape: Shape; data: Float64Array }>();
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw corrupt(source, `tensor "${name}" has no description`, name);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) {
      throw corrupt(source, `tensor "${name}" has dtype ${JSON.stringify(e.dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}`, name);
    }
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isInteger(d) || d < 0)) throw corrupt(source, `tensor "${name}" has no valid shape`, name);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0) || offs[0] > offs[1]) {
      throw corrupt(source, `tensor "${name}" has invalid data_offsets ${JSON.stringify(offs)}`, name);
    }
    const [begin, end] = offs as [number, number];
    const shape = e.shape as number[];
    const want = numel(shape) * DTYPE_BYTES[e.dtype]!;
    if (end - begin !== want) {
      throw corrupt(source, `tensor "${name}" holds ${end - begin} bytes but ${e.dtype} ${shapeStr(shape)} needs ${want}`, name);
    }
    if (end > data.byteLength) throw corrupt(source, `tensor "${name}" ends at byte ${end} of a ${data.byteLength}-byte data buffer (truncated file?)`, name);
    ranges.push([begin, end, name]);
    out.set(name, { shape, data: decode(e.dtype, data.subarray(begin, end)) });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) throw corrupt(source, `tensors "${ranges[i - 1]![2]}" and "${ranges[i]![2]}" overlap`, ranges[i]![2]);
  }
  return out;
}

/** Reads a checkpoint and checks it against a pipeline's declared weights (names and shapes). */
export function loadSafetensors(path: string, decls: readonly WeightDecl[]): WeightSet {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    throw new AbwError('ABW_EIO', `weights: cannot read ${path}: ${(e as Error).message}`, 'weights');
  }
  const w = parseSafetensors(buf, path);
  checkWeights(decls, w, path);
  return w;
}

/** Serialises weights as F32 (or F64) tensors, names sorted; the bench shares weights with PyTorch this way. */
export function serializeSafetensors(weights: WeightSet, dtype: 'F32' | 'F64' = 'F32', metadata?: Record<string, string>): Uint8Array {
  const names = [...weights.keys()].sort();
  const size = DTYPE_BYTES[dtype]!;
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const name of names) {
    const w = weights.get(name)!;
    header[name] = { dtype, shape: [...w.shape], data_offsets: [offset, offset + w.data.length * size] };
    offset += w.data.length * size;
  }
  let json = JSON.stringify(header);
  // The data buffer starts 8-byte aligned, as the reference writer pads the header with spaces.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const hb = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + hb.byteLength + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(hb.byteLength), true);
  out.set(hb, 8);
  let p = 8 + hb.byteLength;
  for (const name of names) {
    for (const v of weights.get(name)!.data) {
      if (dtype === 'F32') dv.setFloat32(p, v, true);
      else dv.setFloat64(p, v, true);
      p += size;
    }
  }
  return out;
}
