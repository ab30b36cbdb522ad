/**
 * Email parts in the recipient's language (issue 14, part 5): tables in the
 * plain-text part laid out as text tables, `---:` columns right-aligned in
 * the HTML (inline styles) and the text; the translation's or the office's
 * contacts for that language, and their Reply-To; tags from the catalogs.
 * On the sample office.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { renderEmailText } from '../../src/distribute/content.js'
import { loadOffice, type Office } from '../../src/office.js'
import { textTable } from '../../src/render/plain-text.js'
import { copySampleOffice, removeOffices, runPress } from '../helpers/office.js'

afterAll(removeOffices)

let office: Office
let dir: string
const lirsk = '2026-01-27-lirsk-remand-centre'
const river = '2026-05-12-river-sampling'

beforeAll(async () => {
  dir = await copySampleOffice()
  const loaded = await loadOffice(dir)
  expect(loaded.messages.filter((m) => m.fatal !== undefined).map(String)).toEqual([])
  office = loaded.office!
})

describe('tables in email', () => {
  test('the plain-text part lays a table out in columns, numbers right-aligned (en and ru)', async () => {
    const en = await renderEmailText(office, lirsk, 'en', { embargoed: false, test: false })
    const lines = en.text.split('\n')
    const header = lines.findIndex((line) => /^Block\s+Detainees\s+Hours of running water per day\s+Hot water\s+Tap water safe to drink$/.test(line))
    expect(header, en.text).toBeGreaterThan(-1)
    expect(lines[header + 1]).toMatch(/^-+ {2}-+ {2}-+ {2}-+ {2}-+$/)
    // `---:` columns: the numbers end where the header ends.
    const end = (line: string, word: string) => line.indexOf(word) + word.length
    expect(end(lines[header + 2]!, '264')).toBe(end(lines[header]!, 'Detainees'))
    expect(end(lines[header + 3]!, ' 4')).toBe(end(lines[header]!, 'per day'))
    expect(lines[header + 5]).toMatch(/^D \(women\)\s+159\s+12\s+Shower days only\s+Yes$/)
    const ru = await renderEmailText(office, lirsk, 'ru', { embargoed: false, test: false })
    const ruLines = ru.text.split('\n')
    const ruHeader = ruLines.findIndex((line) => line.startsWith('Корпус'))
    expect(ruHeader, ru.text).toBeGreaterThan(-1)
    expect(end(ruLines[ruHeader + 2]!, '264')).toBe(end(ruLines[ruHeader]!, 'Содержится'))
  })

  test('the HTML part keeps `---:` columns right-aligned after CSS inlining', async () => {
    const { html } = await renderEmailText(office, lirsk, 'en', { embargoed: false, test: false })
    const cells = [...html.matchAll(/<td align="right"[^>]*style="([^"]*)"/g)].map((m) => m[1]!)
    expect(cells.length).toBeGreaterThan(0)
    for (const style of cells) expect(style).toMatch(/text-align: ?right/)
    expect(html).toMatch(/<td style="[^"]*text-align: ?left/)
  })

  test('textTable pads by characters (Cyrillic too) and centres', () => {
    expect(textTable([
      [{ text: 'Корпус', align: 'left', head: true }, { text: 'Н', align: 'center', head: true }],
      [{ text: 'А', align: 'left', head: false }, { text: '264', align: 'center', head: false }],
    ])).toEqual(['Корпус   Н', '------  ---', 'А       264'])
  })
})

describe('typography is the same in every output', () => {
  test('page, email HTML, email text and subject carry the same typeset Russian', async () => {
    const build = await runPress(['build', '-C', dir, '--no-pdf'])
    expect(build.code, build.stderr).toBe(0)
    const page = await readFile(path.join(dir, 'dist', 'ru', lirsk, 'index.html'), 'utf8')
    const email = await renderEmailText(office, lirsk, 'ru', { embargoed: false, test: false })
    // "Об этом" with a non-breaking space, the quote closed with », an em dash after a non-breaking space.
    for (const phrase of ['Об\u00a0этом сообщил', '«Власти не\u00a0оспорили', 'в\u00a0СИЗО №\u202f2']) {
      expect(page).toContain(phrase)
      expect(email.html).toContain(phrase)
      expect(email.text.replace(/\s*\n\s*/g, ' ')).toContain(phrase)
    }
    expect(page).not.toMatch(/"Власти/)
    expect(email.text).not.toMatch(/"Власти/)
    expect(email.subject).toContain('в\u00a0СИЗО №\u202f2')
    expect(page).toMatch(/<h1[^>]*>[^<]*в\u00a0СИЗО №\u202f2/)
  })
})

describe('contacts, Reply-To and tags per language', () => {
  test('a translation prints its own contacts; its emails reply to its press officer', async () => {
    const ru = await renderEmailText(office, river, 'ru', { embargoed: false, test: false })
    expect(ru.replyTo).toBe('press.ru@example.org')
    expect(ru.html).toContain('Нина Орлова')
    expect(ru.html).toContain('пресс-секретарь')
    expect(ru.html).not.toContain('Head of Media')
    const en = await renderEmailText(office, river, 'en', { embargoed: false, test: false })
    expect(en.replyTo).toBe('media@example.org')
    expect(en.html).toContain('Head of Media')
  })

  test('the office contacts per language (pressroom.yaml) serve releases without contacts of their own', async () => {
    const ru = await renderEmailText(office, lirsk, 'ru', { embargoed: false, test: false })
    expect(ru.replyTo).toBe('press.ru@example.org')
    expect(ru.text).toContain('руководитель пресс-службы')
    expect(ru.text).not.toContain('Head of Media')
  })

  test('pages print tags from locales/<lng>/tags.json; a tag without a label is a located warning', async () => {
    const build = await runPress(['build', '-C', dir, '--no-pdf'])
    expect(build.code, build.stderr).toBe(0)
    const ru = await readFile(path.join(dir, 'dist', 'ru', river, 'index.html'), 'utf8')
    expect(ru).toContain('<span class="tag">места лишения свободы</span>')
    expect(ru).not.toContain('<span class="tag">detention</span>')
    const file = path.join(dir, 'releases', river, 'en.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace('tags: [water, detention, environment]', 'tags: [water, detention, sewage]'))
    const check = await runPress(['check', '-C', dir])
    expect(check.stdout + check.stderr).toMatch(/releases\/2026-05-12-river-sampling\/ru\.md:\d+:\d+: warning: tag `sewage` has no ru label; add it to locales\/ru\/tags\.json/)
  })

  test('contacts in ru.md are not a warning any more; tags there say where tags are translated', async () => {
    const file = path.join(dir, 'releases', river, 'ru.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace('dateline: Женева', 'dateline: Женева\ntags: [вода]'))
    const check = await runPress(['check', '-C', dir])
    expect(check.stdout + check.stderr).not.toMatch(/`contacts` is inherited/)
    expect(check.stdout + check.stderr).toMatch(/ru\.md:\d+:\d+: warning: `tags` is inherited from en\.md and ignored here; tags are translated in locales\/ru\/tags\.json/)
  })
})
