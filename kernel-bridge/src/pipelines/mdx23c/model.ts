/**
 * The TFC-TDF v3 network on a backend: STFT front end, encoder (TFC-TDF blocks + strided
 * downscale), bottleneck, decoder (upscale + skip concat + TFC-TDF), mask-like product with the
 * first conv's output, final 1×1 convs, iSTFT. Every step is a catalogue op; the one layer the
 * catalogue lacks (ConvTranspose2d) is rewritten exactly with ops it has (see `upscale`).
 *
 * Two layouts of the same network (decision 29): channels first, the reference's [B, C, T, F],
 * and channels last, [B, T, F, C], where every conv2d and instance_norm runs with
 * `channels_last` (cuDNN's f16/bf16 tensor-core convolutions read NHWC without transposing),
 * the TDF linears become one broadcast matmul W·x over [B·T, F, C], and the front and back
 * ends permute once. Where the backend fuses GELU into instance_norm, each norm → GELU is one op.
 */
import type { DeviceTensor } from '../../backend/types';
import type { PipelineExec } from '../exec';
import type { DeviceWeights } from '../weights';
import { mdxWeights, type MdxConfig } from './config';

type T = DeviceTensor;

export interface MdxLayout {
  /** [B, T, F, C] activations, channels-last conv2d / instance_norm. */
  readonly channelsLast: boolean;
  /** instance_norm with `activation: 'gelu'` instead of a separate gelu op. */
  readonly fusedNormGelu: boolean;
  /**
   * Channels last: the TDF's residual add `x + tdf(x)` as matmul's `residual` input (the GEMM's
   * epilogue reads it) instead of an add that reads the product back.
   */
  readonly fusedTdfResidual?: boolean;
  /** The block's `tfc2(x) + shortcut` as conv2d's `residual` input (the conv's epilogue or prior). */
  readonly fusedConvResidual?: boolean;
}

export class MdxNetwork {
  private readonly cl: boolean;
  /** The channel dim of an activation: 1 channels first, 3 channels last. */
  private readonly cDim: number;

  constructor(
    private readonly ex: PipelineExec,
    private readonly w: DeviceWeights,
    private readonly cfg: MdxConfig,
    private readonly layout: MdxLayout = { channelsLast: false, fusedNormGelu: false },
  ) {
    this.cl = layout.channelsLast;
    this.cDim = this.cl ? 3 : 1;
  }

  /**
   * Channels last: every conv weight [Cout, Cin, kH, kW] becomes [Cout, kH, kW, Cin], and each
   * upscale's ConvTranspose2d weight [Cin, Cout, 2, 2] the matmul operand [Cin, 2·2·Cout], once.
   */
  async prepareLayout(): Promise<void> {
    if (!this.cl) return;
    const ex = this.ex;
    // Every 4-d weight of the network is a conv kernel; the upscales' are ConvTranspose2d's.
    for (const { name, shape } of mdxWeights(this.cfg)) {
      if (shape.length !== 4) continue;
      if (!name.includes('.upscale.')) {
        await this.replaceWeight(name, (w) => ex.op('permute', [w], { dims: [0, 2, 3, 1] }));
        continue;
      }
      await this.replaceWeight(name, async (w) => {
        const [cin, cout] = w.shape as [number, number];
        const p = await ex.op('permute', [w], { dims: [0, 2, 3, 1] });
        const m = await ex.op('reshape', [p], { shape: [cin, 4 * cout] });
        ex.free(p);
        return m;
      });
    }
  }

  private async replaceWeight(name: string, f: (w: T) => Promise<T>): Promise<void> {
    const old = this.w.get(name);
    this.w.set(name, await f(old));
    this.ex.free(old);
  }

  /** InstanceNorm2d(affine) → GELU, on a tensor the caller keeps. */
  private async normAct(x: T, prefix: string): Promise<T> {
    const ex = this.ex;
    const inputs = [x, null, null, this.w.get(`${prefix}.weight`), this.w.get(`${prefix}.bias`)];
    const params = { eps: 1e-5, ...(this.cl ? { channels_last: true } : {}) };
    if (this.layout.fusedNormGelu) return ex.op('instance_norm', inputs, { ...params, activation: 'gelu' });
    const n = await ex.op('instance_norm', inputs, params);
    const a = await ex.op('gelu', [n]);
    ex.free(n);
    return a;
  }

  private async conv(x: T, name: string, params = {}, residual?: T): Promise<T> {
    const inputs = residual ? [x, this.w.get(name), null, residual] : [x, this.w.get(name), null];
    return this.ex.op('conv2d', inputs, this.cl ? { ...params, channels_last: true } : params);
  }

  /** A bias-free Linear along the frequency axis: the last dim, or the one before the channels. */
  private async linearF(x: T, name: string): Promise<T> {
    const w = this.w.get(name);
    return this.cl ? this.ex.op('matmul', [w, x]) : this.ex.op('linear', [x, w, null]);
  }

  /**
   * TFC-TDF v3: per block, s = shortcut(x); x = tfc1(x); x = x + tdf(x); x = tfc2(x) + s, the two
   * residual adds fused into the matmul and the conv where the backend takes their `residual`
   * inputs. Consumes x unless `keep`.
   */
  private async tfcTdf(x: T, prefix: string, keep = false): Promise<T> {
    const ex = this.ex;
    for (let i = 0; i < this.cfg.blocks; i++) {
      const b = `${prefix}.blocks.${i}`;
      const s = await this.conv(x, `${b}.shortcut.weight`);
      let a = await this.normAct(x, `${b}.tfc1.0`);
      if (!(keep && i === 0)) ex.free(x);
      const t1 = await this.conv(a, `${b}.tfc1.2.weight`, { padding: 1 });
      ex.free(a);
      // TDF: two bias-free linears along the frequency axis (the last dim), bottleneck f / bn.
      a = await this.normAct(t1, `${b}.tdf.0`);
      const l1 = await this.linearF(a, `${b}.tdf.2.weight`);
      ex.free(a);
      a = await this.normAct(l1, `${b}.tdf.3`);
      ex.free(l1);
      let sum: T;
      if (this.cl && this.layout.fusedTdfResidual) {
        sum = await ex.op('matmul', [this.w.get(`${b}.tdf.5.weight`), a, t1]);
        ex.free(a, t1);
      } else {
        const l2 = await this.linearF(a, `${b}.tdf.5.weight`);
        ex.free(a);
        sum = await ex.op('add', [t1, l2]);
        ex.free(t1, l2);
      }
      a = await this.normAct(sum, `${b}.tfc2.0`);
      ex.free(sum);
      if (this.layout.fusedConvResidual) {
        x = await this.conv(a, `${b}.tfc2.2.weight`, { padding: 1 }, s);
        ex.free(a, s);
      } else {
        const t2 = await this.conv(a, `${b}.tfc2.2.weight`, { padding: 1 });
        ex.free(a);
        x = await ex.op('add', [t2, s]);
        ex.free(t2, s);
      }
    }
    return x;
  }

  /** Norm → GELU → Conv2d(kernel = stride = 2). Keeps x. */
  private async downscale(x: T, prefix: string): Promise<T> {
    const a = await this.normAct(x, `${prefix}.conv.0`);
    const y = await this.conv(a, `${prefix}.conv.2.weight`, { stride: [2, 2] });
    this.ex.free(a);
    return y;
  }

  /**
   * Norm → GELU → ConvTranspose2d(kernel = stride = 2). The catalogue has no conv_transpose2d;
   * with kernel = stride the output blocks do not overlap, so it is exactly one matmul per
   * pixel: [B,H,W,Cin]·[Cin, Cout·2·2], then the 2×2 blocks are interleaved back by permute.
   * Consumes x.
   */
  private async upscale(x: T, prefix: string): Promise<T> {
    const ex = this.ex;
    const a = await this.normAct(x, `${prefix}.conv.0`);
    ex.free(x);
    if (this.cl) {
      // [B, H, W, Cin]·[Cin, (2, 2, Cout)] → [B, H, W, 2, 2, Cout] → [B, H, 2, W, 2, Cout].
      const [B, H, W] = a.shape as [number, number, number, number];
      const wm = this.w.get(`${prefix}.conv.2.weight`);
      const Cout = wm.shape[1]! / 4;
      const prod = await ex.op('matmul', [a, wm]);
      ex.free(a);
      const six = await ex.op('reshape', [prod], { shape: [B, H, W, 2, 2, Cout] });
      ex.free(prod);
      const inter = await ex.op('permute', [six], { dims: [0, 1, 3, 2, 4, 5] });
      ex.free(six);
      const y = await ex.op('reshape', [inter], { shape: [B, 2 * H, 2 * W, Cout] });
      ex.free(inter);
      return y;
    }
    const [B, Cin, H, W] = a.shape as [number, number, number, number];
    const wt = this.w.get(`${prefix}.conv.2.weight`);
    const Cout = wt.shape[1]!;
    const nhwc = await ex.op('permute', [a], { dims: [0, 2, 3, 1] });
    ex.free(a);
    const wm = await ex.op('reshape', [wt], { shape: [Cin, Cout * 4] });
    const prod = await ex.op('matmul', [nhwc, wm]);
    ex.free(nhwc, wm);
    const six = await ex.op('reshape', [prod], { shape: [B, H, W, Cout, 2, 2] });
    ex.free(prod);
    const inter = await ex.op('permute', [six], { dims: [0, 3, 1, 4, 2, 5] });
    ex.free(six);
    const y = await ex.op('reshape', [inter], { shape: [B, Cout, 2 * H, 2 * W] });
    ex.free(inter);
    return y;
  }

  /**
   * STFT of [B, C, L] → the network's input [B, C·2·k, dim_f/k, dim_t] (complex-as-channels,
   * subbands as channels), or channels last [B, dim_t, dim_f/k, C·2·k].
   */
  private async stft(audio: T): Promise<T> {
    const ex = this.ex;
    const c = this.cfg;
    const [B, C, L] = audio.shape as [number, number, number];
    const flat = await ex.op('reshape', [audio], { shape: [B * C, L] });
    const spec = await ex.op('stft', [flat], { n_fft: c.nFft, hop_length: c.hop, window: 'hann', center: true });
    ex.free(flat);
    const frames = spec.shape[2]!;
    if (this.cl) {
      // [B·C, F, T, 2] → cut to dim_f → [B, C, k, F/k, T, 2] → [B, T, F/k, C, 2, k]: the same
      // channel order (c, re/im, k) as the channels-first reshape.
      const cut = await ex.op('slice', [spec], { dim: 1, start: 0, end: c.dimF });
      ex.free(spec);
      const six = await ex.op('reshape', [cut], { shape: [B, C, c.subbands, c.dimF / c.subbands, frames, 2] });
      ex.free(cut);
      const perm = await ex.op('permute', [six], { dims: [0, 4, 3, 1, 5, 2] });
      ex.free(six);
      const y = await ex.op('reshape', [perm], { shape: [B, frames, c.dimF / c.subbands, C * 2 * c.subbands] });
      ex.free(perm);
      return y;
    }
    const cplxFirst = await ex.op('permute', [spec], { dims: [0, 3, 1, 2] });
    ex.free(spec);
    const cut = await ex.op('slice', [cplxFirst], { dim: 2, start: 0, end: c.dimF });
    ex.free(cplxFirst);
    // [B·C, 2, dim_f, T] → [B, C·2·k, dim_f/k, T]: contiguous, so one reshape does cac2cws.
    const y = await ex.op('reshape', [cut], { shape: [B, C * 2 * c.subbands, c.dimF / c.subbands, frames] });
    ex.free(cut);
    return y;
  }

  /** [B, instruments·dim_c, dim_f/k, T] (channels last: [B, T, dim_f/k, instruments·dim_c]) → audio [B, instruments, C, chunk]. */
  private async istft(x: T): Promise<T> {
    const ex = this.ex;
    const c = this.cfg;
    const B = x.shape[0]!;
    const frames = x.shape[this.cl ? 1 : 3]!;
    const nFreq = c.nFft / 2 + 1;
    const signals = B * c.instruments * c.audioChannels;
    let complexLast: T;
    if (this.cl) {
      // [B, T, F/k, (inst·C), 2, k] → [B, (inst·C), k, F/k, T, 2] = [signals, dim_f, T, 2].
      const six = await ex.op('reshape', [x], { shape: [B, frames, c.dimF / c.subbands, c.instruments * c.audioChannels, 2, c.subbands] });
      const perm = await ex.op('permute', [six], { dims: [0, 3, 5, 2, 1, 4] });
      ex.free(six);
      const cut = await ex.op('reshape', [perm], { shape: [signals, c.dimF, frames, 2] });
      ex.free(perm);
      // Bins above dim_f were cut by the front end: zeros, as the reference's f_pad.
      complexLast = await ex.op('pad', [cut], { pad: [0, 0, 0, 0, 0, nFreq - c.dimF], mode: 'constant', value: 0 });
      ex.free(cut);
    } else {
      const per = await ex.op('reshape', [x], { shape: [signals, 2, c.dimF, frames] });
      const padded = await ex.op('pad', [per], { pad: [0, 0, 0, nFreq - c.dimF], mode: 'constant', value: 0 });
      ex.free(per);
      complexLast = await ex.op('permute', [padded], { dims: [0, 2, 3, 1] });
      ex.free(padded);
    }
    const wav = await ex.op('istft', [complexLast], { n_fft: c.nFft, hop_length: c.hop, window: 'hann', center: true, length: c.chunk });
    ex.free(complexLast);
    const y = await ex.op('reshape', [wav], { shape: [B, c.instruments, c.audioChannels, c.chunk] });
    ex.free(wav);
    return y;
  }

  /** Audio chunks [B, C, chunk] → separated stems [B, instruments, C, chunk]. Keeps `audio`. */
  async forward(audio: T): Promise<T> {
    const ex = this.ex;
    const mix = await this.stft(audio);
    const first = await this.conv(mix, 'first_conv.weight');
    // Channels first: the network runs on [B, C, T, F] (the reference's transpose); channels
    // last already has T before F.
    let x = this.cl ? first : await ex.op('transpose', [first], { dim0: 2, dim1: 3 });
    const skips: T[] = [];
    for (let i = 0; i < this.cfg.scales; i++) {
      // Channels last, the first block's input is `first` itself, which the mask needs later.
      x = await this.tfcTdf(x, `encoder_blocks.${i}.tfc_tdf`, x === first);
      skips.push(x);
      x = await this.downscale(x, `encoder_blocks.${i}.downscale`);
    }
    x = await this.tfcTdf(x, 'bottleneck_block');
    for (let i = 0; i < this.cfg.scales; i++) {
      const up = await this.upscale(x, `decoder_blocks.${i}.upscale`);
      const skip = skips.pop()!;
      const cat = await ex.op('concat', [up, skip], { dim: this.cDim });
      ex.free(up, skip);
      x = await this.tfcTdf(cat, `decoder_blocks.${i}.tfc_tdf`);
    }
    const back = this.cl ? x : await ex.op('transpose', [x], { dim0: 2, dim1: 3 });
    if (back !== x) ex.free(x);
    const masked = await ex.op('mul', [back, first]);
    ex.free(back, first);
    const cat = await ex.op('concat', [mix, masked], { dim: this.cDim });
    ex.free(mix, masked);
    const h = await this.conv(cat, 'final_conv.0.weight');
    ex.free(cat);
    const a = await ex.op('gelu', [h]);
    ex.free(h);
    const out = await this.conv(a, 'final_conv.2.weight');
    ex.free(a);
    // cws2cac is the inverse reshape; istft's first reshape does it.
    const stems = await this.istft(out);
    ex.free(out);
    return stems;
  }

  /** The STFT front end and its inverse with the network replaced by identity (dim_f = n_fft/2 + 1). */
  async identity(audio: T): Promise<T> {
    const mix = await this.stft(audio);
    const copies = Array.from({ length: this.cfg.instruments }, () => mix);
    const cat = copies.length === 1 ? mix : await this.ex.op('concat', copies, { dim: this.cDim });
    const y = await this.istft(cat);
    this.ex.free(mix, cat);
    return y;
  }
}
