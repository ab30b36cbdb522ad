/**
 * The bundled CLI (scripts/bundle.mjs → build/bundle/, what bin/press.js
 * loads): the same site, plans and messages as the compiled modules. The
 * bundle is made afresh into a folder of its own inside build/ (externals
 * resolve from node_modules/ there), so these tests
 * do not depend on, or race with, the bundle bin/press.js uses. They need
 * the compiled modules (`npx tsc -p tsconfig.json` first), like every test
 * that spawns the CLI.
 */
import { execFile } from 'node:child_process'
import { appendFile, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { copySampleOffice, hashTree, pressBin, removeOffices, repoRoot } from '../helpers/office.js'

const run = promisify(execFile)
const bundleDir = path.join(repoRoot, 'build', `.bundle-test-${process.pid}`)
const now = '2032-01-01T00:00:00Z'

beforeAll(async () => {
  await run(process.execPath, [path.join(repoRoot, 'scripts', 'bundle.mjs'), bundleDir])
}, 120_000)

afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true })
  await removeOffices()
})

/** `press …` from the test bundle, or from build/src/ through bin/press.js (PRESS_NO_BUNDLE=1). */
async function press(from: 'bundle' | 'modules', args: readonly string[], env: Readonly<Record<string, string>> = {}) {
  const base: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PRESS_')) base[key] = value
  // What bin/press.js does with a fresh bundle, on the test's own bundle.
  const runner = [
    `const { loadBundle } = await import(${JSON.stringify(path.join(repoRoot, 'build', 'src', 'cli', 'bundle.js'))})`,
    `const loaded = loadBundle(process.argv[1], ${JSON.stringify(path.join(bundleDir, '.cache'))})`,
    'process.exitCode = await loaded.exports.main(process.argv.slice(2))',
    'loaded.saveCache()',
  ].join('\n')
  const argv = from === 'bundle' ? ['--input-type=module', '-e', runner, path.join(bundleDir, 'press.cjs'), ...args] : [pressBin, ...args]
  return run(process.execPath, argv, {
    env: { ...base, NO_COLOR: '1', PRESS_REHEARSAL: 'off', ...env, ...(from === 'modules' ? { PRESS_NO_BUNDLE: '1' } : {}) },
    encoding: 'utf8',
  })
}

describe('bundled CLI', () => {
  test('builds the same dist/ as the compiled modules, cold and after an edit (the second run from the code cache)', async () => {
    const [bundled, modules] = await Promise.all([copySampleOffice(), copySampleOffice()])
    for (const round of [1, 2]) {
      for (const [from, dir] of [
        ['bundle', bundled],
        ['modules', modules],
      ] as const) {
        if (round === 2) {
          const en = path.join(dir, 'releases', '2026-05-12-river-sampling', 'en.md')
          await appendFile(en, '\nA paragraph added after the first build.\n')
        }
        const { stdout } = await press(from, ['build', '--no-pdf', '--json', '--now', now, '-C', dir])
        const report = JSON.parse(stdout) as { ok: boolean; pages: { rendered: number } }
        expect(report.ok).toBe(true)
        expect(report.pages.rendered).toBeGreaterThan(round === 1 ? 4 : 0)
      }
      const [a, b] = await Promise.all([hashTree(path.join(bundled, 'dist')), hashTree(path.join(modules, 'dist'))])
      expect(Object.keys(a).length).toBeGreaterThan(10)
      expect(a).toEqual(b)
      if (round === 1) expect((await readdir(path.join(bundleDir, '.cache'))).length).toBeGreaterThan(3)
    }
  }, 120_000)

  test('plans a distribution as the compiled modules do (the chunks that load the mail packages)', async () => {
    const [bundled, modules] = await Promise.all([copySampleOffice(), copySampleOffice()])
    const args = (dir: string) => [
      'send',
      '2031-06-10-annual-report-2030',
      '--dry-run',
      '--json',
      '--now',
      '2031-06-10T12:00:00Z',
      '-C',
      dir,
    ]
    const [a, b] = await Promise.all([press('bundle', args(bundled)), press('modules', args(modules))])
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout.split(modules).join(bundled)))
  }, 60_000)

  test('prints help and usage errors as the compiled modules do', async () => {
    const [a, b] = await Promise.all([press('bundle', ['--help']), press('modules', ['--help'])])
    expect(a.stdout).toBe(b.stdout)
    const failed = (from: 'bundle' | 'modules') =>
      press(from, ['biuld']).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      )
    const [ea, eb] = await Promise.all([failed('bundle'), failed('modules')])
    expect(ea?.code).toBe(2)
    expect(ea?.stderr).toBe(eb?.stderr)
  }, 60_000)
})
