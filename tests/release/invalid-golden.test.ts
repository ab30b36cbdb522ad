/**
 * Golden diagnostic reports: tests/fixtures/invalid/<case>/ is one release
 * folder (en.md, ru.md, attachments; `case.json` may name another slug). It
 * is loaded as releases/<slug>/ of the fixture office and every message is
 * formatted `file:line:col: severity: reason` into report.txt. `vitest -u`
 * rewrites the reports; review the diff (wording and positions).
 */
import { cp, readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { formatDiagnostic, sortDiagnostics } from '../../src/diagnostics.js'
import { loadRelease } from '../../src/release/load.js'
import { fixturesDir, makeOffice, removeOffices, runPress } from '../helpers/office.js'

const base = path.join(fixturesDir, 'invalid')
const cases = (await readdir(base)).sort()

afterAll(removeOffices)

async function slugOf(name: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(path.join(base, name, 'case.json'), 'utf8')) as { slug: string }).slug
  } catch {
    return name
  }
}

const copyFilter = (from: string): boolean => !/(report\.txt|case\.json)$/.test(from)

async function reportOf(name: string): Promise<string> {
  const dir = await makeOffice({ withReleases: false })
  const slug = await slugOf(name)
  await cp(path.join(base, name), path.join(dir, 'releases', slug), { recursive: true, filter: copyFilter })
  const { config } = await loadConfig(dir, {})
  const { release, messages } = await loadRelease(config!, path.join(dir, 'releases', slug))
  // A release with an error is never handed to the build.
  if (messages.some((m) => m.fatal)) expect(release).toBeUndefined()
  return sortDiagnostics(messages).map(formatDiagnostic).join('\n') + '\n'
}

describe('invalid releases', () => {
  for (const name of cases) {
    test(name, async () => {
      const report = await reportOf(name)
      expect(report.trim()).not.toBe('')
      await expect(report).toMatchFileSnapshot(path.join(base, name, 'report.txt'))
    })
  }

  // The shapes a reviewer must see, asserted so `-u` cannot bless a regression.
  test('naive embargo: SPEC §2.1 wording, pointing at the value', async () => {
    expect(await reportOf('embargo-no-zone')).toBe(
      'releases/embargo-no-zone/en.md:4:10: error: embargo "2031-03-14 09:00" has no time zone (write 2031-03-14T09:00:00+03:00 or add embargo_zone: Europe/Moscow)\n',
    )
  })

  test('executable frontmatter is an error and is never run', async () => {
    const report = await reportOf('executable-frontmatter')
    expect(report).toMatch(/^releases\/executable-frontmatter\/en\.md:1:4: error: .*`---js`.*never run/)
  })

  test('unknown key is a warning with a did-you-mean, and the release still loads', async () => {
    const dir = await makeOffice({ withReleases: false })
    await cp(path.join(base, 'unknown-key'), path.join(dir, 'releases', 'unknown-key'), { recursive: true, filter: copyFilter })
    const { config } = await loadConfig(dir, {})
    const { release, messages } = await loadRelease(config!, path.join(dir, 'releases', 'unknown-key'))
    expect(release?.texts['en']?.title).toBe('Review Finds Detention Water Supply Unsafe')
    expect(messages.map(formatDiagnostic)).toEqual([
      'releases/unknown-key/en.md:3:1: warning: unknown key `subtitel`; it is ignored (did you mean `subtitle`?)',
    ])
  })

  test('press check reports every error in every release at once, exit 1, no stack trace', async () => {
    const dir = await makeOffice({ withReleases: false })
    for (const name of ['embargo-no-zone', 'bad-date', 'wrong-type', 'translation-date']) {
      await cp(path.join(base, name), path.join(dir, 'releases', name), { recursive: true, filter: copyFilter })
    }
    const run = await runPress(['check', '-C', dir])
    expect(run.code).toBe(1)
    for (const name of ['embargo-no-zone', 'bad-date', 'wrong-type', 'translation-date']) {
      const expected = (await reportOf(name))
        .trim()
        .split('\n')
        .filter((line) => line.includes(': error: '))
      for (const line of expected) expect(run.stderr).toContain(line)
    }
    expect(run.stderr + run.stdout).not.toMatch(/\n\s+at .*\.js:\d+/)
  })
})
