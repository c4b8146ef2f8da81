#!/usr/bin/env bash
# `npm run lab`: JupyterLab from the project-local .venv/ (created on first use by
# scripts/lab-env.sh), with the tslab kernel registered and the workbench's extension, opened on
# notebooks/. Extra arguments go to `jupyter lab` (e.g. --no-browser --port 8890).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$(bash scripts/lab-env.sh | tail -n 1)"
JUPYTER="$VENV/bin/jupyter" bash scripts/kernel-install.sh
if [ ! -f kernel-bridge/dist/index.js ]; then
  echo "abw lab: kernel-bridge/dist is missing: building it (npm run build:ts)" >&2
  npm run build:ts
fi
ROOT_FLAG=()
if [ "$(id -u)" = 0 ]; then
  # Containers often run as root; JupyterLab refuses that without this flag.
  echo "abw lab: running as root: passing --allow-root" >&2
  ROOT_FLAG=(--allow-root)
fi
echo "abw lab: starting JupyterLab in notebooks/ (kernel: TypeScript (abw))" >&2
exec "$VENV/bin/jupyter" lab --notebook-dir=notebooks "${ROOT_FLAG[@]}" "$@"
