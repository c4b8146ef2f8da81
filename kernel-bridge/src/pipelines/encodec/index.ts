/** The `encodec` pipeline: encode → residual vector quantisation → decode, mono 24 kHz. */
import type { Params } from '../../ops/types';
import { syntheticAudio } from '../audio';
import type { PipelineExec } from '../exec';
import type { PipelineInput, PipelineSpec, PreparedPipeline } from '../types';
import { DeviceWeights, type WeightSet } from '../weights';
import { decoderLayers, ENCODEC_PARAMS, encodecWeights, encoderLayers, hopLength, resolveEncodec, type EncodecConfig, type Layer } from './config';
import { EncodecNetwork } from './model';

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
  ops: () => ['pad', 'conv1d', 'elu', 'add', 'permute', 'lstm', 'conv_transpose1d', 'slice', 'transpose', 'matmul'].map((op) => ({ op })),
  hostStages: () => ['rvq-argmin: nearest codeword per frame (no argmin op in the catalogue)', 'rvq-gather: codeword lookup and residual update (no gather op)'],
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
    const w = DeviceWeights.upload(ex, used);
    const codebooks = Array.from({ length: c.codebooks }, (_, q) => weights.get(`quantizer.vq.layers.${q}._codebook.embed`)!.data);
    const net = new EncodecNetwork(ex, w, c, codebooks);
    return {
      async run(input: PipelineInput) {
        const L = input.shape[2]!;
        const x = ex.uploadInput(input, [1, 1, L]);
        try {
          // Encoder and decoder are chains of device ops: one compiled call each where the
          // backend compiles chains (ort: one ONNX graph), else op by op.
          const z = await ex.segment('encoder', () => net.encode(x));
          const F = z.shape[2]!;
          ex.free(x);
          const { codes, quantized } = await net.quantize(z);
          ex.free(z);
          const q = ex.upload(quantized, [1, c.dimension, F]);
          const y = await ex.segment('decoder', () => net.decode(q));
          ex.free(q);
          // The decoder makes frames·hop samples; the codec returns as many as it was given.
          const cut = y.shape[2]! > L ? await ex.op('slice', [y], { dim: 2, start: 0, end: L }) : y;
          if (cut !== y) ex.free(y);
          const output = await ex.outputFloats(cut);
          const n = cut.shape[2]!;
          ex.free(cut);
          return {
            get output() {
              return output();
            },
            shape: [1, 1, n],
            codes,
          };
        } finally {
          ex.free(x);
        }
      },
      dispose: () => w.free(),
    };
  },
};
