#!/usr/bin/env bash
# torch:cuda through the Python worker, every op, on a GPU machine where PyTorch + CUDA are
# installed (the machine's Python; ABW_PYTHON picks another). Logs everything under $OUT
# (default: device-out/):
#   env.txt            nvidia-smi, Python, node, the worker's capability probe
#   probe.json         `python -m abw_worker --framework torch --probe` (versions, devices, per-op support)
#   smoke.log          protocol + timing smoke test straight against the worker (no Node needed)
#   backends.txt       `abw list backends`
#   vitest-torch.log   test/backends/worker-torch-vs-ref.test.ts with ABW_TORCH_DEVICE=cuda
#   run.log            `abw run --matrix default --backend torch:cuda` in f32, tf32, f16, bf16, int8
#   results/runs/...   the run file (every case: status, precision verdict vs the FP64 oracle, timing)
#   summary.txt        per-status counts and every non-ok case with its reason
# Node: .node-carry/node (a binary, or an unpacked Node tree with bin/node), else `node` on PATH.
# Needs what `abw run` needs: kernel-bridge/dist, node_modules, the native addon (the FP64 oracle).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-device-out}"
mkdir -p "$OUT"
PY="${ABW_PYTHON:-python3}"
export ABW_PYTHON="$PY"
export PYTHONPATH="$PWD/kernel-bridge/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
BUDGET_MS="${BUDGET_MS:-300}"
DTYPES="${DTYPES:-f32,tf32,f16,bf16,int8}"
BACKEND="${BACKEND:-torch:cuda}"
status=0

if [ -x .node-carry/node ] && [ -f .node-carry/node ]; then NODE="$PWD/.node-carry/node"
elif [ -x .node-carry/node/bin/node ]; then NODE="$PWD/.node-carry/node/bin/node"
elif command -v node >/dev/null 2>&1; then NODE="$(command -v node)"
else NODE=""; fi

{
  echo "== $(date -u +%FT%TZ) torch-worker-suite: backend $BACKEND, dtypes $DTYPES, budget ${BUDGET_MS} ms"
  nvidia-smi 2>&1 || echo "nvidia-smi: not available"
  echo "python: $PY ($("$PY" --version 2>&1))"
  echo "node: ${NODE:-absent} $([ -n "$NODE" ] && "$NODE" --version)"
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

# 1. What the worker reports (framework and runtime versions, devices, dtypes, per-op support).
if ! "$PY" -m abw_worker --framework torch --probe > "$OUT/probe.json" 2>> "$OUT/env.txt"; then
  echo "torch-worker-suite: the probe failed; see $OUT/env.txt" >&2
  exit 1
fi
"$PY" - "$OUT/probe.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
if r.get("importError"):
    sys.exit(f"probe: {r['importError']}")
print("probe: versions", r["versions"])
for d, v in r["devices"].items():
    print(f"probe: {d}: {'available ' + ','.join(v.get('dtypes', [])) if v['available'] else 'unavailable: ' + v.get('reason', '')} {v.get('name', '')} {v.get('kind', '')}")
PYEOF

# 2. Straight against the worker: upload, run a matmul in f32 and tf32, download, time with CUDA events.
DEVICE="${BACKEND#torch:}" "$PY" - > "$OUT/smoke.log" 2>&1 <<'PYEOF'
import os, struct, subprocess, sys, json
from abw_worker import protocol
dev = os.environ["DEVICE"]
p = subprocess.Popen([sys.executable, "-m", "abw_worker", "--framework", "torch", "--device", dev], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
rid = 0
def req(header, payloads=()):
    global rid
    rid += 1
    protocol.write_frame(p.stdin, protocol.REQUEST, rid, header, payloads)
    t, i, h, data = protocol.read_frame(p.stdout)
    assert i == rid, (i, rid)
    if t == protocol.ERROR:
        raise RuntimeError(h)
    return h, data
print("hello", req({"cmd": "hello"})[0])
n = 1024
a = struct.pack(f"<{n*n}f", *([1.0] * (n * n)))
for h in (1, 2):
    req({"cmd": "upload", "handle": h, "tensors": [{"dtype": "f32", "shape": [n, n], "nbytes": 4 * n * n}]}, [a])
for dt in ("f32", "tf32") if dev == "cuda" else ("f32",):
    req({"cmd": "prepare", "call": 1, "op": "matmul", "dtype": dt, "params": {"transpose_a": False, "transpose_b": False},
         "inputs": [1, 2], "outputs": [{"handle": 3, "dtype": "f32", "shape": [n, n]}]})
    h, _ = req({"cmd": "run", "call": 1})
    print(dt, "settings", h["settings"])
    _, data = req({"cmd": "download", "handle": 3})
    first = struct.unpack_from("<f", data[0])[0]
    print(dt, "out[0] =", first, "(want", n, ")")
    assert first == n
    h, _ = req({"cmd": "measure", "call": 1, "iterations": 20, "samples": 5})
    ns = sorted(h["ns"])
    print(dt, f"matmul {n}^3: median {ns[2] / 1e3:.1f} us/call, {2 * n ** 3 / ns[2]:.0f} GFLOP/s", "memory", h["memory"])
req({"cmd": "shutdown"})
print("smoke: ok")
PYEOF
rc=$?
cat "$OUT/smoke.log"
[ "$rc" = 0 ] || { echo "torch-worker-suite: the smoke test failed (status $rc)" >&2; status=1; }

# 3. Every op of the default matrix through abw (precision vs the FP64 oracle, timing in the worker).
if [ -z "$NODE" ]; then
  echo "torch-worker-suite: no Node (.node-carry/node or node on PATH): skipping the abw run" >&2
  exit 1
fi
for need in kernel-bridge/dist/cli/main.js node_modules; do
  [ -e "$need" ] || { echo "torch-worker-suite: $need is missing (build/carry it): skipping the abw run" >&2; exit 1; }
done
"$NODE" kernel-bridge/bin/abw.js list backends > "$OUT/backends.txt" 2>&1
cat "$OUT/backends.txt"

# 3a. Every op's cases against the FP64 oracle (the suite CI runs for mlx:cpu), tf32 and half rows.
if [ -f node_modules/vitest/vitest.mjs ]; then
  ABW_TORCH_PYTHON="$PY" ABW_TORCH_DEVICE="${BACKEND#torch:}" "$NODE" node_modules/vitest/vitest.mjs run \
    test/backends/worker-torch-vs-ref.test.ts > "$OUT/vitest-torch.log" 2>&1
  rc=$?
  grep -E "Test Files|Tests|FAIL|torch:|notes|^  [a-z_]+ " "$OUT/vitest-torch.log" | head -80
  [ "$rc" = 0 ] || { echo "torch-worker-suite: worker-torch-vs-ref failed (status $rc; $OUT/vitest-torch.log)" >&2; status=1; }
else
  echo "torch-worker-suite: node_modules/vitest absent: skipping worker-torch-vs-ref" | tee -a "$OUT/env.txt" >&2
fi
"$NODE" kernel-bridge/bin/abw.js run --matrix default --backend "$BACKEND" --dtype "$DTYPES" \
  --budget-ms "$BUDGET_MS" --out "$OUT/results" --quiet > "$OUT/run.log" 2>&1
rc=$?
tail -60 "$OUT/run.log"
[ "$rc" = 0 ] || { echo "torch-worker-suite: abw run exited $rc" >&2; status=1; }
run_file="$(ls -t "$OUT"/results/runs/*/*.json 2>/dev/null | head -1)"
if [ -n "$run_file" ]; then
  "$NODE" -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const recs = r.records ?? r.cases ?? [];
    const count = {};
    const lines = [];
    for (const x of recs) {
      const k = x.status + (x.precision ? `/${x.precision.verdict}` : "");
      count[k] = (count[k] ?? 0) + 1;
      if (x.status !== "ok" || (x.precision && x.precision.verdict !== "pass"))
        lines.push(`${x.label} ${x.dtype} ${x.status} ${x.precision?.verdict ?? ""}: ${(x.reason ?? x.error?.message ?? x.precision?.reason ?? "").split("\n")[0]}`);
    }
    console.log(JSON.stringify(count));
    console.log(lines.join("\n"));
  ' "$run_file" > "$OUT/summary.txt" 2>&1
  cat "$OUT/summary.txt"
fi
exit "$status"
