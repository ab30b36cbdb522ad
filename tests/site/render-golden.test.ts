/**
 * Golden HTML: tests/fixtures/render/<case>/.
 * - `input.md` → the sanitized body fragment in `output.html`.
 * - `en.md` (+ `ru.md`, attachments) → a release in the fixture office, built
 *   through the real templates and catalogs: `output.<lng>.html` for each
 *   page, `index.<lng>.html` for a language without a translation (the
 *   index entry that falls back to English).
 * `vitest -u` rewrites the goldens; review the diff. Asset names are
 * normalized (`site.HASH.css`) so a CSS edit does not churn the HTML.
 */
import { cp, readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { loadOffice } from '../../src/office.js'
import { renderMarkdown } from '../../src/render/markdown.js'
import { planSite } from '../../src/site/plan-site.js'
import { fixturesDir, makeOffice, normalizeAssetHashes, removeOffices } from '../helpers/office.js'

const base = path.join(fixturesDir, 'render')
const cases = (await readdir(base)).sort()
const slug = '2031-03-14-water-report'
const now = Date.parse('2031-06-01T00:00:00Z')

afterAll(removeOffices)

describe('body fragments', () => {
  for (const name of cases.filter((c) => c.startsWith('body-'))) {
    test(name, async () => {
      const { readFile } = await import('node:fs/promises')
      const input = await readFile(path.join(base, name, 'input.md'), 'utf8')
      const { html } = renderMarkdown(input)
      await expect(`${html}\n`).toMatchFileSnapshot(path.join(base, name, 'output.html'))
    })
  }
})

test('footnote references and back-references point at ids that exist (after the sanitizer prefixes them)', () => {
  const { html } = renderMarkdown('Claim.[^1] Again.[^1]\n\n[^1]: Source.\n\n<a id="top"></a>[up](#top)')
  const ids = new Set([...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]))
  const targets = [...html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1])
  expect(targets.length).toBeGreaterThanOrEqual(4)
  for (const target of targets) expect(ids, target).toContain(target)
  // Ids stay prefixed against DOM clobbering.
  for (const id of ids) expect(id).toMatch(/^user-content-/)
})

async function pagesOf(name: string): Promise<Map<string, string>> {
  const dir = await makeOffice({ withReleases: false })
  const releaseDir = path.join(dir, 'releases', slug)
  await cp(path.join(base, name), releaseDir, { recursive: true, filter: (from) => !/\.html$/.test(from) })
  const { office, messages } = await loadOffice(dir)
  expect(messages.map(String)).toEqual([])
  const plan = await planSite(office!, { now, pdf: false })
  expect(plan.messages.map(String)).toEqual([])
  const out = new Map<string, string>()
  for (const output of plan.outputs) if (output.kind === 'text') out.set(output.path, normalizeAssetHashes(output.produce()))
  return out
}

describe('full pages through the real templates', () => {
  test('page-bilingual: en and ru pages', async () => {
    const pages = await pagesOf('page-bilingual')
    const en = pages.get(`en/${slug}/index.html`)!
    const ru = pages.get(`ru/${slug}/index.html`)!
    await expect(en).toMatchFileSnapshot(path.join(base, 'page-bilingual', 'output.en.html'))
    await expect(ru).toMatchFileSnapshot(path.join(base, 'page-bilingual', 'output.ru.html'))
    // What a reviewer checks, asserted so a bad golden cannot slip through -u.
    expect(en).toMatch(/^<!doctype html>\n<html lang="en" dir="ltr">/)
    expect(ru).toMatch(/^<!doctype html>\n<html lang="ru" dir="ltr">/)
    for (const page of [en, ru]) {
      expect(page).toContain(`<link rel="alternate" hreflang="en" href="https://press.example.org/en/${slug}/">`)
      expect(page).toContain(`<link rel="alternate" hreflang="ru" href="https://press.example.org/ru/${slug}/">`)
      expect(page).toContain(`<link rel="alternate" hreflang="x-default" href="https://press.example.org/en/${slug}/">`)
      expect(page).toContain('<meta property="og:type" content="article">')
      expect(page).not.toMatch(/<script/i)
    }
    expect(ru).toContain('<meta property="og:title" content="Проверка признала водоснабжение изолятора небезопасным">')
    expect(ru).toContain('<meta property="og:locale" content="ru_RU">')
    expect(ru).toContain('ЖЕНЕВА, 14 марта 2031 г.')
    expect(ru).toContain('Для немедленной публикации')
    // Two contacts → the plural label in each language.
    expect(ru).toContain('Контакты для СМИ')
    expect(en).toContain('Media contacts')
    expect(en).toContain('GENEVA, 14 March 2031')
    // The visible switch links the other language.
    expect(en).toContain(`<a class="lang-switch__item" href="../../ru/${slug}/" hreflang="ru" lang="ru">Русский</a>`)
  })

  test('page-fallback: English only, escaped title, lifted embargo, attachment; ru index marks it English', async () => {
    const pages = await pagesOf('page-fallback')
    expect(pages.has(`ru/${slug}/index.html`)).toBe(false)
    const en = pages.get(`en/${slug}/index.html`)!
    const ruIndex = pages.get('ru/index.html')!
    await expect(en).toMatchFileSnapshot(path.join(base, 'page-fallback', 'output.en.html'))
    await expect(ruIndex).toMatchFileSnapshot(path.join(base, 'page-fallback', 'index.ru.html'))
    // Typography turns the straight quotes into “”; & and < are still escaped.
    expect(en).toContain('<h1 class="release__title" lang="en">Water &amp; Sanitation: “Safe” &lt;Now&gt;?</h1>')
    expect(en).toContain('<meta property="og:title" content="Water &amp; Sanitation: “Safe” &lt;Now&gt;?">')
    expect(en).not.toContain('<Now>')
    // No hreflang for a language that has no translation; the switch says so.
    expect(en).not.toContain('hreflang="ru"')
    expect(en).toMatch(
      /<a class="lang-switch__item is-fallback" href="\.\.\/\.\.\/en\/2031-03-14-water-report\/" lang="ru" title="not translated">Русский/,
    )
    // After the lift: no embargo notice, "For Immediate Release", the release date.
    expect(en).not.toMatch(/EMBARGO/i)
    expect(en).toContain('For Immediate Release')
    expect(en).toMatch(/<a href="\.\.\/\.\.\/assets\/files\/fact-sheet\.HASH\.txt" download>fact-sheet\.txt<\/a>/)
    expect(ruIndex).toContain('<html lang="ru" dir="ltr">')
    expect(ruIndex).toContain('(язык оригинала: английский)')
    expect(ruIndex).toContain(`<a href="../en/${slug}/" hreflang="en">Water &amp; Sanitation: “Safe” &lt;Now&gt;?</a>`)
  })
})
