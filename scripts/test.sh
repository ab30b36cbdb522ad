#!/usr/bin/env bash
# The whole test suite: set up (idempotent), compile, run vitest once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json
# The tests are type-checked with the same strictness as src/ (no output).
npx tsc -p tsconfig.test.json
node scripts/bundle.mjs
npx vitest run "$@"
