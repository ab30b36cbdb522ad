/**
 * Pressroom as a library: the public API is locked (a change to it is a
 * decision, not an accident), and the package as `npm pack` makes it
 * imports by its name and does real work on the sample office.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { repoRoot } from './helpers/office.js'

const api = [
  'PressError',
  'buildSite',
  'checkOffice',
  'createContentProvider',
  'decide',
  'dispatch',
  'dryRun',
  'embargoDecision',
  'isPublic',
  'isUnderEmbargo',
  'liftEmbargo',
  'loadConfig',
  'loadOffice',
  'planAndSend',
  'planSends',
  'recipientsStatus',
  'retryRelease',
  'schedule',
  'sendCorrection',
  'sendTest',
  'status',
  'withdrawRelease',
  'worker',
]

describe('the library', () => {
  test('src/index.ts exports exactly the documented API', async () => {
    expect(Object.keys(await import('../src/index.js')).sort()).toEqual(api)
  })

  test('the packed package imports as `pressroom` and loads and checks the sample office', () => {
    const work = path.join(repoRoot, 'build', 'pack-test')
    rmSync(work, { recursive: true, force: true })
    const into = path.join(work, 'node_modules', 'pressroom')
    mkdirSync(into, { recursive: true })
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8' }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>
    const files = packed[0]!.files.map((f) => f.path)
    expect(files).toContain('build/src/index.js')
    expect(files).toContain('build/src/index.d.ts')
    expect(files).toContain('bin/press.js')
    expect(files.some((f) => f.startsWith('tests/') || f.startsWith('src/') || f.startsWith('.press/'))).toBe(false)
    execFileSync('tar', ['-xzf', path.join(work, packed[0]!.filename), '-C', into, '--strip-components=1'])
    // Resolved from build/pack-test/: `pressroom` from its node_modules, its dependencies from the repository's.
    const script = path.join(work, 'use.mjs')
    writeFileSync(
      script,
      `import { loadOffice, checkOffice } from 'pressroom'
const { office } = await loadOffice(${JSON.stringify(repoRoot)})
const report = await checkOffice(office, Date.parse('2026-07-01T00:00:00Z'))
const names = Object.keys(await import('pressroom')).sort()
console.log(JSON.stringify({ releases: office.releases.length, errors: report.messages.filter((m) => m.fatal).length, names }))
`,
    )
    const out = JSON.parse(execFileSync(process.execPath, [script], { cwd: work, encoding: 'utf8' })) as {
      releases: number
      errors: number
      names: string[]
    }
    expect(out.names).toEqual(api)
    expect(out.releases).toBeGreaterThanOrEqual(3)
    expect(out.errors).toBe(0)
  }, 120_000)
})
