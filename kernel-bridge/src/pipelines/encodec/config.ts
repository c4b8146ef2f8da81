/**
 * EnCodec-style 24 kHz codec configurations and weights. `full` follows EnCodec's 24 kHz model:
 * SEANet with 32 base filters, ratios 8·5·4·2 (hop 320, 75 frames/s), kernel 7, residual kernel
 * 3 (dilation base 2, one residual layer, compress 2, 1×1-conv shortcut), ELU, a 2-layer LSTM
 * with skip, a 128-d latent, causal convs with reflect padding, and a residual vector quantiser
 * of 1024-entry codebooks; bandwidth 1.5/3/6/12/24 kbps selects 2/4/8/16/32 quantisers.
 * `tiny` keeps every structural feature at test sizes. Names follow EnCodec's module layout
 * (`encoder.model.<i>…`); EnCodec's own checkpoints store weight-normed convs (weight_g /
 * weight_v), which must be folded into `weight` before they load here.
 */
import type { Params } from '../../ops/types';
import { num, resolvePipelineParams } from '../params';
import type { WeightDecl } from '../weights';

export interface EncodecConfig {
  readonly preset: 'tiny' | 'full';
  readonly sampleRate: number;
  readonly filters: number;
  /** Decoder order (EnCodec's `ratios`); the encoder uses them reversed. */
  readonly ratios: readonly number[];
  readonly kernel: number;
  readonly residualKernel: number;
  readonly compress: number;
  readonly lstmLayers: number;
  readonly dimension: number;
  readonly bins: number;
  readonly codebooks: number;
  readonly seconds: number;
}

const PRESETS = {
  full: { filters: 32, ratios: [8, 5, 4, 2], kernel: 7, residualKernel: 3, compress: 2, lstmLayers: 2, dimension: 128, bins: 1024 },
  tiny: { filters: 4, ratios: [4, 2], kernel: 7, residualKernel: 3, compress: 2, lstmLayers: 2, dimension: 16, bins: 32 },
} as const;

/** kbps → quantisers at EnCodec 24 kHz (75 frames/s × 10 bits = 0.75 kbps per codebook). */
export const MAX_CODEBOOKS = 32;
const BANDWIDTHS: Readonly<Record<string, number>> = { '1.5': 2, '3': 4, '6': 8, '12': 16, '24': 32 };

export const ENCODEC_PARAMS = {
  config: { type: 'string', default: 'tiny', enum: ['tiny', 'full'], doc: "'full': EnCodec 24 kHz sizes; 'tiny': same structure, test sizes" },
  seconds: { type: 'float', default: 1, min: 0.01, max: 3600, doc: 'seconds of synthetic mono 24 kHz audio' },
  bandwidth: { type: 'string', default: '6', enum: Object.keys(BANDWIDTHS), doc: 'kbps: 1.5, 3, 6, 12 or 24 (2 to 32 quantisers)' },
} as const;

export function resolveEncodec(given: Params): { params: Params; config: EncodecConfig } {
  // A number is taken for the bandwidth too (6 and "6" are the same setting).
  const g = typeof given.bandwidth === 'number' ? { ...given, bandwidth: String(given.bandwidth) } : given;
  const params = resolvePipelineParams('encodec', ENCODEC_PARAMS, g);
  const preset = params.config as 'tiny' | 'full';
  return { params, config: { preset, sampleRate: 24000, ...PRESETS[preset], codebooks: BANDWIDTHS[params.bandwidth as string]!, seconds: num(params, 'seconds') } };
}

export function hopLength(c: EncodecConfig): number {
  return c.ratios.reduce((a, r) => a * r, 1);
}

function conv(prefix: string, cout: number, cin: number, k: number): WeightDecl[] {
  return [
    { name: `${prefix}.conv.conv.weight`, shape: [cout, cin, k], init: { kind: 'fan_in' } },
    { name: `${prefix}.conv.conv.bias`, shape: [cout], init: { kind: 'fan_in', fanIn: cin * k } },
  ];
}

function resblock(prefix: string, dim: number, c: EncodecConfig): WeightDecl[] {
  const hidden = dim / c.compress;
  return [...conv(`${prefix}.block.1`, hidden, dim, c.residualKernel), ...conv(`${prefix}.block.3`, dim, hidden, 1), ...conv(`${prefix}.shortcut`, dim, dim, 1)];
}

function lstm(prefix: string, dim: number, layers: number): WeightDecl[] {
  const out: WeightDecl[] = [];
  for (let l = 0; l < layers; l++) {
    for (const [n, shape] of [[`weight_ih_l${l}`, [4 * dim, dim]], [`weight_hh_l${l}`, [4 * dim, dim]], [`bias_ih_l${l}`, [4 * dim]], [`bias_hh_l${l}`, [4 * dim]]] as const) {
      out.push({ name: `${prefix}.lstm.${n}`, shape, init: { kind: 'fan_in', fanIn: dim } });
    }
  }
  return out;
}

/** The module layout: index of each layer in encoder.model / decoder.model, as EnCodec numbers them. */
export interface Layer {
  readonly index: number;
  readonly kind: 'conv' | 'res' | 'elu' | 'lstm' | 'convtr';
  readonly cin?: number;
  readonly cout?: number;
  readonly k?: number;
  readonly stride?: number;
}

export function encoderLayers(c: EncodecConfig): Layer[] {
  const out: Layer[] = [];
  let i = 0;
  let mult = 1;
  out.push({ index: i++, kind: 'conv', cin: 1, cout: c.filters, k: c.kernel, stride: 1 });
  for (const r of [...c.ratios].reverse()) {
    out.push({ index: i++, kind: 'res', cin: mult * c.filters });
    out.push({ index: i++, kind: 'elu' });
    out.push({ index: i++, kind: 'conv', cin: mult * c.filters, cout: mult * c.filters * 2, k: r * 2, stride: r });
    mult *= 2;
  }
  out.push({ index: i++, kind: 'lstm', cin: mult * c.filters });
  out.push({ index: i++, kind: 'elu' });
  out.push({ index: i++, kind: 'conv', cin: mult * c.filters, cout: c.dimension, k: c.kernel, stride: 1 });
  return out;
}

export function decoderLayers(c: EncodecConfig): Layer[] {
  const out: Layer[] = [];
  let i = 0;
  let mult = 2 ** c.ratios.length;
  out.push({ index: i++, kind: 'conv', cin: c.dimension, cout: mult * c.filters, k: c.kernel, stride: 1 });
  out.push({ index: i++, kind: 'lstm', cin: mult * c.filters });
  for (const r of c.ratios) {
    out.push({ index: i++, kind: 'elu' });
    out.push({ index: i++, kind: 'convtr', cin: mult * c.filters, cout: (mult * c.filters) / 2, k: r * 2, stride: r });
    out.push({ index: i++, kind: 'res', cin: (mult * c.filters) / 2 });
    mult /= 2;
  }
  out.push({ index: i++, kind: 'elu' });
  out.push({ index: i++, kind: 'conv', cin: c.filters, cout: 1, k: c.kernel, stride: 1 });
  return out;
}

function layerWeights(prefix: string, layers: readonly Layer[], c: EncodecConfig): WeightDecl[] {
  const out: WeightDecl[] = [];
  for (const l of layers) {
    const p = `${prefix}.${l.index}`;
    if (l.kind === 'conv') out.push(...conv(p, l.cout!, l.cin!, l.k!));
    else if (l.kind === 'res') out.push(...resblock(p, l.cin!, c));
    else if (l.kind === 'lstm') out.push(...lstm(p, l.cin!, c.lstmLayers));
    else if (l.kind === 'convtr') {
      // ConvTranspose1d weight [Cin, Cout, k]; PyTorch's fan-in for it is Cout·k.
      out.push(
        { name: `${p}.convtr.convtr.weight`, shape: [l.cin!, l.cout!, l.k!], init: { kind: 'fan_in', fanIn: l.cout! * l.k! } },
        { name: `${p}.convtr.convtr.bias`, shape: [l.cout!], init: { kind: 'fan_in', fanIn: l.cout! * l.k! } },
      );
    }
  }
  return out;
}

export function encodecWeights(c: EncodecConfig): WeightDecl[] {
  const out = [...layerWeights('encoder.model', encoderLayers(c), c), ...layerWeights('decoder.model', decoderLayers(c), c)];
  // All 32 codebooks, as a checkpoint holds them; the bandwidth uses the first `codebooks`.
  for (let q = 0; q < MAX_CODEBOOKS; q++) {
    out.push({ name: `quantizer.vq.layers.${q}._codebook.embed`, shape: [c.bins, c.dimension], init: { kind: 'normal', std: 0.3 } });
  }
  return out;
}
