#!/usr/bin/env python3
"""
The workbench's four pipelines in PyTorch, with the same weights (safetensors written by run.js,
named as the workbench names them) and the same inputs, timed as eager and torch.compile, fp32
and fp16 autocast. Reads a job file from run.js, prints one JSON line per (case, variant).

Each network mirrors kernel-bridge/src/pipelines/<name>/ layer by layer; the check that they
really are the same network is the SNR of the fp32 eager output against the workbench's output,
which run.js reports beside the timings.

Usage: python3 torch_pipelines.py JOB.json   (needs torch and numpy)
"""
import copy
import json
import math
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- weights and inputs

def load_safetensors(path):
    """The safetensors layout (8-byte header length, JSON header, data); F32/F64 only, as run.js writes."""
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        dt = {'F32': np.float32, 'F64': np.float64}[e['dtype']]
        b, end = e['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(data[b:end], dtype=dt).reshape(e['shape']).astype(np.float32))
    return out


def read_f32(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype=np.float32).reshape(shape))


# ---------------------------------------------------------------- mdx23c (TFC-TDF v3)

def norm(c):
    return nn.InstanceNorm2d(c, affine=True, eps=1e-5)


class TfcTdf(nn.Module):
    def __init__(self, in_c, c, blocks, f, bn):
        super().__init__()
        self.blocks = nn.ModuleList()
        for _ in range(blocks):
            b = nn.Module()
            b.tfc1 = nn.Sequential(norm(in_c), nn.GELU(), nn.Conv2d(in_c, c, 3, 1, 1, bias=False))
            b.tdf = nn.Sequential(norm(c), nn.GELU(), nn.Linear(f, f // bn, bias=False), norm(c), nn.GELU(), nn.Linear(f // bn, f, bias=False))
            b.tfc2 = nn.Sequential(norm(c), nn.GELU(), nn.Conv2d(c, c, 3, 1, 1, bias=False))
            b.shortcut = nn.Conv2d(in_c, c, 1, 1, 0, bias=False)
            self.blocks.append(b)
            in_c = c

    def forward(self, x):
        for b in self.blocks:
            s = b.shortcut(x)
            x = b.tfc1(x)
            x = x + b.tdf(x)
            x = b.tfc2(x) + s
        return x


class Mdx23c(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        dim_c = cfg['subbands'] * cfg['audioChannels'] * 2
        c, g, f = cfg['channels'], cfg['growth'], cfg['dimF'] // cfg['subbands']
        self.first_conv = nn.Conv2d(dim_c, c, 1, 1, 0, bias=False)
        self.encoder_blocks = nn.ModuleList()
        for _ in range(cfg['scales']):
            b = nn.Module()
            b.tfc_tdf = TfcTdf(c, c, cfg['blocks'], f, cfg['bottleneck'])
            b.downscale = nn.Module()
            b.downscale.conv = nn.Sequential(norm(c), nn.GELU(), nn.Conv2d(c, c + g, 2, 2, bias=False))
            f //= 2
            c += g
            self.encoder_blocks.append(b)
        self.bottleneck_block = TfcTdf(c, c, cfg['blocks'], f, cfg['bottleneck'])
        self.decoder_blocks = nn.ModuleList()
        for _ in range(cfg['scales']):
            b = nn.Module()
            b.upscale = nn.Module()
            b.upscale.conv = nn.Sequential(norm(c), nn.GELU(), nn.ConvTranspose2d(c, c - g, 2, 2, bias=False))
            f *= 2
            c -= g
            b.tfc_tdf = TfcTdf(2 * c, c, cfg['blocks'], f, cfg['bottleneck'])
            self.decoder_blocks.append(b)
        self.final_conv = nn.Sequential(nn.Conv2d(c + dim_c, c, 1, 1, 0, bias=False), nn.GELU(), nn.Conv2d(c, cfg['instruments'] * dim_c, 1, 1, 0, bias=False))
        self.register_buffer('window', torch.hann_window(cfg['nFft'], periodic=True), persistent=False)

    def forward(self, x):  # [B, C, chunk] -> [B, instruments, C, chunk]
        cfg = self.cfg
        B, C, L = x.shape
        k = cfg['subbands']
        spec = torch.stft(x.reshape(B * C, L).float(), cfg['nFft'], cfg['hop'], window=self.window, center=True, return_complex=True)
        spec = torch.view_as_real(spec).permute(0, 3, 1, 2)[:, :, : cfg['dimF']]
        T = spec.shape[-1]
        mix = spec.reshape(B, C * 2 * k, cfg['dimF'] // k, T)
        first = self.first_conv(mix)
        h = first.transpose(-1, -2)
        skips = []
        for b in self.encoder_blocks:
            h = b.tfc_tdf(h)
            skips.append(h)
            h = b.downscale.conv(h)
        h = self.bottleneck_block(h)
        for b in self.decoder_blocks:
            h = b.upscale.conv(h)
            h = b.tfc_tdf(torch.cat([h, skips.pop()], 1))
        h = h.transpose(-1, -2) * first
        out = self.final_conv(torch.cat([mix, h], 1)).float()
        n = cfg['nFft'] // 2 + 1
        out = out.reshape(B * cfg['instruments'] * C, 2, cfg['dimF'], T)
        out = F.pad(out, (0, 0, 0, n - cfg['dimF']))
        z = torch.complex(out[:, 0], out[:, 1])
        wav = torch.istft(z, cfg['nFft'], cfg['hop'], window=self.window, center=True, length=cfg['chunk'])
        return wav.reshape(B, cfg['instruments'], C, cfg['chunk'])


def demix(model, mix, cfg, batch):
    """Chunked inference as kernel-bridge/src/pipelines/chunking.ts (the MDX23C reference's scheme)."""
    C = cfg['chunk']
    step = C // cfg['overlaps']
    border = C - step
    fade = C // 10
    length = mix.shape[-1]
    padded = length > 2 * border and border > 0
    if padded:
        mix = F.pad(mix[None], (border, border), mode='reflect')[0]
    total = mix.shape[-1]
    window = torch.ones(C, device=mix.device)
    ramp = torch.linspace(0, 1, fade, device=mix.device)
    starts = list(range(0, total, step))
    result = torch.zeros(cfg['instruments'], mix.shape[0], total, device=mix.device)
    counter = torch.zeros(total, device=mix.device)
    for k0 in range(0, len(starts), batch):
        chunks = []
        for s in starts[k0:k0 + batch]:
            part = mix[:, s:s + C]
            n = part.shape[-1]
            if n < C:
                part = F.pad(part[None], (0, C - n), mode='reflect' if n > C // 2 + 1 else 'constant')[0]
            chunks.append(part)
        y = model(torch.stack(chunks)).float()
        for j, s in enumerate(starts[k0:k0 + batch]):
            w = window.clone()
            if s != 0:
                w[:fade] *= ramp
            if s + C < total:
                w[-fade:] *= ramp.flip(0)
            n = min(C, total - s)
            result[..., s:s + n] += y[j, ..., :n] * w[:n]
            counter[s:s + n] += w[:n]
    out = torch.nan_to_num(result / counter)
    return out[..., border:border + length] if padded else out


# ---------------------------------------------------------------- fftconv

class FftConv(nn.Module):
    def __init__(self, cfg, w):
        super().__init__()
        self.cfg = cfg
        self.register_buffer('H', torch.fft.rfft(w['filter'], n=cfg['nFft']))
        self.register_buffer('bias', w['bias'])

    def band(self, xb, H, bias):
        """One band [1, C/streams, L] with its channels' filter spectra and biases. Its own
        function so that torch.compile compiles the band (once: every band has the same shapes)
        and the streams around it stay eager (compiled_bands)."""
        cfg = self.cfg
        X = torch.fft.rfft(xb.float(), n=cfg['nFft'])
        y = torch.fft.irfft(X * H, n=cfg['nFft'])[..., : cfg['length']]
        return y + bias[:, None]

    def forward(self, x):  # [1, C, L]
        cfg = self.cfg
        per = cfg['channels'] // cfg['streams']
        if x.is_cuda and cfg['streams'] > 1 and not hasattr(self, '_streams'):
            self._streams = [torch.cuda.Stream() for _ in range(cfg['streams'])]  # created once, reused by every run
        streams = getattr(self, '_streams', None) if x.is_cuda else None
        outs = [None] * cfg['streams']
        main = torch.cuda.current_stream() if streams else None
        for b in range(cfg['streams']):
            ctx = torch.cuda.stream(streams[b]) if streams else _null()
            if streams:
                streams[b].wait_stream(main)  # x was written on the main stream
            with ctx:
                sl = slice(b * per, (b + 1) * per)
                outs[b] = self.band(x[:, sl], self.H[sl], self.bias[sl])
        if streams:
            for b, s in enumerate(streams):
                main.wait_stream(s)
                # The main stream reads these: keep the allocator from reusing them under it.
                outs[b].record_stream(main)
        return torch.cat(outs, 1)


def compiled_bands(model):
    """fftconv for torch.compile: the band compiled, the streams around it eager. Compiling the
    whole forward fails for more than one band (dynamo cannot trace record_stream), so until
    this the compile variants of the banded cases were errors."""
    m = copy.copy(model)
    m.band = torch.compile(model.band)
    return m


def variant_model(model, case, mode):
    """The model as variant `mode` runs it: eager as built, or compiled (fftconv per band)."""
    if mode != 'compile':
        return model
    return compiled_bands(model) if case['pipeline'] == 'fftconv' else torch.compile(model)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


# ---------------------------------------------------------------- encodec

class SConv(nn.Module):
    def __init__(self, cin, cout, k, stride=1):
        super().__init__()
        self.conv = nn.Module()
        self.conv.conv = nn.Conv1d(cin, cout, k, stride)
        self.k, self.stride = k, stride

    def forward(self, x):
        total = self.k - self.stride
        frames = (x.shape[-1] - self.k + total) / self.stride + 1
        extra = (math.ceil(frames) - 1) * self.stride + (self.k - total) - x.shape[-1]
        return self.conv.conv(F.pad(x, (total, extra), mode='reflect'))


class SConvTr(nn.Module):
    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.convtr = nn.Module()
        self.convtr.convtr = nn.ConvTranspose1d(cin, cout, k, stride)
        self.trim = k - stride

    def forward(self, x):
        y = self.convtr.convtr(x)
        return y[..., : y.shape[-1] - self.trim] if self.trim else y


class ResBlock(nn.Module):
    def __init__(self, dim, k, compress):
        super().__init__()
        h = dim // compress
        self.block = nn.Sequential(nn.ELU(), SConv(dim, h, k), nn.ELU(), SConv(h, dim, 1))
        self.shortcut = SConv(dim, dim, 1)

    def forward(self, x):
        return self.shortcut(x) + self.block(x)


class SLstm(nn.Module):
    def __init__(self, dim, layers):
        super().__init__()
        self.lstm = nn.LSTM(dim, dim, layers)

    def forward(self, x):
        x = x.permute(2, 0, 1)
        y, _ = self.lstm(x)
        return (y + x).permute(1, 2, 0)


def seanet(cfg, decoder):
    nf, layers, mult = cfg['filters'], [], 1
    if not decoder:
        layers.append(SConv(1, nf, cfg['kernel']))
        for r in reversed(cfg['ratios']):
            layers += [ResBlock(mult * nf, cfg['residualKernel'], cfg['compress']), nn.ELU(), SConv(mult * nf, mult * nf * 2, r * 2, r)]
            mult *= 2
        layers += [SLstm(mult * nf, cfg['lstmLayers']), nn.ELU(), SConv(mult * nf, cfg['dimension'], cfg['kernel'])]
    else:
        mult = 2 ** len(cfg['ratios'])
        layers += [SConv(cfg['dimension'], mult * nf, cfg['kernel']), SLstm(mult * nf, cfg['lstmLayers'])]
        for r in cfg['ratios']:
            layers += [nn.ELU(), SConvTr(mult * nf, mult * nf // 2, r * 2, r), ResBlock(mult * nf // 2, cfg['residualKernel'], cfg['compress'])]
            mult //= 2
        layers += [nn.ELU(), SConv(nf, 1, cfg['kernel'])]
    m = nn.Module()
    m.model = nn.Sequential(*layers)
    return m


class Codebook(nn.Module):
    def __init__(self, bins, dim):
        super().__init__()
        self._codebook = nn.Module()
        self._codebook.register_buffer('embed', torch.zeros(bins, dim))


class Encodec(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.encoder = seanet(cfg, False)
        self.decoder = seanet(cfg, True)
        self.quantizer = nn.Module()
        self.quantizer.vq = nn.Module()
        self.quantizer.vq.layers = nn.ModuleList([Codebook(cfg['bins'], cfg['dimension']) for _ in range(32)])

    def forward(self, x):  # [1, 1, L] -> (audio [1, 1, L], codes [n_q, frames])
        z = self.encoder.model(x).float()
        r = z[0].t()  # [frames, D]
        q = torch.zeros_like(r)
        codes = []
        for layer in self.quantizer.vq.layers[: self.cfg['codebooks']]:
            e = layer._codebook.embed
            idx = ((e * e).sum(1)[None] - 2 * (r @ e.t())).argmin(1)
            codes.append(idx)
            chosen = e[idx]
            r = r - chosen
            q = q + chosen
        y = self.decoder.model(q.t()[None].to(x.dtype))
        return y[..., : x.shape[-1]], torch.stack(codes)


# ---------------------------------------------------------------- bitnet

class BitNet(nn.Module):
    def __init__(self, cfg, w):
        super().__init__()
        self.cfg = cfg
        self.layers = nn.ModuleList()
        for l in range(cfg['layers']):
            m = nn.Module()
            m.norm = nn.LayerNorm(cfg['dim'])
            for name in ('up', 'down'):
                wt = w[f'layers.{l}.{name}.weight']
                scale = wt.abs().mean().clamp(min=1e-5)
                sub = nn.Module()
                sub.register_buffer('wq', (wt / scale).round().clamp(-1, 1))
                sub.register_buffer('scale', scale)
                setattr(m, name, sub)
            self.layers.append(m)

    @staticmethod
    def bitlinear(x, sub):
        xs = 127.0 / x.float().abs().amax(-1, keepdim=True).clamp(min=1e-5)
        xq = (x.float() * xs).round().clamp(-128, 127)
        # Integer products summed in fp32 are exact here (|sum| < 2^24), and kept out of autocast.
        with torch.autocast(device_type=x.device.type, enabled=False):
            acc = xq @ sub.wq.t()
        return acc * sub.scale / xs

    def forward(self, x):
        for m in self.layers:
            u = self.bitlinear(m.norm(x), m.up)
            x = x + self.bitlinear(torch.relu(u) ** 2, m.down)
        return x


# ---------------------------------------------------------------- timing

def build(case, w, device):
    cfg = case['config']
    name = case['pipeline']
    if name == 'mdx23c':
        m = Mdx23c(cfg)
    elif name == 'fftconv':
        return FftConv(cfg, w).to(device).eval()
    elif name == 'encodec':
        m = Encodec(cfg)
    else:
        m = BitNet(cfg, w)
        m.load_state_dict({k: v for k, v in w.items() if '.norm.' in k}, strict=False)
        return m.to(device).eval()
    missing, unexpected = m.load_state_dict(w, strict=False)
    missing = [k for k in missing if k != 'window']
    if missing or unexpected:
        raise SystemExit(f'{name}: weights do not fit the torch model: missing {missing[:5]}, unexpected {unexpected[:5]}')
    return m.to(device).eval()


def runner(case, model, x):
    name = case['pipeline']
    if name == 'mdx23c':
        return lambda: (demix(model, x, case['config'], case['config']['batch']), None)
    if name == 'encodec':
        return lambda: model(x)
    return lambda: (model(x), None)


def with_host_io(fn, x_host, device):
    """The run as the workbench times it: the input starts in host memory and the output ends
    there (one copy each way inside the timed call)."""
    def run():
        x = x_host.to(device, non_blocking=False)
        out, codes = fn(x)
        return out.cpu(), (codes.cpu() if codes is not None else None)
    return run


def with_pinned_io(fn, x_host, device):
    """As with_host_io, from and to page-locked host memory (what the workbench's cuda backend
    uses): the input pinned once, as an application would keep it, and the output copied into a
    pinned buffer kept between runs."""
    x_pinned = x_host.pin_memory()
    outs = {}

    def to_pinned(key, t):
        buf = outs.get(key)
        if buf is None or buf.shape != t.shape or buf.dtype != t.dtype:
            buf = outs[key] = torch.empty(t.shape, dtype=t.dtype, pin_memory=True)
        buf.copy_(t)
        return buf

    def run():
        x = x_pinned.to(device, non_blocking=True)
        out, codes = fn(x)
        return to_pinned('out', out), (to_pinned('codes', codes) if codes is not None else None)
    return run


def with_banded_pinned_io(model, x_host, device):
    """fftconv as the workbench's cuda backend schedules it (queued copies): each band copied in
    on its own stream, computed there, and copied out into its place in a pinned output, so one
    band's transfers overlap the other bands' compute; the timing loop's synchronisation waits for
    all of them. PyTorch's strongest form of the same pipeline, beside the whole-tensor copies."""
    cfg = model.cfg
    per = cfg['channels'] // cfg['streams']
    x_pinned = x_host.pin_memory()
    out = torch.empty(x_host.shape, dtype=torch.float32, pin_memory=True)
    streams = [torch.cuda.Stream() for _ in range(cfg['streams'])]

    def run():
        main = torch.cuda.current_stream()
        for b, s in enumerate(streams):
            s.wait_stream(main)
            with torch.cuda.stream(s):
                sl = slice(b * per, (b + 1) * per)
                xb = x_pinned[:, sl].to(device, non_blocking=True)
                out[:, sl].copy_(model.band(xb, model.H[sl], model.bias[sl]), non_blocking=True)
        for s in streams:
            main.wait_stream(s)
        return out, None
    return run


def sync(device):
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def time_variant(rec, fn, dtype, device, job, case, ref):
    """Times `fn` (warm-up, then job['reps'] synchronised runs) and fills `rec` with its RTF and
    its output's agreement with the workbench's."""
    # fp16 autocast on CUDA; on a CPU (the CPU comparison) autocast's dtype is bfloat16.
    half = torch.float16 if device.startswith('cuda') else torch.bfloat16
    amp = torch.autocast(device_type=device.split(':')[0], dtype=half, enabled=dtype == 'fp16')
    if dtype == 'fp16':
        rec['autocastDtype'] = str(half).replace('torch.', '')
    with torch.inference_mode(), amp:
        for _ in range(job['warmup']):
            fn()
        sync(device)
        times = []
        for _ in range(job['reps']):
            t0 = time.perf_counter()
            out, codes = fn()
            sync(device)
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    rec.update(medianS=med, samplesS=times, rtf=med / case['audioSeconds'])
    out = out.float().flatten().cpu()
    # A variant whose output overflowed is not a peer: the verdict leaves it out.
    rec['outputNonFinite'] = int((~torch.isfinite(out)).sum().item())
    if ref is not None and ref.numel() == out.numel():
        err = (out.double() - ref.double()).pow(2).sum().item()
        sig = ref.double().pow(2).sum().item()
        snr = 999.0 if err == 0 else 10 * math.log10(sig / err) if err > 0 and sig > 0 else float('nan')
        rec['snrVsWorkbenchDb'] = snr if math.isfinite(snr) else None  # JSON has no NaN
    if codes is not None and case.get('referenceCodes'):
        want = np.fromfile(case['referenceCodes'], dtype=np.int32).reshape(codes.shape)
        rec['codeMatchVsWorkbench'] = (codes.cpu().numpy() == want).mean(axis=1).tolist()
    return rec


def main():
    job = json.load(open(sys.argv[1]))
    device = job['device']
    # fp32 means fp32: PyTorch lets cuDNN convolutions use TF32 by default
    # (torch.backends.cudnn.allow_tf32), which the workbench's f32 never does.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    # 'host' (default): input from host memory, output back to it, inside the timed call, as
    # the workbench's pipeline runs are timed; 'pinned': the same from and to page-locked host
    # memory; 'device': both stay on the device.
    io = job.get('io', 'host')
    for case in job['cases']:
        w = load_safetensors(case['weights'])
        x_host = read_f32(case['input'], case['inputShape'])
        if case['pipeline'] == 'mdx23c':
            x_host = x_host.reshape(case['inputShape'][-2:])
        x = x_host.to(device)
        ref = read_f32(case['reference'], [-1]) if case.get('reference') else None
        model = build(case, w, device)
        for variant in job['variants']:
            mode, dtype = variant.split('-')
            base = {'case': case['id'], 'variant': variant, 'device': device, 'torch': torch.__version__, 'tf32': False, 'io': io}
            rec = dict(base)
            m = None  # the model as this variant runs it, once built
            try:
                m = variant_model(model, case, mode)
                fn = runner(case, m, x)
                if io == 'host':
                    fn = with_host_io(lambda xd: runner(case, m, xd)(), x_host, device)
                elif io == 'pinned':
                    fn = with_pinned_io(lambda xd: runner(case, m, xd)(), x_host, device)
                time_variant(rec, fn, dtype, device, job, case, ref)
            except Exception as e:  # a variant that cannot run (compile failing, no fp16 kernel) is a recorded status
                rec.update(status='error', error=f'{type(e).__name__}: {e}'[:2000])
            print(json.dumps(rec), flush=True)
            if case['pipeline'] == 'fftconv' and io == 'pinned' and device.startswith('cuda') and m is not None:
                banded = dict(base, variant=f'{variant}-bandio', io='pinned-banded')
                try:
                    time_variant(banded, with_banded_pinned_io(m, x_host, device), dtype, device, job, case, ref)
                except Exception as e:
                    banded.update(status='error', error=f'{type(e).__name__}: {e}'[:2000])
                print(json.dumps(banded), flush=True)


if __name__ == '__main__':
    main()
