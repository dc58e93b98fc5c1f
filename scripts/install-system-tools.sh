#!/usr/bin/env bash
# Installs the system tools listed in scripts/system-tools.txt that are missing, when we can (root + apt-get).
# Elsewhere it prints what is missing; the test suite then skips those tests and says so (never under CI=true).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
missing=()
while read -r pkg cmd; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done < "$here/system-tools.txt"
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "system tools: all present"
  exit 0
fi
if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "system tools: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "system tools: installed"
else
  echo "system tools: MISSING ${missing[*]} (not root or no apt-get); the tests that need them will be skipped" >&2
fi
