/**
 * A failed build leaves dist/ exactly as it was (SPEC §2.1, §4): the new site
 * is assembled beside it and swapped in whole, and nothing temporary is left
 * next to it. Failures: an error in a release (caught at load) and templates
 * that throw (an unknown filter with strictFilters, a partial that does not
 * exist, found only while rendering).
 */
import { cp, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { buildInProcess, hashTree, makeOffice, removeOffices, repoRoot, runPress } from '../helpers/office.js'

const now = '2031-04-01T00:00:00Z'
let dir: string
let dist: string
let good: Record<string, string>

afterAll(removeOffices)

beforeAll(async () => {
  dir = await makeOffice()
  dist = path.join(dir, 'dist')
  await buildInProcess(dir, now)
  good = await hashTree(dist)
  expect(Object.keys(good)).toContain('en/2031-03-14-water-report/index.html')
})

beforeEach(async () => {
  // Every case starts from the good office.
  await cp(path.join(repoRoot, 'templates'), path.join(dir, 'templates'), { recursive: true, force: true })
})

async function expectUntouched(): Promise<void> {
  expect(await hashTree(dist)).toEqual(good)
  const leftovers = (await readdir(dir)).filter((name) => name.startsWith('.dist.'))
  expect(leftovers).toEqual([])
}

async function edit(file: string, from: string | RegExp, to: string): Promise<string> {
  const full = path.join(dir, file)
  const before = await readFile(full, 'utf8')
  const after = before.replace(from, to)
  expect(after).not.toBe(before)
  await writeFile(full, after)
  return before
}

describe('atomic dist/ on failure', () => {
  test('an error in a release: exit 1, located diagnostic, dist/ unchanged', async () => {
    const file = 'releases/2031-03-14-water-report/en.md'
    const original = await edit(file, 'date: 2031-03-14', 'date: 2031-02-30')
    try {
      const run = await runPress(['build', '--no-pdf', '--now', now, '-C', dir])
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('releases/2031-03-14-water-report/en.md:4:7: error: `date`: expected a real calendar date')
      expect(run.stderr).not.toMatch(/internal error|\n\s+at /)
      await expectUntouched()
    } finally {
      await writeFile(path.join(dir, file), original)
    }
  })

  test('an unknown filter (strictFilters): exit 1, template file:line:col, dist/ unchanged', async () => {
    await edit('templates/page.liquid', '{{ release.subtitle }}', '{{ release.subtitle | no_such_filter }}')
    const run = await runPress(['build', '--no-pdf', '--now', now, '-C', dir])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/error: templates\/page\.liquid:\d+:\d+: undefined filter: no_such_filter/)
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /)
    await expectUntouched()
  })

  test('a template that throws while rendering (missing partial): exit 1, dist/ unchanged, no temp dirs', async () => {
    await edit('templates/page.liquid', "{% include 'partials/about' %}", "{% include 'partials/no-such-partial' %}")
    const run = await runPress(['build', '--no-pdf', '--now', now, '-C', dir])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/error: templates\/page\.liquid:\d+:\d+: .*partials\/no-such-partial/)
    expect(run.stderr).not.toMatch(/internal error/)
    await expectUntouched()
  })

  test('after the failures, a good build replaces dist/ as usual', async () => {
    const report = await buildInProcess(dir, now)
    expect(report.pages.rendered).toBe(0)
    await expectUntouched()
  })
})
