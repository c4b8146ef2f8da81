/**
 * The `bitnet` pipeline: a BitNet b1.58 MLP stack. Per layer: LayerNorm → BitLinear up →
 * squared ReLU → BitLinear down → residual. A BitLinear quantises its weights once (absmean
 * ternary, `quantize_ternary`), its input per token (absmax int8, `quantize_int8`), multiplies
 * in integers (`ternary_matmul`, int32 accumulation) and rescales to float on the device
 * (`dequantize_int32`: y = acc · w_scale / x_scale), so a run never leaves the device between
 * its input and its output (with `taps`, the integer operands and products are read back too).
 * The tokens stand for audio frames at `frame_rate` per second (a codec's latent rate), which
 * gives the RTF.
 */
import type { DeviceTensor } from '../../backend/types';
import type { Params } from '../../ops/types';
import { Rng } from '../../ops/rng';
import { pipelineOutput, type PipelineExec } from '../exec';
import { num, resolvePipelineParams } from '../params';
import type { IntegerTap, PipelineInput, PipelineSpec, PreparedPipeline, RunOptions } from '../types';
import type { WeightDecl, WeightSet } from '../weights';

export interface BitNetConfig {
  readonly preset: 'tiny' | 'full';
  readonly dim: number;
  readonly hidden: number;
  readonly layers: number;
  readonly tokens: number;
  readonly frameRate: number;
}

/** full: BitNet b1.58 2B4T's MLP width (2560 → 6912); tiny: the same structure at test sizes. */
const PRESETS = { full: { dim: 2560, hidden: 6912, layers: 2 }, tiny: { dim: 32, hidden: 64, layers: 2 } } as const;

const PARAMS = {
  config: { type: 'string', default: 'tiny', enum: ['tiny', 'full'], doc: "'full': 2560 → 6912 MLPs; 'tiny': 32 → 64" },
  tokens: { type: 'int', default: 16, min: 1, max: 65536, doc: 'tokens (audio frames) per run' },
  layers: { type: 'int', default: null, nullable: true, min: 1, max: 64, doc: 'MLP layers; null = the preset (2)' },
  frame_rate: { type: 'float', default: 75, min: 1, doc: 'tokens per second of audio (75: a 24 kHz codec latent)' },
} as const;

export function resolveBitNet(given: Params): { params: Params; config: BitNetConfig } {
  const params = resolvePipelineParams('bitnet', PARAMS, given);
  const preset = params.config as 'tiny' | 'full';
  const p = PRESETS[preset];
  return {
    params,
    config: { preset, dim: p.dim, hidden: p.hidden, layers: (params.layers as number | null) ?? p.layers, tokens: num(params, 'tokens'), frameRate: num(params, 'frame_rate') },
  };
}

function weights(c: BitNetConfig): WeightDecl[] {
  const out: WeightDecl[] = [];
  for (let l = 0; l < c.layers; l++) {
    out.push(
      { name: `layers.${l}.norm.weight`, shape: [c.dim], init: { kind: 'scale' } },
      { name: `layers.${l}.norm.bias`, shape: [c.dim], init: { kind: 'shift' } },
      { name: `layers.${l}.up.weight`, shape: [c.hidden, c.dim], init: { kind: 'fan_in' } },
      { name: `layers.${l}.down.weight`, shape: [c.dim, c.hidden], init: { kind: 'fan_in' } },
    );
  }
  return out;
}

interface TernaryWeight {
  readonly q: DeviceTensor;
  readonly scale: number;
}

export const bitnet: PipelineSpec<BitNetConfig> = {
  name: 'bitnet',
  summary: 'BitNet b1.58 MLP stack: absmean ternary weights, per-token int8 activations, integer matmul, float rescale on the device',
  params: PARAMS,
  quantizes: true,
  resolve: resolveBitNet,
  ops: () => [
    { op: 'layer_norm' },
    { op: 'quantize_ternary' },
    { op: 'quantize_int8' },
    { op: 'ternary_matmul', integer: true },
    { op: 'dequantize_int32' },
    { op: 'relu' },
    { op: 'mul' },
    { op: 'add' },
  ],
  hostStages: () => [],
  weights,
  inputShape: (c) => [c.tokens, c.dim],
  input(c: BitNetConfig, seed: number): PipelineInput {
    const rng = new Rng(seed);
    const data = new Float64Array(c.tokens * c.dim);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal();
    return { data, shape: [c.tokens, c.dim], audioSeconds: c.tokens / c.frameRate };
  },
  flops: (c) => c.layers * 2 * 2 * c.tokens * c.dim * c.hidden,
  async prepare(ex: PipelineExec, w: WeightSet, c: BitNetConfig): Promise<PreparedPipeline> {
    const device: DeviceTensor[] = [];
    const up: TernaryWeight[] = [];
    const down: TernaryWeight[] = [];
    const norms: [DeviceTensor, DeviceTensor][] = [];
    // Weights are quantised once, as BitNet inference does offline; only q and its scale stay.
    const ternary = async (name: string): Promise<TernaryWeight> => {
      const wt = w.get(name)!;
      const f = ex.upload(wt.data, wt.shape);
      const [q, s] = await ex.ops('quantize_ternary', [f]);
      ex.free(f);
      const scale = (await ex.floats(s!))[0]!;
      ex.free(s);
      device.push(q!);
      return { q: q!, scale };
    };
    for (let l = 0; l < c.layers; l++) {
      up.push(await ternary(`layers.${l}.up.weight`));
      down.push(await ternary(`layers.${l}.down.weight`));
      const nw = w.get(`layers.${l}.norm.weight`)!;
      const nb = w.get(`layers.${l}.norm.bias`)!;
      const pair: [DeviceTensor, DeviceTensor] = [ex.upload(nw.data, nw.shape), ex.upload(nb.data, nb.shape)];
      device.push(...pair);
      norms.push(pair);
    }

    const bitLinear = async (x: DeviceTensor, tw: TernaryWeight, name: string, taps: IntegerTap[] | undefined): Promise<DeviceTensor> => {
      const [xq, xs] = await ex.ops('quantize_int8', [x], { dim: -1 });
      const acc = await ex.op('ternary_matmul', [xq!, tw.q], {}, 'int8');
      if (taps) {
        // The bit-exact check only: a tapped run reads the integer operands and products back.
        const out = Int32Array.from((await ex.values(acc)) as Int32Array);
        taps.push({ name, xq: (await ex.values(xq!)) as Int8Array, xShape: xq!.shape, wq: (await ex.values(tw.q)) as Int8Array, wShape: tw.q.shape, out });
      }
      const y = await ex.op('dequantize_int32', [acc, xs!], { weight_scale: tw.scale, dim: -1 });
      ex.free(xq, xs, acc);
      return y;
    };

    return {
      async run(input: PipelineInput, options: RunOptions = {}) {
        const taps: IntegerTap[] | undefined = options.taps ? [] : undefined;
        let x = ex.uploadInput(input, [c.tokens, c.dim]);
        try {
          for (let l = 0; l < c.layers; l++) {
            const xl = x;
            const layer = async (): Promise<DeviceTensor> => {
              const h = await ex.op('layer_norm', [xl, norms[l]![0], norms[l]![1]], { normalized_shape: [c.dim] });
              const u = await bitLinear(h, up[l]!, `layers.${l}.up`, taps);
              ex.free(h);
              const r = await ex.op('relu', [u]);
              ex.free(u);
              const sq = await ex.op('mul', [r, r]);
              ex.free(r);
              const d = await bitLinear(sq, down[l]!, `layers.${l}.down`, taps);
              ex.free(sq);
              const next = await ex.op('add', [xl, d]);
              ex.free(d);
              return next;
            };
            // No host step inside a layer: one compiled call where the backend has them. A tapped
            // run reads the integer products back, so it goes op by op.
            x = taps ? await layer() : await ex.segment(`layers.${l}`, layer);
            ex.free(xl);
          }
          // The timed run ends with the values on the host in their storage dtype (decision 22).
          const output = await ex.outputFloats(x);
          return pipelineOutput(output, [c.tokens, c.dim], taps ? { integerTaps: taps } : {});
        } finally {
          ex.free(x);
        }
      },
      dispose: () => ex.free(...device),
    };
  },
};
