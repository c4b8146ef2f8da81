/**
 * Input audio for pipelines: seeded synthetic mixtures (tones with harmonics and vibrato, a
 * noise floor, noise bursts, decaying transients), and WAV files the user points to.
 * Audio is channel-major: `data[c * frames + i]`.
 */
import * as fs from 'node:fs';

import { AbwError } from '../errors';
import { Rng } from '../ops/rng';

export interface Audio {
  readonly sampleRate: number;
  readonly channels: number;
  readonly frames: number;
  /** Channel-major samples in about [-1, 1]. */
  readonly data: Float64Array;
}

/** A pipeline input from audio: channel-major [channels, frames], or with `leading` dims before it (encodec: [1]). */
export function audioInput(a: Audio, leading: readonly number[] = []): { data: Float64Array; shape: number[]; audioSeconds: number } {
  return { data: a.data, shape: [...leading, a.channels, a.frames], audioSeconds: a.frames / a.sampleRate };
}

export function audioSeconds(a: Pick<Audio, 'sampleRate' | 'frames'>): number {
  return a.frames / a.sampleRate;
}

/** A realistic test signal: deterministic for a seed, different per channel, peak ≈ 0.9. */
export function syntheticAudio(opts: { seconds: number; sampleRate: number; channels: number; seed: number }): Audio {
  const { seconds, sampleRate, channels, seed } = opts;
  if (!(seconds > 0)) throw new AbwError('ABW_EINVAL', `audio.seconds: must be > 0, got ${seconds}`, 'seconds');
  if (!Number.isInteger(sampleRate) || sampleRate < 1000) throw new AbwError('ABW_EINVAL', `audio.sampleRate: must be an integer ≥ 1000, got ${sampleRate}`, 'sampleRate');
  const frames = Math.max(1, Math.round(seconds * sampleRate));
  const data = new Float64Array(frames * channels);
  const rng = new Rng(seed);
  const tones = Array.from({ length: 5 }, () => ({
    f0: 55 * 2 ** rng.range(0, 5),
    amp: rng.range(0.05, 0.2),
    vib: rng.range(0, 6),
    pan: rng.uniform(),
  }));
  const events = Array.from({ length: Math.max(2, Math.round(seconds * 4)) }, () => ({
    at: Math.floor(rng.uniform() * frames),
    len: Math.floor(rng.range(0.005, 0.15) * sampleRate),
    amp: rng.range(0.1, 0.4),
    burst: rng.uniform() < 0.5,
  }));
  for (let c = 0; c < channels; c++) {
    const row = data.subarray(c * frames, (c + 1) * frames);
    const noise = new Rng(seed + 7919 * (c + 1));
    for (const t of tones) {
      const gain = t.amp * (channels === 1 ? 1 : c === 0 ? 1 - t.pan * 0.5 : 0.5 + t.pan * 0.5);
      let phase = 0;
      for (let i = 0; i < frames; i++) {
        const f = t.f0 * (1 + 0.003 * Math.sin((2 * Math.PI * t.vib * i) / sampleRate));
        phase += (2 * Math.PI * f) / sampleRate;
        row[i] += gain * (Math.sin(phase) + 0.3 * Math.sin(2 * phase) + 0.1 * Math.sin(3 * phase));
      }
    }
    for (let i = 0; i < frames; i++) row[i] += 0.005 * noise.normal();
    for (const e of events) {
      for (let j = 0; j < e.len && e.at + j < frames; j++) {
        const env = Math.exp((-6 * j) / e.len);
        row[e.at + j] += e.amp * env * (e.burst ? noise.range(-1, 1) : Math.sin((2 * Math.PI * 2000 * j) / sampleRate));
      }
    }
  }
  let peak = 0;
  for (const v of data) peak = Math.max(peak, Math.abs(v));
  if (peak > 0) for (let i = 0; i < data.length; i++) data[i] *= 0.9 / peak;
  return { sampleRate, channels, frames, data };
}

function wavError(path: string, message: string): AbwError {
  return new AbwError('ABW_EINVAL', `audio: ${path} is not a WAV file this reader takes: ${message}`, 'audio');
}

/**
 * Reads a RIFF/WAVE file: PCM 8/16/24/32-bit or IEEE float 32/64, any channel count
 * (WAVE_FORMAT_EXTENSIBLE with those sub-formats too). A dozen lines of parsing do not justify
 * a dependency; what it does not take is a clear error.
 */
export function parseWav(buf: Uint8Array, path = 'wav'): Audio {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (o: number) => String.fromCharCode(buf[o]!, buf[o + 1]!, buf[o + 2]!, buf[o + 3]!);
  if (buf.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw wavError(path, 'no RIFF/WAVE header');
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let off = 12;
  while (off + 8 <= buf.byteLength) {
    const id = tag(off);
    const size = dv.getUint32(off + 4, true);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > buf.byteLength) throw wavError(path, 'truncated fmt chunk');
      let format = dv.getUint16(body, true);
      if (format === 0xfffe && size >= 26) format = dv.getUint16(body + 24, true);
      fmt = { format, channels: dv.getUint16(body + 2, true), rate: dv.getUint32(body + 4, true), bits: dv.getUint16(body + 14, true) };
    } else if (id === 'data') {
      if (!fmt) throw wavError(path, 'data chunk before fmt chunk');
      const { format, channels, rate, bits } = fmt;
      if (channels < 1) throw wavError(path, 'zero channels');
      const bytes = bits / 8;
      const pcm = format === 1 && [8, 16, 24, 32].includes(bits);
      const float = format === 3 && (bits === 32 || bits === 64);
      if (!pcm && !float) throw wavError(path, `format ${format} with ${bits} bits; supported: PCM 8/16/24/32, float 32/64`);
      const len = Math.min(size, buf.byteLength - body);
      const frames = Math.floor(len / (bytes * channels));
      const data = new Float64Array(frames * channels);
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < channels; c++) {
          const p = body + (i * channels + c) * bytes;
          let v: number;
          if (float) v = bits === 32 ? dv.getFloat32(p, true) : dv.getFloat64(p, true);
          else if (bits === 8) v = (dv.getUint8(p) - 128) / 128;
          else if (bits === 16) v = dv.getInt16(p, true) / 32768;
          else if (bits === 24) v = (((dv.getUint8(p + 2) << 24) | (dv.getUint8(p + 1) << 16) | (dv.getUint8(p) << 8)) >> 8) / 8388608;
          else v = dv.getInt32(p, true) / 2147483648;
          data[c * frames + i] = v;
        }
      }
      return { sampleRate: rate, channels, frames, data };
    }
    off = body + size + (size & 1);
  }
  throw wavError(path, fmt ? 'no data chunk' : 'no fmt chunk');
}

export function readWav(path: string): Audio {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    throw new AbwError('ABW_EIO', `audio: cannot read ${path}: ${(e as Error).message}`, 'audio');
  }
  return parseWav(buf, path);
}

/** 16-bit PCM WAV bytes (tests, and writing separated stems). */
export function encodeWav16(a: Audio): Uint8Array {
  const bytes = a.frames * a.channels * 2;
  const out = new Uint8Array(44 + bytes);
  const dv = new DataView(out.buffer);
  const put = (o: number, s: string) => [...s].forEach((ch, i) => (out[o + i] = ch.charCodeAt(0)));
  put(0, 'RIFF');
  dv.setUint32(4, 36 + bytes, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true);
  dv.setUint16(22, a.channels, true);
  dv.setUint32(24, a.sampleRate, true);
  dv.setUint32(28, a.sampleRate * a.channels * 2, true);
  dv.setUint16(32, a.channels * 2, true);
  dv.setUint16(34, 16, true);
  put(36, 'data');
  dv.setUint32(40, bytes, true);
  for (let i = 0; i < a.frames; i++) {
    for (let c = 0; c < a.channels; c++) {
      const v = Math.max(-1, Math.min(1, a.data[c * a.frames + i]!));
      dv.setInt16(44 + (i * a.channels + c) * 2, Math.min(32767, Math.round(v * 32768)), true);
    }
  }
  return out;
}
