#!/usr/bin/env bash
# The cuda backend's suite on the GPU machine (run through the device tool from the repo root).
#   scripts/device/cuda-suite.sh build     build the CUDA module there, list backends, smoke checks
#   scripts/device/cuda-suite.sh ops       + every op × dtype against the FP64 oracle (abw run;
#                                          CUDA_OPS_BUDGET_MS sets the timing budget per case,
#                                          CUDA_OPS_ONLY an --only pattern)
#   scripts/device/cuda-suite.sh nosmoke … the same phases without the smoke checks
#   scripts/device/cuda-suite.sh memcheck  compute-sanitizer memcheck over the op sweep
#   scripts/device/cuda-suite.sh bench     bench/cuda-vs-torch (workbench and PyTorch, one run)
# Phases accumulate: `ops` also builds, etc. Logs and results go to $OUT (at most 8 files).
# Needs in .node-carry/ (built on a CPU machine by scripts/device/cuda-carry.sh): node.xz and
# runtime.tar.xz (kernel-bridge/dist, the JS dependencies, the addon built without BLAS/FFT).
set -u -o pipefail
phases="$*"
OUT=${OUT:-/tmp/abw-out}
mkdir -p "$OUT"
log() { echo "== $*" | tee -a "$OUT/suite.log"; }
has() { [[ " $phases " == *" $1 "* ]]; }

log "unpack node and the runtime"
# (Already there when scripts/device/gpu-session.sh runs this beside other suites: unpacking
# again would rewrite files they are reading.)
if [ ! -x /tmp/abw-node/node ]; then
  mkdir -p /tmp/abw-node && xz -dc .node-carry/node.xz > /tmp/abw-node/node && chmod +x /tmp/abw-node/node
fi
export PATH=/tmp/abw-node:$PATH
[ -f kernel-bridge/dist/cli/main.js ] || tar -xJf .node-carry/runtime.tar.xz
export ABW_NATIVE_BUILD=native/build-device/Release

log "build the CUDA module ($(nvcc --version | tail -1))"
CUDNN_ROOT=$(python3 -c 'import nvidia.cudnn as m; print(list(m.__path__)[0])' 2>/dev/null)
cmake -S native -B /tmp/abw-cuda -G Ninja -DABW_CUDA_MODULE_ONLY=ON -DCUDNN_ROOT="$CUDNN_ROOT" >"$OUT/build.log" 2>&1 &&
  ninja -C /tmp/abw-cuda >>"$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 1; }
cp /tmp/abw-cuda/libabw_cuda.so "$ABW_NATIVE_BUILD/"
grep "abw: CUDA" "$OUT/build.log" | tee -a "$OUT/suite.log"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee -a "$OUT/suite.log"

log "abw list backends"
node kernel-bridge/bin/abw.js list backends 2>&1 | grep -E "^(backend|cuda|cpu|ref) " | tee -a "$OUT/suite.log"

MATRIX=bench/cuda-vs-torch/cuda-ops.matrix.json
if ! has nosmoke; then
  log "smoke checks"
  node --expose-gc scripts/device/cuda-smoke.js checks 2>&1 | tee "$OUT/smoke.jsonl"
  node scripts/device/cuda-smoke.js sweep $MATRIX 2>&1 | tail -30 | tee -a "$OUT/smoke.jsonl"
fi

if has ops; then
  log "every op × dtype against the FP64 oracle"
  node kernel-bridge/bin/abw.js run --matrix $MATRIX --backend cuda --out /tmp/abw-results -q ${CUDA_OPS_BUDGET_MS:+--budget-ms $CUDA_OPS_BUDGET_MS} ${CUDA_OPS_ONLY:+--only "$CUDA_OPS_ONLY"} 2>&1 | tail -40 | tee -a "$OUT/suite.log"
  f=$(ls -t /tmp/abw-results/runs/*/*.json 2>/dev/null | head -1)
  [ -n "$f" ] && cp "$f" "$OUT/cuda-ops-run.json"
fi

if has bench; then
  log "bench cuda-vs-torch"
  timeout 240 node bench/cuda-vs-torch/run.js --out "$OUT/cuda-vs-torch.json" 2>&1 | tee -a "$OUT/suite.log"
fi
if has memcheck; then
  log "compute-sanitizer memcheck over the op sweep"
  timeout 200 compute-sanitizer --tool memcheck --error-exitcode 9 --print-limit 20 node scripts/device/cuda-smoke.js sweep $MATRIX >"$OUT/memcheck.log" 2>&1
  echo "memcheck exit $?" | tee -a "$OUT/suite.log"
  tail -5 "$OUT/memcheck.log" | tee -a "$OUT/suite.log"
fi

log "done"
