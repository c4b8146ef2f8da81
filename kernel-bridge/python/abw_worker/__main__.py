"""`python -m abw_worker --framework torch|mlx --device <d> [--probe]`.

Serves the binary protocol (protocol.py) on stdin/stdout; `--probe` prints the capability
report (framework and runtime versions, devices, dtypes, per-op support) as one JSON line and
exits. Anything the framework prints goes to stderr: stdout carries only frames.
"""
import argparse
import json
import os
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(prog="abw_worker")
    ap.add_argument("--framework", required=True, choices=["torch", "mlx"])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--probe", action="store_true")
    args = ap.parse_args(argv)

    die_with_parent()
    # Keep the protocol stream private: fd 1 becomes a copy of stderr for stray prints.
    widen_pipes((0, 1))
    proto_out = os.fdopen(os.dup(1), "wb", buffering=1 << 16)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    try:
        if args.framework == "torch":
            from .torch_ops import TorchFramework as Framework
        else:
            from .mlx_ops import MlxFramework as Framework
    except ImportError as e:
        return fail(proto_out, args, f"cannot import {args.framework}: {e}")

    if args.probe:
        report = Framework.probe_all()
        proto_out.write((json.dumps(report) + "\n").encode("utf-8"))
        proto_out.flush()
        return 0

    from .server import Server

    limit_memory(args.device)

    try:
        fw = Framework(args.device)
    except Exception as e:  # device missing: say so and exit; abw reports the reason
        sys.stderr.write(f"abw_worker: {args.framework}:{args.device} unavailable: {e}\n")
        return 4
    Server(fw, sys.stdin.buffer, proto_out).serve()
    return 0


def die_with_parent():
    """Linux: SIGKILL this worker when abw dies, even mid-request (stdin EOF is seen only between requests)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def widen_pipes(fds):
    """Linux pipes hold 64 KiB; 1 MiB pipes move a 64 MB tensor in 16x fewer wake-ups."""
    try:
        import fcntl

        for fd in fds:
            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass  # not Linux, not a pipe, or over /proc/sys/fs/pipe-max-size: keep the default


def limit_memory(device):
    """ABW_WORKER_MAX_BYTES caps the worker's address space (CPU devices only: GPU runtimes reserve
    huge virtual ranges). Allocations past it fail in the worker (an `oom` status) instead of
    waking the system's OOM killer, which would take other processes with it."""
    cap = os.environ.get("ABW_WORKER_MAX_BYTES")
    if not cap or device not in ("cpu",):
        return
    import resource

    n = int(cap)
    resource.setrlimit(resource.RLIMIT_AS, (n, n))


def fail(out, args, reason):
    if args.probe:
        out.write((json.dumps({"framework": args.framework, "importError": reason}) + "\n").encode("utf-8"))
        out.flush()
        return 0
    sys.stderr.write(f"abw_worker: {reason}\n")
    return 5


if __name__ == "__main__":
    sys.exit(main())
