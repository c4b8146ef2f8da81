#!/usr/bin/env bash
# Builds the abw JupyterLab extension (prebuilt / federated, with JupyterLab's own builder:
# the `jupyter-builder` tool of the official extension template) and installs it into the
# Python virtual environment given as the first argument, where `jupyter labextension list`
# shows it as "@abw/jupyterlab-abw ... enabled OK".
#
#   bash extension/install-into-env.sh .venv            # skips the build when the install is up to date
#   bash extension/install-into-env.sh .venv --force    # always rebuilds
#
# Progress goes to stderr (scripts/lab-env.sh prints the venv path as its last stdout line).
#
# Needs: node + npm (for the extension's own node_modules, installed from its lock file) and
# a venv with JupyterLab 4; jupyter-builder is added to that venv when missing.
set -euo pipefail
exec 1>&2

VENV_ARG="${1:?usage: bash extension/install-into-env.sh VENV (a Python venv with jupyterlab installed)}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FORCE=0
[ "${2:-}" = "--force" ] && FORCE=1
VENV="$(cd "$VENV_ARG" && pwd)"
NAME="@abw/jupyterlab-abw"
DEST="$VENV/share/jupyter/labextensions/$NAME"

if [ ! -x "$VENV/bin/jupyter" ]; then
  echo "install-into-env: $VENV has no bin/jupyter; install JupyterLab 4 into it first (pip install 'jupyterlab>=4.4,<5')" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/jupyter-builder" ]; then
  echo "install-into-env: adding jupyter-builder to $VENV"
  # The venv is shared with the notebook tooling: never run two pips on it at once.
  while pgrep -f "$VENV/bin/(pip|python[0-9.]* -m pip)" >/dev/null; do sleep 2; done
  "$VENV/bin/python" -m pip install --quiet 'jupyter-builder>=1.2,<2'
fi

cd "$HERE"
# Up to date: installed after every source the bundle is built from (the extension and the
# kernel-bridge modules it bundles) was last changed.
if [ "$FORCE" = 0 ] && [ -f "$DEST/package.json" ] && [ -d node_modules/@jupyter/builder ] &&
  [ -z "$(find src style package.json package-lock.json webpack.config.js ../kernel-bridge/src ../results/schema -newer "$DEST/package.json" -print -quit)" ]; then
  echo "install-into-env: $NAME in $DEST is up to date (--force rebuilds)"
  exit 0
fi
if [ ! -d node_modules/@jupyter/builder ]; then
  # `npm install` honours the lock file and, unlike `npm ci`, tolerates a lock written on another
  # platform without its optional native packages (rspack's bindings).
  npm install --no-audit --no-fund
fi
# jupyter-builder runs from the venv; the npm scripts find it on PATH.
PATH="$VENV/bin:$PATH" npm run --silent build:prod

rm -rf "$DEST"
mkdir -p "$DEST"
cp -R abw_labextension/. "$DEST/"
cat > "$DEST/install.json" <<JSON
{
  "packageManager": "npm",
  "packageName": "$NAME",
  "uninstallInstructions": "Remove $DEST"
}
JSON

if ! "$VENV/bin/jupyter" labextension list 2>&1 | grep -q "$NAME"; then
  echo "install-into-env: $NAME is not listed by jupyter labextension list" >&2
  exit 1
fi
echo "install-into-env: $NAME installed into $DEST"
"$VENV/bin/jupyter" labextension list 2>&1 | grep "$NAME"
