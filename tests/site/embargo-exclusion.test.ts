/**
 * SPEC §2.2 over every output file: one second before the lift nothing of the
 * embargoed release is anywhere in dist/ (page, index entry, feed entry, feed
 * `updated`, sitemap URL, attachment, image); at the lift instant all of it is.
 * `PRESS_NOW` must give exactly the same dist/ as `--now`.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildJson, copySampleOffice, hashTree, listFiles, removeOffices } from '../helpers/office.js'

const slug = '2031-06-10-annual-report-2030'
const before = '2031-06-10T12:59:59Z'
const lift = '2031-06-10T13:00:00Z'
const canary = 'CANARY-7f3e-embargoed-attachment-content'

let dir: string
let dist: string
let titles: { en: string; ru: string; enSubtitle: string; ruSubtitle: string }

afterAll(removeOffices)

beforeAll(async () => {
  dir = await copySampleOffice()
  dist = path.join(dir, 'dist')
  const releaseDir = path.join(dir, 'releases', slug)
  // Give the embargoed sample release an attachment and an image, so assets are covered too.
  const en = await readFile(path.join(releaseDir, 'en.md'), 'utf8')
  expect(en).toContain('embargo: 2031-06-10T09:00:00-04:00')
  await writeFile(
    path.join(releaseDir, 'en.md'),
    en.replace('status: ready', 'attachments: [key-figures-2030.csv]\nstatus: ready') +
      '\n![Map of monitored sites](map-of-sites-2030.svg)\n',
  )
  await writeFile(path.join(releaseDir, 'key-figures-2030.csv'), `figure,value\n${canary},1\n`)
  await writeFile(
    path.join(releaseDir, 'map-of-sites-2030.svg'),
    `<svg xmlns="http://www.w3.org/2000/svg"><title>${canary}-map</title></svg>`,
  )
  const field = (text: string, key: string): string => new RegExp(`^${key}: (.*)$`, 'm').exec(text)![1]!.replace(/^"|"$/g, '')
  const ru = await readFile(path.join(releaseDir, 'ru.md'), 'utf8')
  titles = { en: field(en, 'title'), ru: field(ru, 'title'), enSubtitle: field(en, 'subtitle'), ruSubtitle: field(ru, 'subtitle') }
})

/**
 * Text with typography undone (non-breaking spaces, soft hyphens, curly
 * quotes, dashes), so that a title set by Typograf is still found.
 */
const plain = (text: string): string =>
  text
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/\u00ad/g, '')
    .replace(/[«»“”„]/g, '"')
    .replace(/[‘’]/g, "'")
    .replace(/[—–]/g, '-')

/** Every (file, needle) pair where a needle occurs in a dist/ file's bytes (or in its text with typography undone). */
async function traces(needles: readonly string[]): Promise<string[]> {
  const found: string[] = []
  for (const file of await listFiles(dist)) {
    const bytes = await readFile(path.join(dist, file))
    if (needles.some((n) => file.includes(n))) found.push(`${file} (path)`)
    for (const needle of needles) {
      if (bytes.includes(Buffer.from(needle))) found.push(`${file}: ${needle}`)
      // XML/HTML escaping must not hide a leak (’ and « » are escaped nowhere, & and " are).
      const escaped = needle.replace(/&/g, '&amp;').replace(/"/g, '&quot;')
      if (escaped !== needle && bytes.includes(Buffer.from(escaped))) found.push(`${file}: ${escaped}`)
      if (plain(bytes.toString('utf8')).includes(plain(needle))) found.push(`${file}: ${needle} (typeset)`)
    }
  }
  return found
}

describe('embargo exclusion over every output file', () => {
  let atBefore: Record<string, string>
  let atLift: Record<string, string>

  test('one second before the lift: no trace of the release anywhere in dist/', async () => {
    const { run, report } = await buildJson(dir, ['--no-pdf', '--now', before])
    expect(run.code).toBe(0)
    expect(report.held).toContainEqual({ slug, reason: 'embargo', lift: '2031-06-10T13:00:00.000Z' })
    expect(report.published.map((p) => p.slug)).not.toContain(slug)
    const needles = [
      slug,
      titles.en,
      titles.ru,
      titles.enSubtitle,
      titles.ruSubtitle,
      'One in Three Detention Facilities',
      'Каждое третье учреждение',
      'key-figures-2030',
      'map-of-sites-2030',
      canary,
      // The lift instant and the release date: feed <updated>, sitemap <lastmod>, index <time>.
      '2031-06-10',
      '2031-06-10T13:00:00',
    ]
    expect(await traces(needles)).toEqual([])
    const files = await listFiles(dist)
    // The public site is there, just without this release.
    expect(files).toEqual(
      expect.arrayContaining(['index.html', 'sitemap.xml', 'en/index.html', 'ru/index.html', 'en/feed.xml', 'ru/feed.xml']),
    )
    expect(files.some((f) => f.startsWith('assets/files/'))).toBe(true)
    // The feed's <updated> is the newest *published* release, never the build clock.
    const feed = await readFile(path.join(dist, 'en', 'feed.xml'), 'utf8')
    expect(feed).toMatch(/<updated>2026-\d\d-\d\dT[\d:.]+Z<\/updated>/)
    atBefore = await hashTree(dist)
  })

  test('at the lift instant: page per language, index entry, feed entry, sitemap URL and assets', async () => {
    const { run, report } = await buildJson(dir, ['--no-pdf', '--now', lift])
    expect(run.code).toBe(0)
    expect(report.published).toContainEqual({ slug, languages: ['en', 'ru'] })
    const files = await listFiles(dist)
    expect(files).toContain(`en/${slug}/index.html`)
    expect(files).toContain(`ru/${slug}/index.html`)
    const enPage = await readFile(path.join(dist, 'en', slug, 'index.html'), 'utf8')
    const ruPage = await readFile(path.join(dist, 'ru', slug, 'index.html'), 'utf8')
    expect(plain(enPage)).toContain(plain(titles.en))
    expect(plain(ruPage)).toContain(plain(titles.ru))
    // Published: "For Immediate Release" semantics, no embargo notice.
    expect(enPage).not.toMatch(/EMBARGOED UNTIL/)
    expect(ruPage).not.toMatch(/ЭМБАРГО ДО/)
    const attachment = files.find((f) => /^assets\/files\/key-figures-2030\.[0-9a-f]{8}\.csv$/.test(f))
    const image = files.find((f) => /^assets\/files\/map-of-sites-2030\.[0-9a-f]{8}\.svg$/.test(f))
    expect(attachment).toBeDefined()
    expect(image).toBeDefined()
    expect(await readFile(path.join(dist, attachment!), 'utf8')).toContain(canary)
    expect(enPage).toContain(`href="../../${attachment}"`)
    expect(enPage).toContain(`src="../../${image}"`)
    const enIndex = await readFile(path.join(dist, 'en', 'index.html'), 'utf8')
    const ruIndex = await readFile(path.join(dist, 'ru', 'index.html'), 'utf8')
    expect(enIndex).toContain(`href="../en/${slug}/"`)
    expect(ruIndex).toContain(`href="../ru/${slug}/"`)
    // Newest first: the lifted release heads both indexes.
    expect(enIndex.indexOf(slug)).toBeLessThan(enIndex.indexOf('2026-'))
    for (const lng of ['en', 'ru']) {
      const feed = await readFile(path.join(dist, lng, 'feed.xml'), 'utf8')
      expect(feed).toContain(`<id>https://press.example.org/${lng}/${slug}/</id>`)
      expect(feed).toMatch(/^<\?xml[^>]*>\s*<feed[^>]*>[\s\S]*?<updated>2031-06-10T13:00:00\.000Z<\/updated>/)
    }
    const sitemap = await readFile(path.join(dist, 'sitemap.xml'), 'utf8')
    expect(sitemap).toContain(`<loc>https://press.example.org/en/${slug}/</loc>`)
    expect(sitemap).toContain(`<loc>https://press.example.org/ru/${slug}/</loc>`)
    expect(sitemap).toContain(`<xhtml:link rel="alternate" hreflang="ru" href="https://press.example.org/ru/${slug}/"/>`)
    atLift = await hashTree(dist)
  })

  test('PRESS_NOW gives the same dist/ as --now (and going back in time removes the release again)', async () => {
    expect(atBefore).toBeDefined()
    expect(atLift).toBeDefined()
    await buildJson(dir, ['--no-pdf'], { PRESS_NOW: before })
    expect(await hashTree(dist)).toEqual(atBefore)
    await buildJson(dir, ['--no-pdf'], { PRESS_NOW: lift })
    expect(await hashTree(dist)).toEqual(atLift)
    // The flag wins over the environment.
    await buildJson(dir, ['--no-pdf', '--now', before], { PRESS_NOW: lift })
    expect(await hashTree(dist)).toEqual(atBefore)
  })
})
