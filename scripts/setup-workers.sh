#!/usr/bin/env bash
# Creates the Python environment the `mlx:cpu` worker tests use: .venv-workers/ with mlx[cpu]
# (MLX's Linux CPU wheels) and numpy from PyPI. The torch and mlx worker backends themselves
# run any Python the user points them at (--python / ABW_PYTHON); this venv is only the one CI
# and the tests look for. Safe to run again: an existing venv that already imports mlx is kept.
# No Python: a message and exit 0 (the worker backends are optional); a failed install: exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-workers
PY="${ABW_SETUP_PYTHON:-python3}"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import mlx.core, numpy' >/dev/null 2>&1; then
  echo "abw setup-workers: $VENV ready ($("$VENV/bin/python" -c 'import mlx.core as mx, numpy as np; print("mlx", mx.__version__, "numpy", np.__version__)'))"
  exit 0
fi

if ! command -v "$PY" >/dev/null 2>&1; then
  echo "abw setup-workers: no '$PY' on PATH; install Python 3.9+ (with venv and pip) or set ABW_SETUP_PYTHON to one." >&2
  echo "abw setup-workers: skipped (the worker backends are optional); the mlx:cpu worker tests will be skipped, saying why." >&2
  exit 0
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
  echo "abw setup-workers: $("$PY" --version 2>&1) is too old; the worker needs Python 3.9 or newer." >&2
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV" || {
    echo "abw setup-workers: '$PY -m venv' failed; on Debian/Ubuntu install python3-venv." >&2
    exit 1
  }
fi

# mlx[cpu] is the CPU-only MLX build for Linux; on macOS plain mlx has the Metal backend.
case "$(uname -s)" in
  Darwin) MLX_REQ="mlx" ;;
  *) MLX_REQ="mlx[cpu]" ;;
esac
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$MLX_REQ" numpy
echo "abw setup-workers: $VENV ready ($("$VENV/bin/python" -c 'import mlx.core as mx, numpy as np; print("mlx", mx.__version__, "numpy", np.__version__)'))"
