/**
 * The `fftconv` pipeline: a long per-channel FIR filter (reverb-style, one filter per channel)
 * applied by FFT, with the channels split into bands; each band is uploaded on its own, runs
 * rfft → complex_mul → irfft → bias (with the crop to the signal's length; the product inside
 * the irfft where the backend has its `filter` input) as its own chain of ops, on its own stream where the backend
 * has streams, and is downloaded into its place in the host output (the concatenation). Where
 * the backend queues copies (cuda), the bands' transfers overlap the other bands' compute. Backends without streams (everything but a GPU backend that says
 * `streams` in its features) run the bands one after another: the record then says 1 effective
 * stream, so the stream-scaling plot shows the cost of splitting alone.
 */
import { implementsVariant } from '../../backend/variant-support';
import type { DeviceTensor } from '../../backend/types';
import type { Params } from '../../ops/types';
import { Rng } from '../../ops/rng';
import { pipelineOutput, type PipelineExec } from '../exec';
import { num, pipelineParamError, resolvePipelineParams } from '../params';
import type { PipelineInput, PipelineSpec, PreparedPipeline } from '../types';
import type { WeightDecl, WeightSet } from '../weights';

export interface FftConvConfig {
  readonly channels: number;
  readonly length: number;
  readonly kernel: number;
  readonly streams: number;
  readonly sampleRate: number;
  /** FFT size: the next power of two ≥ length + kernel − 1 (linear, not circular, convolution). */
  readonly nFft: number;
}

const PARAMS = {
  streams: { type: 'int', default: 1, min: 1, max: 16, doc: 'channel bands, each on its own stream (1, 2, 4, 8, 16)' },
  channels: { type: 'int', default: 16, min: 1, max: 4096, doc: 'channels (divisible by streams)' },
  length: { type: 'int', default: 44100, min: 1, max: 1 << 26, doc: 'samples per channel' },
  kernel: { type: 'int', default: 4096, min: 1, max: 1 << 24, doc: 'filter taps per channel' },
  sample_rate: { type: 'int', default: 44100, min: 1000, doc: 'for the audio duration (RTF)' },
} as const;

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export function resolveFftConv(given: Params): { params: Params; config: FftConvConfig } {
  const params = resolvePipelineParams('fftconv', PARAMS, given);
  const streams = num(params, 'streams');
  if (![1, 2, 4, 8, 16].includes(streams)) throw pipelineParamError('fftconv', 'streams', `must be 1, 2, 4, 8 or 16, got ${streams}`);
  const channels = num(params, 'channels');
  if (channels % streams !== 0) throw pipelineParamError('fftconv', 'channels', `must be divisible by streams (${streams}), got ${channels}`);
  const length = num(params, 'length');
  const kernel = num(params, 'kernel');
  return { params, config: { channels, length, kernel, streams, sampleRate: num(params, 'sample_rate'), nFft: nextPow2(length + kernel - 1) } };
}

function weights(c: FftConvConfig): WeightDecl[] {
  return [
    { name: 'filter', shape: [c.channels, c.kernel], init: { kind: 'fan_in' } },
    { name: 'bias', shape: [c.channels], init: { kind: 'shift' } },
  ];
}

export const fftconv: PipelineSpec<FftConvConfig> = {
  name: 'fftconv',
  summary: 'banded multi-stream FFT convolution: per band upload → rfft → complex_mul → irfft → bias → download, bands concatenated on the host',
  params: PARAMS,
  resolve: resolveFftConv,
  ops: () => ['slice', 'rfft', 'complex_mul', 'irfft', 'add_bias'].map((op) => ({ op })),
  hostStages: () => [],
  weights,
  streams: (c) => c.streams,
  inputShape: (c) => [1, c.channels, c.length],
  input(c: FftConvConfig, seed: number): PipelineInput {
    // Multichannel audio-like input: each channel a differently seeded noise-and-tone mixture.
    const data = new Float64Array(c.channels * c.length);
    const rng = new Rng(seed);
    for (let ch = 0; ch < c.channels; ch++) {
      const f = 80 + rng.uniform() * 4000;
      for (let i = 0; i < c.length; i++) data[ch * c.length + i] = 0.5 * Math.sin((2 * Math.PI * f * i) / c.sampleRate) + 0.1 * rng.normal();
    }
    return { data, shape: [1, c.channels, c.length], audioSeconds: c.length / c.sampleRate };
  },
  flops: (c) => {
    const half = c.nFft / 2 + 1;
    // two real FFTs (2.5·n·log2 n each) and a complex product (6 flops per bin) per channel
    return c.channels * (2 * 2.5 * c.nFft * Math.log2(c.nFft) + 6 * half + c.length);
  },
  async prepare(ex: PipelineExec, w: WeightSet, c: FftConvConfig): Promise<PreparedPipeline> {
    const per = c.channels / c.streams;
    const filter = ex.upload(w.get('filter')!.data, [c.channels, c.kernel]);
    const bias = ex.upload(w.get('bias')!.data, [c.channels]);
    // Filter spectra and per-band slices are computed once, outside the timed run.
    const spectrum = await ex.op('rfft', [filter], { n: c.nFft, dim: -1 });
    ex.free(filter);
    const bandH: DeviceTensor[] = [];
    const bandBias: DeviceTensor[] = [];
    for (let b = 0; b < c.streams; b++) {
      bandH.push(await ex.op('slice', [spectrum], { dim: 0, start: b * per, end: (b + 1) * per }));
      bandBias.push(await ex.op('slice', [bias], { dim: 0, start: b * per, end: (b + 1) * per }));
    }
    ex.free(spectrum, bias);
    const concurrent = effectiveStreams(ex.backend.info().features, c.streams) > 1;
    // The crop to the signal's length and the bias in one pass where the backend has add_bias's
    // `length` variant (PyTorch: a view of the inverse FFT, then the add); else a slice, then the add.
    // ABW_FFTCONV_CROP_BIAS=0 keeps the slice (to measure what the fused pass changes).
    const cropWithBias = implementsVariant(ex.backend, 'add_bias', 'length') && process.env.ABW_FFTCONV_CROP_BIAS !== '0';
    // The spectral product inside the inverse transform where the backend has irfft's `filter`
    // (cuda: in the copy of the spectrum that C2R needs anyway), else complex_mul then irfft.
    // ABW_FFTCONV_FILTER_IRFFT=0 keeps complex_mul (decision 36).
    const filterInIrfft = implementsVariant(ex.backend, 'irfft', 'filter') && process.env.ABW_FFTCONV_FILTER_IRFFT !== '0';

    // 'ortho' on both transforms: the same product as 1/n on the inverse, but the spectrum is
    // scaled by 1/√n, so a minute of audio (n = 2²²) stays inside f16's range (65504); with
    // 'backward' its peaks reach ~10⁶ and an f16 run's output is all inf.
    const transform = { n: c.nFft, dim: -1, norm: 'ortho' };
    /** irfft(X · H), freeing X: one op with irfft's filter, else complex_mul then irfft. */
    const filtered = async (X: DeviceTensor, H: DeviceTensor): Promise<DeviceTensor> => {
      if (filterInIrfft) {
        const y = await ex.op('irfft', [X, H], transform);
        ex.free(X);
        return y;
      }
      const Y = await ex.op('complex_mul', [X, H]);
      ex.free(X);
      const y = await ex.op('irfft', [Y], transform);
      ex.free(Y);
      return y;
    };
    const band = async (x: DeviceTensor, b: number): Promise<DeviceTensor> => {
      const X = await ex.op('rfft', [x], transform);
      ex.free(x);
      const y = await filtered(X, bandH[b]!);
      if (cropWithBias) {
        const out = await ex.op('add_bias', [y, bandBias[b]!], { dim: 1, length: c.length });
        ex.free(y);
        return out;
      }
      const cut = await ex.op('slice', [y], { dim: 2, start: 0, end: c.length });
      ex.free(y);
      const out = await ex.op('add_bias', [cut, bandBias[b]!], { dim: 1 });
      ex.free(cut);
      return out;
    };

    return {
      async run(input: PipelineInput) {
        const shape = [1, c.channels, c.length];
        // Each band's input is its own upload and its output its own download into place in the
        // host output (the concatenation): no device slice or concat, and where the backend
        // queues copies (cuda), band b's transfers overlap the other bands' compute.
        const xs = ex.uploadInputParts(input, shape, 1, c.streams);
        const out = ex.outputParts(shape, 1, c.streams);
        try {
          // Each band is a chain of device ops: one compiled call where the backend has them.
          const run = async (b: number) => out.put(b, await ex.segment(`band ${b}`, () => band(xs[b]!, b)));
          const ids = Array.from({ length: c.streams }, (_, b) => b);
          if (concurrent) await Promise.all(ids.map(run));
          else for (const b of ids) await run(b);
          return pipelineOutput(await out.finish(), shape);
        } finally {
          ex.free(...xs);
        }
      },
      dispose: () => ex.free(...bandH, ...bandBias),
    };
  },
};

/** Streams that actually ran concurrently on this backend. */
export function effectiveStreams(backendFeatures: readonly string[], requested: number): number {
  return backendFeatures.includes('streams') ? requested : 1;
}
