#!/usr/bin/env bash
# The whole test suite: set up (idempotent), compile, type-check, lint, run vitest once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json
# The tests are type-checked with the same strictness as src/ (no output).
npx tsc -p tsconfig.test.json
node scripts/bundle.mjs
# ESLint (type-aware: promises, the pipeline's import boundaries, no clock or
# environment below the CLI) and Prettier's check: the house rules, enforced.
npm run --silent lint
npx vitest run "$@"
