"""torch:<device>: the catalogue ops with PyTorch's own functions (torch.nn.functional, torch.fft,
torch.stft / torch.istft, the aten LSTM kernels), on cpu, cuda or mps.

Precision settings are explicit: TF32 is off (torch.backends.cuda.matmul.allow_tf32 and
torch.backends.cudnn.allow_tf32 both False; cuDNN's default is True) except in `tf32` rows of
torch:cuda, where both are set True for the call; autocast is never on. Each run/measure reply
records the flags it ran under. Every call runs under torch.inference_mode().
"""
import contextlib
import ctypes
import math
import platform
import time

import torch
import torch.nn.functional as F

from .common import FLUSH_BYTES, Ctx, python_version, support_table
from .errors import Unsupported, WorkerError

TORCH_DTYPE = {
    "f64": torch.float64,
    "f32": torch.float32,
    "f16": torch.float16,
    "bf16": torch.bfloat16,
    "int8": torch.int8,
    "int32": torch.int32,
}

FFT_OPS = ("fft", "ifft", "rfft", "irfft", "complex_mul", "stft", "istft")
# The ops whose kernels TF32 changes (cuBLAS matmuls, cuDNN convolutions and RNNs).
TF32_OPS = ("matmul", "linear", "conv1d", "conv2d", "conv_transpose1d", "lstm_cell", "lstm")


# ---- ops ------------------------------------------------------------------------------------
# Each builder takes the prepared Ctx and returns a zero-argument function computing the outputs.
# Anything done before `return` runs once, at prepare, outside the timing.


def _opt(c, n):
    return (list(c.x) + [None] * n)[:n]


def op_matmul(c):
    a, b, r = _opt(c, 3)
    ta, tb = c.p["transpose_a"], c.p["transpose_b"]
    if r is None:
        return lambda: [torch.matmul(a.mT if ta else a, b.mT if tb else b)]
    # residual + product: the output shape, so add (baddbmm wants exactly 3-D operands)
    return lambda: [torch.add(r, torch.matmul(a.mT if ta else a, b.mT if tb else b))]


def op_linear(c):
    x, w, b = _opt(c, 3)
    return lambda: [F.linear(x, w, b)]


def op_conv1d(c):
    x, w, b = _opt(c, 3)
    p = c.p
    left, right = p["padding"]
    if left == right:
        return lambda: [F.conv1d(x, w, b, p["stride"], left, p["dilation"], p["groups"])]
    # Asymmetric ('same' with an even kernel): pad first, as torch's own 'same' path does.
    return lambda: [F.conv1d(F.pad(x, (left, right)), w, b, p["stride"], 0, p["dilation"], p["groups"])]


def _same(y):
    return y


def op_conv2d(c):
    x, w, b, r = _opt(c, 4)
    p = c.p
    top, bottom, left, right = p["padding"]
    back = _same
    if p.get("channels_last", False):
        # NHWC input and OHWI weight viewed as NCHW tensors in torch.channels_last memory format
        # (no copy): torch then runs its channels-last convolution, whose output permuted back
        # is NHWC again.
        x, w = x.permute(0, 3, 1, 2), w.permute(0, 3, 1, 2)
        back = lambda y: y.permute(0, 2, 3, 1)  # noqa: E731
    if r is not None:  # the residual (the output's shape) added to the convolution
        plain = back
        back = lambda y: torch.add(r, plain(y))  # noqa: E731
    if top == bottom and left == right:
        return lambda: [back(F.conv2d(x, w, b, p["stride"], (top, left), p["dilation"], p["groups"]))]
    return lambda: [back(F.conv2d(F.pad(x, (left, right, top, bottom)), w, b, p["stride"], 0, p["dilation"], p["groups"]))]


def op_conv_transpose1d(c):
    x, w, b = _opt(c, 3)
    p = c.p
    return lambda: [F.conv_transpose1d(x, w, b, p["stride"], p["padding"], p["output_padding"], p["groups"], p["dilation"])]


def _lstm_cell_fn():
    fn = getattr(torch, "lstm_cell", None)
    return fn if fn is not None else torch._VF.lstm_cell  # what nn.LSTMCell calls


def op_lstm_cell(c):
    x, hx, cx, w_ih, w_hh, b_ih, b_hh = _opt(c, 7)
    cell = _lstm_cell_fn()
    return lambda: list(cell(x, (hx, cx), w_ih, w_hh, b_ih, b_hh))


def op_lstm(c):
    p = c.p
    L, has_bias, batch_first, H = p["num_layers"], p["bias"], p["batch_first"], p["hidden_size"]
    x, h0, c0 = c.x[0], c.x[1], c.x[2]
    weights = list(c.x[3:])
    B = x.shape[0] if batch_first else x.shape[1]
    zeros = lambda: torch.zeros((L, B, H), dtype=x.dtype, device=x.device)  # noqa: E731
    hx = (h0 if h0 is not None else zeros(), c0 if c0 is not None else zeros())
    # torch.lstm is the aten op nn.LSTM's forward calls (cuDNN on CUDA, the native kernel elsewhere).
    return lambda: list(torch.lstm(x, hx, weights, has_bias, L, 0.0, False, False, batch_first))


OP_UNARY = {
    "relu": lambda x, p: F.relu(x),
    "gelu": lambda x, p: F.gelu(x, approximate=p["approximate"]),
    "silu": lambda x, p: F.silu(x),
    "elu": lambda x, p: F.elu(x, alpha=p["alpha"]),
    "sigmoid": lambda x, p: torch.sigmoid(x),
    "tanh": lambda x, p: torch.tanh(x),
    "softmax": lambda x, p: F.softmax(x, dim=p["dim"]),
}


def _unary(f):
    return lambda c: (lambda x=c.x[0]: [f(x, c.p)])


def op_max_pool(c, fn):
    x, p = c.x[0], c.p
    return lambda: [fn(x, p["kernel_size"], p["stride"], p["padding"], p["dilation"], p["ceil_mode"])]


def op_avg_pool(c, fn):
    x, p = c.x[0], c.p
    return lambda: [fn(x, p["kernel_size"], p["stride"], p["padding"], p["ceil_mode"], p["count_include_pad"])]


def op_layer_norm(c):
    x, w, b = _opt(c, 3)
    return lambda: [F.layer_norm(x, c.p["normalized_shape"], w, b, c.p["eps"])]


def op_batch_norm(c):
    x, rm, rv, w, b = _opt(c, 5)
    return lambda: [F.batch_norm(x, rm, rv, w, b, False, 0.0, c.p["eps"])]


def op_instance_norm(c):
    x, rm, rv, w, b = _opt(c, 5)
    use = c.p["use_input_stats"]
    if use:
        rm = rv = None  # with input statistics, running stats would only be updated in place
    last = c.p.get("channels_last", False)
    gelu = c.p.get("activation", "none") == "gelu"
    if last:
        x = x.movedim(-1, 1)  # [N, ..., C] as an [N, C, ...] view (channels-last strides)

    def run():
        y = F.instance_norm(x, rm, rv, w, b, use, 0.0, c.p["eps"])
        if gelu:
            y = F.gelu(y)  # approximate='none': the erf form
        return [y.movedim(1, -1) if last else y]

    return run


def op_group_norm(c):
    x, w, b = _opt(c, 3)
    return lambda: [F.group_norm(x, c.p["num_groups"], w, b, c.p["eps"])]


def op_reshape(c):
    x = c.x[0]
    return lambda: [torch.reshape(x, c.p["shape"])]


def op_transpose(c):
    x = c.x[0]
    return lambda: [torch.transpose(x, c.p["dim0"], c.p["dim1"]).contiguous()]


def op_permute(c):
    x = c.x[0]
    return lambda: [torch.permute(x, c.p["dims"]).contiguous()]


def op_concat(c):
    xs = list(c.x)
    return lambda: [torch.cat(xs, dim=c.p["dim"])]


def op_pad(c):
    x, p = c.x[0], c.p
    if p["mode"] == "constant":
        return lambda: [F.pad(x, p["pad"], mode="constant", value=p["value"])]
    return lambda: [F.pad(x, p["pad"], mode=p["mode"])]


def op_slice(c):
    x, p = c.x[0], c.p
    idx = tuple(slice(p["start"], p["end"], p["step"]) if d == p["dim"] else slice(None) for d in range(x.dim()))
    return lambda: [x[idx].contiguous()]


def op_add(c):
    x, o = c.x
    return lambda: [torch.add(x, o, alpha=c.p["alpha"])]


def op_mul(c):
    x, o = c.x
    return lambda: [torch.mul(x, o)]


def op_add_bias(c):
    x, b = c.x
    shape = [1] * x.dim()
    shape[c.p["dim"]] = -1
    bv = b.reshape(shape)
    return lambda: [x + bv]


def op_complex_mul(c):
    a, b = c.x
    return lambda: [torch.view_as_real(torch.view_as_complex(a) * torch.view_as_complex(b))]


def op_fft(c, fn):
    x, p = c.x[0], c.p
    return lambda: [torch.view_as_real(fn(torch.view_as_complex(x), n=p["n"], dim=p["dim"], norm=p["norm"]))]


def op_rfft(c):
    x, p = c.x[0], c.p
    return lambda: [torch.view_as_real(torch.fft.rfft(x, n=p["n"], dim=p["dim"], norm=p["norm"]))]


def op_irfft(c):
    x, p = c.x[0], c.p
    return lambda: [torch.fft.irfft(torch.view_as_complex(x), n=p["n"], dim=p["dim"], norm=p["norm"])]


def _window(p, like):
    wl = p["win_length"]
    if p["window"] == "hann":
        return torch.hann_window(wl, periodic=True, dtype=like.dtype, device=like.device)
    return torch.ones(wl, dtype=like.dtype, device=like.device)


def op_stft(c):
    x, p = c.x[0], c.p
    lead = list(x.shape[:-1])
    win = _window(p, x)

    def run():
        z = torch.stft(
            x.reshape(-1, x.shape[-1]),
            p["n_fft"],
            hop_length=p["hop_length"],
            win_length=p["win_length"],
            window=win,
            center=p["center"],
            pad_mode=p["pad_mode"],
            normalized=p["normalized"],
            onesided=p["onesided"],
            return_complex=True,
        )
        return [torch.view_as_real(z).reshape(lead + list(z.shape[1:]) + [2])]

    return run


def op_istft(c):
    x, p = c.x[0], c.p
    lead = list(x.shape[:-3])
    bins, frames = x.shape[-3], x.shape[-2]
    win = _window(p, x)

    def run():
        z = torch.view_as_complex(x.reshape(-1, bins, frames, 2))
        y = torch.istft(
            z,
            p["n_fft"],
            hop_length=p["hop_length"],
            win_length=p["win_length"],
            window=win,
            center=p["center"],
            normalized=p["normalized"],
            onesided=p["onesided"],
            length=p["length"],
            return_complex=False,
        )
        return [y.reshape(lead + [p["length"]])]

    return run


def op_quantize_ternary(c):
    w = c.x[0]

    def run():
        # BitNet b1.58 weight quantisation (absmean), scale kept in float32
        scale = w.abs().mean(dtype=torch.float32).clamp(min=1e-5)
        q = (w / scale.to(w.dtype)).round().clamp(-1, 1).to(torch.int8)
        return [q, scale]

    return run


def op_quantize_int8(c):
    x, d = c.x[0], c.p["dim"]

    def run():
        # BitNet activation quantisation (per-token absmax), scale kept in float32
        scale = 127.0 / x.abs().amax(dim=d, keepdim=True).to(torch.float32).clamp(min=1e-5)
        q = (x * scale.to(x.dtype)).round().clamp(-128, 127).to(torch.int8)
        return [q, scale]

    return run


def op_ternary_matmul(c):
    xq, wq = c.x
    k = xq.shape[-1]
    lead = list(xq.shape[:-1])
    if xq.device.type == "cuda":
        m = math.prod(lead)
        n = wq.shape[0]
        # torch._int_mm: cuBLASLt int8 x int8 -> int32; its shape rules (torch 2.x)
        if m <= 16 or k % 8 or n % 8:
            raise Unsupported(f"torch._int_mm needs rows > 16 and K, N multiples of 8 (got rows {m}, K {k}, N {n})")
        x2 = xq.reshape(m, k)
        wt = wq.t()  # column-major [K, N], the layout cuBLASLt takes
        return lambda: [torch._int_mm(x2, wt).reshape(lead + [n])]
    if xq.device.type == "mps":
        raise Unsupported("the MPS backend has no integer matmul")
    # CPU: integer matmul in int32 (exact; products of int8 x ternary cannot overflow int32 here)
    w32 = wq.to(torch.int32).t()
    return lambda: [torch.matmul(xq.to(torch.int32), w32)]


def op_dequantize_int32(c):
    acc, scale = c.x
    ws, out = c.p["weight_scale"], TORCH_DTYPE[c.outs[0]["dtype"]]
    # BitLinear's rescale: f32 multiply and divide (the scalar rounds to f32), one rounding to storage
    return lambda: [(acc.to(torch.float32) * ws / scale.to(torch.float32)).to(out)]


def op_argmax(c):
    x, p = c.x[0], c.p
    # torch.argmax: the first maximal index, NaN counts as the maximum; int64 -> int32
    return lambda: [torch.argmax(x, dim=p["dim"], keepdim=p["keepdim"]).to(torch.int32)]


def op_index_select(c):
    x, index = c.x
    return lambda: [torch.index_select(x, c.p["dim"], index)]


OPS = {
    "matmul": op_matmul,
    "linear": op_linear,
    "conv1d": op_conv1d,
    "conv2d": op_conv2d,
    "conv_transpose1d": op_conv_transpose1d,
    "lstm_cell": op_lstm_cell,
    "lstm": op_lstm,
    **{name: _unary(f) for name, f in OP_UNARY.items()},
    "max_pool1d": lambda c: op_max_pool(c, F.max_pool1d),
    "avg_pool1d": lambda c: op_avg_pool(c, F.avg_pool1d),
    "max_pool2d": lambda c: op_max_pool(c, F.max_pool2d),
    "avg_pool2d": lambda c: op_avg_pool(c, F.avg_pool2d),
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
    "fft": lambda c: op_fft(c, torch.fft.fft),
    "ifft": lambda c: op_fft(c, torch.fft.ifft),
    "rfft": op_rfft,
    "irfft": op_irfft,
    "stft": op_stft,
    "istft": op_istft,
    "quantize_ternary": op_quantize_ternary,
    "quantize_int8": op_quantize_int8,
    "ternary_matmul": op_ternary_matmul,
    "dequantize_int32": op_dequantize_int32,
    "argmax": op_argmax,
    "index_select": op_index_select,
}

UNSUPPORTED = {}


def dtype_problem(op, dt):
    if op in FFT_OPS and dt in ("f16", "bf16"):
        return f"torch {op}: torch.fft has no bfloat16, and float16 (complex32) only on CUDA for power-of-two sizes (not used)"
    if dt == "int8" and op != "ternary_matmul":
        return f"{op} is not an integer op"
    if dt == "tf32" and op not in TF32_OPS:
        return f"TF32 changes only matmul / convolution / RNN kernels; {op} in tf32 would repeat its f32 row"
    return None


# ---- devices --------------------------------------------------------------------------------


def _mps_ok():
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def _bf16_on_mps():
    try:
        torch.ones(1, dtype=torch.bfloat16, device="mps")
        return True
    except Exception:  # macOS < 14: no bfloat16 in MPS
        return False


def device_reports():
    devices = {"cpu": {"available": True, "dtypes": ["f32", "f16", "bf16", "int8"], "name": platform.processor() or platform.machine()}}
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        dtypes = ["f32", "f16", "int8"]
        if props.major >= 8:  # TF32 and bf16 tensor cores: Ampere and newer
            dtypes[1:1] = ["tf32"]
            dtypes.insert(3, "bf16")
        devices["cuda"] = {"available": True, "dtypes": dtypes, "name": props.name, "kind": f"sm_{props.major}{props.minor}, {props.total_memory >> 20} MiB"}
    else:
        why = "this PyTorch build has no CUDA" if torch.version.cuda is None else "torch.cuda.is_available() is False (no NVIDIA GPU or driver)"
        devices["cuda"] = {"available": False, "reason": f"torch {torch.__version__}: {why}"}
    if _mps_ok():
        devices["mps"] = {"available": True, "dtypes": ["f32", "f16"] + (["bf16"] if _bf16_on_mps() else []), "name": "Apple GPU (MPS)"}
    else:
        devices["mps"] = {"available": False, "reason": f"torch {torch.__version__}: torch.backends.mps.is_available() is False (MPS needs an Apple-silicon Mac)"}
    return devices


def versions():
    v = {"torch": torch.__version__, "python": python_version()}
    if torch.version.cuda:
        v["cuda"] = torch.version.cuda
    if torch.backends.cudnn.is_available():
        v["cudnn"] = str(torch.backends.cudnn.version())
    hip = getattr(torch.version, "hip", None)
    if hip:
        v["hip"] = hip
    return v


class TorchFramework:
    name = "torch"

    def __init__(self, device):
        if device not in ("cpu", "cuda", "mps"):
            raise ValueError(f"unknown torch device {device!r} (allowed: cpu, cuda, mps)")
        d = device_reports()[device]
        if not d["available"]:
            raise RuntimeError(d["reason"])
        self.device = device
        self.dev = torch.device("cuda:0" if device == "cuda" else device)
        self.dtypes = d["dtypes"]
        self._flush = None
        self._support = support_table(OPS, UNSUPPORTED, lambda dt: TorchFramework.dtype_reason(dt, device, self.dtypes), dtype_problem)
        if device == "cuda":
            torch.cuda.set_device(0)
            # The explicit defaults: no TF32 anywhere unless a tf32 row asks (cuDNN defaults to True).
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False

    @staticmethod
    def probe_all():
        devices = device_reports()
        support = {}
        for dev, d in devices.items():
            if d["available"]:
                support[dev] = support_table(OPS, UNSUPPORTED, lambda dt, d=d, dev=dev: TorchFramework.dtype_reason(dt, dev, d["dtypes"]), dtype_problem)
        return {
            "framework": "torch",
            "versions": versions(),
            "devices": devices,
            "support": support,
            "features": ["tf32:explicit(tf32 rows only)", "autocast:off", "inference_mode"],
        }

    @staticmethod
    def dtype_reason(dt, dev, dtypes):
        if dt in dtypes:
            return None
        if dt == "tf32":
            return "TF32 is a tensor-core mode of NVIDIA GPUs (Ampere and newer)" if dev != "cuda" else "this GPU predates TF32 (needs sm_80+)"
        return f"torch:{dev} has no {dt} kernels here"

    def info(self):
        return {"framework": "torch", "device": self.device, "versions": versions(), "timer": "device" if self.device == "cuda" else "host", "settings": self.settings_record("f32")}

    def support_table(self):
        return self._support

    # -- tensors ------------------------------------------------------------------------------
    def from_bytes(self, buf, dtype, shape):
        if dtype not in TORCH_DTYPE:
            raise WorkerError("ABW_EDTYPE", f"torch: tensor dtype {dtype!r} not taken (allowed: {', '.join(TORCH_DTYPE)})")
        if dtype == "f64" and self.device == "mps":
            raise WorkerError("ABW_EDTYPE", "torch:mps has no float64 tensors")
        td = TORCH_DTYPE[dtype]
        if len(buf) == 0:
            return torch.empty(shape, dtype=td, device=self.dev)
        host = torch.frombuffer(buf, dtype=td).reshape(shape)
        # CPU: clone so the tensor owns its memory (not the request's buffer).
        return host.clone() if self.device == "cpu" else host.to(self.dev)

    def to_bytes(self, t, dtype):
        host = t.detach().to("cpu").contiguous()
        n = host.numel() * host.element_size()
        return ctypes.string_at(host.data_ptr(), n) if n else b""

    # -- calls --------------------------------------------------------------------------------
    def prepare(self, op, inputs, params, dtype, outputs, input_shapes):
        row = self.support_table().get(op)
        why = f"`{op}` has no torch implementation in the worker" if row is None else row.get(dtype)
        if why:
            raise Unsupported(f"torch:{self.device}: {why}")
        try:
            with torch.inference_mode():
                return OPS[op](Ctx(op, inputs, params, dtype, outputs, input_shapes))
        except Unsupported as e:
            raise Unsupported(f"torch:{self.device}: {e}") from None

    def finish(self, results, outputs):
        if len(results) != len(outputs):
            raise WorkerError("ABW_EINTERNAL", f"torch produced {len(results)} outputs, the plan has {len(outputs)}")
        done = []
        for r, spec in zip(results, outputs):
            want = TORCH_DTYPE[spec["dtype"]]
            if r.dtype != want:
                r = r.to(want)
            if list(r.shape) != list(spec["shape"]):
                raise WorkerError("ABW_EINTERNAL", f"torch produced shape {list(r.shape)}, the plan says {spec['shape']}")
            done.append(r.contiguous())
        self.sync()
        return done

    def sync(self):
        if self.device == "cuda":
            torch.cuda.synchronize()
        elif self.device == "mps":
            torch.mps.synchronize()

    def measure(self, fn, iterations, samples, cold):
        out = []
        if self.device == "cuda":
            # Device timeline: CUDA events around the batch, on the current stream.
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            for _ in range(samples):
                if cold:
                    self.evict()
                start.record()
                for _ in range(iterations):
                    fn()
                end.record()
                end.synchronize()
                out.append(start.elapsed_time(end) * 1e6 / iterations)
            return out
        for _ in range(samples):
            if cold:
                self.evict()
            self.sync()  # torch.mps.synchronize on MPS; nothing queued on the CPU
            t0 = time.perf_counter_ns()
            for _ in range(iterations):
                fn()
            self.sync()
            out.append((time.perf_counter_ns() - t0) / iterations)
        return out

    def evict(self):
        if self._flush is None:
            # L2 on current GPUs is ≤ 128 MB; 256 MB clears it. CPU: the usual 64 MiB.
            n = (256 << 20 if self.device == "cuda" else FLUSH_BYTES) // 4
            self._flush = torch.empty(n, dtype=torch.float32, device=self.dev)
        self._flush.add_(1.0)
        self.sync()

    @contextlib.contextmanager
    def settings(self, dtype):
        if self.device != "cuda":
            with torch.inference_mode():
                yield
            return
        on = dtype == "tf32"
        prev = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
        torch.backends.cuda.matmul.allow_tf32 = on
        torch.backends.cudnn.allow_tf32 = on
        try:
            with torch.inference_mode():
                yield
        finally:
            torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = prev

    def settings_record(self, dtype):
        rec = {"tf32": self.device == "cuda" and dtype == "tf32", "autocast": False, "inference_mode": True}
        if self.device == "cuda":
            rec["allow_tf32_matmul"] = rec["tf32"]
            rec["allow_tf32_cudnn"] = rec["tf32"]
            rec["cudnn_benchmark"] = bool(torch.backends.cudnn.benchmark)
        return rec

    def memory(self):
        if self.device == "cuda":
            return {"current": int(torch.cuda.memory_allocated()), "peak": int(torch.cuda.max_memory_allocated())}
        if self.device == "mps":
            cur = int(torch.mps.current_allocated_memory())
            return {"current": cur, "peak": cur}
        return {"current": 0, "peak": 0}  # CPU: abw counts the tensors it holds

    def reset_peak(self):
        if self.device == "cuda":
            torch.cuda.reset_peak_memory_stats()

    def is_oom(self, e):
        oom = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", None)
        if oom is not None and isinstance(e, oom):
            return True
        m = str(e).lower()
        return isinstance(e, RuntimeError) and ("out of memory" in m or "can't allocate memory" in m or "mps backend out of memory" in m)
