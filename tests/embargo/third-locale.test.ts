/**
 * A third language needs catalogs, not code: a test office in English,
 * Russian and German (tests/fixtures/office-de/, with its own
 * locales/de/*.json beside the repository's en and ru) checks, sends under
 * embargo and builds through the CLI, and the German embargo notice, its
 * dates and its zone names come out in German. The commit that added this
 * test and the German catalogs changed nothing under src/.
 */
import { cp, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { simpleParser } from 'mailparser'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pdfText } from '../helpers/pdf-tools.js'
import { fixturesDir, makeOffice, removeOffices, repoRoot } from '../helpers/office.js'
import { press } from '../cli/run.js'

const slug = '2031-06-10-wasserbericht'
// Before the lift (2031-06-10 01:00 Europe/Berlin = 2031-06-09 23:00 UTC), then after it.
const before = '2031-06-01T00:00:00Z'
const after = '2031-06-10T00:00:00Z'

// The lift in the release's zone (Europe/Berlin), then the office's zones UTC,
// Europe/Moscow and America/New_York; two of them on the day before.
const notice = {
  de: 'SPERRFRIST BIS 01:00 Uhr MESZ, 10. Juni 2031 (23:00 UTC am 9. Juni, 02:00 MSK, 19:00 UTC−04:00 am 9. Juni)',
  en: 'EMBARGOED UNTIL 01:00 CEST, 10 June 2031 (23:00 UTC on 9 June, 02:00 MSK, 19:00 EDT on 9 June)',
}

/** The German test office: its config, release, press list and de catalogs; the repository's templates and en/ru catalogs. */
async function germanOffice(): Promise<string> {
  const fixture = path.join(fixturesDir, 'office-de')
  const dir = await makeOffice({ withReleases: false })
  for (const name of ['pressroom.yaml', 'press-list.csv', 'releases', 'locales/de']) {
    await cp(path.join(fixture, name), path.join(dir, name), { recursive: true })
  }
  return dir
}

/** Runs of white space (line breaks, no-break spaces) as one plain space. */
const plain = (text: string | undefined): string => (text ?? '').replace(/\s+/g, ' ')

let office: string
beforeAll(async () => {
  office = await germanOffice()
})
afterAll(removeOffices)

describe('a third language with catalogs only (German)', () => {
  test('press check: the German catalogs are complete', async () => {
    const run = await press(['check', '--now', before, '-C', office])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toContain('0 errors, 0 warnings')
    // The tool's own report stays in its English.
    expect(run.stderr).toContain('embargo lifts at 2031-06-10 01:00 CEST (2031-06-09 23:00 UTC)')
  })

  test('press send under embargo: the German subject, email and PDF carry the German notice', async () => {
    const run = await press(['send', slug, '--now', before, '-C', office])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toContain('sent 2, failed 0')
    const outbox = path.join(office, '.press', 'outbox', slug)
    const german = await simpleParser(await readFile(path.join(outbox, 'anna@example.de.eml')))
    // Typography puts no-break spaces into titles (after short words): compare with plain spaces.
    expect(plain(german.subject)).toBe(`[${notice.de}] Prüfung stellt unsicheres Trinkwasser in Haftanstalt fest`)
    expect(plain(german.text)).toContain(notice.de)
    expect(plain(german.text)).toContain('GENF, 10. Juni 2031 –')
    const english = await simpleParser(await readFile(path.join(outbox, 'jane@example.com.eml')))
    expect(plain(english.subject)).toBe(`[${notice.en}] Review Finds Detention Water Supply Unsafe`)

    const pdf = await pdfText(await readFile(path.join(office, '.press', 'embargoed', `${slug}.de.pdf`)))
    expect(plain(pdf)).toContain(notice.de)
    expect(pdf).toContain('Seite 1 von 1')
  })

  test('press build after the lift: the German page dates in German', async () => {
    const run = await press(['build', '--no-pdf', '--now', after, '-C', office])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const page = await readFile(path.join(office, 'dist', 'de', slug, 'index.html'), 'utf8')
    expect(page).toContain('<html lang="de"')
    expect(page).toContain('10. Juni 2031')
    expect(page).not.toContain('SPERRFRIST')
    const index = await readFile(path.join(office, 'dist', 'de', 'index.html'), 'utf8')
    expect(index).toContain('Pressemitteilungen')
  })

  test('press check reports a key missing in German like one missing in Russian', async () => {
    const dir = await germanOffice()
    const file = path.join(dir, 'locales', 'de', 'common.json')
    const catalog = JSON.parse(await readFile(file, 'utf8')) as { embargo: Record<string, string> }
    delete catalog.embargo['inZoneOnDate']
    await writeFile(file, `${JSON.stringify(catalog, null, 2)}\n`)
    const run = await press(['check', '--now', before, '-C', dir])
    expect(run.code).toBe(1)
    const line =
      (await readFile(path.join(repoRoot, 'locales', 'en', 'common.json'), 'utf8'))
        .split('\n')
        .findIndex((l) => l.includes('"inZoneOnDate"')) + 1
    expect(run.stderr).toContain(
      `locales/en/common.json:${line}:5: error: key \`common:embargo.inZoneOnDate\` is in en but missing in de; add it to locales/de/common.json`,
    )
    expect(run.stderr).toContain(
      `locales/ru/common.json:${line}:5: error: key \`common:embargo.inZoneOnDate\` is in ru but missing in de; add it to locales/de/common.json`,
    )
  })
})
