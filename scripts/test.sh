#!/usr/bin/env bash
# The whole test suite: installs missing system tools where it can, builds, runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-tools.sh
[[ -d node_modules ]] || npm ci --no-audit --no-fund
# the real dev servers the framework recipes are tested against (Vite 6/7/8, Next.js, webpack-dev-server, Fastify,
# Express): a fixture project of its own, so none of them is a dependency of localcert
# Installed again whenever package.json or package-lock.json differ from what the last `npm ci` here installed (their
# hash is kept in node_modules), so a lock that `npm ci` refuses on a clean clone is refused here too, whatever mtimes say.
frameworks=test/frameworks
stamp="$frameworks/node_modules/.localcert-installed.sha256"
lock_hash=$(cat "$frameworks/package.json" "$frameworks/package-lock.json" | node -e \
  "process.stdin.pipe(require('node:crypto').createHash('sha256').setEncoding('hex')).pipe(process.stdout)")
if [[ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]]; then
  npm ci --prefix "$frameworks" --no-audit --no-fund --loglevel=error
  mkdir -p "$frameworks/node_modules" && echo "$lock_hash" > "$stamp"
fi
npm run build --silent
npm run typecheck --silent
node scripts/check-layers.mjs
exec npx vitest run "$@"
