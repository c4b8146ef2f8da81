#!/usr/bin/env bash
# Creates (or updates) the project-local Python environment .venv/ with JupyterLab 4 (PyPI),
# nbclient and nbconvert (headless notebook execution and HTML export), and the plotly
# renderer JupyterLab needs for `application/vnd.plotly.v1+json` outputs. Safe to run again:
# an existing .venv/ is reused and pip only installs what is missing.
#
#   bash scripts/lab-env.sh            # uses python3 (or $PYTHON)
#   PYTHON=/opt/py311/bin/python3 bash scripts/lab-env.sh
#
# Prints the environment's path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
VENV="${ABW_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

say() { echo "abw lab-env: $*" >&2; }

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  say "Python 3 is required for JupyterLab and was not found ($PYTHON)."
  say "Install Python 3.9 or newer (Debian/Ubuntu: apt-get install python3 python3-venv; macOS: brew install python), or set PYTHON=/path/to/python3."
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
  say "$("$PYTHON" --version 2>&1) is too old: JupyterLab 4 needs Python 3.9 or newer (set PYTHON=/path/to/python3)."
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    say "Python's venv module (with ensurepip) is missing; on Debian/Ubuntu: apt-get install python3-venv"
    exit 1
  fi
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi

# The notebook and extension tooling share this environment; never run two pips on it at once.
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
PACKAGES=("jupyterlab>=4.4,<5" "nbclient>=0.10" "nbconvert>=7.16" "plotly>=5.24")

missing=0
for spec in "${PACKAGES[@]}"; do
  name="${spec%%[<>=]*}"
  if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; m.version(sys.argv[1])" "$name" >/dev/null 2>&1; then
    missing=1
  fi
done
if [ "$missing" = 1 ]; then
  say "installing ${PACKAGES[*]} into $VENV (from PyPI)"
  if ! "${PIP[@]}" install -q "${PACKAGES[@]}"; then
    say "pip could not install JupyterLab; check the network access to PyPI and try again"
    exit 1
  fi
else
  say "$VENV already has JupyterLab $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("jupyterlab"))'), nbclient and nbconvert"
fi

# The workbench's JupyterLab extension (renderers for application/vnd.abw.*+json), when this
# checkout has it.
if [ -f extension/install-into-env.sh ]; then
  # Its output goes to stderr: the last line of stdout is the environment's path.
  if ! bash extension/install-into-env.sh "$VENV" >&2; then
    say "warning: extension/install-into-env.sh failed: JupyterLab will start without the workbench extension (result outputs show as raw JSON)"
  fi
else
  say "no extension/install-into-env.sh in this checkout: workbench result outputs will show as raw JSON in JupyterLab"
fi
echo "$VENV"
