/**
 * Small changes go into dist/ in place: only the changed files are renamed
 * in, files no longer planned are removed, and the result is exactly what a
 * fresh build of the same office gives. A failure before that step leaves
 * dist/ and the manifest as they were.
 */
import { cp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadOffice } from '../../src/office.js'
import { planSite } from '../../src/site/plan-site.js'
import { writeSite } from '../../src/site/write.js'
import { buildInProcess, hashTree, makeOffice, removeOffices } from '../helpers/office.js'

const now = '2031-06-01T00:00:00Z'
const count = 12
const slugs = Array.from({ length: count }, (_, i) => `2031-05-${String(i + 1).padStart(2, '0')}-report-${i + 1}`)

afterAll(removeOffices)

function releaseFiles(): Record<string, string> {
  const files: Record<string, string> = {}
  slugs.forEach((slug, i) => {
    files[`releases/${slug}/en.md`] =
      `---\ntitle: Report number ${i + 1}\ndate: 2031-05-${String(i + 1).padStart(2, '0')}\n---\n\nThe monitors visited site ${i + 1}.\n`
    files[`releases/${slug}/ru.md`] = `---\ntitle: Доклад номер ${i + 1}\n---\n\nНаблюдатели посетили участок ${i + 1}.\n`
  })
  return files
}

/** dist/ of a fresh build (no dist/, no .press/) of a copy of `dir`. */
async function freshBuild(dir: string): Promise<Record<string, string>> {
  const copy = await makeOffice({ withReleases: false })
  await rm(path.join(copy, 'releases'), { recursive: true, force: true })
  for (const name of ['releases', 'templates', 'locales', 'pressroom.yaml'])
    await cp(path.join(dir, name), path.join(copy, name), { recursive: true, force: true })
  await buildInProcess(copy, now)
  return hashTree(path.join(copy, 'dist'))
}

async function distInode(dist: string): Promise<number> {
  return (await stat(dist)).ino
}

describe('in-place updates of dist/', () => {
  let dir: string
  let dist: string
  beforeAll(async () => {
    dir = await makeOffice({ withReleases: false, files: releaseFiles() })
    dist = path.join(dir, 'dist')
    const first = await buildInProcess(dir, now)
    expect(first.pages).toEqual({ rendered: 2 * count, reused: 0 })
  })

  test('an edited release: the same dist/ folder, two pages rendered, the same files as a fresh build', async () => {
    const inode = await distInode(dist)
    const file = path.join(dir, 'releases', slugs[3]!, 'en.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace('visited site 4.', 'visited site 4 twice.'))
    const report = await buildInProcess(dir, now)
    expect(report.pages).toEqual({ rendered: 2, reused: 2 * count - 2 })
    expect(await distInode(dist)).toBe(inode)
    expect(await readFile(path.join(dist, 'en', slugs[3]!, 'index.html'), 'utf8')).toContain('visited site 4 twice.')
    expect(await hashTree(dist)).toEqual(await freshBuild(dir))
    expect((await readdir(dir)).filter((name) => name.startsWith('.dist.'))).toEqual([])
  })

  test('the index and the feed are rendered again only when what they show changes', async () => {
    const inodes = async (): Promise<number[]> =>
      Promise.all(
        ['en/index.html', 'en/feed.xml', 'ru/index.html', 'ru/feed.xml'].map(async (file) => (await stat(path.join(dist, file))).ino),
      )
    const before = await inodes()
    const file = path.join(dir, 'releases', slugs[2]!, 'en.md')
    // A paragraph below the summary: neither list shows it.
    await writeFile(file, `${await readFile(file, 'utf8')}\nA second paragraph with the methodology.\n`)
    expect((await buildInProcess(dir, now)).pages).toEqual({ rendered: 2, reused: 2 * count - 2 })
    expect(await inodes()).toEqual(before)
    // A new title is shown by both lists in English; the Russian ones stay.
    await writeFile(file, (await readFile(file, 'utf8')).replace('title: Report number 3', 'title: Report number three'))
    await buildInProcess(dir, now)
    const after = await inodes()
    expect(after[0]).not.toBe(before[0])
    expect(after[1]).not.toBe(before[1])
    expect(after.slice(2)).toEqual(before.slice(2))
    expect(await readFile(path.join(dist, 'en', 'index.html'), 'utf8')).toContain('Report number three')
    expect(await readFile(path.join(dist, 'en', 'feed.xml'), 'utf8')).toContain('Report number three')
    expect(await hashTree(dist)).toEqual(await freshBuild(dir))
  })

  test('a release taken back to draft: its files and folders leave dist/', async () => {
    const inode = await distInode(dist)
    const file = path.join(dir, 'releases', slugs[5]!, 'en.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace('date: ', 'status: draft\ndate: '))
    await buildInProcess(dir, now)
    expect(await distInode(dist)).toBe(inode)
    expect(await readdir(path.join(dist, 'en'))).not.toContain(slugs[5])
    expect(await readdir(path.join(dist, 'ru'))).not.toContain(slugs[5])
    expect(await hashTree(dist)).toEqual(await freshBuild(dir))
  })

  test('a page deleted by hand comes back; a stray file goes, as with a full build', async () => {
    await rm(path.join(dist, 'ru', slugs[7]!, 'index.html'))
    await writeFile(path.join(dist, 'en', 'stray.html'), 'not planned')
    const report = await buildInProcess(dir, now)
    expect(report.pages.rendered).toBe(1)
    expect(await hashTree(dist)).toEqual(await freshBuild(dir))
  })

  test('a failure while rendering leaves dist/ and the manifest as they were', async () => {
    const manifest = path.join(dir, '.press', 'build-manifest.json')
    const before = { tree: await hashTree(dist), manifest: await readFile(manifest, 'utf8') }
    const file = path.join(dir, 'releases', slugs[9]!, 'en.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace('visited site 10.', 'visited site 10 again.'))
    const { office } = await loadOffice(dir, {})
    const plan = await planSite(office!, { now: Date.parse(now), pdf: false })
    const broken = {
      ...plan,
      outputs: plan.outputs.map((output) =>
        output.kind === 'text' && output.path === `ru/${slugs[9]}/index.html`
          ? {
              ...output,
              produce: () => {
                throw new Error('template failed')
              },
            }
          : output,
      ),
    }
    await expect(writeSite(broken, { distDir: dist, stateDir: path.join(dir, '.press') }, {})).rejects.toThrow('template failed')
    expect(await hashTree(dist)).toEqual(before.tree)
    expect(await readFile(manifest, 'utf8')).toBe(before.manifest)
    expect((await readdir(dir)).filter((name) => name.startsWith('.dist.'))).toEqual([])
    // The next good build picks the edit up.
    await buildInProcess(dir, now)
    expect(await readFile(path.join(dist, 'en', slugs[9]!, 'index.html'), 'utf8')).toContain('visited site 10 again.')
  })

  test('a change to every page (a catalog edit) builds a new dist/ and swaps it in', async () => {
    const inode = await distInode(dist)
    const catalog = path.join(dir, 'locales', 'en', 'common.json')
    const text = await readFile(catalog, 'utf8')
    const data = JSON.parse(text) as Record<string, unknown>
    const site = data['site'] as Record<string, string>
    site['description'] = `${site['description']} (edited)`
    await writeFile(catalog, JSON.stringify(data, null, 2))
    const report = await buildInProcess(dir, now)
    expect(report.pages.rendered).toBe(2 * (count - 1))
    expect(await distInode(dist)).not.toBe(inode)
    expect(await hashTree(dist)).toEqual(await freshBuild(dir))
  })
})
