#!/usr/bin/env node
// The CLI is compiled to build/; `npm run build:tool` (run by the set-up scripts) makes it.
import { main } from '../build/src/cli/main.js'

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
