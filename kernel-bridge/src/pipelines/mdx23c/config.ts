/**
 * MDX23C (TFC-TDF v3) configurations and weight names. `full` is the public MDX23C MUSDB18
 * configuration (n_fft 8192, hop 1024, dim_f 4096, 4 subbands, 128 channels + 128 per scale,
 * 5 scales of [2, 2], 2 blocks per scale, bottleneck 4, InstanceNorm, GELU, no biases,
 * chunk 261120 = hop·(dim_t − 1), 4 target stems); `tiny` keeps every structural feature at
 * sizes the FP64 oracle runs in a second. Weight names are the reference model's state_dict
 * keys, so a real checkpoint loads by name.
 */
import type { Params } from '../../ops/types';
import { num, pipelineParamError, resolvePipelineParams } from '../params';
import type { WeightDecl } from '../weights';

export interface MdxConfig {
  readonly preset: 'tiny' | 'full';
  readonly sampleRate: number;
  readonly audioChannels: number;
  readonly nFft: number;
  readonly hop: number;
  readonly dimF: number;
  readonly dimT: number;
  readonly subbands: number;
  readonly channels: number;
  readonly growth: number;
  readonly scales: number;
  readonly blocks: number;
  readonly bottleneck: number;
  readonly instruments: number;
  /** Samples per chunk: hop · (dim_t − 1), so the STFT has dim_t frames. */
  readonly chunk: number;
  readonly overlaps: number;
  readonly batch: number;
  readonly seconds: number;
  /** Activation layout: 'auto' is channels last on cuda in f16/bf16, channels first elsewhere. */
  readonly layout: 'auto' | 'channels_first' | 'channels_last';
}

const PRESETS = {
  full: { nFft: 8192, hop: 1024, dimF: 4096, dimT: 256, subbands: 4, channels: 128, growth: 128, scales: 5, blocks: 2, bottleneck: 4, instruments: 4 },
  tiny: { nFft: 128, hop: 32, dimF: 32, dimT: 32, subbands: 4, channels: 8, growth: 8, scales: 2, blocks: 1, bottleneck: 2, instruments: 2 },
} as const;

export const MDX_PARAMS = {
  config: { type: 'string', default: 'tiny', enum: ['tiny', 'full'], doc: "'full': the public MDX23C configuration; 'tiny': same structure, test sizes" },
  seconds: { type: 'float', default: 1, min: 0.001, max: 3600, doc: 'seconds of synthetic stereo audio at 44.1 kHz' },
  overlaps: { type: 'int', default: 4, min: 1, max: 64, doc: 'chunks overlapping each sample (step = chunk / overlaps)' },
  batch_size: { type: 'int', default: 1, min: 1, max: 64, doc: 'chunks per network call' },
  dim_t: { type: 'int', default: null, nullable: true, min: 4, doc: 'STFT frames per chunk (chunk = hop·(dim_t − 1)); null = the preset (256 full, 32 tiny)' },
  layout: {
    type: 'string',
    default: 'auto',
    enum: ['auto', 'channels_first', 'channels_last'],
    doc: "activations [B, C, T, F] or [B, T, F, C] (channels-last conv2d and instance_norm); 'auto': channels last on cuda in f16/bf16, whose tensor-core convolutions read NHWC",
  },
} as const;

export function resolveMdx(given: Params): { params: Params; config: MdxConfig } {
  const params = resolvePipelineParams('mdx23c', MDX_PARAMS, given);
  const preset = params.config as 'tiny' | 'full';
  const p = PRESETS[preset];
  const dimT = (params.dim_t as number | null) ?? p.dimT;
  const down = 2 ** p.scales;
  if (dimT % down !== 0) throw pipelineParamError('mdx23c', 'dim_t', `must be a multiple of ${down} (${p.scales} scales halve it), got ${dimT}`);
  return {
    params,
    config: {
      preset,
      ...p,
      dimT,
      sampleRate: 44100,
      audioChannels: 2,
      chunk: p.hop * (dimT - 1),
      overlaps: num(params, 'overlaps'),
      batch: num(params, 'batch_size'),
      seconds: num(params, 'seconds'),
      layout: params.layout as MdxConfig['layout'],
    },
  };
}

/** Channels of the spectrogram the network sees: subbands × audio channels × (re, im). */
export function dimC(c: MdxConfig): number {
  return c.subbands * c.audioChannels * 2;
}

function normDecls(prefix: string, ch: number): WeightDecl[] {
  return [
    { name: `${prefix}.weight`, shape: [ch], init: { kind: 'scale' } },
    { name: `${prefix}.bias`, shape: [ch], init: { kind: 'shift' } },
  ];
}

function tfcTdfDecls(prefix: string, inC: number, c: number, f: number, cfg: MdxConfig): WeightDecl[] {
  const out: WeightDecl[] = [];
  for (let i = 0; i < cfg.blocks; i++) {
    const b = `${prefix}.blocks.${i}`;
    const fb = Math.floor(f / cfg.bottleneck);
    out.push(
      ...normDecls(`${b}.tfc1.0`, inC),
      { name: `${b}.tfc1.2.weight`, shape: [c, inC, 3, 3], init: { kind: 'fan_in' } },
      ...normDecls(`${b}.tdf.0`, c),
      { name: `${b}.tdf.2.weight`, shape: [fb, f], init: { kind: 'fan_in' } },
      ...normDecls(`${b}.tdf.3`, c),
      { name: `${b}.tdf.5.weight`, shape: [f, fb], init: { kind: 'fan_in' } },
      ...normDecls(`${b}.tfc2.0`, c),
      { name: `${b}.tfc2.2.weight`, shape: [c, c, 3, 3], init: { kind: 'fan_in' } },
      { name: `${b}.shortcut.weight`, shape: [c, inC, 1, 1], init: { kind: 'fan_in' } },
    );
    inC = c;
  }
  return out;
}

export function mdxWeights(cfg: MdxConfig): WeightDecl[] {
  const dc = dimC(cfg);
  let c = cfg.channels;
  let f = cfg.dimF / cfg.subbands;
  const g = cfg.growth;
  const out: WeightDecl[] = [{ name: 'first_conv.weight', shape: [c, dc, 1, 1], init: { kind: 'fan_in' } }];
  for (let i = 0; i < cfg.scales; i++) {
    out.push(...tfcTdfDecls(`encoder_blocks.${i}.tfc_tdf`, c, c, f, cfg));
    out.push(...normDecls(`encoder_blocks.${i}.downscale.conv.0`, c), {
      name: `encoder_blocks.${i}.downscale.conv.2.weight`,
      shape: [c + g, c, 2, 2],
      init: { kind: 'fan_in' },
    });
    f /= 2;
    c += g;
  }
  out.push(...tfcTdfDecls('bottleneck_block', c, c, f, cfg));
  for (let i = 0; i < cfg.scales; i++) {
    // ConvTranspose2d weight [Cin, Cout, kH, kW]; PyTorch's fan-in for it is Cout·kH·kW.
    out.push(...normDecls(`decoder_blocks.${i}.upscale.conv.0`, c), {
      name: `decoder_blocks.${i}.upscale.conv.2.weight`,
      shape: [c, c - g, 2, 2],
      init: { kind: 'fan_in', fanIn: (c - g) * 4 },
    });
    f *= 2;
    c -= g;
    out.push(...tfcTdfDecls(`decoder_blocks.${i}.tfc_tdf`, 2 * c, c, f, cfg));
  }
  out.push(
    { name: 'final_conv.0.weight', shape: [c, c + dc, 1, 1], init: { kind: 'fan_in' } },
    { name: 'final_conv.2.weight', shape: [cfg.instruments * dc, c, 1, 1], init: { kind: 'fan_in' } },
  );
  return out;
}
