#!/usr/bin/env bash
# Everything the GPU machine is for, in one call of the device tool (device time is short, and
# a machine costs a minute or more to start): build the CUDA module, check every backend that
# runs on the GPU against the FP64 oracle, then run the benchmarks one at a time.
#
#   here (a CPU machine, repo root):  npx tsc -b kernel-bridge && bash scripts/device/webgpu-suite.sh carry
#   there: bash scripts/device/gpu-session.sh [all|webgpu|ops|pipelines|verify|crop|filter|peers|compiled]   (carry: .node-carry .webgpu-carry .gl)
#
# Phase A (correctness, concurrently; their timings are not reported): the cuda smoke checks and
# every op × dtype of bench/cuda-vs-torch/cuda-ops.matrix.json on cuda; the webgpu suite on the
# NVIDIA Vulkan driver; the torch:cuda worker suite. Phase B (benchmarks, alone on the GPU, in
# turn): bench/cuda-vs-torch, bench/webgpu-vs-cuda, bench/pipelines-vs-torch. Every phase has a
# time limit, so the call ends inside the device tool's 10 minutes with whatever finished.
# What comes back: $OUT/session.log and $OUT/session.tar.gz (every log and result file),
# re-packed after each phase so that a cut-off call still returns what was done.
set -u -o pipefail
OUT=${OUT:-/tmp/abw-out}
W=/tmp/abw-session
mkdir -p "$OUT" "$W"
start=$(date +%s)
log() { echo "[$(($(date +%s) - start)) s] $*" | tee -a "$OUT/session.log"; }
pack() { tar -czf "$OUT/session.tar.gz.part" -C "$W" . 2>/dev/null && mv -f "$OUT/session.tar.gz.part" "$OUT/session.tar.gz"; }
# Every step's `timeout` also kills (-k) what ignores its TERM: a process stuck in the driver once
# held a call past its end with nothing packed. A background packer keeps what is done.
(while sleep 25; do pack; done) &
packer=$!
trap 'kill $packer 2>/dev/null; pack' EXIT

log "unpack node, the runtime, webgpu and vitest"
mkdir -p /tmp/abw-node && xz -dc .node-carry/node.xz >/tmp/abw-node/node && chmod +x /tmp/abw-node/node
export PATH=/tmp/abw-node:$PATH
tar -xJf .node-carry/runtime.tar.xz
tar -xJf .webgpu-carry/webgpu-vitest.tar.xz
export ABW_NATIVE_BUILD=native/build-device/Release
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader | tee -a "$OUT/session.log"

# One bench/pipelines-vs-torch run on cuda in `dt` (f32|f16) for pipelines `only`, beside
# PyTorch's `variants` ('-': eager and compiled fp16 for f16, eager fp32 for f32), stopped `end`
# seconds after the call started; logs as `name`.
pipelines_run() {
  local dt=$1 only=$2 end=$3 name=$4 reps=$5 variants=$6
  [ "$variants" = - ] && variants=$([ "$dt" = f16 ] && echo eager-fp16,compile-fp16 || echo eager-fp32)
  local left=$((end - ($(date +%s) - start)))
  log "pipelines $dt: $only ($left s)"
  timeout -k 10 "$((left > 20 ? left : 20))" node bench/pipelines-vs-torch/run.js --backend cuda --device cuda --seconds 60 --reps "$reps" --dtype "$dt" \
    --variants "$variants" \
    --only "$only" --out "$W/$name" --mdx-layout "${MDX_LAYOUT:-auto}" --torch-io "${TORCH_IO:-host}" ${PROFILE:+--profile} ${NO_TORCH:+--no-torch} >"$W/$name.log" 2>&1
  log "exit $?"; grep -E "RTF|×|profiled run|library choices|^    " "$W/$name.log" | tee -a "$OUT/session.log"
  pack
}

# bench/cuda-vs-torch once, stopped after `secs`; result and log as `name`.
cuda_vs_torch() {
  local name=$1 secs=$2
  timeout -k 10 "$secs" node bench/cuda-vs-torch/run.js --out "$W/$name.json" >"$W/$name.log" 2>&1
  log "cuda-vs-torch exit $?"
  grep -E "ratio" "$W/$name.log" | tee -a "$OUT/session.log"
  pack
}

# The CUDA module's build and smoke checks (`phase` build), plus the op matrix against the oracle
# and the module's vitest (`phase` ops); `smoke` picks the smoke lines to log.
cuda_checks() {
  local phase=$1 budget_ms=$2 secs=$3 smoke=$4
  log "build the CUDA module, smoke checks$([ "$phase" = ops ] && echo ', op matrix')"
  (export LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; OUT=$W/cuda CUDA_OPS_BUDGET_MS=$budget_ms timeout -k 10 "$secs" bash scripts/device/cuda-suite.sh "$phase" >"$W/cuda-suite.out" 2>&1)
  log "build exit $?: $(grep -E "$smoke" "$W/cuda/smoke.jsonl" | cut -c1-900)"
  if [ "$phase" = ops ]; then
    log "ops: $(grep -E '^[0-9]+ cases|precision' "$W/cuda-suite.out" | tail -1)"
    timeout -k 10 60 node node_modules/vitest/vitest.mjs run test/native/cuda-module.test.ts >"$W/cuda-vitest.log" 2>&1
    log "cuda-module vitest exit $?: $(grep -E 'Tests ' "$W/cuda-vitest.log")"
  fi
  pack
}

# compute-sanitizer memcheck over the op sweep in the time left before SESSION_END, when at
# least `min` seconds are left.
memcheck_rest() {
  local min=$1 left=$((SESSION_END - ($(date +%s) - start)))
  [ "$left" -ge "$min" ] || return 0
  log "memcheck ($left s left)"
  (OUT=$W/cuda timeout -k 5 "$left" bash scripts/device/cuda-suite.sh memcheck >"$W/memcheck.out" 2>&1)
  log "memcheck exit $?: $(grep -E 'memcheck exit|ERROR SUMMARY' "$W/cuda/suite.log" "$W/cuda/memcheck.log" 2>/dev/null | tail -2)"
  pack
}

# The start of a short call (crop, filter, peers): profiled pipeline runs beside PyTorch with
# page-locked I/O, then the CUDA module's build and either its smoke checks (`only` -) or, without
# them, the op matrix's cases matching the --only pattern `only` ('' for all) against the oracle.
short_call_start() {
  local only=$1
  export PROFILE=1 TORCH_IO=pinned LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  if [ "$only" = - ]; then
    log "build the CUDA module"
    (OUT=$W/cuda timeout -k 5 170 bash scripts/device/cuda-suite.sh build >"$W/cuda-suite.out" 2>&1)
  else
    log "build the CUDA module, the op matrix${only:+ ($only)} (no smoke checks)"
    (OUT=$W/cuda CUDA_OPS_ONLY=$only CUDA_OPS_BUDGET_MS=20 timeout -k 5 "$([ -n "$only" ] && echo 150 || echo 170)" bash scripts/device/cuda-suite.sh nosmoke ops >"$W/cuda-suite.out" 2>&1)
  fi
  log "exit $?: $(grep -E '^[0-9]+ cases|precision' "$W/cuda-suite.out" | tail -1)"
  pack
}

# `gpu-session.sh webgpu`: only the webgpu suite and bench/webgpu-vs-cuda (the CUDA module is
# built first for the bench's cuda side), for a call with little device time left.
if [ "${1:-all}" = webgpu ]; then
  log "webgpu: build the CUDA module (smoke checks with the toolkit's libraries on the loader path)"
  (export LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; OUT=$W/cuda timeout -k 10 70 bash scripts/device/cuda-suite.sh build >"$W/cuda-suite.out" 2>&1)
  log "cuda build exit $?: $(grep fft_conv "$W/cuda/smoke.jsonl" | cut -c1-400)"
  pack
  (OUT=$W/webgpu timeout -k 10 60 bash scripts/device/webgpu-suite.sh suite >"$W/webgpu-suite.out" 2>&1)
  log "webgpu suite exit $?: $(grep -E 'Tests ' "$W/webgpu/webgpu-vitest.log")"
  pack
  (OUT=$W/webgpu timeout -k 10 40 bash scripts/device/webgpu-suite.sh bench >"$W/webgpu-bench.out" 2>&1)
  log "webgpu bench exit $?"
  grep -E "^\|" "$W/webgpu-bench.out" | tee -a "$OUT/session.log"
  pack
  exit 0
fi

# `gpu-session.sh ops` (one call): the CUDA module's build, smoke checks and queued-launch test,
# every op on cuda and on webgpu against the oracle, then alone on the GPU in turn:
# bench/webgpu-vs-cuda, bench/cuda-vs-torch (twice), mdx23c in f32 and f16 beside PyTorch, and
# compute-sanitizer memcheck over the op sweep with the time left.
if [ "${1:-all}" = ops ]; then
  SESSION_END=${SESSION_END:-580}  # seconds after the start by which the call must be done
  export LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  log "ops: webgpu suite (background), cuda build + smoke + ops (foreground)"
  (OUT=$W/webgpu timeout -k 10 150 bash scripts/device/webgpu-suite.sh suite >"$W/webgpu-suite.out" 2>&1; echo "webgpu suite exit $?" >>"$W/webgpu-suite.out") &
  webgpu_pid=$!
  OUT=$W/cuda CUDA_OPS_BUDGET_MS=${CUDA_OPS_BUDGET_MS:-60} timeout -k 10 200 bash scripts/device/cuda-suite.sh ops >"$W/cuda-suite.out" 2>&1
  log "cuda suite exit $?: $(grep -E '^[0-9]+ cases|precision' "$W/cuda-suite.out" | tail -1)"
  log "smoke: $(grep -E 'fft_conv|conv1d tf32|"ok":false' "$W/cuda/smoke.jsonl" | cut -c1-600)"
  tar -xJf .webgpu-carry/webgpu-vitest.tar.xz node_modules/vitest 2>/dev/null || true
  timeout -k 10 60 node node_modules/vitest/vitest.mjs run test/native/cuda-module.test.ts >"$W/cuda-vitest.log" 2>&1
  log "cuda-module vitest exit $?: $(grep -E 'Tests ' "$W/cuda-vitest.log")"
  pack
  wait "$webgpu_pid"
  log "$(tail -1 "$W/webgpu-suite.out"): $(grep -E 'Tests ' "$W/webgpu/webgpu-vitest.log")"
  pack
  (OUT=$W/webgpu timeout -k 10 45 bash scripts/device/webgpu-suite.sh bench >"$W/webgpu-bench.out" 2>&1)
  log "webgpu bench exit $?"
  grep -E "^\|" "$W/webgpu-bench.out" | tee -a "$OUT/session.log"
  pack
  log "bench cuda-vs-torch (twice: the second run shows how far a ratio moves between runs)"
  cuda_vs_torch cuda-vs-torch 130
  [ "${BENCH_TWICE:-1}" = 1 ] && cuda_vs_torch cuda-vs-torch-2 90
  if [ "${SESSION_PIPELINES:-mdx23c}" != none ]; then
    pipelines_run f32 "${SESSION_PIPELINES:-mdx23c}" $((SESSION_END - ${MEMCHECK_S:-60} - 130)) pipelines-mdx-f32 1 eager-fp32
    pipelines_run f16 "${SESSION_PIPELINES:-mdx23c}" $((SESSION_END - ${MEMCHECK_S:-60})) pipelines-mdx-f16 1 -
  fi
  memcheck_rest 40
  exit 0
fi

# `gpu-session.sh profile`: where each pipeline's time goes — the build and smoke checks, then
# every pipeline in f32 and f16 beside PyTorch, each with one more run whose ops are timed one by
# one (bench/pipelines-vs-torch --profile); mdx23c without PyTorch unless MDX_TORCH=1.
if [ "${1:-all}" = profile ]; then
  export PROFILE=1
  log "profile: build the CUDA module, smoke checks"
  (export LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; OUT=$W/cuda timeout -k 10 100 bash scripts/device/cuda-suite.sh build >"$W/cuda-suite.out" 2>&1)
  log "build exit $?: $(grep -E '"ok":false|ternary|quantize_int8' "$W/cuda/smoke.jsonl" | cut -c1-500)"
  pack
  pipelines_run f32 fftconv,bitnet,encodec 230 pipelines-f32 2 eager-fp32
  pipelines_run f16 fftconv,bitnet,encodec 340 pipelines-f16 2 -
  [ "${MDX_TORCH:-0}" = 1 ] || export NO_TORCH=1
  pipelines_run f32 mdx23c 430 pipelines-mdx-f32 1 eager-fp32
  pipelines_run f16 mdx23c 560 pipelines-mdx-f16 1 -
  exit 0
fi

# `gpu-session.sh final` (one call): the build and smoke checks (page-locked copies off if their
# check fails), bench/cuda-vs-torch, then every pipeline in f32 and f16 beside PyTorch with
# page-locked I/O on both sides and an op profile; stops SESSION_END seconds in. Carry
# .node-carry (and .webgpu-carry with FINAL_OPS=1, for vitest).
if [ "${1:-all}" = final ]; then
  SESSION_END=${SESSION_END:-450}
  export PROFILE=1 TORCH_IO=pinned
  # FINAL_OPS=1: the cuda op matrix against the oracle and the module's vitest first (about 80 s
  # more; SESSION_END should grow by as much).
  cuda_checks "$([ "${FINAL_OPS:-0}" = 1 ] && echo ops || echo build)" 40 200 '"ok":false|page-locked|fft_conv|graph'
  if ! grep -q '"check":"page-locked host copies","ok":true' "$W/cuda/smoke.jsonl"; then
    export ABW_CUDA_PINNED=0 TORCH_IO=host
    log "page-locked copies off for this call (their smoke check did not pass)"
  fi
  pack
  # The op benchmark first: its numbers decide issue #6, and it takes well under two minutes.
  cuda_vs_torch cuda-vs-torch 120
  pipelines_run f32 fftconv,bitnet,encodec $((SESSION_END - 290)) pipelines-f32 2 eager-fp32
  # PAGEABLE=1: the same without page-locked copies (the workbench alone): what decision 24 changes.
  [ "${PAGEABLE:-0}" = 1 ] && (export ABW_CUDA_PINNED=0 NO_TORCH=1; pipelines_run f32 fftconv,bitnet $((SESSION_END - 265)) pipelines-f32-pageable 2 -)
  pipelines_run f16 fftconv,bitnet,encodec $((SESSION_END - 200)) pipelines-f16 2 -
  pipelines_run f32 mdx23c $((SESSION_END - 120)) pipelines-mdx-f32 1 eager-fp32
  pipelines_run f16 mdx23c $((SESSION_END - 5)) pipelines-mdx-f16 1 eager-fp16
  exit 0
fi

# `gpu-session.sh recheck` (one call, after fixes to what `final` measured): the build, smoke
# checks and op matrix, the module's vitest, bench/cuda-vs-torch, the f16 pipelines (fftconv,
# bitnet, encodec) beside PyTorch, then compute-sanitizer memcheck over the op sweep with the time
# left before SESSION_END.
if [ "${1:-all}" = recheck ]; then
  SESSION_END=${SESSION_END:-480}
  export PROFILE=1 TORCH_IO=pinned LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  cuda_checks ops 40 200 '"ok":false|fft_conv'
  cuda_vs_torch cuda-vs-torch 120
  pipelines_run f16 fftconv,bitnet,encodec $((SESSION_END - 50)) pipelines-f16 2 -
  memcheck_rest 30
  exit 0
fi

# `gpu-session.sh confirm` (a short call): the build, smoke checks and op matrix, mdx23c in f16
# and f32, bench/cuda-vs-torch again (a second sample of each ratio), then fftconv/bitnet/encodec
# in f32 and fftconv in f16, beside PyTorch eager with page-locked I/O, until SESSION_END.
if [ "${1:-all}" = confirm ]; then
  SESSION_END=${SESSION_END:-400}
  export PROFILE=1 TORCH_IO=pinned LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  cuda_checks ops 30 170 '"ok":false'
  # mdx23c first: its f16 output went non-finite in the last call (bench/pipelines-vs-torch/README.md).
  pipelines_run f16 mdx23c $((SESSION_END - 250)) pipelines-mdx-f16 1 eager-fp16
  pipelines_run f32 mdx23c $((SESSION_END - 180)) pipelines-mdx-f32 1 eager-fp32
  cuda_vs_torch cuda-vs-torch 90
  pipelines_run f32 fftconv,bitnet,encodec $((SESSION_END - 40)) pipelines-f32 2 eager-fp32
  pipelines_run f16 fftconv $((SESSION_END - 5)) pipelines-f16 2 eager-fp16
  exit 0
fi

# `gpu-session.sh nhwc` (one call): the build, smoke checks and op matrix (channels-last conv2d
# and instance_norm among them), then mdx23c in f16 (channels last, beside PyTorch eager and
# compiled), in f16 channels first (the workbench alone: what the layout changes), in f32, and
# fftconv in f32, each with an op profile, until SESSION_END.
if [ "${1:-all}" = nhwc ]; then
  SESSION_END=${SESSION_END:-500}
  export PROFILE=1 TORCH_IO=pinned LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  cuda_checks ops 30 200 '"ok":false'
  pipelines_run f16 mdx23c $((SESSION_END - 170)) pipelines-mdx-f16 1 eager-fp16,compile-fp16
  (export NO_TORCH=1 MDX_LAYOUT=channels_first; pipelines_run f16 mdx23c $((SESSION_END - 130)) pipelines-mdx-f16-cf 1 -)
  pipelines_run f32 mdx23c $((SESSION_END - 45)) pipelines-mdx-f32 1 eager-fp32
  pipelines_run f32 fftconv $((SESSION_END - 5)) pipelines-f32 2 eager-fp32
  exit 0
fi

# `gpu-session.sh closing` (one call, the last of a session): the build, smoke checks and op
# matrix, then mdx23c f16 (beside PyTorch eager and compiled fp16), fftconv f32 (and again
# without queued copies), mdx23c f32, bench/cuda-vs-torch when time is left, and fftconv f16,
# each pipeline with an op profile, until SESSION_END.
if [ "${1:-all}" = closing ]; then
  SESSION_END=${SESSION_END:-540}
  export PROFILE=1 TORCH_IO=pinned LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  cuda_checks ops 30 200 '"ok":false'
  # mdx23c f16 beside torch.compile needs ~140 s, more when new cuDNN graphs are searched (the
  # conv + residual graphs of decision 32): it was cut at 139 s on 2026-12-05.
  pipelines_run f16 mdx23c $((SESSION_END - 200)) pipelines-mdx-f16 1 eager-fp16,compile-fp16
  pipelines_run f32 fftconv $((SESSION_END - 150)) pipelines-f32 2 eager-fp32
  # The same without queued copies (workbench only): what the overlap of decision 30 gains.
  (export NO_TORCH=1 ABW_CUDA_QUEUED_COPIES=0; pipelines_run f32 fftconv $((SESSION_END - 130)) pipelines-f32-inline 2 -)
  pipelines_run f32 mdx23c $((SESSION_END - 60)) pipelines-mdx-f32 1 eager-fp32
  left=$((SESSION_END - 50 - ($(date +%s) - start)))
  [ "$left" -ge 40 ] && cuda_vs_torch cuda-vs-torch "$left"
  pipelines_run f16 fftconv $((SESSION_END - 5)) pipelines-f16 2 eager-fp16
  exit 0
fi

# `gpu-session.sh verify` (one call, after `closing`): the build, smoke checks and op matrix,
# then every pipeline beside its strongest PyTorch variants: fftconv, bitnet and encodec in f32
# and f16 (eager, banded pinned I/O for fftconv), mdx23c in f16 beside torch.compile, until
# SESSION_END; compute-sanitizer memcheck over the op sweep with what is left.
if [ "${1:-all}" = verify ]; then
  SESSION_END=${SESSION_END:-560}
  export PROFILE=1 TORCH_IO=pinned LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  cuda_checks ops 30 200 '"ok":false'
  pipelines_run f32 fftconv,bitnet,encodec $((SESSION_END - 330)) pipelines-f32 2 eager-fp32
  pipelines_run f16 fftconv,bitnet,encodec $((SESSION_END - 230)) pipelines-f16 2 eager-fp16
  pipelines_run f16 mdx23c $((SESSION_END - 25)) pipelines-mdx-f16 1 eager-fp16,compile-fp16
  memcheck_rest 20
  exit 0
fi

# `gpu-session.sh crop` (a short call): the CUDA module's build, add_bias's cases of the op
# matrix against the oracle, then fftconv f32 beside PyTorch, again without the one-pass crop
# and bias (ABW_FFTCONV_CROP_BIAS=0, decision 35), and once more as first, until SESSION_END.
if [ "${1:-all}" = crop ]; then
  SESSION_END=${SESSION_END:-240}
  short_call_start add_bias
  pipelines_run f32 fftconv $((SESSION_END - 50)) pipelines-f32 2 eager-fp32
  (export NO_TORCH=1 ABW_FFTCONV_CROP_BIAS=0; pipelines_run f32 fftconv $((SESSION_END - 25)) pipelines-f32-slice 2 -)
  # The workbench once more as it was first: how far the same case moves within one call.
  (export NO_TORCH=1; pipelines_run f32 fftconv $((SESSION_END - 5)) pipelines-f32-again 2 -)
  exit 0
fi

# `gpu-session.sh filter` (a short call): the CUDA module's build, irfft's cases of the op matrix
# against the oracle (its `filter` input, decision 36), fftconv f32 beside PyTorch, again with the
# product as its own complex_mul (ABW_FFTCONV_FILTER_IRFFT=0), once more as first; fftconv f16
# beside PyTorch; then mdx23c f16 until SESSION_END.
if [ "${1:-all}" = filter ]; then
  SESSION_END=${SESSION_END:-440}
  short_call_start irfft
  pipelines_run f32 fftconv 130 pipelines-f32 2 eager-fp32
  (export NO_TORCH=1 ABW_FFTCONV_FILTER_IRFFT=0; pipelines_run f32 fftconv 165 pipelines-f32-complex-mul 2 -)
  (export NO_TORCH=1; pipelines_run f32 fftconv 195 pipelines-f32-again 2 -)
  pipelines_run f16 fftconv 250 pipelines-f16 2 -
  pipelines_run f16 mdx23c "$SESSION_END" pipelines-mdx-f16 1 -
  exit 0
fi

# `gpu-session.sh compiled` (one call): the CUDA module's build (COMPILED_OPS=1: and the whole op
# matrix against the oracle), then mdx23c, bitnet and encodec in f32 beside PyTorch's
# COMPILED_VARIANTS (default eager and compiled fp32: no call had compared mdx23c f32 with
# torch.compile), then (COMPILED_F16=1, the default) bitnet and encodec in f16 beside eager and
# compiled fp16 until SESSION_END.
if [ "${1:-all}" = compiled ]; then
  SESSION_END=${SESSION_END:-560}
  variants=${COMPILED_VARIANTS:-eager-fp32,compile-fp32}
  short_call_start "$([ "${COMPILED_OPS:-1}" = 1 ] || echo -)"
  t=$(($(date +%s) - start))
  pipelines_run f32 mdx23c $((t + 210)) pipelines-mdx-f32 1 "$variants"
  if [ "${COMPILED_F16:-1}" = 1 ]; then
    pipelines_run f32 bitnet,encodec $((t + 310)) pipelines-f32 2 "$variants"
    pipelines_run f16 bitnet,encodec "$SESSION_END" pipelines-f16 2 eager-fp16,compile-fp16
  else
    pipelines_run f32 bitnet,encodec "$SESSION_END" pipelines-f32 2 "$variants"
  fi
  exit 0
fi

# `gpu-session.sh peers` (a short call): the CUDA module's build (PEERS_OPS=1: and the whole op
# matrix against the oracle, no smoke checks), then fftconv beside every PyTorch variant, the
# compiled ones included (their band compiled, the streams eager; banded pinned I/O for each),
# f32 then f16.
if [ "${1:-all}" = peers ]; then
  SESSION_END=${SESSION_END:-420}
  short_call_start "$([ "${PEERS_OPS:-0}" = 1 ] || echo -)"
  # PEERS_F16=0: f32 only (a call with little device time left).
  if [ "${PEERS_F16:-1}" = 0 ]; then
    pipelines_run f32 fftconv "$SESSION_END" pipelines-f32 2 "${PEERS_VARIANTS:-eager-fp32,compile-fp32}"
  else
    pipelines_run f32 fftconv $((SESSION_END - 110)) pipelines-f32 2 "${PEERS_VARIANTS:-eager-fp32,compile-fp32}"
    pipelines_run f16 fftconv "$SESSION_END" pipelines-f16 2 -
  fi
  exit 0
fi

# `gpu-session.sh pipelines`: bench/pipelines-vs-torch only, the workbench in f32 and f16.
if [ "${1:-all}" = pipelines ]; then
  log "pipelines: build the CUDA module"
  (OUT=$W/cuda timeout -k 10 80 bash scripts/device/cuda-suite.sh build >"$W/cuda-suite.out" 2>&1)
  log "build exit $?"
  pipelines_run f32 fftconv,bitnet,encodec 200 pipelines-f32 2 eager-fp32,compile-fp32
  pipelines_run f16 fftconv,bitnet,encodec 270 pipelines-f16 2 -
  pipelines_run f32 mdx23c 420 pipelines-mdx-f32 1 eager-fp32
  pipelines_run f16 mdx23c 575 pipelines-mdx-f16 1 -
  exit 0
fi

# ---- phase A -----------------------------------------------------------------------------
log "A: torch:cuda worker suite and webgpu suite (background), cuda build + ops (foreground)"
(OUT=$W/torch BUDGET_MS=60 timeout -k 10 230 bash scripts/device/torch-worker-suite.sh >"$W/torch-suite.out" 2>&1; echo "torch suite exit $?" >>"$W/torch-suite.out") &
torch_pid=$!
(OUT=$W/webgpu timeout -k 10 230 bash scripts/device/webgpu-suite.sh suite >"$W/webgpu-suite.out" 2>&1; echo "webgpu suite exit $?" >>"$W/webgpu-suite.out") &
webgpu_pid=$!
OUT=$W/cuda CUDA_OPS_BUDGET_MS=80 timeout -k 10 240 bash scripts/device/cuda-suite.sh ops >"$W/cuda-suite.out" 2>&1
log "cuda suite exit $?: $(grep -E '^[0-9]+ cases|precision' "$W/cuda-suite.out" | tail -1)"
pack
wait "$torch_pid" "$webgpu_pid"
log "$(tail -1 "$W/torch-suite.out"); $(tail -1 "$W/webgpu-suite.out")"
grep -E "Tests |Test Files" "$W/webgpu/webgpu-vitest.log" "$W/torch/vitest-torch.log" 2>/dev/null | tee -a "$OUT/session.log"
pack

# ---- phase B: one benchmark at a time ------------------------------------------------------
log "B: bench cuda-vs-torch"
cuda_vs_torch cuda-vs-torch 110

log "B: bench webgpu-vs-cuda"
(OUT=$W/webgpu timeout -k 10 60 bash scripts/device/webgpu-suite.sh bench >"$W/webgpu-bench.out" 2>&1)
log "exit $?"
pack

pipelines_run f32 fftconv,bitnet,encodec 345 pipelines-a 2 eager-fp32,compile-fp32
pipelines_run f32 mdx23c 575 pipelines-mdx 1 eager-fp32
log "done"
