/**
 * Errors are a contract: every `PRESS_*` code an error class in src/ sets
 * is in the README's Errors table, and the table lists no code that src/
 * does not have.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { repoRoot } from './helpers/office.js'

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? sources(full) : entry.name.endsWith('.ts') ? [full] : []
  })
}

test('the README Errors table lists exactly the codes of the error classes', () => {
  const inSrc = new Set<string>()
  for (const file of sources(path.join(repoRoot, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/code = '(PRESS_[A-Z_]+)'/g)) inSrc.add(m[1]!)
  }
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n## Errors'), readme.indexOf('\n## ', readme.indexOf('\n## Errors') + 5))
  const inTable = new Set<string>()
  for (const line of section.split('\n').filter((l) => l.startsWith('| `PRESS_'))) {
    for (const m of line.split('|')[1]!.matchAll(/`(PRESS_[A-Z_]+)`/g)) inTable.add(m[1]!)
  }
  expect(inSrc.size).toBeGreaterThan(20)
  expect([...inTable].sort()).toEqual([...inSrc].sort())
})
