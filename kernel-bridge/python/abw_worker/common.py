"""What both framework adapters share: the case dtypes, the support table and the timing shape."""
import contextlib
import sys
import time

# Case dtypes of the workbench (kernel-bridge/src/tensor.ts CaseDType).
CASE_DTYPES = ("f32", "tf32", "f16", "bf16", "int8")

# Cache-eviction size for cold samples: larger than any last-level cache targeted (as the native backend).
FLUSH_BYTES = 64 * 1024 * 1024


class Ctx:
    """One call being prepared: its inputs (framework tensors or None), canonical params, dtype, output specs."""

    def __init__(self, op, inputs, params, dtype, outputs, input_shapes):
        self.op = op
        self.x = inputs
        self.p = params
        self.dtype = dtype
        self.outs = outputs
        self.in_shapes = input_shapes or [None if t is None else list(t.shape) for t in inputs]

    def out_shape(self, i=0):
        return list(self.outs[i]["shape"])


def support_table(ops, unsupported, dtype_reason, dtype_problem):
    """{op: {dtype: None (runs) | reason}} for every op this framework knows.

    dtype_reason(dt): why the device has no such mode (None: it has); dtype_problem(op, dt): why
    this op lacks it (None: it runs)."""
    table = {}
    for op, reason in unsupported.items():
        table[op] = {dt: reason for dt in CASE_DTYPES}
    for op in ops:
        row = {}
        for dt in CASE_DTYPES:
            row[dt] = dtype_reason(dt) or dtype_problem(op, dt)
        table[op] = row
    return table


def host_clock_samples(run_once, iterations, samples, cold, sync, evict):
    """ns per call per sample on the host clock, synchronised with the framework before and after."""
    out = []
    for _ in range(samples):
        if cold:
            evict()
        sync()
        t0 = time.perf_counter_ns()
        for _ in range(iterations):
            run_once()
        sync()
        out.append((time.perf_counter_ns() - t0) / iterations)
    return out


@contextlib.contextmanager
def nothing():
    yield


def python_version():
    return sys.version.split()[0]
