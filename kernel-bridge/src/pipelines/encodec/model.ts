/**
 * SEANet encoder/decoder and the residual vector quantiser on a backend. Convs are causal as in
 * EnCodec 24 kHz: reflect-pad (k − stride) on the left plus what makes the last frame whole on
 * the right; transposed convs trim (k − stride) on the right. The residual vector quantiser runs
 * on the device too (matmul, add_bias, argmax, index_select, add): only its codes come back.
 */
import type { DeviceTensor } from '../../backend/types';
import { AbwError } from '../../errors';
import type { PipelineExec } from '../exec';
import type { DeviceWeights } from '../weights';
import { decoderLayers, encoderLayers, type EncodecConfig, type Layer } from './config';

type T = DeviceTensor;

export class EncodecNetwork {
  constructor(
    private readonly ex: PipelineExec,
    private readonly w: DeviceWeights,
    private readonly cfg: EncodecConfig,
  ) {}

  private async elu(x: T): Promise<T> {
    return this.ex.op('elu', [x], { alpha: 1 });
  }

  /** SConv1d, causal: pad (k−s, extra) with reflect, then a plain conv. Keeps x. */
  private async conv(x: T, prefix: string, k: number, stride = 1, dilation = 1): Promise<T> {
    const ex = this.ex;
    const length = x.shape[2]!;
    const keff = (k - 1) * dilation + 1;
    const total = keff - stride;
    const frames = (length - keff + total) / stride + 1;
    const extra = (Math.ceil(frames) - 1) * stride + (keff - total) - length;
    if (Math.max(total, extra) >= length) {
      throw new AbwError('ABW_EINVAL', `[encodec] ${prefix}: ${length} samples are too few for reflect padding of ${Math.max(total, extra)}; use a longer input`, 'params.seconds');
    }
    const padded = total > 0 || extra > 0 ? await ex.op('pad', [x], { pad: [total, extra], mode: 'reflect' }) : x;
    const y = await ex.op('conv1d', [padded, this.w.get(`${prefix}.conv.conv.weight`), this.w.get(`${prefix}.conv.conv.bias`)], { stride, dilation });
    if (padded !== x) ex.free(padded);
    return y;
  }

  /** ELU → conv k → ELU → conv 1, plus a 1×1-conv shortcut. Keeps x. */
  private async res(x: T, prefix: string): Promise<T> {
    const ex = this.ex;
    const s = await this.conv(x, `${prefix}.shortcut`, 1);
    const a = await this.elu(x);
    const h = await this.conv(a, `${prefix}.block.1`, this.cfg.residualKernel);
    ex.free(a);
    const b = await this.elu(h);
    ex.free(h);
    const y = await this.conv(b, `${prefix}.block.3`, 1);
    ex.free(b);
    const out = await ex.op('add', [y, s]);
    ex.free(y, s);
    return out;
  }

  /** SLSTM: [B, C, T] → LSTM over T → + skip → [B, C, T]. Keeps x. */
  private async lstm(x: T, prefix: string): Promise<T> {
    const ex = this.ex;
    const C = x.shape[1]!;
    const seq = await ex.op('permute', [x], { dims: [2, 0, 1] });
    const weights: T[] = [];
    for (let l = 0; l < this.cfg.lstmLayers; l++) {
      for (const n of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) weights.push(this.w.get(`${prefix}.lstm.${n}_l${l}`));
    }
    const [y, hn, cn] = await ex.ops('lstm', [seq, null, null, ...weights], { num_layers: this.cfg.lstmLayers, hidden_size: C, bias: true });
    ex.free(hn, cn);
    const sum = await ex.op('add', [y!, seq]);
    ex.free(y, seq);
    const out = await ex.op('permute', [sum], { dims: [1, 2, 0] });
    ex.free(sum);
    return out;
  }

  /** SConvTranspose1d, causal: a plain transposed conv, then trim k − stride on the right. Keeps x. */
  private async convtr(x: T, prefix: string, k: number, stride: number): Promise<T> {
    const ex = this.ex;
    const y = await ex.op('conv_transpose1d', [x, this.w.get(`${prefix}.convtr.convtr.weight`), this.w.get(`${prefix}.convtr.convtr.bias`)], { stride });
    const trim = k - stride;
    if (trim === 0) return y;
    const out = await ex.op('slice', [y], { dim: 2, start: 0, end: y.shape[2]! - trim });
    ex.free(y);
    return out;
  }

  private async stack(x: T, prefix: string, layers: readonly Layer[]): Promise<T> {
    const ex = this.ex;
    const input = x;
    for (const l of layers) {
      const p = `${prefix}.${l.index}`;
      let y: T;
      if (l.kind === 'conv') y = await this.conv(x, p, l.k!, l.stride!);
      else if (l.kind === 'elu') y = await this.elu(x);
      else if (l.kind === 'res') y = await this.res(x, p);
      else if (l.kind === 'lstm') y = await this.lstm(x, p);
      else y = await this.convtr(x, p, l.k!, l.stride!);
      // Every layer keeps its input: free the intermediate, never the caller's tensor.
      if (x !== input) ex.free(x);
      x = y;
    }
    return x;
  }

  /** Audio [1, 1, L] → latent [1, D, frames]. Keeps the input. */
  async encode(audio: T): Promise<T> {
    return this.stack(audio, 'encoder.model', encoderLayers(this.cfg));
  }

  /** Latent [1, D, frames] → audio [1, 1, frames·hop]. Keeps the input. */
  async decode(latent: T): Promise<T> {
    return this.stack(latent, 'decoder.model', decoderLayers(this.cfg));
  }

  /**
   * Residual vector quantisation of a latent [1, D, F], on the device: per quantiser,
   * scores = r·Eᵀ − |e|²/2 (argmax of that = argmin of |e − r|², |r|² being the same for every
   * entry), idx = argmax, e = E[idx], r −= e, quantised += e. The codes stay on the device until
   * the loop is done. Returns the codes per quantiser and the quantised latent [1, D, F] (the sum
   * of the chosen codewords), channel-major like the latent. Keeps the input.
   */
  async quantize(latent: T): Promise<{ codes: Int32Array[]; quantized: T }> {
    const ex = this.ex;
    let residual = await ex.op('transpose', [latent], { dim0: 1, dim1: 2 }); // [1, F, D]
    let sum: T | undefined;
    const idxs: T[] = [];
    try {
      const F = residual.shape[1]!;
      const D = residual.shape[2]!;
      const r0 = await ex.op('reshape', [residual], { shape: [F, D] });
      ex.free(residual);
      residual = r0;
      for (let q = 0; q < this.cfg.codebooks; q++) {
        const E = this.w.get(`quantizer.vq.layers.${q}._codebook.embed`);
        const dots = await ex.op('matmul', [residual, E], { transpose_b: true }); // [F, bins]
        const scores = await ex.op('add_bias', [dots, this.w.get(negHalfNormName(q))], { dim: 1 });
        ex.free(dots);
        const idx = await ex.op('argmax', [scores], { dim: 1 }); // [F] int32
        ex.free(scores);
        idxs.push(idx);
        const sel = await ex.op('index_select', [E, idx], { dim: 0 }); // [F, D]
        const next = await ex.op('add', [residual, sel], { alpha: -1 });
        ex.free(residual);
        residual = next;
        if (sum) {
          const s2 = await ex.op('add', [sum, sel]);
          ex.free(sum, sel);
          sum = s2;
        } else {
          sum = sel;
        }
      }
      ex.free(residual);
      const rows = await ex.op('reshape', [sum!], { shape: [1, F, D] });
      ex.free(sum);
      sum = undefined;
      const quantized = await ex.op('transpose', [rows], { dim0: 1, dim1: 2 }); // [1, D, F]
      ex.free(rows);
      // The codes are part of the output (small: F int32 per quantiser); read after the loop.
      const codes: Int32Array[] = [];
      for (const idx of idxs) {
        const v = await ex.values(idx);
        codes.push(v instanceof Int32Array ? v : Int32Array.from(v));
      }
      return { codes, quantized };
    } finally {
      ex.free(residual, sum, ...idxs);
    }
  }
}

/** The uploaded −|e|²/2 per entry of quantiser q's codebook (computed once in f64 at prepare). */
export function negHalfNormName(q: number): string {
  return `quantizer.vq.layers.${q}._codebook.neg_half_norm`;
}

/** −|e|²/2 per codebook entry of a [bins, D] codebook, in f64. */
export function negHalfNorms(codebook: Float64Array, bins: number, D: number): Float64Array {
  const n = new Float64Array(bins);
  for (let i = 0; i < bins; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += codebook[i * D + d]! ** 2;
    n[i] = -s / 2;
  }
  return n;
}
