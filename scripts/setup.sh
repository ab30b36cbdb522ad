#!/usr/bin/env bash
# Installs everything Pressroom needs on a fresh Debian machine with Node 20
# and npm: system packages (Chromium, fonts, poppler-utils, redis-server),
# npm packages (puppeteer's browser download skipped: the system Chromium is
# used), and the compiled CLI in build/. Each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system.sh

export PUPPETEER_SKIP_DOWNLOAD=true
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
stamp=node_modules/.pressroom-install-stamp
want="$(sha256sum package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing npm packages…" >&2
  # `npm ci` can fail on optional platform packages missing from the registry
  # (a transitive msgpackr once did); `npm install` honours the lock file and works.
  # --no-save: the lock file stays as committed (npm would add entries for
  # other platforms, and the changed file would make the next run install again).
  npm install --no-save --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi

if [ ! -f build/src/cli/main.js ] || [ -n "$(find src bench tsconfig.json -newer build/src/cli/main.js -print -quit 2>/dev/null)" ]; then
  echo "Compiling…" >&2
  npx tsc -p tsconfig.json
fi
# The bundle bin/press.js loads (it falls back to build/src/ while the bundle is older).
if [ ! -f build/bundle/press.cjs ] || [ build/src/cli/main.js -nt build/bundle/press.cjs ] || [ scripts/bundle.mjs -nt build/bundle/press.cjs ]; then
  echo "Bundling…" >&2
  node scripts/bundle.mjs
fi
