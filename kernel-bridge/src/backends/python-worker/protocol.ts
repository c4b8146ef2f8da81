/**
 * The frame codec of the Python worker protocol (docs/backends/python-workers.md; the Python
 * side is kernel-bridge/python/abw_worker/protocol.py). A frame:
 *
 *   u32 length (bytes after this field) · u8 type · u32 request id · u32 header length ·
 *   UTF-8 JSON header · raw little-endian tensor bytes, back to back, as header.tensors lists them
 *
 * Tensors never travel as JSON numbers: 64 MB of f32 is 64 MB on the pipe, not ~180 MB of text.
 */
import * as os from 'node:os';

import { AbwError } from '../../errors';
import { allocData, byteSize, DTYPES, numel, type DType, type HostTensor, type Shape } from '../../tensor';

export const FRAME_REQUEST = 1;
export const FRAME_REPLY = 2;
export const FRAME_ERROR = 3;
export type FrameType = typeof FRAME_REQUEST | typeof FRAME_REPLY | typeof FRAME_ERROR;

/** type + id + header length: the fixed part after the length field. */
const AFTER_LENGTH = 9;
const PREFIX = 4 + AFTER_LENGTH;
/** The length field is a u32. */
export const MAX_FRAME_BYTES = 0xffffffff;

export interface TensorDesc {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly nbytes: number;
}

export interface Frame {
  readonly type: FrameType;
  readonly id: number;
  readonly header: Record<string, unknown>;
  /** One per header.tensors entry, decoded into fresh (aligned) typed arrays. */
  readonly tensors: HostTensor[];
}

if (os.endianness() !== 'LE') {
  // Every platform abw targets is little-endian; a big-endian host would need byte swaps here.
  throw new AbwError('ABW_EUNSUPPORTED', 'python-worker protocol: this host is big-endian; the protocol carries little-endian tensors');
}

export function describe(t: HostTensor): TensorDesc {
  if (!DTYPES.includes(t.dtype)) throw new AbwError('ABW_EDTYPE', `tensor dtype ${String(t.dtype)} not taken; allowed: ${DTYPES.join(', ')}`, 'dtype');
  const nbytes = numel(t.shape) * byteSize(t.dtype);
  if (t.data.byteLength !== nbytes) {
    throw new AbwError('ABW_ESHAPE', `tensor of shape [${t.shape.join(', ')}] ${t.dtype} needs ${nbytes} bytes, its data has ${t.data.byteLength}`, 'data');
  }
  return { dtype: t.dtype, shape: [...t.shape], nbytes };
}

/**
 * A frame as buffers to write in order. Tensor bytes are copied once here, so the caller may
 * reuse its arrays while the frame waits in the pipe.
 */
export function encodeFrame(type: FrameType, id: number, header: Record<string, unknown>, tensors: readonly HostTensor[] = []): Buffer[] {
  const descs = tensors.map(describe);
  const full = tensors.length ? { ...header, tensors: descs } : header;
  const json = Buffer.from(JSON.stringify(full), 'utf8');
  const payload = descs.reduce((s, d) => s + d.nbytes, 0);
  const length = AFTER_LENGTH + json.length + payload;
  if (length > MAX_FRAME_BYTES) {
    throw new AbwError('ABW_EINVAL', `python-worker protocol: a frame of ${length} bytes exceeds the 4 GiB limit of its u32 length field`, 'tensor');
  }
  const prefix = Buffer.allocUnsafe(PREFIX);
  prefix.writeUInt32LE(length, 0);
  prefix.writeUInt8(type, 4);
  prefix.writeUInt32LE(id >>> 0, 5);
  prefix.writeUInt32LE(json.length, 9);
  const out = [prefix, json];
  for (const t of tensors) out.push(Buffer.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
  return out;
}

/** Incremental decoder for a byte stream of frames (stdout chunks arrive at any boundary). */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;

  /** Appends a chunk and returns every frame now complete. Throws on a malformed stream. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.size < 4) break;
      const length = this.peekLength();
      if (length < AFTER_LENGTH) throw new AbwError('ABW_EINTERNAL', `python-worker protocol: frame length ${length} is shorter than its fixed fields`);
      if (this.size < 4 + length) break;
      frames.push(decodeFrame(this.take(4 + length)));
    }
    return frames;
  }

  /** Bytes received but not yet part of a whole frame. */
  get pending(): number {
    return this.size;
  }

  private peekLength(): number {
    if (this.chunks[0].length < 4) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0].readUInt32LE(0);
  }

  /** The first n bytes; concatenates at most once per frame, so a 64 MB frame costs one copy. */
  private take(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks, this.size)];
    const head = this.chunks[0];
    const out = head.subarray(0, n);
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.size -= n;
    return out;
  }
}

export function decodeFrame(buf: Buffer): Frame {
  const length = buf.readUInt32LE(0);
  if (length + 4 !== buf.length) throw new AbwError('ABW_EINTERNAL', `python-worker protocol: frame says ${length + 4} bytes, got ${buf.length}`);
  const type = buf.readUInt8(4);
  if (type !== FRAME_REQUEST && type !== FRAME_REPLY && type !== FRAME_ERROR) {
    throw new AbwError('ABW_EINTERNAL', `python-worker protocol: unknown frame type ${type}`);
  }
  const id = buf.readUInt32LE(5);
  const hlen = buf.readUInt32LE(9);
  if (PREFIX + hlen > buf.length) throw new AbwError('ABW_EINTERNAL', `python-worker protocol: header length ${hlen} overruns the frame`);
  const header = JSON.parse(buf.toString('utf8', PREFIX, PREFIX + hlen)) as Record<string, unknown>;
  const descs = (header.tensors ?? []) as TensorDesc[];
  let offset = PREFIX + hlen;
  const tensors = descs.map((d, i) => {
    if (!DTYPES.includes(d.dtype)) throw new AbwError('ABW_EINTERNAL', `python-worker protocol: tensors[${i}] has dtype ${String(d.dtype)}`);
    const n = numel(d.shape);
    if (d.nbytes !== n * byteSize(d.dtype)) {
      throw new AbwError('ABW_EINTERNAL', `python-worker protocol: tensors[${i}] declares ${d.nbytes} bytes for ${d.dtype} [${d.shape.join(', ')}]`);
    }
    if (offset + d.nbytes > buf.length) throw new AbwError('ABW_EINTERNAL', `python-worker protocol: tensors[${i}] overruns the frame`);
    const data = allocData(d.dtype, n); // fresh and aligned (the payload offset may not be)
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(buf.subarray(offset, offset + d.nbytes));
    offset += d.nbytes;
    return { dtype: d.dtype, shape: [...d.shape], data };
  });
  if (offset !== buf.length) throw new AbwError('ABW_EINTERNAL', `python-worker protocol: ${buf.length - offset} stray bytes after the tensors`);
  return { type: type as FrameType, id, header, tensors };
}
