"""mlx:<device>: the catalogue ops with MLX's own functions (mlx.core, mlx.nn).

Layouts: the catalogue is PyTorch's (NCL / NCHW, conv weights [out, in/groups, k...]); MLX
convolutions and pooling are channels-last. Weights are moved to MLX's layout once at prepare
(a model stores them that way), activations are transposed inside the timed call, so the timing
covers what an MLX port with NCL inputs and outputs does.

MLX has no STFT op: stft is built as MLX users build it (reflect/constant pad, framing with
mx.as_strided, window, mx.fft.rfft), istft from mx.fft.irfft and an overlap-add with
`array.at[].add`. Both are recorded in the info ("stft:composed").
"""
import math

import mlx.core as mx
import mlx.nn as nn
import numpy as np

from .common import FLUSH_BYTES, Ctx, host_clock_samples, nothing, python_version, support_table
from .errors import Unsupported, WorkerError

MX_DTYPE = {
    "f64": mx.float64,
    "f32": mx.float32,
    "f16": mx.float16,
    "bf16": mx.bfloat16,
    "int8": mx.int8,
    "int32": mx.int32,
}
NP_DTYPE = {"f64": np.float64, "f32": np.float32, "f16": np.float16, "bf16": np.uint16, "int8": np.int8, "int32": np.int32}
FLOAT = {"f32": mx.float32, "f16": mx.float16, "bf16": mx.bfloat16, "int8": mx.float32}

FFT_OPS = ("fft", "ifft", "rfft", "irfft", "complex_mul", "stft", "istft")


def gpu_problem():
    """Why mlx:gpu cannot run here (None: it can)."""
    metal = getattr(mx, "metal", None)
    if metal is not None and metal.is_available():
        return None
    cuda = getattr(mx, "cuda", None)
    if cuda is not None and cuda.is_available():
        return None
    return f"mlx {mx.__version__} has no GPU backend here (mx.metal and mx.cuda report unavailable; the mlx[cpu] build is CPU-only)"


def gpu_kind():
    metal = getattr(mx, "metal", None)
    if metal is not None and metal.is_available():
        return "metal"
    return "cuda"


# ---- ops ------------------------------------------------------------------------------------
# Each builder takes the prepared Ctx and returns a zero-argument function computing the outputs
# (lazy MLX arrays). Anything done before `return` runs once, at prepare.


def _swap_last(a):
    return mx.swapaxes(a, -1, -2)


def op_matmul(c):
    a, b, r = (list(c.x) + [None, None])[:3]
    ta, tb = c.p["transpose_a"], c.p["transpose_b"]
    if r is None:
        return lambda: [mx.matmul(_swap_last(a) if ta else a, _swap_last(b) if tb else b)]
    return lambda: [mx.add(r, mx.matmul(_swap_last(a) if ta else a, _swap_last(b) if tb else b))]


def op_linear(c):
    x, w, b = (c.x + [None])[:3]
    wt = mx.contiguous(w.T)  # stored transposed once, as mlx.nn.Linear does x @ W.T
    if b is None:
        return lambda: [mx.matmul(x, wt)]
    return lambda: [mx.addmm(b, x, wt)]


def _ncl_to_nlc(x):
    return mx.moveaxis(x, 1, -1)


def _nlc_to_ncl(x):
    return mx.moveaxis(x, -1, 1)


def op_conv1d(c):
    x, w, b = (c.x + [None])[:3]
    p = c.p
    wm = mx.contiguous(mx.swapaxes(w, 1, 2))  # [Cout, Cin/g, K] -> [Cout, K, Cin/g]
    pad = ([p["padding"][0]], [p["padding"][1]])

    def run():
        y = mx.conv_general(_ncl_to_nlc(x), wm, stride=p["stride"], padding=pad, kernel_dilation=p["dilation"], groups=p["groups"])
        if b is not None:
            y = y + b
        return [_nlc_to_ncl(y)]

    return run


def op_conv2d(c):
    x, w, b, r = (list(c.x) + [None, None])[:4]
    p = c.p
    top, bottom, left, right = p["padding"]
    pad = ([top, left], [bottom, right])
    if p.get("channels_last", False):
        # NHWC input and OHWI weight are MLX's own layouts: no transposes at all.
        def run_nhwc():
            y = mx.conv_general(x, w, stride=p["stride"], padding=pad, kernel_dilation=p["dilation"], groups=p["groups"])
            y = y if b is None else y + b
            return [y if r is None else mx.add(r, y)]

        return run_nhwc
    wm = mx.contiguous(mx.transpose(w, (0, 2, 3, 1)))  # [Cout, Cin/g, kH, kW] -> [Cout, kH, kW, Cin/g]

    def run():
        y = mx.conv_general(
            mx.transpose(x, (0, 2, 3, 1)), wm, stride=p["stride"], padding=pad, kernel_dilation=p["dilation"], groups=p["groups"]
        )
        if b is not None:
            y = y + b
        y = mx.transpose(y, (0, 3, 1, 2))
        return [y if r is None else mx.add(r, y)]

    return run


def op_conv_transpose1d(c):
    x, w, b = (c.x + [None])[:3]
    p = c.p
    g = p["groups"]
    cin, cout_g, k = w.shape
    # PyTorch [Cin, Cout/g, K] (Cin = g·Cin_g) -> MLX [Cout, K, Cin_g]
    wm = mx.reshape(w, (g, cin // g, cout_g, k))
    wm = mx.contiguous(mx.reshape(mx.transpose(wm, (0, 2, 3, 1)), (g * cout_g, k, cin // g)))

    def run():
        y = mx.conv_transpose1d(
            _ncl_to_nlc(x), wm, stride=p["stride"], padding=p["padding"], dilation=p["dilation"], output_padding=p["output_padding"], groups=g
        )
        if b is not None:
            y = y + b
        return [_nlc_to_ncl(y)]

    return run


def _lstm_layer(w_ih, w_hh, b_ih, b_hh):
    """An mlx.nn.LSTM holding PyTorch-layout weights (same gate order i, f, g, o; one bias = b_ih + b_hh)."""
    hidden = w_hh.shape[1]
    bias = b_ih is not None or b_hh is not None
    layer = nn.LSTM(w_ih.shape[1], hidden, bias=bias)
    layer.Wx = w_ih
    layer.Wh = w_hh
    if bias:
        zeros = mx.zeros((4 * hidden,), dtype=w_ih.dtype)
        layer.bias = (b_ih if b_ih is not None else zeros) + (b_hh if b_hh is not None else zeros)
        mx.eval(layer.bias)
    return layer


def op_lstm_cell(c):
    x, hx, cx, w_ih, w_hh, b_ih, b_hh = (c.x + [None, None])[:7]
    layer = _lstm_layer(w_ih, w_hh, b_ih, b_hh)

    def run():
        h, cell = layer(x[:, None, :], hidden=hx, cell=cx)  # one step of nn.LSTM
        return [h[:, 0, :], cell[:, 0, :]]

    return run


def op_lstm(c):
    p = c.p
    L, has_bias, batch_first = p["num_layers"], p["bias"], p["batch_first"]
    x, h0, c0 = c.x[0], c.x[1], c.x[2]
    per = 4 if has_bias else 2
    layers = []
    for l in range(L):
        w = c.x[3 + per * l : 3 + per * (l + 1)]
        layers.append(_lstm_layer(w[0], w[1], w[2] if has_bias else None, w[3] if has_bias else None))

    def run():
        seq = x if batch_first else mx.swapaxes(x, 0, 1)  # nn.LSTM is batch-first
        hs, cs = [], []
        for l, layer in enumerate(layers):
            h, cell = layer(seq, hidden=None if h0 is None else h0[l], cell=None if c0 is None else c0[l])
            hs.append(h[:, -1, :])
            cs.append(cell[:, -1, :])
            seq = h
        out = seq if batch_first else mx.swapaxes(seq, 0, 1)
        return [out, mx.stack(hs), mx.stack(cs)]

    return run


def _unary(f):
    return lambda c: (lambda x=c.x[0]: [f(x, c.p)])


OP_UNARY = {
    "relu": lambda x, p: nn.relu(x),
    "gelu": lambda x, p: nn.gelu_approx(x) if p["approximate"] == "tanh" else nn.gelu(x),
    "silu": lambda x, p: nn.silu(x),
    "elu": lambda x, p: nn.elu(x, alpha=p["alpha"]),
    "sigmoid": lambda x, p: mx.sigmoid(x),
    "tanh": lambda x, p: mx.tanh(x),
    "softmax": lambda x, p: mx.softmax(x, axis=p["dim"]),
}


def _pool(c, cls, dims):
    """mlx.nn pooling (channels-last; max pads with -inf, avg counts the padding)."""
    p = c.p
    k, s, pad = p["kernel_size"], p["stride"], p["padding"]
    ks = k if isinstance(k, list) else [k]
    ss = s if isinstance(s, list) else [s]
    ps = pad if isinstance(pad, list) else [pad]
    dil = p.get("dilation", 1)
    if any(d != 1 for d in (dil if isinstance(dil, list) else [dil])):
        raise Unsupported(f"mlx.nn.{cls.__name__} has no dilation")
    if p.get("count_include_pad") is False and any(ps):
        raise Unsupported(f"mlx.nn.{cls.__name__} always counts the padding (count_include_pad=False with padding is not available)")
    in_sp = c.in_shapes[0][2:]
    floor = [(n + 2 * pp - kk) // st + 1 for n, kk, st, pp in zip(in_sp, ks, ss, ps)]
    if floor != c.out_shape()[2:]:
        raise Unsupported(f"mlx.nn.{cls.__name__} has no ceil_mode (this case gets a partial last window: {c.out_shape()[2:]} vs {floor})")
    layer = cls(tuple(ks) if dims == 2 else ks[0], stride=tuple(ss) if dims == 2 else ss[0], padding=tuple(ps) if dims == 2 else ps[0])
    x = c.x[0]
    return lambda: [_nlc_to_ncl(layer(_ncl_to_nlc(x)))]


def op_layer_norm(c):
    x, w, b = (c.x + [None, None])[:3]
    ns = c.p["normalized_shape"]
    eps = c.p["eps"]
    n = math.prod(ns)
    shape = list(x.shape)
    flat = shape[: len(shape) - len(ns)] + [n]
    wf = None if w is None else mx.reshape(w, (n,))
    bf = None if b is None else mx.reshape(b, (n,))
    return lambda: [mx.reshape(mx.fast.layer_norm(mx.reshape(x, flat), wf, bf, eps), shape)]


def _channel_view(v, ndim, channels_last=False):
    """A [C] vector broadcast along dim 1 of an [N, C, ...] tensor (channels_last: along the last dim, as it is)."""
    return v if channels_last else mx.reshape(v, (1, -1) + (1,) * (ndim - 2))


def _affine(y, w, b, ndim, channels_last=False):
    if w is not None:
        y = y * _channel_view(w, ndim, channels_last)
    if b is not None:
        y = y + _channel_view(b, ndim, channels_last)
    return y


def op_batch_norm(c):
    x, rm, rv, w, b = (c.x + [None, None])[:5]
    eps = c.p["eps"]
    nd = len(x.shape)
    # mlx.nn.BatchNorm's eval path, on channel dim 1: (x - mean) * rsqrt(var + eps) * w + b
    return lambda: [_affine((x - _channel_view(rm, nd)) * mx.rsqrt(_channel_view(rv, nd) + eps), w, b, nd)]


def op_instance_norm(c):
    x, rm, rv, w, b = (c.x + [None] * 4)[:5]
    eps = c.p["eps"]
    nd = len(x.shape)
    last = c.p.get("channels_last", False)
    # nn.gelu is the exact (erf) form; nn.gelu_approx the tanh one.
    act = nn.gelu if c.p.get("activation", "none") == "gelu" else (lambda y: y)
    if not c.p["use_input_stats"]:
        m, v = _channel_view(rm, nd, last), _channel_view(rv, nd, last)
        return lambda: [act(_affine((x - m) * mx.rsqrt(v + eps), w, b, nd, last))]
    # mlx.nn.InstanceNorm's computation (which is channels-last: statistics over dims 1..-2);
    # on dims 2.. for the catalogue's [N, C, ...].
    axes = tuple(range(1, nd - 1)) if last else tuple(range(2, nd))

    def run():
        mean = mx.mean(x, axis=axes, keepdims=True)
        var = mx.var(x, axis=axes, keepdims=True)
        return [act(_affine((x - mean) * mx.rsqrt(var + eps), w, b, nd, last))]

    return run


def op_group_norm(c):
    x, w, b = (c.x + [None, None])[:3]
    G, eps = c.p["num_groups"], c.p["eps"]
    C = x.shape[1]
    layer = nn.GroupNorm(G, C, eps=eps, affine=True, pytorch_compatible=True)
    layer.weight = w if w is not None else mx.ones((C,), dtype=x.dtype)
    layer.bias = b if b is not None else mx.zeros((C,), dtype=x.dtype)
    nd = len(x.shape)

    def run():
        xl = mx.moveaxis(x, 1, -1) if nd > 2 else x[:, None, :]
        y = layer(xl)
        return [mx.moveaxis(y, -1, 1) if nd > 2 else y[:, 0, :]]

    return run


def op_reshape(c):
    x = c.x[0]
    shape = c.p["shape"]
    return lambda: [mx.reshape(x, shape)]


def op_transpose(c):
    x = c.x[0]
    return lambda: [mx.contiguous(mx.swapaxes(x, c.p["dim0"], c.p["dim1"]))]


def op_permute(c):
    x = c.x[0]
    return lambda: [mx.contiguous(mx.transpose(x, c.p["dims"]))]


def op_concat(c):
    xs = list(c.x)
    return lambda: [mx.concatenate(xs, axis=c.p["dim"])]


def op_pad(c):
    x = c.x[0]
    pads, mode, value = c.p["pad"], c.p["mode"], c.p["value"]
    nd = len(x.shape)
    width = [[0, 0] for _ in range(nd)]
    for i in range(len(pads) // 2):  # PyTorch order: last dim first
        width[nd - 1 - i] = [pads[2 * i], pads[2 * i + 1]]
    # mx.pad takes no negative widths: a negative pad crops, which MLX users write as a slice.
    crop = tuple(slice(max(0, -lo), x.shape[d] - max(0, -hi)) for d, (lo, hi) in enumerate(width))
    pos = [(max(0, lo), max(0, hi)) for lo, hi in width]
    mlx_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}[mode]
    need_crop = any(lo < 0 or hi < 0 for lo, hi in width)

    def run():
        y = x[crop] if need_crop else x
        if mlx_mode == "constant":
            return [mx.pad(y, pos, mode="constant", constant_values=value)]
        return [mx.pad(y, pos, mode=mlx_mode)]

    return run


def op_slice(c):
    x = c.x[0]
    p = c.p
    idx = tuple(slice(p["start"], p["end"], p["step"]) if d == p["dim"] else slice(None) for d in range(len(x.shape)))
    return lambda: [mx.contiguous(x[idx])]


def op_add(c):
    x, o = c.x
    alpha = c.p["alpha"]
    if alpha == 1:
        return lambda: [x + o]
    return lambda: [x + alpha * o]


def op_mul(c):
    x, o = c.x
    return lambda: [x * o]


def op_add_bias(c):
    x, b = c.x
    d = c.p["dim"]
    shape = [1] * len(x.shape)
    shape[d] = -1
    bv = mx.reshape(b, shape)
    return lambda: [x + bv]


def _as_complex(a):
    """[..., 2] float32 (re, im) -> [...] complex64 (a view, as torch.view_as_complex)."""
    return mx.view(a, mx.complex64)[..., 0]


def _as_real(z):
    return mx.view(z[..., None], mx.float32)


def op_complex_mul(c):
    a, b = c.x
    return lambda: [_as_real(_as_complex(a) * _as_complex(b))]


def op_fft(c, fn):
    x = c.x[0]
    p = c.p
    return lambda: [_as_real(fn(_as_complex(x), n=p["n"], axis=p["dim"], norm=p["norm"]))]


def op_rfft(c):
    x = c.x[0]
    p = c.p
    return lambda: [_as_real(mx.fft.rfft(x, n=p["n"], axis=p["dim"], norm=p["norm"]))]


def op_irfft(c):
    x = c.x[0]
    p = c.p
    return lambda: [mx.fft.irfft(_as_complex(x), n=p["n"], axis=p["dim"], norm=p["norm"])]


def _window(p, dtype):
    """Periodic Hann or ones of win_length, zero-padded on both sides to n_fft (torch.stft's rule)."""
    n_fft, wl = p["n_fft"], p["win_length"]
    if p["window"] == "hann":
        i = mx.arange(wl, dtype=mx.float32)
        w = 0.5 - 0.5 * mx.cos(2 * math.pi * i / wl)
    else:
        w = mx.ones((wl,), dtype=mx.float32)
    left = (n_fft - wl) // 2
    return mx.pad(w, [(left, n_fft - wl - left)]).astype(dtype)


def op_stft(c):
    x = c.x[0]
    p = c.p
    n_fft, hop = p["n_fft"], p["hop_length"]
    lead = list(x.shape[:-1])
    L = x.shape[-1]
    win = _window(p, x.dtype)
    half = n_fft // 2 if p["center"] else 0
    Lp = L + 2 * half
    frames = 1 + (Lp - n_fft) // hop
    rows = math.prod(lead)
    mode = "reflect" if p["pad_mode"] == "reflect" else "constant"
    scale = 1 / math.sqrt(n_fft) if p["normalized"] else None
    transform = mx.fft.rfft if p["onesided"] else mx.fft.fft

    def run():
        xs = mx.reshape(x, (rows, L))
        if half:
            xs = mx.pad(xs, [(0, 0), (half, half)], mode=mode)
        xs = mx.contiguous(xs)
        fr = mx.as_strided(xs, shape=(rows, frames, n_fft), strides=(Lp, hop, 1))
        spec = transform(fr * win, axis=-1)  # [rows, frames, bins]
        if scale is not None:
            spec = spec * scale
        spec = mx.swapaxes(spec, 1, 2)
        return [mx.reshape(_as_real(spec), lead + [spec.shape[1], frames, 2])]

    return run


def op_istft(c):
    x = c.x[0]
    p = c.p
    n_fft, hop, length = p["n_fft"], p["hop_length"], p["length"]
    lead = list(x.shape[:-3])
    bins, frames = x.shape[-3], x.shape[-2]
    rows = math.prod(lead)
    win = _window(p, mx.float32)
    half = n_fft // 2 if p["center"] else 0
    total = n_fft + hop * (frames - 1)
    # Overlap-add positions and the squared-window envelope depend only on the shape: computed once.
    pos = (mx.arange(frames)[:, None] * hop + mx.arange(n_fft)[None, :]).reshape(-1)
    env = mx.zeros((total,), dtype=mx.float32).at[pos].add(mx.tile(win * win, (frames,)))
    mx.eval(pos, env)
    env_np = np.array(env)[half : half + length]
    if np.any(env_np[: max(0, min(length, total - half))] < 1e-11):
        raise WorkerError("ABW_EINVAL", "[istft] window overlap-add is not invertible (NOLA)")
    scale = math.sqrt(n_fft) if p["normalized"] else None
    inverse = mx.fft.irfft if p["onesided"] else mx.fft.ifft
    out_dtype = x.dtype

    def run():
        z = _as_complex(mx.reshape(x, (rows, bins, frames, 2)))
        z = mx.swapaxes(z, 1, 2)  # [rows, frames, bins]
        fr = inverse(z, n=n_fft, axis=-1) if p["onesided"] else mx.real(inverse(z, n=n_fft, axis=-1))
        if scale is not None:
            fr = fr * scale
        fr = fr * win
        y = mx.zeros((rows, total), dtype=mx.float32).at[:, pos].add(mx.reshape(fr, (rows, -1)))
        y = y / mx.where(env > 1e-11, env, 1.0)
        y = y[:, half : half + length]
        if y.shape[1] < length:
            y = mx.pad(y, [(0, 0), (0, length - y.shape[1])])
        return [mx.reshape(y.astype(out_dtype), lead + [length])]

    return run


def op_quantize_ternary(c):
    w = c.x[0]

    def run():
        scale = mx.maximum(mx.mean(mx.abs(w.astype(mx.float32))), 1e-5)
        q = mx.clip(mx.round(w / scale.astype(w.dtype)), -1, 1).astype(mx.int8)
        return [q, scale]

    return run


def op_quantize_int8(c):
    x = c.x[0]
    d = c.p["dim"]

    def run():
        scale = 127.0 / mx.maximum(mx.max(mx.abs(x.astype(mx.float32)), axis=d, keepdims=True), 1e-5)
        q = mx.clip(mx.round(x * scale.astype(x.dtype)), -128, 127).astype(mx.int8)
        return [q, scale]

    return run


def op_dequantize_int32(c):
    acc, scale = c.x
    ws, out = c.p["weight_scale"], MX_DTYPE[c.outs[0]["dtype"]]
    # f32 multiply and divide (a Python scalar is weakly typed: it stays f32), one rounding to storage
    return lambda: [((acc.astype(mx.float32) * ws) / scale.astype(mx.float32)).astype(out)]


def op_argmax(c):
    x, p = c.x[0], c.p
    # mx.argmax returns uint32 (first maximal index); the catalogue's output is int32
    return lambda: [mx.argmax(x, axis=p["dim"], keepdims=p["keepdim"]).astype(mx.int32)]


def op_index_select(c):
    x, index = c.x
    return lambda: [mx.take(x, index, axis=c.p["dim"])]


OPS = {
    "matmul": op_matmul,
    "linear": op_linear,
    "conv1d": op_conv1d,
    "conv2d": op_conv2d,
    "conv_transpose1d": op_conv_transpose1d,
    "lstm_cell": op_lstm_cell,
    "lstm": op_lstm,
    **{name: _unary(f) for name, f in OP_UNARY.items()},
    "max_pool1d": lambda c: _pool(c, nn.MaxPool1d, 1),
    "avg_pool1d": lambda c: _pool(c, nn.AvgPool1d, 1),
    "max_pool2d": lambda c: _pool(c, nn.MaxPool2d, 2),
    "avg_pool2d": lambda c: _pool(c, nn.AvgPool2d, 2),
    "layer_norm": op_layer_norm,
    "batch_norm": op_batch_norm,
    "instance_norm": op_instance_norm,
    "group_norm": op_group_norm,
    "reshape": op_reshape,
    "transpose": op_transpose,
    "permute": op_permute,
    "concat": op_concat,
    "pad": op_pad,
    "slice": op_slice,
    "add": op_add,
    "mul": op_mul,
    "add_bias": op_add_bias,
    "complex_mul": op_complex_mul,
    "fft": lambda c: op_fft(c, mx.fft.fft),
    "ifft": lambda c: op_fft(c, mx.fft.ifft),
    "rfft": op_rfft,
    "irfft": op_irfft,
    "stft": op_stft,
    "istft": op_istft,
    "quantize_ternary": op_quantize_ternary,
    "quantize_int8": op_quantize_int8,
    "dequantize_int32": op_dequantize_int32,
    "argmax": op_argmax,
    "index_select": op_index_select,
}

UNSUPPORTED = {
    "ternary_matmul": "mlx matmul takes only floating-point types (int8 x int8 -> int32 integer accumulation is not available)",
}


def dtype_problem(op, dt):
    if op in FFT_OPS and dt in ("f16", "bf16"):
        return f"mlx {op}: MLX complex arithmetic and FFTs take float32/complex64 only (no half-precision complex type)"
    if dt == "int8":
        return f"{op} is not an integer op"
    return None


class MlxFramework:
    name = "mlx"

    def __init__(self, device):
        if device not in ("cpu", "gpu"):
            raise ValueError(f"unknown mlx device {device!r} (allowed: cpu, gpu)")
        if device == "gpu":
            why = gpu_problem()
            if why:
                raise RuntimeError(why)
        self.device = device
        mx.set_default_device(mx.gpu if device == "gpu" else mx.cpu)
        self._flush = None
        self._support = MlxFramework.probe_all()["support"].get(device, {})

    # -- capabilities -------------------------------------------------------------------------
    @staticmethod
    def probe_all():
        gpu = gpu_problem()
        devices = {"cpu": {"available": True, "dtypes": ["f32", "f16", "bf16", "int8"]}}
        devices["gpu"] = {"available": False, "reason": gpu} if gpu else {"available": True, "dtypes": ["f32", "f16", "bf16"], "kind": gpu_kind()}
        support = {}
        for dev, d in devices.items():
            if d["available"]:
                support[dev] = support_table(OPS, UNSUPPORTED, lambda dt, d=d: MlxFramework.dtype_reason(dt, d["dtypes"]), dtype_problem)
        return {
            "framework": "mlx",
            "versions": MlxFramework.versions(),
            "devices": devices,
            "support": support,
            "features": ["stft:composed(pad+as_strided+rfft)", "istft:composed(irfft+overlap-add)", "tf32:none", "autocast:none"],
        }

    @staticmethod
    def dtype_reason(dt, dtypes):
        if dt == "tf32":
            return "MLX has no TF32 mode (float32 matmuls run in full float32)"
        if dt not in dtypes:
            return f"mlx has no {dt} kernels on this device"
        return None

    @staticmethod
    def versions():
        v = {"mlx": mx.__version__, "python": python_version(), "numpy": np.__version__}
        return v

    def info(self):
        return {"framework": "mlx", "device": self.device, "versions": self.versions(), "timer": "host", "settings": self.settings_record("f32")}

    def support_table(self):
        return self._support

    # -- tensors ------------------------------------------------------------------------------
    def from_bytes(self, buf, dtype, shape):
        if dtype not in NP_DTYPE:
            raise WorkerError("ABW_EDTYPE", f"mlx: tensor dtype {dtype!r} not taken (allowed: {', '.join(NP_DTYPE)})")
        if dtype == "f64" and self.device == "gpu":
            raise WorkerError("ABW_EDTYPE", "mlx: float64 arrays exist on the CPU device only")
        host = np.frombuffer(buf, dtype=NP_DTYPE[dtype]).reshape(shape)
        # dtype given explicitly: mx.array would otherwise narrow float64 to float32.
        a = mx.array(host, dtype=mx.uint16 if dtype == "bf16" else MX_DTYPE[dtype])
        if dtype == "bf16":
            a = mx.view(a, mx.bfloat16)
        mx.eval(a)
        return a

    def to_bytes(self, a, dtype):
        if dtype == "bf16":
            a = mx.view(a, mx.uint16)
        return np.ascontiguousarray(np.array(a, copy=False)) if a.size else b""

    # -- calls --------------------------------------------------------------------------------
    def prepare(self, op, inputs, params, dtype, outputs, input_shapes):
        table = self.support_table()
        why = table.get(op, {}).get(dtype, None) if op in table else f"`{op}` has no mlx implementation in the worker"
        if why:
            raise Unsupported(f"mlx:{self.device}: {why}")
        try:
            return OPS[op](Ctx(op, inputs, params, dtype, outputs, input_shapes))
        except Unsupported as e:
            raise Unsupported(f"mlx:{self.device}: {e}") from None

    def finish(self, results, outputs):
        if len(results) != len(outputs):
            raise WorkerError("ABW_EINTERNAL", f"mlx produced {len(results)} outputs, the plan has {len(outputs)}")
        done = []
        for r, spec in zip(results, outputs):
            want = MX_DTYPE[spec["dtype"]]
            if r.dtype != want:
                r = r.astype(want)
            if list(r.shape) != list(spec["shape"]):
                raise WorkerError("ABW_EINTERNAL", f"mlx produced shape {list(r.shape)}, the plan says {spec['shape']}")
            done.append(r)
        mx.eval(done)
        return done

    def measure(self, fn, iterations, samples, cold):
        # mx.eval blocks until the graph is computed; mx.synchronize waits for the stream.
        return host_clock_samples(lambda: mx.eval(fn()), iterations, samples, cold, mx.synchronize, self.evict)

    def evict(self):
        if self._flush is None:
            self._flush = np.zeros(FLUSH_BYTES // 8)
        self._flush += 1.0
        if self.device == "gpu":
            mx.eval(mx.zeros((FLUSH_BYTES // 4,), dtype=mx.float32) + 1)

    def settings(self, dtype):
        return nothing()

    def settings_record(self, dtype):
        return {"tf32": False, "autocast": False}

    def memory(self):
        return {"current": int(mx.get_active_memory()), "peak": int(mx.get_peak_memory())}

    def reset_peak(self):
        mx.reset_peak_memory()

    def is_oom(self, e):
        m = str(e).lower()
        return isinstance(e, RuntimeError) and ("bad_alloc" in m or "unable to allocate" in m or "out of memory" in m)
