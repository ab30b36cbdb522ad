#!/usr/bin/env node
// The CLI is compiled to build/ (`npm run build:tool`, run by the set-up
// scripts): `tsc` writes build/src/, then scripts/bundle.mjs bundles it into
// build/bundle/, which starts in a fraction of the time (a few chunks
// instead of ~460 modules, compiled from V8's code cache: src/cli/bundle.ts).
// The bundle is used only while it is at least as new as the compiled
// modules, so a bare `tsc` after an edit is never shadowed by a stale
// bundle; PRESS_NO_BUNDLE=1 uses the compiled modules (exact stack traces).
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const bundle = fileURLToPath(new URL('../build/bundle/press.cjs', import.meta.url))
const modules = new URL('../build/src/cli/main.js', import.meta.url)

function bundleIsFresh() {
  if (process.env.PRESS_NO_BUNDLE === '1') return false
  try {
    return statSync(bundle).mtimeMs >= statSync(modules).mtimeMs
  } catch {
    return false
  }
}

if (bundleIsFresh()) {
  const { loadBundle } = await import('../build/src/cli/bundle.js')
  const loaded = loadBundle(bundle, fileURLToPath(new URL('../build/bundle/.cache/', import.meta.url)))
  process.exitCode = await loaded.exports.main(process.argv.slice(2))
  loaded.saveCache()
} else {
  const { main } = await import(modules.href)
  process.exitCode = await main(process.argv.slice(2))
}
