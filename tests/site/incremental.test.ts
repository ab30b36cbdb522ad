/**
 * Incremental builds (SPEC §4): nothing changed → nothing re-rendered;
 * one release changed → its pages, the indexes and feeds; a catalog, a
 * template or pressroom.yaml changed → everything. The writer hard-links
 * unchanged outputs from the previous dist/, so a re-rendered file is
 * exactly a file whose inode changed.
 */
import { readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildInProcess, buildJson, hashTree, listFiles, makeOffice, removeOffices, runPress } from '../helpers/office.js'

const now = '2031-04-01T00:00:00Z'
const slug = '2031-03-14-water-report'
const allPages = ['en/2031-02-20-briefing/index.html', `en/${slug}/index.html`, `ru/${slug}/index.html`]

afterAll(removeOffices)

async function inodes(dist: string): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const file of await listFiles(dist)) out.set(file, (await stat(path.join(dist, file))).ino)
  return out
}

/** Files that are new or were rewritten since `before`. */
function changed(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after]
    .filter(([file, ino]) => before.get(file) !== ino)
    .map(([file]) => file)
    .sort()
}

async function edit(dir: string, file: string, from: string | RegExp, to: string): Promise<void> {
  const full = path.join(dir, file)
  const text = await readFile(full, 'utf8')
  const next = text.replace(from, to)
  expect(next).not.toBe(text)
  await writeFile(full, next)
}

describe('incremental build (--no-pdf)', () => {
  let dir: string
  let dist: string
  beforeAll(async () => {
    dir = await makeOffice()
    dist = path.join(dir, 'dist')
  })

  test('first build renders every page; a second build with nothing changed renders nothing', async () => {
    const first = await buildJson(dir, ['--no-pdf', '--now', now])
    expect(first.report.pages).toEqual({ rendered: 3, reused: 0 })
    const before = await inodes(dist)
    const hashes = await hashTree(dist)
    const second = await buildJson(dir, ['--no-pdf', '--now', now])
    expect(second.report.pages).toEqual({ rendered: 0, reused: 3 })
    expect(second.report.pdfs).toEqual({ rendered: 0, reused: 0 })
    expect(changed(before, await inodes(dist))).toEqual([])
    expect(await hashTree(dist)).toEqual(hashes)
  })

  test('editing the body of one release re-renders only its two pages (the indexes and feeds show its title and subtitle, unchanged)', async () => {
    const before = await inodes(dist)
    await edit(dir, `releases/${slug}/en.md`, 'is unsafe to drink.', 'is unsafe to drink, the review found.')
    const report = await buildInProcess(dir, now)
    expect(report.pages).toEqual({ rendered: 2, reused: 1 })
    expect(changed(before, await inodes(dist))).toEqual(['en/2031-03-14-water-report/index.html', 'ru/2031-03-14-water-report/index.html'])
    expect(await readFile(path.join(dist, 'en', slug, 'index.html'), 'utf8')).toContain('the review found.')
  })

  test('changing a release date refreshes the sitemap <lastmod> too', async () => {
    const before = await inodes(dist)
    await edit(dir, `releases/${slug}/en.md`, 'date: 2031-03-14', 'date: 2031-03-15')
    const report = await buildInProcess(dir, now)
    expect(report.pages.rendered).toBe(2)
    expect(changed(before, await inodes(dist))).toContain('sitemap.xml')
    const sitemap = await readFile(path.join(dist, 'sitemap.xml'), 'utf8')
    expect(sitemap).toContain(`<loc>https://press.example.org/en/${slug}/</loc>\n    <lastmod>2031-03-15</lastmod>`)
  })

  test.each([
    ['a catalog', 'locales/ru/common.json', '"Для немедленной публикации"', '"Для публикации немедленно"'],
    ['a template', 'templates/partials/footer.liquid', '<footer class="site-footer">', '<footer class="site-footer" data-edited>'],
    ['pressroom.yaml', 'pressroom.yaml', 'url: https://example.org', 'url: https://example.org/about'],
  ])('editing %s re-renders every page', async (_what, file, from, to) => {
    await edit(dir, file, from, to)
    const report = await buildInProcess(dir, now)
    expect(report.pages).toEqual({ rendered: 3, reused: 0 })
    expect((await buildInProcess(dir, now)).pages).toEqual({ rendered: 0, reused: 3 })
  })

  test('the edits are in the output', async () => {
    const ru = await readFile(path.join(dist, 'ru', slug, 'index.html'), 'utf8')
    expect(ru).toContain('Для публикации немедленно')
    expect(ru).toContain('data-edited')
    for (const page of allPages) expect(await readFile(path.join(dist, page), 'utf8')).toContain('https://example.org/about')
  })
})

describe('incremental build with PDFs', () => {
  test(
    'PDFs: all, then none, then only the edited release; a failed build keeps dist/ and leaves no temp dir',
    { timeout: 180_000 },
    async () => {
      const dir = await makeOffice()
      const dist = path.join(dir, 'dist')
      const first = await buildJson(dir, ['--now', now])
      expect(first.run.code).toBe(0)
      expect(first.report.pdfs).toEqual({ rendered: 3, reused: 0 })
      expect(await listFiles(dist)).toEqual(
        expect.arrayContaining([
          `en/${slug}/${slug}.en.pdf`,
          `ru/${slug}/${slug}.ru.pdf`,
          'en/2031-02-20-briefing/2031-02-20-briefing.en.pdf',
        ]),
      )

      const second = await buildInProcess(dir, now, true)
      expect(second.pdfs).toEqual({ rendered: 0, reused: 3 })
      expect(second.pages).toEqual({ rendered: 0, reused: 3 })

      await edit(dir, `releases/${slug}/ru.md`, 'непригодна для питья.', 'непригодна для питья и мытья.')
      const third = await buildInProcess(dir, now, true)
      expect(third.pdfs).toEqual({ rendered: 2, reused: 1 })
      expect(third.pages).toEqual({ rendered: 2, reused: 1 })

      // A page template that fails while PDFs are being rendered: nothing changes.
      const good = await hashTree(dist)
      await edit(dir, `releases/${slug}/en.md`, 'is unsafe to drink.', 'is not safe to drink.')
      await edit(dir, 'templates/page.liquid', "{% include 'partials/about' %}", "{% include 'partials/no-such-partial' %}")
      const failed = await runPress(['build', '--now', now, '-C', dir])
      expect(failed.code).toBe(1)
      expect(await hashTree(dist)).toEqual(good)
      const { readdir } = await import('node:fs/promises')
      expect((await readdir(dir)).filter((name) => name.startsWith('.dist.'))).toEqual([])
    },
  )
})
