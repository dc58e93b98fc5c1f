#!/usr/bin/env bash
# The whole test suite: installs missing system tools where it can, builds, runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-tools.sh
[[ -d node_modules ]] || npm ci --no-audit --no-fund
# the real dev servers the framework recipes are tested against (Vite 6/7/8, Next.js, webpack-dev-server, Fastify,
# Express): a fixture project of its own, so none of them is a dependency of localcert
if [[ ! test/frameworks/node_modules/.package-lock.json -nt test/frameworks/package-lock.json ]]; then
  npm ci --prefix test/frameworks --no-audit --no-fund --loglevel=error
fi
npm run build --silent
npm run typecheck --silent
node scripts/check-layers.mjs
exec npx vitest run "$@"
