"""Peer timings for bench/cpu-vs-peers: numpy and ONNX Runtime (CPU EP) on the same shapes.

A persistent worker: reads one JSON case per line on stdin, answers one JSON line on stdout
with per-sample times in nanoseconds per call, measured here with time.perf_counter_ns around
repeated calls, so inter-process overhead stays out of the numbers.
"""
import json
import sys
import time

import numpy as np

try:
    import onnx
    from onnx import TensorProto, helper
    import onnxruntime as ort
except Exception as e:  # peers are optional; say so in the answer
    ort = None
    ORT_PROBLEM = f"onnxruntime/onnx not importable: {e}"
else:
    ORT_PROBLEM = None


def time_fn(fn, min_sample_s=0.05, samples=15, budget_s=6.0):
    fn()  # warm-up: plans, allocations
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    iters = max(1, int(min_sample_s / once))
    out = []
    start = time.perf_counter()
    while len(out) < samples and (time.perf_counter() - start < budget_s or len(out) < 3):
        a = time.perf_counter_ns()
        for _ in range(iters):
            fn()
        out.append((time.perf_counter_ns() - a) / iters)
    return out


def periodic_hann(n):
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)


def numpy_stft(x, n_fft, hop, window):
    # The usual numpy recipe: centre reflect padding, strided frames, window, batched rfft.
    pad = n_fft // 2
    xp = np.pad(x, [(0, 0), (pad, pad)], mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(xp, n_fft, axis=-1)[:, ::hop]
    return np.fft.rfft(frames * window, axis=-1)


def ort_session(graph, threads):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # what every onnxruntime since 1.10 reads; newer onnx writes a newer IR
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def run_case(case, threads):
    rng = np.random.default_rng(1)
    op, p = case["op"], case["params"]
    res = {}
    if op == "matmul":
        m, k, n = p["m"], p["k"], p["n"]
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        res["numpy"] = time_fn(lambda: a @ b)
    elif op == "rfft":
        x = rng.standard_normal((p["batch"], p["n"]), dtype=np.float32)
        res["numpy"] = time_fn(lambda: np.fft.rfft(x, axis=-1))
    elif op == "stft":
        x = rng.standard_normal((p["channels"], p["length"]), dtype=np.float32)
        w = periodic_hann(p["n_fft"])
        res["numpy"] = time_fn(lambda: numpy_stft(x, p["n_fft"], p["hop"], w))
    elif op == "conv1d" and ort is not None:
        b, ci, co, l, k = p["batch"], p["cin"], p["cout"], p["length"], p["k"]
        x = rng.standard_normal((b, ci, l), dtype=np.float32)
        w = (rng.standard_normal((co, ci, k)) / np.sqrt(ci * k)).astype(np.float32)
        bias = rng.standard_normal((co,), dtype=np.float32)
        g = helper.make_graph(
            [helper.make_node("Conv", ["x", "w", "b"], ["y"], pads=[k // 2, k // 2], strides=[1])],
            "conv1d",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [b, ci, l])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
            [onnx.numpy_helper.from_array(w, "w"), onnx.numpy_helper.from_array(bias, "b")],
        )
        s = ort_session(g, threads)
        res["onnxruntime"] = time_fn(lambda: s.run(None, {"x": x}))
    elif op == "lstm" and ort is not None:
        t, b, i, h, layers = p["seq"], p["batch"], p["input"], p["hidden"], p["layers"]
        x = rng.standard_normal((t, b, i), dtype=np.float32)
        nodes, inits, prev = [], [], "x"
        for l in range(layers):
            isz = i if l == 0 else h
            s = 1 / np.sqrt(h)
            W = rng.uniform(-s, s, (1, 4 * h, isz)).astype(np.float32)
            R = rng.uniform(-s, s, (1, 4 * h, h)).astype(np.float32)
            B = rng.uniform(-s, s, (1, 8 * h)).astype(np.float32)
            inits += [onnx.numpy_helper.from_array(W, f"W{l}"), onnx.numpy_helper.from_array(R, f"R{l}"),
                      onnx.numpy_helper.from_array(B, f"B{l}")]
            nodes.append(helper.make_node("LSTM", [prev, f"W{l}", f"R{l}", f"B{l}"], [f"Y{l}"], hidden_size=h))
            nodes.append(helper.make_node("Squeeze", [f"Y{l}", "axis1"], [f"S{l}"]))  # [T,1,B,H] -> [T,B,H]
            prev = f"S{l}"
        inits.append(onnx.numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"))
        g = helper.make_graph(nodes, "lstm",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [t, b, i])],
                              [helper.make_tensor_value_info(prev, TensorProto.FLOAT, None)], inits)
        sess = ort_session(g, threads)
        res["onnxruntime"] = time_fn(lambda: sess.run(None, {"x": x}))
    return res


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    hello = {"numpy": np.__version__, "onnxruntime": getattr(ort, "__version__", None), "ortProblem": ORT_PROBLEM,
             "numpyBlas": _blas_name()}
    print(json.dumps({"hello": hello}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        try:
            print(json.dumps({"id": case["id"], "samples": run_case(case, threads)}), flush=True)
        except Exception as e:  # report, keep serving
            print(json.dumps({"id": case["id"], "error": f"{type(e).__name__}: {e}"}), flush=True)


def _blas_name():
    try:
        cfg = np.show_config(mode="dicts")
        return cfg["Build Dependencies"]["blas"]["name"]
    except Exception:
        return "unknown"


if __name__ == "__main__":
    main()
