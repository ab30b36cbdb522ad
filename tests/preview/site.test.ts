/**
 * The preview's in-memory site after an edit: the edited release is planned
 * again alone, every other page is kept, and the pages that list every
 * release are planned again when one of them is asked for.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadOffice, type Office } from '../../src/office.js'
import { loadRelease } from '../../src/release/load.js'
import { buildPreviewSite, updatePreviewSite, type PreviewSite } from '../../src/preview/site.js'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const now = Date.parse('2026-07-01T12:00:00Z')
const edited = '2026-05-12-river-sampling'
const other = '2026-01-27-lirsk-remand-centre'

let dir: string
let office: Office
let site: PreviewSite

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pressroom-preview-site-'))
  for (const name of ['pressroom.yaml', 'releases', 'locales', 'templates'])
    await cp(path.join(repo, name), path.join(dir, name), { recursive: true })
  office = (await loadOffice(dir)).office!
  site = await buildPreviewSite(office, now)
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

function html(s: PreviewSite, pathname: string): string {
  const resource = s.resolve(pathname)
  if (resource.kind !== 'html') throw new Error(`${pathname}: ${resource.kind}`)
  return resource.render()
}

describe('updatePreviewSite', () => {
  test('re-plans the edited release alone; other pages and assets stay; indexes follow on request', async () => {
    const file = path.join(dir, 'releases', edited, 'en.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^title: .*$/m, 'title: Edited Headline Replaced'))
    const { release } = await loadRelease(office.config, path.join(dir, 'releases', edited))
    const next = await updatePreviewSite(site, release!, now)

    expect(html(next, `/en/${edited}/`)).toContain('Edited Headline Replaced')
    expect(html(site, `/en/${edited}/`)).not.toContain('Edited Headline Replaced')
    // The other releases' pages are the same outputs (not planned again).
    expect(html(next, `/en/${other}/`)).toBe(html(site, `/en/${other}/`))
    expect(next.office.releases.find((r) => r.slug === edited)!.texts['en']!.title).toBe('Edited Headline Replaced')
    expect(next.office.releases).toHaveLength(office.releases.length)

    // The index is missing until settled, then planned from the new office.
    expect(next.resolve('/en/').kind).toBe('missing')
    await next.settle('/en/')
    expect(html(next, '/en/')).toContain('Edited Headline Replaced')
    // Template assets and the PDF of the edited release resolve without settling.
    const css = [...html(next, `/en/${edited}/`).matchAll(/href="([^"]*assets\/[^"]*\.css)"/g)].map((m) => m[1]!)
    expect(css.length).toBeGreaterThan(0)
    expect(next.resolve(`/${css[0]!.replace(/^(\.\.\/)+/, '')}`).kind).toBe('text')
    expect(next.resolve(`/en/${edited}/${edited}.en.pdf`).kind).toBe('pdf')
  })

  test('an embargo added by the edit marks the release at once', async () => {
    const file = path.join(dir, 'releases', other, 'en.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^date: (.*)$/m, 'date: $1\nembargo: 2031-01-01 10:00 Europe/Moscow'))
    const { release, messages } = await loadRelease(office.config, path.join(dir, 'releases', other))
    expect(messages.filter((m) => m.fatal)).toEqual([])
    const next = await updatePreviewSite(site, release!, now)
    expect(next.embargoed.has(other)).toBe(true)
    expect(next.listing.get(other)).toMatchObject({ state: 'embargoed', liftText: expect.stringContaining('10:00 MSK') })
    expect(html(next, `/en/${other}/`)).toContain('EMBARGOED UNTIL')
  })
})
