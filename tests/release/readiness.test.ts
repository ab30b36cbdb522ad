/**
 * Content that is not ready (issue 14, part 6): placeholder text from
 * `press new` in a release marked ready is a located error for check, build
 * and send; the scaffold takes its date from the slug; a future date without
 * an embargo is a warning; a stale translation published or sent in lenient
 * mode is named by the build and the real send; a dry run under `strict`
 * fails exactly when the real send does.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { findPlaceholders } from '../../src/release/readiness.js'
import { scaffoldDate } from '../../src/release/scaffold.js'
import { copySampleOffice, removeOffices, runPress } from '../helpers/office.js'

afterAll(removeOffices)

const exists = (file: string) =>
  readFile(file).then(
    () => true,
    () => false,
  )

describe('press new', () => {
  test('the date comes from the slug (else today)', () => {
    expect(scaffoldDate('2031-03-14-water-report', '2026-12-02')).toBe('2031-03-14')
    expect(scaffoldDate('2031-02-30-bad-date', '2026-12-02')).toBe('2026-12-02')
    expect(scaffoldDate('water-report', '2026-12-02')).toBe('2026-12-02')
  })

  test('a scaffold marked ready: check and build refuse it at each placeholder; nothing is written', async () => {
    const office = await copySampleOffice()
    const slug = '2031-03-14-water-report'
    expect((await runPress(['new', slug, '-C', office])).code).toBe(0)
    const en = path.join(office, 'releases', slug, 'en.md')
    const text = await readFile(en, 'utf8')
    expect(text).toMatch(/^date: 2031-03-14$/m)
    await writeFile(en, text.replace(/^status: draft.*$/m, 'status: ready'))
    const check = await runPress(['check', '-C', office])
    expect(check.code).toBe(1)
    const out = check.stdout + check.stderr
    expect(out).toMatch(
      new RegExp(
        `releases/${slug}/en\\.md:2:9: error: "Headline in sentence case, under 100 characters" is placeholder text from \`press new\`, but the release is marked ready`,
      ),
    )
    expect(out).toMatch(new RegExp(`releases/${slug}/en\\.md:3:12: error: "One sentence that says why it matters" is placeholder text`))
    expect(out).toMatch(
      new RegExp(`releases/${slug}/en\\.md:13:1: error: "First paragraph: who, what, when, where, why\\." is placeholder text`),
    )
    expect(out).toMatch(new RegExp(`releases/${slug}/en\\.md:15:40: error: "Name Surname" is placeholder text`))
    const build = await runPress(['build', '-C', office, '--no-pdf', '--now', '2031-04-01T00:00:00Z'])
    expect(build.code).toBe(1)
    expect(build.stderr).toMatch(/placeholder-text|is placeholder text/)
    expect(await exists(path.join(office, 'dist', 'index.html'))).toBe(false)
    const send = await runPress(['send', slug, '-C', office, '--dry-run', '--now', '2031-04-01T00:00:00Z'])
    expect(send.code).toBe(1)
    expect(send.stderr).toMatch(/is placeholder text/)
  })

  test('a translation stub marked ready is refused too', () => {
    const hits = findPlaceholders('---\ntitle: "[ru] Доклад о воде"\nstatus: ready\n---\n\nTranslation of en.md into ru.\n')
    expect(hits).toEqual([
      { line: 2, column: 9, found: '[ru]' },
      { line: 6, column: 1, found: 'Translation of en.md into ru.' },
    ])
  })

  test('written text passes: the sample office has no placeholder', async () => {
    const office = await copySampleOffice()
    const check = await runPress(['check', '-C', office])
    expect(check.code, check.stdout + check.stderr).toBe(0)
    expect(check.stdout + check.stderr).not.toMatch(/placeholder/)
  })
})

describe('a future date without an embargo', () => {
  test('check and build warn (located at the source file); with an embargo they do not', async () => {
    const office = await copySampleOffice()
    const file = path.join(office, 'releases', '2026-05-12-river-sampling', 'en.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace('date: 2026-05-12', 'date: 2026-06-20'))
    const now = '2026-06-01T00:00:00Z'
    const check = await runPress(['check', '-C', office, '--now', now])
    expect(check.code).toBe(0)
    expect(check.stdout + check.stderr).toMatch(
      /releases\/2026-05-12-river-sampling\/en\.md:1:1: warning: date 2026-06-20 is in the future but there is no embargo/,
    )
    const build = await runPress(['build', '-C', office, '--no-pdf', '--now', now])
    expect(build.code).toBe(0)
    expect(build.stderr).toMatch(/warning: date 2026-06-20 is in the future but there is no embargo/)
    const later = await runPress(['check', '-C', office, '--now', '2026-06-21T00:00:00Z'])
    expect(later.stdout + later.stderr).not.toMatch(/in the future/)
  })
})

describe('stale translations in lenient mode, strict dry-run parity', () => {
  async function staleOffice(mode: 'lenient' | 'strict'): Promise<string> {
    const office = await copySampleOffice()
    const config = path.join(office, 'pressroom.yaml')
    await writeFile(config, (await readFile(config, 'utf8')).replace('translations: lenient', `translations: ${mode}`))
    const file = path.join(office, 'releases', '2026-05-12-river-sampling', 'en.md')
    await writeFile(file, `${await readFile(file, 'utf8')}\nA paragraph added after the translation was made.\n`)
    return office
  }
  const now = '2026-06-01T00:00:00Z'

  test('the build says it published the stale translation; the real send names who gets it', async () => {
    const office = await staleOffice('lenient')
    const build = await runPress(['build', '-C', office, '--no-pdf', '--now', now])
    expect(build.code).toBe(0)
    expect(build.stderr).toMatch(/releases\/2026-05-12-river-sampling\/ru\.md:1:1: warning: published the stale ru translation/)
    const send = await runPress(['send', '2026-05-12-river-sampling', '-C', office, '--now', now])
    expect(send.code, send.stderr).toBe(0)
    const warning = /warning: (\d+) recipients? gets? the stale ru translation of 2026-05-12-river-sampling: (.+)$/m.exec(send.stderr)
    expect(warning, send.stderr).not.toBeNull()
    const list = await readFile(path.join(office, 'press-list.csv'), 'utf8')
    for (const email of warning![2]!.split(', ')) expect(list).toMatch(new RegExp(`^${email.replace(/\./g, '\\.')},.*,ru,`, 'm'))
    expect(Number(warning![1])).toBe(warning![2]!.split(', ').length)
  })

  test.each([
    ['a stale translation', '2026-05-12-river-sampling', false],
    ['a missing translation', '2026-06-08-human-rights-council-briefing', false],
    ['a draft', '2026-06-30-monitoring-director', false],
    ['an up-to-date release', '2026-01-27-lirsk-remand-centre', true],
  ])('strict, %s: --dry-run fails exactly when the real send does', async (_name, slug, passes) => {
    const office = await staleOffice('strict')
    const dry = await runPress(['send', slug, '-C', office, '--dry-run', '--now', now])
    const real = await runPress(['send', slug, '-C', office, '--now', now])
    expect(real.code, real.stderr).toBe(passes ? 0 : 1)
    expect(dry.code, dry.stderr).toBe(real.code)
  })
})
