/**
 * A translation marked `status: draft` is not published or sent until it is
 * ready (so `press new`'s stubs never reach the public site), and
 * `press translate status` says "draft". Footnote labels come from the
 * catalogs in the page's language.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { loadOffice } from '../../src/office.js'
import { translationStates } from '../../src/release/translation-status.js'
import { copySampleOffice, removeOffices, runPress } from '../helpers/office.js'

afterAll(removeOffices)

describe('draft translations', () => {
  test('a ru.md with status: draft is left out of the release and reported as draft', async () => {
    const office = await copySampleOffice()
    const file = path.join(office, 'releases/2026-05-12-river-sampling/ru.md')
    const text = await readFile(file, 'utf8')
    await writeFile(file, text.replace(/^---\n/, '---\nstatus: draft\n'))
    const { office: loaded, messages } = await loadOffice(office)
    expect(messages.filter((m) => m.fatal !== undefined).map(String)).toEqual([])
    const release = loaded!.releases.find((r) => r.slug === '2026-05-12-river-sampling')!
    expect(Object.keys(release.texts)).toEqual(['en'])
    expect(translationStates(release, ['en', 'ru']).map((s) => s.state)).toEqual(['source', 'draft'])

    const run = await runPress(['build', '-C', office, '--no-pdf'])
    expect(run.code, run.stderr).toBe(0)
    await expect(readFile(path.join(office, 'dist/ru/2026-05-12-river-sampling/index.html'))).rejects.toThrow()
    const index = await readFile(path.join(office, 'dist/ru/index.html'), 'utf8')
    expect(index).toContain('../en/2026-05-12-river-sampling/')
  })

  test('press new: the translation stub is a draft, so marking the source ready publishes English only', async () => {
    const office = await copySampleOffice()
    const created = await runPress(['new', '2031-01-02-new-thing', '-C', office, '--title', 'A new thing'])
    expect(created.code, created.stderr).toBe(0)
    const en = path.join(office, 'releases/2031-01-02-new-thing/en.md')
    // The scaffold's placeholder text is replaced, as a person would before marking it ready.
    const written = (await readFile(en, 'utf8'))
      .replace(/^status: draft.*$/m, 'status: ready')
      .replace('One sentence that says why it matters', 'Why it matters')
      .replace(/First paragraph: .*$/m, 'The news.')
      .replace(/^"A quote from your spokesperson.*$/m, '"A quote," said Mira Castell, Head of Media.')
    await writeFile(en, written)
    const run = await runPress(['build', '-C', office, '--no-pdf', '--now', '2031-02-01T00:00:00Z'])
    expect(run.code, run.stderr).toBe(0)
    await expect(readFile(path.join(office, 'dist/en/2031-01-02-new-thing/index.html'), 'utf8')).resolves.toMatch(/A\snew thing/)
    await expect(readFile(path.join(office, 'dist/ru/2031-01-02-new-thing/index.html'))).rejects.toThrow()
  })
})

describe('footnotes', () => {
  test('labels are localized', async () => {
    const office = await copySampleOffice()
    for (const lng of ['en', 'ru']) {
      const file = path.join(office, `releases/2026-05-12-river-sampling/${lng}.md`)
      await writeFile(file, `${await readFile(file, 'utf8')}\nNote[^a].\n\n[^a]: Source.\n`)
    }
    const run = await runPress(['build', '-C', office, '--no-pdf'])
    expect(run.code, run.stderr).toBe(0)
    const ru = await readFile(path.join(office, 'dist/ru/2026-05-12-river-sampling/index.html'), 'utf8')
    expect(ru).toContain('Примечания')
    expect(ru).toContain('aria-label="Вернуться к тексту"')
    const en = await readFile(path.join(office, 'dist/en/2026-05-12-river-sampling/index.html'), 'utf8')
    expect(en).toContain('Footnotes')
  })
})
