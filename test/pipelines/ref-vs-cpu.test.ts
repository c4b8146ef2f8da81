// Each pipeline's tiny configuration on the FP64 oracle (`ref`) and on `cpu` in f32, with the
// same seeded weights and input: outputs agree to f32 precision, encodec picks the same codes,
// bitnet's integer matmuls are bit-exact. `ort:cpu` runs the pipelines whose ops it has and
// says why for the others.
import { afterAll, describe, expect, it } from 'vitest';

import { disposeBackends, getBackend } from '../../kernel-bridge/src/backend/registry';
import { getPipeline, runPipeline } from '../../kernel-bridge/src/pipelines';
import { pipelineSupport } from '../../kernel-bridge/src/pipelines/run';
import { errorMetrics } from '../../kernel-bridge/src/precision/metrics';
import { withOverrides } from '../helpers/backend-overrides';

afterAll(() => disposeBackends());

const TINY: Record<string, Record<string, number | string>> = {
  mdx23c: { config: 'tiny', seconds: 0.08, batch_size: 4 },
  fftconv: { channels: 8, length: 3000, kernel: 257, streams: 4 },
  encodec: { config: 'tiny', seconds: 0.1, bandwidth: '6' },
  bitnet: { config: 'tiny', tokens: 12 },
};

function snr(out: Float64Array, ref: Float64Array): number {
  return errorMetrics('out', out, ref, { atol: 0, rtol: 0, dtype: 'f32' }).snrDb;
}

describe('pipelines: ref (FP64) vs cpu (f32), tiny configurations', () => {
  for (const name of Object.keys(TINY)) {
    it(`${name}: same output to f32 precision`, async () => {
      const params = TINY[name]!;
      const ref = await runPipeline(getBackend('ref'), 'f64', name, { params, seed: 7 });
      const cpu = await runPipeline(getBackend('cpu'), 'f32', name, { params, seed: 7, run: { taps: true } });
      expect(cpu.output.shape).toEqual(ref.output.shape);
      expect(ref.output.output.some((v) => Math.abs(v) > 1e-3)).toBe(true);
      expect(snr(cpu.output.output, ref.output.output)).toBeGreaterThan(100);
      expect(ref.output.output.every(Number.isFinite)).toBe(true);
      if (name === 'encodec') {
        expect(cpu.output.codes).toHaveLength(8);
        cpu.output.codes!.forEach((codes, q) => expect([...codes]).toEqual([...ref.output.codes![q]!]));
        // The quantiser is device ops; the only reads are the codes and the output.
        expect([...cpu.tally.hostStages]).toEqual([]);
        expect(cpu.tally.deviceOps.get('argmax')).toBe(8);
        expect(cpu.tally.deviceOps.get('index_select')).toBe(8);
      }
      if (name === 'bitnet') {
        // The rescale is a device op: no host stage, and only the output comes back untapped.
        expect([...cpu.tally.hostStages]).toEqual([]);
        expect(ref.tally.hostStages.size).toBe(0);
        expect(cpu.tally.deviceOps.get('dequantize_int32')).toBe(4);
        // Integer matmuls: the cpu kernel and the oracle on the same int8 inputs, bit for bit.
        const taps = cpu.output.integerTaps!;
        expect(taps).toHaveLength(4);
        for (const t of taps) {
          const [xq, wq] = [getBackend('ref').upload({ dtype: 'int8', shape: t.xShape, data: t.xq }), getBackend('ref').upload({ dtype: 'int8', shape: t.wShape, data: t.wq })];
          const [out] = await getBackend('ref').run('ternary_matmul', [xq, wq], {}, 'int8');
          const want = (await getBackend('ref').download(out!)).data as Int32Array;
          expect([...t.out]).toEqual([...want]);
          for (const d of [xq, wq, out!]) getBackend('ref').free(d);
        }
      }
    });
  }

  it('mdx23c batches chunks: batch_size changes nothing but the number of calls', async () => {
    const one = await runPipeline(getBackend('cpu'), 'f32', 'mdx23c', { params: { ...TINY.mdx23c, batch_size: 1 } });
    const four = await runPipeline(getBackend('cpu'), 'f32', 'mdx23c', { params: { ...TINY.mdx23c, batch_size: 4 } });
    expect(snr(four.output.output, one.output.output)).toBeGreaterThan(120);
    // One stft per network call; the audio crosses to the host once either way.
    expect(four.tally.deviceOps.get('stft')!).toBeLessThan(one.tally.deviceOps.get('stft')!);
    expect(four.tally.roundTrips).toBe(1);
    expect(one.tally.roundTrips).toBe(1);
  });

  it('mdx23c channels last (NHWC convs and norms, broadcast-matmul TDF, fused norm + GELU) is the same network', async () => {
    const first = await runPipeline(getBackend('ref'), 'f64', 'mdx23c', { params: { ...TINY.mdx23c, layout: 'channels_first' }, seed: 3 });
    const last = await runPipeline(getBackend('ref'), 'f64', 'mdx23c', { params: { ...TINY.mdx23c, layout: 'channels_last' }, seed: 3 });
    expect(last.output.shape).toEqual(first.output.shape);
    expect(first.output.output.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    // Same arithmetic in another order: FP64 rounding apart.
    expect(snr(last.output.output, first.output.output)).toBeGreaterThan(200);
    // No transposes in the channels-last network; every norm carries its GELU.
    expect(last.tally.deviceOps.get('transpose')).toBeUndefined();
    expect(first.tally.deviceOps.get('transpose')).toBeGreaterThan(0);
    // Channels last both residuals of every block ride in a matmul or a conv; channels first
    // the TDF's stays an add (linear has no residual input).
    expect(last.tally.deviceOps.get('add')!).toBeLessThan(first.tally.deviceOps.get('add')!);
    // The one separate GELU per network call is the final conv's.
    for (const r of [first, last]) expect(r.tally.deviceOps.get('gelu')).toBe(r.tally.deviceOps.get('stft'));
    const cpuLast = await runPipeline(getBackend('cpu'), 'f32', 'mdx23c', { params: { ...TINY.mdx23c, layout: 'channels_last' }, seed: 3 });
    expect(snr(cpuLast.output.output, first.output.output)).toBeGreaterThan(100);
    // 'auto' is channels first off cuda.
    const auto = await runPipeline(getBackend('cpu'), 'f32', 'mdx23c', { params: { ...TINY.mdx23c }, seed: 3 });
    expect(auto.tally.deviceOps.get('transpose')).toBeGreaterThan(0);
  });

  it('fftconv: the band count does not change the result', async () => {
    const a = await runPipeline(getBackend('ref'), 'f64', 'fftconv', { params: { ...TINY.fftconv, streams: 1 } });
    const b = await runPipeline(getBackend('ref'), 'f64', 'fftconv', { params: { ...TINY.fftconv, streams: 8 } });
    expect(snr(b.output.output, a.output.output)).toBeGreaterThan(250);
  });

  it('fftconv issues the bands concurrently on a backend with streams, with the same result', async () => {
    const cpu = getBackend('cpu');
    // cpu with `streams` in its features: the bands' op chains are in flight together.
    const streamy = withOverrides(cpu, { info: () => ({ ...cpu.info(), features: [...cpu.info().features, 'streams'] }) });
    const params = { ...TINY.fftconv, streams: 4 };
    const seq = await runPipeline(cpu, 'f32', 'fftconv', { params });
    const par = await runPipeline(streamy, 'f32', 'fftconv', { params });
    expect([...par.output.output]).toEqual([...seq.output.output]);
  });

  it("fftconv takes the product inside irfft where the backend has irfft's filter, with the two-op path's output", async () => {
    const cpu = getBackend('cpu');
    const { irfft: _, ...others } = cpu.variants ?? {};
    const twoOps = withOverrides(cpu, { variants: others });
    const params = { ...TINY.fftconv, streams: 2 };
    const fused = await runPipeline(cpu, 'f32', 'fftconv', { params });
    const plain = await runPipeline(twoOps, 'f32', 'fftconv', { params });
    expect(fused.tally.deviceOps.get('complex_mul')).toBeUndefined();
    expect(plain.tally.deviceOps.get('complex_mul')).toBe(2);
    expect(snr(fused.output.output, plain.output.output)).toBeGreaterThan(120);
  });

  it('fftconv matches a direct convolution (FP64)', async () => {
    const params = { channels: 2, length: 300, kernel: 17, streams: 2 };
    const spec = getPipeline('fftconv');
    const { config } = spec.resolve(params);
    const { seededWeights } = await import('../../kernel-bridge/src/pipelines/weights');
    const w = seededWeights(spec.weights(config), 3);
    const r = await runPipeline(getBackend('ref'), 'f64', 'fftconv', { params, seed: 3, weights: w });
    const x = r.input.data;
    const h = w.get('filter')!.data;
    const b = w.get('bias')!.data;
    const want = new Float64Array(2 * 300);
    for (let c = 0; c < 2; c++) {
      for (let i = 0; i < 300; i++) {
        let s = b[c]!;
        for (let k = 0; k <= Math.min(i, 16); k++) s += h[c * 17 + k]! * x[c * 300 + i - k]!;
        want[c * 300 + i] = s;
      }
    }
    expect(snr(r.output.output, want)).toBeGreaterThan(250);
  });

  it('ort:cpu runs the pipelines its ops allow and names the missing op for the others', async () => {
    const ort = getBackend('ort:cpu');
    for (const name of Object.keys(TINY)) {
      const spec = getPipeline(name);
      const { config } = spec.resolve(TINY[name]!);
      const s = pipelineSupport(ort, spec, config, 'f32');
      if (!s.ok) {
        expect(s.reason).toMatch(new RegExp(`^${name} needs \\w+`));
        continue;
      }
      const ref = await runPipeline(getBackend('ref'), 'f64', name, { params: TINY[name]!, seed: 7 });
      const got = await runPipeline(ort, 'f32', name, { params: TINY[name]!, seed: 7 });
      expect(snr(got.output.output, ref.output.output)).toBeGreaterThan(100);
    }
    expect(pipelineSupport(ort, getPipeline('mdx23c'), getPipeline('mdx23c').resolve({}).config, 'f32')).toMatchObject({ ok: false, reason: expect.stringContaining('istft') });
  });

  it('rejects bad parameters with the parameter named', () => {
    expect(() => getPipeline('fftconv').resolve({ streams: 3 })).toThrow(/params\.streams: must be 1, 2, 4, 8 or 16, got 3/);
    expect(() => getPipeline('fftconv').resolve({ streams: 4, channels: 6 })).toThrow(/params\.channels: must be divisible by streams/);
    expect(() => getPipeline('mdx23c').resolve({ config: 'huge' })).toThrow(/config/);
    expect(() => getPipeline('encodec').resolve({ bandwidth: 5 })).toThrow(/bandwidth/);
    expect(() => getPipeline('nope')).toThrow(/unknown pipeline "nope"; known: mdx23c, fftconv, encodec, bitnet/);
  });
});
