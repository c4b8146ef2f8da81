#!/usr/bin/env bash
# Registers the tslab TypeScript kernel (from this workspace's node_modules) with Jupyter, as the
# kernel spec `tslab` ("TypeScript (abw)"). The spec names tslab by its ABSOLUTE path, and puts
# this Node's directory first on the kernel's PATH: VS Code and JupyterLab started from a
# desktop launcher do not see npm's node_modules/.bin, and a spec that says just `tslab` fails
# there (tslab's known VS Code pitfall). Safe to run again: the spec is replaced.
#
#   bash scripts/kernel-install.sh                  # the user's Jupyter (jupyter kernelspec install --user)
#   bash scripts/kernel-install.sh --data-dir DIR   # DIR/kernels/tslab (tests; JUPYTER_PATH=DIR)
#   JUPYTER=/path/to/jupyter bash scripts/kernel-install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
say() { echo "abw kernel:install: $*" >&2; }

DATA_DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) DATA_DIR="${2:?--data-dir needs a directory}"; shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) say "unknown option $1 (allowed: --data-dir DIR)"; exit 2 ;;
  esac
done

TSLAB="$ROOT/node_modules/tslab/bin/tslab"
if [ ! -f "$TSLAB" ]; then
  say "tslab is not installed in $ROOT/node_modules; run \`npm run setup\` (or npm install) first"
  exit 1
fi
NODE="$(command -v node || true)"
if [ -z "$NODE" ]; then
  say "Node.js 20 or newer is required to run the tslab kernel and was not found on PATH"
  exit 1
fi
NODE_DIR="$(cd "$(dirname "$NODE")" && pwd -P)"
if [ ! -f "$ROOT/kernel-bridge/dist/index.d.ts" ]; then
  say "warning: kernel-bridge/dist is missing; notebooks import @abw/kernel-bridge from it: run \`npm run build\`"
fi

SPEC_DIR="$(mktemp -d)"
trap 'rm -rf "$SPEC_DIR"' EXIT
# JSON written by Node: paths with spaces or quotes stay valid.
node -e '
const [tslab, nodeDir, pathNow, out] = process.argv.slice(1);
const spec = {
  argv: [tslab, "kernel", "--config-path", "{connection_file}"],
  display_name: "TypeScript (abw)",
  language: "typescript",
  // The PATH of the installing shell with this Node first: tslab starts with `env node`.
  env: { PATH: [nodeDir, pathNow].filter(Boolean).join(":") },
  metadata: { abw: { nodeDir, installedBy: "scripts/kernel-install.sh" } },
};
require("fs").writeFileSync(require("path").join(out, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
' "$TSLAB" "$NODE_DIR" "${PATH:-}" "$SPEC_DIR"

if [ -n "$DATA_DIR" ]; then
  mkdir -p "$DATA_DIR/kernels/tslab"
  cp "$SPEC_DIR/kernel.json" "$DATA_DIR/kernels/tslab/kernel.json"
  say "kernel spec written to $DATA_DIR/kernels/tslab (tslab: $TSLAB)"
  exit 0
fi

JUPYTER_BIN="${JUPYTER:-}"
if [ -z "$JUPYTER_BIN" ] && [ -x "$ROOT/.venv/bin/jupyter" ]; then JUPYTER_BIN="$ROOT/.venv/bin/jupyter"; fi
if [ -z "$JUPYTER_BIN" ]; then JUPYTER_BIN="$(command -v jupyter || true)"; fi

if [ -n "$JUPYTER_BIN" ] && "$JUPYTER_BIN" kernelspec --version >/dev/null 2>&1; then
  "$JUPYTER_BIN" kernelspec install --user --replace --name tslab "$SPEC_DIR" >/dev/null
  say "registered kernel \"TypeScript (abw)\" (tslab) with $JUPYTER_BIN: $("$JUPYTER_BIN" kernelspec list --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).kernelspecs.tslab.resource_dir))')"
else
  # No Jupyter yet: write the spec where Jupyter looks for the user's kernels, so it is there
  # once Jupyter is installed (npm run lab installs JupyterLab into .venv/).
  if [ -n "${JUPYTER_DATA_DIR:-}" ]; then USER_DATA="$JUPYTER_DATA_DIR"
  elif [ "$(uname -s)" = Darwin ]; then USER_DATA="$HOME/Library/Jupyter"
  else USER_DATA="${XDG_DATA_HOME:-$HOME/.local/share}/jupyter"; fi
  mkdir -p "$USER_DATA/kernels/tslab"
  cp "$SPEC_DIR/kernel.json" "$USER_DATA/kernels/tslab/kernel.json"
  if [ -n "${JUPYTER:-}" ]; then why="JUPYTER=$JUPYTER does not run \`jupyter kernelspec\`"; else why="no .venv/bin/jupyter, none on PATH"; fi
  say "Jupyter was not found ($why); wrote the kernel spec to $USER_DATA/kernels/tslab"
  say "install Jupyter with \`npm run lab\` (project-local .venv/) or your own pip, and the kernel is there"
fi
say "kernel command: $TSLAB kernel (Node: $NODE_DIR/node)"
