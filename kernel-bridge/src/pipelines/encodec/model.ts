/**
 * SEANet encoder/decoder and the residual vector quantiser on a backend. Convs are causal as in
 * EnCodec 24 kHz: reflect-pad (k − stride) on the left plus what makes the last frame whole on
 * the right; transposed convs trim (k − stride) on the right. The quantiser's distance matmul
 * runs on the backend; the nearest-codeword argmin, the codebook gather and the residual update
 * run on the host (no catalogue op for an argmin or a gather): one round trip per quantiser.
 */
import type { DeviceTensor } from '../../backend/types';
import { AbwError } from '../../errors';
import type { PipelineExec } from '../exec';
import type { DeviceWeights } from '../weights';
import { decoderLayers, encoderLayers, type EncodecConfig, type Layer } from './config';

type T = DeviceTensor;

export class EncodecNetwork {
  /** |e|² per codebook entry, per quantiser: host side of the distance. */
  private readonly codeNorms: Float64Array[] = [];

  constructor(
    private readonly ex: PipelineExec,
    private readonly w: DeviceWeights,
    private readonly cfg: EncodecConfig,
    /** Codebooks on the host (the gather reads them there). */
    private readonly codebooks: readonly Float64Array[],
  ) {
    for (const cb of codebooks) {
      const n = new Float64Array(cfg.bins);
      for (let i = 0; i < cfg.bins; i++) {
        let s = 0;
        for (let d = 0; d < cfg.dimension; d++) s += cb[i * cfg.dimension + d]! ** 2;
        n[i] = s;
      }
      this.codeNorms.push(n);
    }
  }

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
   * Residual vector quantisation of a latent [1, D, F]: per quantiser, scores = r·Eᵀ on the
   * backend, then on the host argmin over |e|² − 2·score (|r|² is the same for every entry),
   * gather, r −= e. Returns the codes per quantiser and the quantised latent [D, F] (sum of
   * the chosen codewords), channel-major like the latent.
   */
  async quantize(latent: T): Promise<{ codes: Int32Array[]; quantized: Float64Array }> {
    const ex = this.ex;
    const D = this.cfg.dimension;
    const F = latent.shape[2]!;
    const rows = await ex.op('transpose', [latent], { dim0: 1, dim1: 2 });
    let residual = await ex.floats(rows); // [F, D]
    ex.free(rows);
    const quantized = new Float64Array(D * F);
    const codes: Int32Array[] = [];
    ex.host('rvq-argmin');
    ex.host('rvq-gather');
    for (let q = 0; q < this.cfg.codebooks; q++) {
      const r = ex.upload(residual, [F, D]);
      const scores = await ex.op('matmul', [r, this.w.get(`quantizer.vq.layers.${q}._codebook.embed`)], { transpose_b: true });
      ex.free(r);
      const s = await ex.floats(scores); // [F, bins]
      ex.free(scores);
      const cb = this.codebooks[q]!;
      const norms = this.codeNorms[q]!;
      const idx = new Int32Array(F);
      const next = new Float64Array(residual.length);
      for (let f = 0; f < F; f++) {
        let best = 0;
        let bestD = Infinity;
        for (let e = 0; e < this.cfg.bins; e++) {
          const d = norms[e]! - 2 * s[f * this.cfg.bins + e]!;
          if (d < bestD) {
            bestD = d;
            best = e;
          }
        }
        idx[f] = best;
        for (let d = 0; d < D; d++) {
          const v = cb[best * D + d]!;
          next[f * D + d] = residual[f * D + d]! - v;
          quantized[d * F + f] += v;
        }
      }
      residual = next;
      codes.push(idx);
    }
    return { codes, quantized };
  }
}
