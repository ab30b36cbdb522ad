#!/usr/bin/env node
// The CLI is compiled to build/ (`npm run build:tool`, run by the set-up
// scripts): `tsc` writes build/src/, then scripts/bundle.mjs bundles it into
// build/bundle/, which loads in a fraction of the time (a few files instead
// of ~460 modules). The bundle is used only while it is at least as new as
// the compiled modules, so a bare `tsc` after an edit is never shadowed by a
// stale bundle; PRESS_NO_BUNDLE=1 uses the compiled modules (exact stack traces).
import { statSync } from 'node:fs'

const bundle = new URL('../build/bundle/press.js', import.meta.url)
const modules = new URL('../build/src/cli/main.js', import.meta.url)

function bundleIsFresh() {
  if (process.env.PRESS_NO_BUNDLE === '1') return false
  try {
    return statSync(bundle).mtimeMs >= statSync(modules).mtimeMs
  } catch {
    return false
  }
}

const { main } = await import(bundleIsFresh() ? bundle.href : modules.href)
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
