"""PyTorch side of bench/cuda-vs-torch: the same cases as the workbench, on the same GPU.

Reads the case list (JSON) from argv[1], writes {"device", "torch", "cases": [...], "ceilings"}
to stdout. Each case is timed with CUDA events around `iterations` back-to-back calls per
sample (the workbench's own method), median over samples, after warm-up. TF32 is switched on
only for tf32 rows, as the workbench does.
"""
import json
import math
import statistics
import sys

import torch


def timed(fn, iterations, samples, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    out = []
    for _ in range(samples):
        start.record()
        for _ in range(iterations):
            fn()
        end.record()
        end.synchronize()
        out.append(start.elapsed_time(end) * 1e6 / iterations)  # ns per call
    return out


DT = {"f32": torch.float32, "tf32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def make(case):
    op, dt, s = case["op"], case["dtype"], case["shape"]
    torch.backends.cuda.matmul.allow_tf32 = dt == "tf32"
    torch.backends.cudnn.allow_tf32 = dt == "tf32"
    t = DT[dt]
    dev = "cuda"
    g = torch.Generator(device=dev).manual_seed(1)

    def rnd(*shape):
        return torch.randn(*shape, generator=g, device=dev, dtype=torch.float32).to(t)

    if op == "matmul":
        a, b = rnd(s["M"], s["K"]), rnd(s["K"], s["N"])
        return lambda: torch.matmul(a, b)
    if op == "conv1d":
        x, w, bias = rnd(s["B"], s["Cin"], s["L"]), rnd(s["Cout"], s["Cin"], s["K"]), rnd(s["Cout"])
        return lambda: torch.nn.functional.conv1d(x, w, bias, padding=s["K"] // 2)
    if op == "stft":
        x = rnd(s["channels"], s["length"])
        win = torch.hann_window(s["n_fft"], device=dev, dtype=t)
        return lambda: torch.stft(x, s["n_fft"], s["hop"], window=win, center=True, pad_mode="reflect", return_complex=True)
    if op == "istft":
        x = rnd(s["channels"], s["length"])
        win = torch.hann_window(s["n_fft"], device=dev, dtype=t)
        spec = torch.stft(x, s["n_fft"], s["hop"], window=win, center=True, return_complex=True)
        return lambda: torch.istft(spec, s["n_fft"], s["hop"], window=win, center=True, length=s["length"])
    if op == "lstm":
        lstm = torch.nn.LSTM(s["I"], s["H"], num_layers=s["layers"]).to(dev, t)
        x = rnd(s["T"], s["B"], s["I"])
        return lambda: lstm(x)
    if op == "fft_conv":
        x = rnd(s["B"], s["C"], s["N"])
        h = torch.fft.rfft(rnd(s["C"], s["N"]).float()).to(torch.complex64)
        bias = rnd(s["C"], 1)
        return lambda: torch.fft.irfft(torch.fft.rfft(x) * h, n=s["N"]) + bias
    raise ValueError(f"unknown op {op}")


def ceilings():
    """Peak rates measured here: matmul 8192³ per dtype and device-to-device copy bandwidth."""
    out = {}
    for dt in ("f32", "tf32", "f16", "bf16"):
        torch.backends.cuda.matmul.allow_tf32 = dt == "tf32"
        a = torch.randn(8192, 8192, device="cuda").to(DT[dt])
        b = torch.randn(8192, 8192, device="cuda").to(DT[dt])
        ns = min(timed(lambda: torch.matmul(a, b), 5, 5))
        out[f"matmul_{dt}_tflops"] = 2 * 8192**3 / ns / 1e3
    torch.backends.cuda.matmul.allow_tf32 = False
    x = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    y = torch.empty_like(x)
    ns = min(timed(lambda: y.copy_(x), 10, 5))
    out["copy_gbps"] = 2 * (1 << 30) / ns  # bytes read + written per ns = GB/s
    return out


def main():
    cases = json.load(open(sys.argv[1]))
    results = []
    for c in cases:
        try:
            fn = make(c)
            ns = timed(fn, c["iterations"], c["samples"])
            results.append({"name": c["name"], "dtype": c["dtype"], "ns": ns, "median_ns": statistics.median(ns)})
        except Exception as e:  # a case PyTorch cannot run is recorded, not fatal
            results.append({"name": c["name"], "dtype": c["dtype"], "error": f"{type(e).__name__}: {e}"})
        torch.cuda.empty_cache()
    json.dump({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "cuda": torch.version.cuda,
               "cudnn": torch.backends.cudnn.version(), "cases": results, "ceilings": ceilings()}, sys.stdout)


if __name__ == "__main__":
    main()
