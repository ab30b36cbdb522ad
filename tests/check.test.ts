/**
 * `press check`, `press translate status` and `press new` through the
 * compiled CLI, on the sample office and the fixture office.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { checkOffice } from '../src/check.js'
import { formatDiagnostic } from '../src/diagnostics.js'
import { loadOffice } from '../src/office.js'
import { contentHashOf } from '../src/release/load.js'
import { translationStates } from '../src/release/translation-status.js'
import { copySampleOffice, makeOffice, removeOffices, runPress } from './helpers/office.js'

afterAll(removeOffices)

interface TranslateJson {
  releases: Array<{ slug: string; source: string; languages: Array<{ lng: string; state: string; current: string; recorded?: string }> }>
}

describe('press check', () => {
  test('malformed lines of suppressions.csv are errors with line and column; a bad time is a warning', async () => {
    const dir = await makeOffice({
      files: {
        'suppressions.csv':
          'email\njane@example.com # unsubscribed (one-click), 2031-03-14T09:00:00.000Z\nJane Doe\nivan@example.ru # hard bounce, yesterday-ish 2031-99-99\n',
      },
    })
    const run = await runPress(['check', '-C', dir, '--now', '2031-01-01T00:00:00Z'])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(
      'suppressions.csv:3:1: error: `Jane Doe` is not an email address; write one address at the start of the line',
    )
    expect(run.stderr).not.toContain('suppressions.csv:2:')
    const { office } = await loadOffice(dir, {})
    const report = await checkOffice(office!, Date.parse('2031-01-01T00:00:00Z'))
    expect(report.messages.filter((m) => m.ruleId === 'suppression-malformed').map((m) => [m.line, m.fatal])).toEqual([[3, true]])
  })

  test('the sample office: exit 0, every embargo echoed in its zone and UTC, at the `embargo:` line', async () => {
    const dir = await copySampleOffice()
    const run = await runPress(['check', '-C', dir, '--now', '2031-01-01T00:00:00Z'])
    expect(run.code).toBe(0)
    const out = run.stdout + run.stderr
    expect(out).toContain('releases/2031-06-10-annual-report-2030/en.md:6:10: info: embargo lifts at 2031-06-10 09:00 EDT (13:00 UTC)')
    expect(out).toMatch(/✔ 5 releases, \d+ recipients: 0 errors/)
    expect(out).not.toMatch(/: error: /)
    const json = await runPress(['check', '-C', dir, '--now', '2031-01-01T00:00:00Z', '--json'])
    const parsed = JSON.parse(json.stdout) as { ok: boolean; errors: number; diagnostics: Array<{ rule: string; message: string }> }
    expect(parsed.ok).toBe(true)
    expect(parsed.errors).toBe(0)
    expect(parsed.diagnostics).toContainEqual(
      expect.objectContaining({ rule: 'embargo-utc', message: expect.stringContaining('2031-06-10 09:00 EDT (13:00 UTC)') }),
    )
  })

  test('a lift in the weeks when US and European clocks differ is a warning; a lifted embargo is not', async () => {
    const dir = await makeOffice()
    const file = path.join(dir, 'releases/2031-03-14-water-report/en.md')
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace('dateline: Geneva', 'dateline: Geneva\nembargo: 2031-03-14T09:00:00-04:00'),
    )
    const line = (await readFile(file, 'utf8')).split('\n').indexOf('embargo: 2031-03-14T09:00:00-04:00') + 1
    expect(line).toBeGreaterThan(1)
    const { office } = await loadOffice(dir)
    const before = (await checkOffice(office!, Date.parse('2031-03-01T00:00:00Z'))).messages.map(formatDiagnostic)
    expect(before).toContain(
      `releases/2031-03-14-water-report/en.md:${line}:10: info: embargo lifts at 2031-03-14 09:00 UTC−04:00 (13:00 UTC)`,
    )
    expect(before).toContainEqual(
      expect.stringMatching(
        /en\.md:\d+:10: warning: the lift falls in the weeks when US and European daylight-saving time differ \(New York is 4 h behind London, not 5\)/,
      ),
    )
    const after = (await checkOffice(office!, Date.parse('2031-03-15T00:00:00Z'))).messages.map(formatDiagnostic)
    expect(after).toContain(
      `releases/2031-03-14-water-report/en.md:${line}:10: info: embargo lifts at 2031-03-14 09:00 UTC−04:00 (13:00 UTC), already lifted`,
    )
    expect(after.some((m) => m.includes('daylight-saving'))).toBe(false)
  })

  test('a release with an error still counts, and the rest is still checked', async () => {
    const dir = await copySampleOffice()
    const file = path.join(dir, 'releases/2026-05-12-river-sampling/en.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^title: /m, 'title: [unclosed '))
    const run = await runPress(['check', '-C', dir])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^✖ 5 releases \(1 with errors\), 10 recipients: 1 error, 0 warnings\n$/)
    expect(run.stderr).toContain('info: embargo lifts at')
  })

  test('catalog parity problems make press check fail with the key located', async () => {
    const dir = await makeOffice()
    const file = path.join(dir, 'locales/ru/common.json')
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\n\s*"count_few": "[^"]*",/, ''))
    const run = await runPress(['check', '-C', dir])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /locales\/ru\/common\.json:\d+:\d+: error: plural `common:index\.count` lacks the ru form `index\.count_few`/,
    )
  })
})

describe('press translate status', () => {
  test('the sample office: a state per release and language, JSON', async () => {
    const dir = await copySampleOffice()
    const run = await runPress(['translate', 'status', '-C', dir, '--json'])
    expect(run.code).toBe(0)
    const { releases } = JSON.parse(run.stdout) as TranslateJson
    const bySlug = new Map(releases.map((r) => [r.slug, r]))
    expect(releases).toHaveLength(5)
    const states = (slug: string): string[] => bySlug.get(slug)!.languages.map((l) => `${l.lng}:${l.state}`)
    expect(states('2026-06-08-human-rights-council-briefing')).toEqual(['en:source', 'ru:missing'])
    expect(states('2026-05-12-river-sampling')[0]).toBe('en:source')
    expect(states('2026-05-12-river-sampling')[1]).toMatch(/^ru:(up-to-date|stale|unrecorded)$/)
  })

  test('up to date, then stale when the source changes (status and check)', async () => {
    const dir = await makeOffice()
    const slug = '2031-03-14-water-report'
    const states = async () => {
      const { office } = await loadOffice(dir)
      const release = office!.releases.find((r) => r.slug === slug)!
      return { release, states: translationStates(release, office!.config.locales) }
    }
    const first = await states()
    const current = first.states[1]!
    expect(current).toMatchObject({ lng: 'ru', state: 'unrecorded' })
    // The hash a translator records is the source's content hash.
    expect(current.current).toBe(contentHashOf(first.release.texts['en']!))
    // "no hash" comes with the line to add.
    const unrecorded = await runPress(['translate', 'status', '-C', dir, '--now', '2031-03-01 10:00 Europe/Moscow'])
    expect(unrecorded.code).toBe(0)
    expect(unrecorded.stdout).toMatch(new RegExp(`${slug}\\s+source\\s+no hash`))
    expect(unrecorded.stdout).toContain(
      `releases/${slug}/ru.md: no source_hash; if it matches en.md as it is now, add the line source_hash: ${current.current} to its frontmatter`,
    )
    const ru = path.join(dir, 'releases', slug, 'ru.md')
    await writeFile(ru, (await readFile(ru, 'utf8')).replace('dateline: Женева', `dateline: Женева\nsource_hash: ${current.current}`))
    const json = JSON.parse((await runPress(['translate', 'status', '-C', dir, '--json'])).stdout) as TranslateJson
    expect(json.releases.find((r) => r.slug === slug)!.languages[1]).toMatchObject({
      lng: 'ru',
      state: 'up-to-date',
      recorded: current.current,
    })
    const en = path.join(dir, 'releases', slug, 'en.md')
    await writeFile(en, (await readFile(en, 'utf8')).replace('unsafe to drink.', 'unsafe to drink or wash with.'))
    const third = await runPress(['translate', 'status', '-C', dir])
    expect(third.stdout).toMatch(new RegExp(`${slug}\\s+source\\s+stale`))
    const check = await runPress(['check', '-C', dir])
    expect(check.code).toBe(0)
    // At the source_hash line, which is the one to change.
    const hashLine = (await readFile(ru, 'utf8')).split('\n').findIndex((l) => l.startsWith('source_hash:')) + 1
    expect(check.stderr).toMatch(new RegExp(`releases/${slug}/ru\\.md:${hashLine}:14: warning: translation is stale`))
  })
})

describe('press new', () => {
  test('creates the source and a stub per language that pass press check; the draft is not published', async () => {
    const dir = await makeOffice()
    const slug = '2031-07-01-new-report'
    const run = await runPress(['new', slug, '--title', 'A New Report: "Water" & <Health>', '-C', dir])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`releases/${slug}/en.md`)
    expect(run.stdout).toContain(`releases/${slug}/ru.md`)
    const en = await readFile(path.join(dir, 'releases', slug, 'en.md'), 'utf8')
    expect(en).toMatch(/^---\ntitle: "A New Report: \\"Water\\" & <Health>"\n/)
    expect(en).toContain('status: draft')
    const check = await runPress(['check', '-C', dir])
    expect(check.stderr).not.toMatch(/: error: /)
    expect(check.code).toBe(0)
    expect(check.stdout).toMatch(/3 releases/)
    const { office } = await loadOffice(dir)
    expect(office!.releases.find((r) => r.slug === slug)?.texts['en']?.title).toBe('A New Report: "Water" & <Health>')
    // Again: the folder exists → usage error, nothing overwritten.
    const again = await runPress(['new', slug, '-C', dir])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain('already exists')
    expect(await readFile(path.join(dir, 'releases', slug, 'en.md'), 'utf8')).toBe(en)
    const bad = await runPress(['new', 'Bad_Slug', '-C', dir])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('bad slug `Bad_Slug`')
  })
})
