/**
 * The site of a lift built ahead (src/site/prepare.ts): preparing leaves
 * dist/ as it is; publishing swaps in exactly the site a build at the lift
 * makes (and its manifest, so the next build renders nothing); an edit
 * between preparing and publishing throws the prepared site away.
 */
import { appendFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { loadOffice, type Office } from '../../src/office.js'
import { prepareSite, publishPrepared } from '../../src/site/prepare.js'
import { buildSite } from '../../src/site/build-site.js'
import { buildInProcess, copySampleOffice, hashTree, removeOffices } from '../helpers/office.js'

const slug = '2031-06-10-annual-report-2030'
const lift = Date.parse('2031-06-10T13:00:00Z')
const before = '2031-06-10T12:00:00Z'

afterAll(removeOffices)

async function load(dir: string): Promise<Office> {
  const { office, messages } = await loadOffice(dir, { env: {} })
  if (!office) throw new Error(messages.map(String).join('\n'))
  return office
}

describe('prepareSite / publishPrepared', () => {
  test('prepared ahead, dist/ untouched; published at the lift, the same files as a build at the lift', async () => {
    const [dir, reference] = await Promise.all([copySampleOffice(), copySampleOffice()])
    await buildInProcess(dir, before)
    const dist = path.join(dir, 'dist')
    const public1 = await hashTree(dist)
    expect(Object.keys(public1).some((f) => f.includes(slug))).toBe(false)

    const prepared = await prepareSite(await load(dir), { now: lift, pdf: false })
    expect(await hashTree(dist)).toEqual(public1)
    expect(prepared.report.published.map((r) => r.slug)).toContain(slug)
    expect(Object.keys(await hashTree(prepared.staged.distDir))).toContain(`en/${slug}/index.html`)

    const result = await publishPrepared(prepared, {
      stateDir: path.join(dir, '.press'),
      verify: { office: await load(dir), now: lift + 500, pdf: false },
    })
    expect(result.published).toBe(true)
    if (!result.published) return
    expect(result.changes.changed).toContain(`en/${slug}/index.html`)
    expect(result.changes.changed).toContain('en/index.html')

    await buildInProcess(reference, new Date(lift).toISOString())
    expect(await hashTree(dist)).toEqual(await hashTree(path.join(reference, 'dist')))
    // Nothing left beside dist/, and the manifest came along: a build now renders nothing.
    expect((await readdir(dir)).filter((name) => name.startsWith('.dist.'))).toEqual([])
    const again = await buildSite(await load(dir), { now: lift + 1000, pdf: false }, { env: process.env })
    expect(again.pages.rendered).toBe(0)
    expect(again.changes).toEqual({ changed: [], removed: [] })
  }, 60_000)

  test('an edit after preparing: not published, the staging folder removed, dist/ as it was', async () => {
    const dir = await copySampleOffice()
    await buildInProcess(dir, before)
    const dist = path.join(dir, 'dist')
    const public1 = await hashTree(dist)
    const prepared = await prepareSite(await load(dir), { now: lift, pdf: false })
    await appendFile(path.join(dir, 'releases', slug, 'en.md'), '\nA correction made after the site was prepared.\n')

    const result = await publishPrepared(prepared, {
      stateDir: path.join(dir, '.press'),
      verify: { office: await load(dir), now: lift, pdf: false },
    })
    expect(result).toEqual({ published: false, reason: 'the office changed after the site was prepared' })
    expect(await hashTree(dist)).toEqual(public1)
    expect((await readdir(dir)).filter((name) => name.startsWith('.dist.'))).toEqual([])
  }, 60_000)
})
