#!/usr/bin/env bash
# Installs what abw needs on a fresh machine: system BLAS/FFT libraries and build tools where
# the platform's package manager can be used, then the npm workspaces (which compile the
# native addon from source). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# --test: also what the test suites need (Chromium, a software Vulkan driver, Python venvs).
WITH_TEST_TOOLS=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TEST_TOOLS=1 ;;
    *) echo "abw setup: unknown option $arg (allowed: --test)" >&2; exit 2 ;;
  esac
done

need() { command -v "$1" >/dev/null 2>&1; }

install_linux_deps() {
  local pkgs="libopenblas-dev libfftw3-dev pkg-config cmake g++ make"
  if [ "$WITH_TEST_TOOLS" = 1 ]; then pkgs="$pkgs chromium"; fi
  # shellcheck disable=SC2086
  if dpkg -s $pkgs >/dev/null 2>&1; then
    return 0
  fi
  if need apt-get; then
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
      if need sudo; then sudo="sudo"; else
        echo "abw setup: not root and no sudo; install these yourself for BLAS/FFT speed: $pkgs" >&2
        return 0
      fi
    fi
    echo "abw setup: installing $pkgs"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
  else
    echo "abw setup: no apt-get; install OpenBLAS, FFTW (single precision) and pkg-config with your package manager for speed" >&2
  fi
}

case "$(uname -s)" in
  Linux) install_linux_deps ;;
  Darwin)
    # Accelerate provides BLAS; FFTW is optional (brew install fftw pkg-config).
    if need brew && ! brew list fftw >/dev/null 2>&1; then
      echo "abw setup: optional: 'brew install fftw pkg-config' gives the cpu backend FFTW" >&2
    fi
    ;;
esac

need node || { echo "abw setup: Node.js 20 or newer is required" >&2; exit 1; }
need cmake || { echo "abw setup: CMake 3.18 or newer is required to build the native addon" >&2; exit 1; }

# onnxruntime-node ships its CPU runtime in the package; its install script would also fetch the
# CUDA execution provider from outside the npm registry. Skip that (ort:cuda users: set
# ONNXRUNTIME_NODE_INSTALL=cuda12 and reinstall).
export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"

# `npm install` (not `npm ci`): it honours package-lock.json's versions, and tolerates lock files
# written on another platform without its optional native packages (rollup's, for vitest).
npm install --no-audit --no-fund

# --test: what the other suites need. A software Vulkan driver for the webgpu backend (Mesa's
# lavapipe), the Python venv of the mlx:cpu worker tests (.venv-workers/), and the project's
# Jupyter environment (.venv/: JupyterLab, nbclient, nbconvert, the workbench extension) in
# which the notebooks run headless and the extension is tested in Chromium.
if [ "$WITH_TEST_TOOLS" = 1 ]; then
  bash scripts/setup-webgpu.sh
  bash scripts/setup-workers.sh
  bash scripts/lab-env.sh >/dev/null
fi
