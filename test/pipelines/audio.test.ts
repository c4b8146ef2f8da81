// Input audio: seeded synthetic mixtures and the WAV reader.
import { describe, expect, it } from 'vitest';

import { encodeWav16, parseWav, syntheticAudio } from '../../kernel-bridge/src/pipelines/audio';

describe('synthetic audio', () => {
  it('is deterministic per seed, differs between seeds and channels, peaks at 0.9', () => {
    const a = syntheticAudio({ seconds: 0.5, sampleRate: 44100, channels: 2, seed: 4 });
    const b = syntheticAudio({ seconds: 0.5, sampleRate: 44100, channels: 2, seed: 4 });
    const c = syntheticAudio({ seconds: 0.5, sampleRate: 44100, channels: 2, seed: 5 });
    expect(a.frames).toBe(22050);
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toEqual(c.data);
    expect(a.data.subarray(0, a.frames)).not.toEqual(a.data.subarray(a.frames));
    expect(Math.max(...a.data.map(Math.abs))).toBeCloseTo(0.9, 12);
    // Not a pure tone: the spectrum has energy spread (a rough check: zero crossings vary).
    let crossings = 0;
    for (let i = 1; i < a.frames; i++) if (a.data[i - 1]! < 0 !== a.data[i]! < 0) crossings++;
    expect(crossings).toBeGreaterThan(50);
  });

  it('rejects bad settings with the field named', () => {
    expect(() => syntheticAudio({ seconds: 0, sampleRate: 44100, channels: 1, seed: 1 })).toThrow(/audio\.seconds: must be > 0/);
    expect(() => syntheticAudio({ seconds: 1, sampleRate: 10, channels: 1, seed: 1 })).toThrow(/audio\.sampleRate/);
  });
});

describe('WAV reader', () => {
  it('round-trips 16-bit PCM to 1/32768', () => {
    const a = syntheticAudio({ seconds: 0.01, sampleRate: 24000, channels: 2, seed: 1 });
    const back = parseWav(encodeWav16(a));
    expect(back).toMatchObject({ sampleRate: 24000, channels: 2, frames: a.frames });
    for (let i = 0; i < a.data.length; i++) expect(Math.abs(back.data[i]! - a.data[i]!)).toBeLessThan(1 / 32768 + 1e-12);
  });

  it('reads float32 and 24-bit PCM, skipping unknown chunks', () => {
    const mk = (format: number, bits: number, samples: number[], write: (dv: DataView, o: number, v: number) => void) => {
      const bytes = samples.length * (bits / 8);
      const buf = new Uint8Array(12 + 8 + 4 + 24 + 8 + bytes);
      const dv = new DataView(buf.buffer);
      const put = (o: number, s: string) => [...s].forEach((ch, i) => (buf[o + i] = ch.charCodeAt(0)));
      put(0, 'RIFF');
      put(8, 'WAVE');
      put(12, 'LIST');
      dv.setUint32(16, 4, true);
      put(24, 'fmt ');
      dv.setUint32(28, 16, true);
      dv.setUint16(32, format, true);
      dv.setUint16(34, 1, true);
      dv.setUint32(36, 8000, true);
      dv.setUint16(46, bits, true);
      put(48, 'data');
      dv.setUint32(52, bytes, true);
      samples.forEach((v, i) => write(dv, 56 + i * (bits / 8), v));
      return buf;
    };
    const f = parseWav(mk(3, 32, [0.5, -0.25], (dv, o, v) => dv.setFloat32(o, v, true)));
    expect([...f.data]).toEqual([0.5, -0.25]);
    const p24 = parseWav(
      mk(1, 24, [-8388608, 4194304], (dv, o, v) => {
        dv.setUint8(o, v & 0xff);
        dv.setUint8(o + 1, (v >> 8) & 0xff);
        dv.setUint8(o + 2, (v >> 16) & 0xff);
      }),
    );
    expect([...p24.data]).toEqual([-1, 0.5]);
  });

  it('says what it does not take', () => {
    expect(() => parseWav(new Uint8Array(20), 'x.wav')).toThrow(/audio: x\.wav is not a WAV file this reader takes: no RIFF\/WAVE header/);
    const a = encodeWav16(syntheticAudio({ seconds: 0.001, sampleRate: 8000, channels: 1, seed: 1 }));
    new DataView(a.buffer).setUint16(20, 2, true); // ADPCM
    expect(() => parseWav(a, 'y.wav')).toThrow(/format 2 with 16 bits; supported: PCM 8\/16\/24\/32, float 32\/64/);
  });
});

describe('a WAV file through a pipeline', () => {
  it('runs with the file as input; a layout that does not fit is a clear error', async () => {
    const { getBackend, disposeBackends } = await import('../../kernel-bridge/src/backend/registry');
    const { runPipeline } = await import('../../kernel-bridge/src/pipelines/run');
    const { audioInput } = await import('../../kernel-bridge/src/pipelines/audio');
    const wav = parseWav(encodeWav16(syntheticAudio({ seconds: 0.05, sampleRate: 24000, channels: 1, seed: 2 })));
    const r = await runPipeline(getBackend('cpu'), 'f32', 'encodec', { input: audioInput(wav, [1]) });
    expect(r.output.shape).toEqual([1, 1, wav.frames]);
    await expect(runPipeline(getBackend('cpu'), 'f32', 'encodec', { input: audioInput(wav) })).rejects.toThrow(/\[encodec\] input: shape \[1, 1200\] \(1200 values\) does not fit \[1, 1, length\]/);
    disposeBackends();
  });
});
