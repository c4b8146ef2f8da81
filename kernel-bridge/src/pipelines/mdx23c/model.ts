/**
 * The TFC-TDF v3 network on a backend: STFT front end, encoder (TFC-TDF blocks + strided
 * downscale), bottleneck, decoder (upscale + skip concat + TFC-TDF), mask-like product with the
 * first conv's output, final 1×1 convs, iSTFT. Every step is a catalogue op; the one layer the
 * catalogue lacks (ConvTranspose2d) is rewritten exactly with ops it has (see `upscale`).
 */
import type { DeviceTensor } from '../../backend/types';
import type { PipelineExec } from '../exec';
import type { DeviceWeights } from '../weights';
import type { MdxConfig } from './config';

type T = DeviceTensor;

export class MdxNetwork {
  constructor(
    private readonly ex: PipelineExec,
    private readonly w: DeviceWeights,
    private readonly cfg: MdxConfig,
  ) {}

  /** InstanceNorm2d(affine) → GELU, on a tensor the caller keeps. */
  private async normAct(x: T, prefix: string): Promise<T> {
    const ex = this.ex;
    const n = await ex.op('instance_norm', [x, null, null, this.w.get(`${prefix}.weight`), this.w.get(`${prefix}.bias`)], { eps: 1e-5 });
    const a = await ex.op('gelu', [n]);
    ex.free(n);
    return a;
  }

  private async conv(x: T, name: string, params = {}): Promise<T> {
    return this.ex.op('conv2d', [x, this.w.get(name), null], params);
  }

  /** TFC-TDF v3: per block, s = shortcut(x); x = tfc1(x); x = x + tdf(x); x = tfc2(x) + s. Consumes x. */
  private async tfcTdf(x: T, prefix: string): Promise<T> {
    const ex = this.ex;
    for (let i = 0; i < this.cfg.blocks; i++) {
      const b = `${prefix}.blocks.${i}`;
      const s = await this.conv(x, `${b}.shortcut.weight`);
      let a = await this.normAct(x, `${b}.tfc1.0`);
      ex.free(x);
      const t1 = await this.conv(a, `${b}.tfc1.2.weight`, { padding: 1 });
      ex.free(a);
      // TDF: two bias-free linears along the frequency axis (the last dim), bottleneck f / bn.
      a = await this.normAct(t1, `${b}.tdf.0`);
      const l1 = await ex.op('linear', [a, this.w.get(`${b}.tdf.2.weight`), null]);
      ex.free(a);
      a = await this.normAct(l1, `${b}.tdf.3`);
      ex.free(l1);
      const l2 = await ex.op('linear', [a, this.w.get(`${b}.tdf.5.weight`), null]);
      ex.free(a);
      const sum = await ex.op('add', [t1, l2]);
      ex.free(t1, l2);
      a = await this.normAct(sum, `${b}.tfc2.0`);
      ex.free(sum);
      const t2 = await this.conv(a, `${b}.tfc2.2.weight`, { padding: 1 });
      ex.free(a);
      x = await ex.op('add', [t2, s]);
      ex.free(t2, s);
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

  /** STFT of [B, C, L] → the network's input [B, C·2·k, dim_f/k, dim_t] (complex-as-channels, subbands as channels). */
  private async stft(audio: T): Promise<T> {
    const ex = this.ex;
    const c = this.cfg;
    const [B, C, L] = audio.shape as [number, number, number];
    const flat = await ex.op('reshape', [audio], { shape: [B * C, L] });
    const spec = await ex.op('stft', [flat], { n_fft: c.nFft, hop_length: c.hop, window: 'hann', center: true });
    ex.free(flat);
    const frames = spec.shape[2]!;
    const cplxFirst = await ex.op('permute', [spec], { dims: [0, 3, 1, 2] });
    ex.free(spec);
    const cut = await ex.op('slice', [cplxFirst], { dim: 2, start: 0, end: c.dimF });
    ex.free(cplxFirst);
    // [B·C, 2, dim_f, T] → [B, C·2·k, dim_f/k, T]: contiguous, so one reshape does cac2cws.
    const y = await ex.op('reshape', [cut], { shape: [B, C * 2 * c.subbands, c.dimF / c.subbands, frames] });
    ex.free(cut);
    return y;
  }

  /** [B, instruments·dim_c, dim_f/k, T] → audio [B, instruments, C, chunk]. */
  private async istft(x: T): Promise<T> {
    const ex = this.ex;
    const c = this.cfg;
    const B = x.shape[0]!;
    const frames = x.shape[3]!;
    const nFreq = c.nFft / 2 + 1;
    const per = await ex.op('reshape', [x], { shape: [B * c.instruments * c.audioChannels, 2, c.dimF, frames] });
    // Bins above dim_f were cut by the front end: zeros, as the reference's f_pad.
    const padded = await ex.op('pad', [per], { pad: [0, 0, 0, nFreq - c.dimF], mode: 'constant', value: 0 });
    ex.free(per);
    const complexLast = await ex.op('permute', [padded], { dims: [0, 2, 3, 1] });
    ex.free(padded);
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
    let x = await ex.op('transpose', [first], { dim0: 2, dim1: 3 });
    const skips: T[] = [];
    for (let i = 0; i < this.cfg.scales; i++) {
      x = await this.tfcTdf(x, `encoder_blocks.${i}.tfc_tdf`);
      skips.push(x);
      x = await this.downscale(x, `encoder_blocks.${i}.downscale`);
    }
    x = await this.tfcTdf(x, 'bottleneck_block');
    for (let i = 0; i < this.cfg.scales; i++) {
      const up = await this.upscale(x, `decoder_blocks.${i}.upscale`);
      const skip = skips.pop()!;
      const cat = await ex.op('concat', [up, skip], { dim: 1 });
      ex.free(up, skip);
      x = await this.tfcTdf(cat, `decoder_blocks.${i}.tfc_tdf`);
    }
    const back = await ex.op('transpose', [x], { dim0: 2, dim1: 3 });
    ex.free(x);
    const masked = await ex.op('mul', [back, first]);
    ex.free(back, first);
    const cat = await ex.op('concat', [mix, masked], { dim: 1 });
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
    const cat = copies.length === 1 ? mix : await this.ex.op('concat', copies, { dim: 1 });
    const y = await this.istft(cat);
    this.ex.free(mix, cat);
    return y;
  }
}
