/** The `mdx23c` pipeline: chunked TFC-TDF v3 source separation of stereo 44.1 kHz audio. */
import { implementsVariant } from '../../backend/variant-support';
import type { Params } from '../../ops/types';
import { syntheticAudio } from '../audio';
import { planChunks } from '../chunking';
import { ChunkWeights, deviceOverlapAdd } from '../chunked-device';
import { pipelineOutput, type PipelineExec } from '../exec';
import { pipelineParamError } from '../params';
import type { PipelineInput, PipelineSpec, PreparedPipeline } from '../types';
import { DeviceWeights, type WeightSet } from '../weights';
import { dimC, MDX_PARAMS, mdxWeights, resolveMdx, type MdxConfig } from './config';
import { MdxNetwork, type MdxLayout } from './model';

export { resolveMdx, mdxWeights, type MdxConfig } from './config';
export { MdxNetwork } from './model';

const OPS = ['reshape', 'stft', 'permute', 'slice', 'conv2d', 'transpose', 'instance_norm', 'gelu', 'linear', 'add', 'matmul', 'concat', 'mul', 'pad', 'istft'];

/** Multiply-adds of one chunk through the network (convs and linears; norms and FFTs are small beside them). */
function chunkFlops(c: MdxConfig): number {
  let flops = 0;
  const conv = (cout: number, cin: number, k: number, h: number, w: number) => (flops += 2 * cout * cin * k * k * h * w);
  const dc = dimC(c);
  let t = c.dimT;
  let f = c.dimF / c.subbands;
  let ch = c.channels;
  const block = (inC: number, cc: number) => {
    for (let i = 0; i < c.blocks; i++) {
      conv(cc, inC, 3, t, f);
      conv(cc, cc, 3, t, f);
      conv(cc, inC, 1, t, f);
      flops += 2 * 2 * cc * t * f * Math.floor(f / c.bottleneck);
      inC = cc;
    }
  };
  conv(ch, dc, 1, t, f);
  for (let i = 0; i < c.scales; i++) {
    block(ch, ch);
    conv(ch + c.growth, ch, 2, t / 2, f / 2);
    t /= 2;
    f /= 2;
    ch += c.growth;
  }
  block(ch, ch);
  for (let i = 0; i < c.scales; i++) {
    conv(ch - c.growth, ch, 2, t, f);
    t *= 2;
    f *= 2;
    ch -= c.growth;
    block(2 * ch, ch);
  }
  conv(ch, ch + dc, 1, t, f);
  conv(c.instruments * dc, ch, 1, t, f);
  return flops;
}

/** The layout the network runs in on this backend, and whether its norms take GELU fused. */
export function mdxLayout(ex: PipelineExec, c: MdxConfig): MdxLayout {
  // 'auto': channels last for cuda's f16/bf16, whose tensor-core convolutions read NHWC; f32
  // keeps channels first (cuDNN's FMA-only NHWC convolutions were 4× slower on the H100).
  const channelsLast = c.layout === 'channels_last' || (c.layout === 'auto' && ex.backend.id === 'cuda' && (ex.dtype === 'f16' || ex.dtype === 'bf16'));
  const cl: Params = channelsLast ? { channels_last: true } : {};
  if (channelsLast) {
    for (const op of ['conv2d', 'instance_norm']) {
      const s = ex.backend.supports(op, ex.dtype, cl);
      if (!s.ok) throw pipelineParamError('mdx23c', 'layout', `'channels_last' needs channels-last ${op} on ${ex.backend.id}: ${s.reason}`);
    }
  }
  const fusedNormGelu = ex.backend.supports('instance_norm', ex.dtype, { ...cl, activation: 'gelu' }).ok;
  const fusedTdfResidual = channelsLast && implementsVariant(ex.backend, 'matmul', 'residual');
  const fusedConvResidual = implementsVariant(ex.backend, 'conv2d', 'residual');
  return { channelsLast, fusedNormGelu, fusedTdfResidual, fusedConvResidual };
}

export const mdx23c: PipelineSpec<MdxConfig> = {
  name: 'mdx23c',
  summary: 'MDX23C / TFC-TDF v3 source separation: STFT, U-Net of TFC-TDF blocks, iSTFT; chunked with weighted overlap-add',
  params: MDX_PARAMS,
  resolve: (p: Params) => resolveMdx(p),
  ops: () => OPS.map((op) => ({ op })),
  hostStages: () => [],
  weights: mdxWeights,
  inputShape: (c) => [c.audioChannels, Math.max(1, Math.round(c.seconds * c.sampleRate))],
  input(c: MdxConfig, seed: number): PipelineInput {
    const a = syntheticAudio({ seconds: c.seconds, sampleRate: c.sampleRate, channels: c.audioChannels, seed });
    return { data: a.data, shape: [a.channels, a.frames], audioSeconds: c.seconds };
  },
  flops: (c, input) => chunkFlops(c) * planChunks(input.shape[1]!, c.chunk, c.overlaps).starts.length,
  async prepare(ex: PipelineExec, weights: WeightSet, c: MdxConfig): Promise<PreparedPipeline> {
    const w = DeviceWeights.upload(ex, weights);
    const net = new MdxNetwork(ex, w, c, mdxLayout(ex, c));
    await net.prepareLayout();
    // Windows and summed weights depend only on the length: made once per length.
    const chunkWeights = new Map<number, ChunkWeights>();
    return {
      async run(input: PipelineInput) {
        const [channels, frames] = input.shape as [number, number];
        let cw = chunkWeights.get(frames);
        if (!cw) {
          cw = new ChunkWeights(ex, planChunks(frames, c.chunk, c.overlaps), frames);
          chunkWeights.set(frames, cw);
        }
        const x = ex.uploadInput(input, [channels, frames]);
        try {
          const y = await deviceOverlapAdd(ex, x, cw, { chunk: c.chunk, overlaps: c.overlaps, batch: c.batch, outChannels: c.instruments * channels }, (chunks) => net.forward(chunks));
          // The timed run ends with the values on the host in their storage dtype (decision 22).
          const output = await ex.outputFloats(y);
          ex.free(y);
          return pipelineOutput(output, [c.instruments, channels, frames]);
        } finally {
          ex.free(x);
        }
      },
      dispose: () => {
        for (const cw of chunkWeights.values()) cw.free();
        chunkWeights.clear();
        w.free();
      },
    };
  },
};
