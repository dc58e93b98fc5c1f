#!/usr/bin/env bash
# The whole test suite: installs missing system tools where it can, builds, runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-tools.sh
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run build --silent
npm run typecheck --silent
node scripts/check-layers.mjs
exec npx vitest run "$@"
