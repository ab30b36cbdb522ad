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
  test('the plain-text part lays a table out in columns within 78 characters, numbers right-aligned (en and ru)', async () => {
    for (const [lng, first, row] of [
      ['en', 'Block', /^A\s+264\s+24\s+Yes\s+Yes$/],
      ['ru', 'Корпус', /^А\s+264\s+24\s+Есть\s+Да$/],
    ] as const) {
      const { text } = await renderEmailText(office, lirsk, lng, { embargoed: false, test: false })
      const lines = text.split('\n')
      const header = lines.findIndex((line) => line.startsWith(first))
      expect(header, text).toBeGreaterThan(-1)
      const rule = lines.findIndex((line, i) => i > header && /^-+( {2}-+)+$/.test(line))
      expect(rule - header, 'a long header wraps onto a few lines').toBeLessThanOrEqual(3)
      // Column ends, from the rule under the header.
      const ends = [...lines[rule]!.matchAll(/-+/g)].map((m) => m.index + m[0].length)
      expect(ends).toHaveLength(5)
      const body = lines.slice(rule + 1, rule + 5)
      expect(body[0]).toMatch(row)
      // `---:` columns: each number ends where its column ends.
      for (const line of body) {
        const [, detainees, hours] = /^.+?\s+(\d+)\s+(\d+)\s/.exec(line)!
        expect(line.indexOf(` ${detainees} `) + 1 + detainees!.length).toBe(ends[1])
        expect(line.indexOf(` ${hours} `, line.indexOf(` ${detainees} `) + detainees!.length) + 1 + hours!.length).toBe(ends[2])
      }
      for (const line of lines.slice(header, rule + 5)) expect([...line].length).toBeLessThanOrEqual(78)
    }
  })

  test('the HTML part keeps `---:` columns right-aligned after CSS inlining', async () => {
    const { html } = await renderEmailText(office, lirsk, 'en', { embargoed: false, test: false })
    const cells = [...html.matchAll(/<td align="right"[^>]*style="([^"]*)"/g)].map((m) => m[1]!)
    expect(cells.length).toBeGreaterThan(0)
    for (const style of cells) expect(style).toMatch(/text-align: ?right/)
    expect(html).toMatch(/<td style="[^"]*text-align: ?left/)
  })

  test('textTable pads by characters (Cyrillic too) and centres', () => {
    expect(
      textTable([
        [
          { text: 'Корпус', align: 'left', head: true },
          { text: 'Н', align: 'center', head: true },
        ],
        [
          { text: 'А', align: 'left', head: false },
          { text: '264', align: 'center', head: false },
        ],
      ]),
    ).toEqual(['Корпус   Н', '------  ---', 'А       264'])
    expect(
      textTable(
        [
          [
            { text: 'one two three', align: 'left', head: false },
            { text: '1', align: 'right', head: false },
          ],
        ],
        10,
      ),
    ).toEqual(['one two  1', 'three'])
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
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace('tags: [water, detention, environment]', 'tags: [water, detention, sewage]'),
    )
    const check = await runPress(['check', '-C', dir])
    expect(check.stdout + check.stderr).toMatch(
      /releases\/2026-05-12-river-sampling\/ru\.md:\d+:\d+: warning: tag `sewage` has no ru label; add it to locales\/ru\/tags\.json/,
    )
  })

  test('contacts in ru.md are not a warning any more; tags there say where tags are translated', async () => {
    const file = path.join(dir, 'releases', river, 'ru.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace('dateline: Женева', 'dateline: Женева\ntags: [вода]'))
    const check = await runPress(['check', '-C', dir])
    expect(check.stdout + check.stderr).not.toMatch(/`contacts` is inherited/)
    expect(check.stdout + check.stderr).toMatch(
      /ru\.md:\d+:\d+: warning: `tags` is inherited from en\.md and ignored here; tags are translated in locales\/ru\/tags\.json/,
    )
  })
})
