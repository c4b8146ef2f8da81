/** The `encodec` pipeline: encode → residual vector quantisation → decode, mono 24 kHz. */
import type { Params } from '../../ops/types';
import { syntheticAudio } from '../audio';
import { pipelineOutput, type PipelineExec } from '../exec';
import type { PipelineInput, PipelineSpec, PreparedPipeline } from '../types';
import { DeviceWeights, type WeightSet } from '../weights';
import { decoderLayers, ENCODEC_PARAMS, encodecWeights, encoderLayers, hopLength, resolveEncodec, type EncodecConfig, type Layer } from './config';
import { EncodecNetwork, negHalfNormName, negHalfNorms } from './model';

export { resolveEncodec, encodecWeights, type EncodecConfig } from './config';

function stackFlops(layers: readonly Layer[], c: EncodecConfig, frames0: number): number {
  let flops = 0;
  let t = frames0;
  for (const l of layers) {
    if (l.kind === 'conv') {
      t = Math.ceil(t / l.stride!);
      flops += 2 * l.cout! * l.cin! * l.k! * t;
    } else if (l.kind === 'convtr') {
      flops += 2 * l.cout! * l.cin! * l.k! * t;
      t *= l.stride!;
    } else if (l.kind === 'res') {
      const d = l.cin!;
      flops += 2 * t * ((d / c.compress) * d * c.residualKernel + d * (d / c.compress) + d * d);
    } else if (l.kind === 'lstm') {
      flops += c.lstmLayers * 2 * t * 8 * l.cin! * l.cin!;
    }
  }
  return flops;
}

export const encodec: PipelineSpec<EncodecConfig> = {
  name: 'encodec',
  summary: 'EnCodec-style 24 kHz codec: SEANet encoder (ELU, LSTM with skip), residual vector quantiser, SEANet decoder',
  params: ENCODEC_PARAMS,
  quantizes: true,
  resolve: (p: Params) => resolveEncodec(p),
  ops: () =>
    ['pad', 'conv1d', 'elu', 'add', 'permute', 'lstm', 'conv_transpose1d', 'slice', 'transpose', 'reshape', 'matmul', 'add_bias', 'argmax', 'index_select'].map((op) => ({ op })),
  hostStages: () => [],
  weights: encodecWeights,
  inputShape: (c) => [1, 1, Math.max(1, Math.round(c.seconds * c.sampleRate))],
  input(c: EncodecConfig, seed: number): PipelineInput {
    const a = syntheticAudio({ seconds: c.seconds, sampleRate: c.sampleRate, channels: 1, seed });
    return { data: a.data, shape: [1, 1, a.frames], audioSeconds: a.frames / a.sampleRate };
  },
  flops: (c, input) => {
    const L = input.shape[2]!;
    const frames = Math.ceil(L / hopLength(c));
    return stackFlops(encoderLayers(c), c, L) + stackFlops(decoderLayers(c), c, frames) + 2 * frames * c.dimension * c.bins * c.codebooks;
  },
  async prepare(ex: PipelineExec, weights: WeightSet, c: EncodecConfig): Promise<PreparedPipeline> {
    const used = new Map([...weights].filter(([k]) => !k.startsWith('quantizer.') || Number(k.split('.')[3]) < c.codebooks));
    // −|e|²/2 per codebook entry, computed once in f64 and uploaded beside the codebooks.
    for (let q = 0; q < c.codebooks; q++) {
      const cb = weights.get(`quantizer.vq.layers.${q}._codebook.embed`)!.data;
      used.set(negHalfNormName(q), { shape: [c.bins], data: negHalfNorms(cb, c.bins, c.dimension) });
    }
    const w = DeviceWeights.upload(ex, used);
    const net = new EncodecNetwork(ex, w, c);
    return {
      async run(input: PipelineInput) {
        const L = input.shape[2]!;
        const x = ex.uploadInput(input, [1, 1, L]);
        try {
          // Encoder and decoder are chains of device ops: one compiled call each where the
          // backend compiles chains (ort: one ONNX graph), else op by op.
          const z = await ex.segment('encoder', () => net.encode(x));
          ex.free(x);
          // The quantiser on the device (only the codes come back), then the decoder: no host
          // round trip between encoder and decoder.
          const { codes, quantized } = await net.quantize(z);
          ex.free(z);
          const y = await ex.segment('decoder', () => net.decode(quantized));
          ex.free(quantized);
          // The decoder makes frames·hop samples; the codec returns as many as it was given.
          const cut = y.shape[2]! > L ? await ex.op('slice', [y], { dim: 2, start: 0, end: L }) : y;
          if (cut !== y) ex.free(y);
          const output = await ex.outputFloats(cut);
          const n = cut.shape[2]!;
          ex.free(cut);
          return pipelineOutput(output, [1, 1, n], { codes });
        } finally {
          ex.free(x);
        }
      },
      dispose: () => w.free(),
    };
  },
};
