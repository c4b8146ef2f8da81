#!/usr/bin/env bash
# The webgpu backend on the GPU machine: Dawn on the NVIDIA Vulkan driver. Two halves:
#
#   scripts/device/webgpu-suite.sh carry          (here, on a CPU machine, from the repo root)
#     packs .webgpu-carry/webgpu-vitest.tar.xz (the webgpu package for linux-x64 and vitest with its
#     dependencies), fetches the Vulkan loader (libvulkan1) into .gl/ as the device notes say, and
#     makes .node-carry/ (node, kernel-bridge/dist, the addon) with scripts/device/cuda-carry.sh if
#     it is missing. Run `npx tsc -b kernel-bridge` first.
#
#   scripts/device/webgpu-suite.sh [suite] [bench]   (there, through the device tool, carry:
#     [".node-carry", ".webgpu-carry", ".gl"]; default: both phases)
#     suite: test/backends/webgpu-*.test.ts (every op against the FP64 oracle, dispose/reopen,
#            errors) on the real GPU; bench: bench/webgpu-vs-cuda (matmul 4096³ f32, rfft, stft;
#            cuda beside it when the CUDA module is built, e.g. by scripts/device/cuda-suite.sh
#            earlier in the same command). Logs and results go to $OUT.
set -u -o pipefail

if [ "${1:-}" = carry ]; then
  set -e
  mkdir -p .webgpu-carry
  closure=$(node -e "
    const fs = require('fs'), path = require('path');
    const seen = new Set(), todo = ['vitest'];
    while (todo.length) {
      const n = todo.pop();
      if (seen.has(n) || !fs.existsSync(path.join('node_modules', n, 'package.json'))) continue;
      seen.add(n);
      const pj = JSON.parse(fs.readFileSync(path.join('node_modules', n, 'package.json'), 'utf8'));
      todo.push(...Object.keys({ ...(pj.dependencies || {}), ...(pj.optionalDependencies || {}) }));
    }
    console.log([...seen].map((n) => 'node_modules/' + n).join(' '));")
  # shellcheck disable=SC2086
  tar -cJf .webgpu-carry/webgpu-vitest.tar.xz --exclude='*.map' --exclude='node_modules/webgpu/dist/darwin-*' \
    --exclude='node_modules/webgpu/dist/win32-*' --exclude='node_modules/webgpu/dist/linux-arm64' node_modules/webgpu $closure
  grep -qx '/.webgpu-carry/' .git/info/exclude 2>/dev/null || echo '/.webgpu-carry/' >> .git/info/exclude
  grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo '/.gl/' >> .git/info/exclude
  if ! ls .gl/libglvnd0_*.deb >/dev/null 2>&1; then
    # The Vulkan loader and GL vendor-neutral dispatch from the main suite: the NVIDIA driver
    # brings its ICD (libGLX_nvidia), which needs libglvnd's libraries beside the loader.
    mkdir -p .gl /tmp/amd64/partial
    o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
    # shellcheck disable=SC2086
    apt-get $o update -qq && (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  fi
  [ -s .node-carry/runtime.tar.xz ] || scripts/device/cuda-carry.sh
  ls -la .webgpu-carry .gl .node-carry
  exit 0
fi

phases="$*"
[ -n "$phases" ] || phases="suite bench"
has() { [[ " $phases " == *" $1 "* ]]; }
OUT=${OUT:-/tmp/abw-out}
mkdir -p "$OUT"
log() { echo "== $*" | tee -a "$OUT/webgpu-suite.log"; }

log "unpack node, the runtime, webgpu and vitest"
if [ ! -x /tmp/abw-node/node ]; then
  mkdir -p /tmp/abw-node && xz -dc .node-carry/node.xz > /tmp/abw-node/node && chmod +x /tmp/abw-node/node
fi
export PATH=/tmp/abw-node:$PATH
[ -d kernel-bridge/dist ] || tar -xJf .node-carry/runtime.tar.xz
[ -d node_modules/webgpu ] || tar -xJf .webgpu-carry/webgpu-vitest.tar.xz
export ABW_NATIVE_BUILD=${ABW_NATIVE_BUILD:-native/build-device/Release}

log "Vulkan loader and the NVIDIA ICD"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}
ls -la "$(dirname "$VK_DRIVER_FILES")" 2>&1 | tee -a "$OUT/webgpu-suite.log"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee -a "$OUT/webgpu-suite.log"
node -e "
  const { probeAdapter } = require('./kernel-bridge/dist/backends/webgpu/dawn');
  console.log(JSON.stringify(probeAdapter(), null, 1));" 2>&1 | grep -v '^Warning' | tee -a "$OUT/webgpu-suite.log"
# Why the loader finds no driver, when it finds none.
VK_LOADER_DEBUG=error,warn,driver node -e "require('./kernel-bridge/dist/backends/webgpu/dawn').probeAdapter()" 2>&1 | grep -iv '^Warning: max' | head -30 >> "$OUT/webgpu-suite.log"

if has suite; then
  log "webgpu suite: every op against the FP64 oracle, backend behaviour"
  node node_modules/vitest/vitest.mjs run test/backends/webgpu-vs-ref.test.ts test/backends/webgpu-backend.test.ts 2>&1 |
    grep -v '^Warning: max' > "$OUT/webgpu-vitest.log"
  echo "vitest exit ${PIPESTATUS[0]}" | tee -a "$OUT/webgpu-suite.log"
  grep -E 'Test Files|Tests |supports|×|FAIL' "$OUT/webgpu-vitest.log" | head -40 | tee -a "$OUT/webgpu-suite.log"
fi

if has bench; then
  log "bench webgpu-vs-cuda (matmul 4096³ f32, rfft, stft)"
  node bench/webgpu-vs-cuda/run.js --out "$OUT/webgpu-vs-cuda.json" 2>&1 | grep -v '^Warning: max' | tee -a "$OUT/webgpu-suite.log"
fi
log "done"
