/**
 * Errors are a contract: the README's Errors table lists exactly the closed
 * set of codes in src/errors.ts (`errorCodes`), and every error class in
 * src/ sets one of them (the type system refuses any other; this checks
 * none is left out of the table).
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { errorCodes } from '../src/errors.js'
import { repoRoot } from './helpers/office.js'

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? sources(full) : entry.name.endsWith('.ts') ? [full] : []
  })
}

test('the README Errors table lists exactly the closed set of error codes, and every error class uses one', () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
  const start = readme.indexOf('\n## Errors')
  const section = readme.slice(start, readme.indexOf('\n## ', start + 5))
  const inTable = new Set<string>()
  for (const line of section.split('\n').filter((l) => l.startsWith('| `PRESS_'))) {
    for (const m of line.split('|')[1]!.matchAll(/`(PRESS_[A-Z_]+)`/g)) inTable.add(m[1]!)
  }
  expect([...inTable].sort()).toEqual([...errorCodes].sort())

  const inClasses = new Set<string>()
  for (const file of sources(path.join(repoRoot, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/code = '(PRESS_[A-Z_]+)'/g)) inClasses.add(m[1]!)
  }
  // Every code but the CLI's own PRESS_INTERNAL (a bug, not a class) belongs to a class.
  expect([...inClasses].sort()).toEqual(errorCodes.filter((c) => c !== 'PRESS_INTERNAL'))
})
