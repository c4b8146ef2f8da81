"""The request loop: one request at a time, replies in order, tensors kept by handle.

The framework adapter (torch_ops.TorchFramework / mlx_ops.MlxFramework) does the
framework-specific work; this module only moves frames, keeps handles and classifies errors.
"""
import os
import sys
import time
import traceback

from . import protocol
from .errors import WorkerError, bad_request


class Server:
    def __init__(self, framework, inp, out):
        self.fw = framework
        self.inp = inp
        self.out = out
        self.tensors = {}  # handle -> (framework tensor, dtype, shape)
        self.calls = {}  # call id -> prepared call
        self.debug = os.environ.get("ABW_WORKER_DEBUG") == "1"

    # -- loop ---------------------------------------------------------------------------------
    def serve(self):
        while True:
            try:
                frame = protocol.read_frame(self.inp)
            except protocol.FrameTooLarge as e:
                message = f"{self.fw.name}: out of memory: {e}"
                protocol.write_frame(self.out, protocol.ERROR, e.rid, {"code": "ABW_ENOMEM", "message": message})
                continue
            if frame is None:
                return  # abw closed our stdin: exit quietly
            ftype, rid, header, payloads = frame
            if ftype != protocol.REQUEST:
                raise protocol.ProtocolError(f"expected a request frame (type 1), got type {ftype}")
            cmd = header.get("cmd")
            if cmd == "shutdown":
                protocol.write_frame(self.out, protocol.REPLY, rid, {})
                return
            try:
                handler = getattr(self, "cmd_" + str(cmd), None)
                if handler is None or (cmd.startswith("debug") and not self.debug):
                    raise bad_request(f"unknown command {cmd!r}")
                reply, tensors = handler(header, payloads)
                protocol.write_frame(self.out, protocol.REPLY, rid, reply, tensors)
            except Exception as e:  # every failure becomes an error reply for this request only
                code, message = self.classify(e)
                protocol.write_frame(self.out, protocol.ERROR, rid, {"code": code, "message": message})

    def classify(self, e):
        if isinstance(e, WorkerError):
            return e.code, str(e)
        if isinstance(e, MemoryError) or self.fw.is_oom(e):
            return "ABW_ENOMEM", f"{self.fw.name}: out of memory: {type(e).__name__}: {e}"
        tb = traceback.extract_tb(e.__traceback__)
        where = f" (at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno})" if tb else ""
        return "ABW_EINTERNAL", f"{self.fw.name}: {type(e).__name__}: {e}{where}"

    # -- commands -----------------------------------------------------------------------------
    def cmd_hello(self, h, _p):
        return self.fw.info(), ()

    def cmd_probe(self, h, _p):
        return {**self.fw.info(), "support": self.fw.support_table()}, ()

    def cmd_upload(self, h, payloads):
        specs = h.get("tensors", [])
        if len(specs) != 1 or len(payloads) != 1:
            raise bad_request("upload carries exactly one tensor")
        spec = specs[0]
        t = self.fw.from_bytes(payloads[0], spec["dtype"], list(spec["shape"]))
        self.tensors[h["handle"]] = (t, spec["dtype"], list(spec["shape"]))
        return {"memory": self.fw.memory()}, ()

    def cmd_download(self, h, _p):
        t, dtype, shape = self.tensor(h["handle"])
        data = self.fw.to_bytes(t, dtype)
        return {"tensors": [{"dtype": dtype, "shape": shape, "nbytes": protocol.tensor_nbytes(dtype, shape)}]}, (data,)

    def cmd_free(self, h, _p):
        for handle in h.get("handles", []):
            self.tensors.pop(handle, None)
        return {}, ()

    def cmd_prepare(self, h, _p):
        inputs = [None if x is None else self.tensor(x)[0] for x in h["inputs"]]
        outputs = h["outputs"]  # [{handle, dtype, shape}]
        fn = self.fw.prepare(h["op"], inputs, h.get("params", {}), h["dtype"], outputs, h.get("inputShapes"))
        self.calls[h["call"]] = (fn, outputs, h["dtype"])
        return {}, ()

    def cmd_release(self, h, _p):
        self.calls.pop(h["call"], None)
        return {}, ()

    def cmd_run(self, h, _p):
        fn, outputs, dtype = self.call(h["call"])
        with self.fw.settings(dtype):
            results = self.fw.finish(fn(), outputs)
        for spec, t in zip(outputs, results):
            self.tensors[spec["handle"]] = (t, spec["dtype"], list(spec["shape"]))
        return {"memory": self.fw.memory(), "settings": self.fw.settings_record(dtype)}, ()

    def cmd_measure(self, h, _p):
        fn, _outputs, dtype = self.call(h["call"])
        iterations = int(h["iterations"])
        samples = int(h["samples"])
        if iterations < 1 or samples < 1:
            raise bad_request(f"iterations and samples must be ≥ 1, got {iterations} and {samples}")
        with self.fw.settings(dtype):
            ns = self.fw.measure(fn, iterations, samples, bool(h.get("cold")))
        return {"ns": ns, "memory": self.fw.memory(), "settings": self.fw.settings_record(dtype)}, ()

    def cmd_memory(self, h, _p):
        return {"memory": self.fw.memory()}, ()

    def cmd_reset_peak(self, h, _p):
        self.fw.reset_peak()
        return {"memory": self.fw.memory()}, ()

    # Test-only (ABW_WORKER_DEBUG=1): make the worker misbehave on purpose.
    def cmd_debug(self, h, _p):
        action = h.get("action")
        if action == "sleep":
            time.sleep(float(h.get("seconds", 3600)))
            return {}, ()
        if action == "exit":
            sys.stderr.flush()
            os._exit(int(h.get("status", 3)))
        if action == "pid":
            return {"pid": os.getpid()}, ()
        raise bad_request(f"unknown debug action {action!r}")

    # -- helpers ------------------------------------------------------------------------------
    def tensor(self, handle):
        t = self.tensors.get(handle)
        if t is None:
            raise bad_request(f"no tensor with handle {handle} in this worker (freed, or uploaded to a worker that was restarted)")
        return t

    def call(self, cid):
        c = self.calls.get(cid)
        if c is None:
            raise bad_request(f"no prepared call {cid} in this worker")
        return c
