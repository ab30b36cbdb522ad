/** The parsed-release cache: reused while a folder is unchanged, re-read when anything in it or the config changes. */
import { appendFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { deserialize, serialize } from 'node:v8'
import { afterAll, describe, expect, test } from 'vitest'
import { formatDiagnostic } from '../../src/diagnostics.js'
import { loadOffice } from '../../src/office.js'
import { releaseCacheKey, shardCount, shardOf } from '../../src/release/cache.js'
import { loadConfig } from '../../src/config.js'
import { makeOffice, removeOffices } from '../helpers/office.js'

afterAll(removeOffices)

const slug = '2031-03-14-water'
const en = '---\ntitle: Water Report\ndate: 2031-03-14\n---\n\nBody text.\n'
const ru = '---\ntitle: Доклад о воде\n---\n\nТекст.\n'

async function office(): Promise<string> {
  return makeOffice({ withReleases: false, files: { [`releases/${slug}/en.md`]: en, [`releases/${slug}/ru.md`]: ru } })
}

async function load(dir: string, releaseCache = true) {
  const { office, messages } = await loadOffice(dir, { releaseCache })
  return { releases: office!.releases, report: messages.map(formatDiagnostic) }
}

type Shard = { key: string; releases: Record<string, { fingerprint: string; release: { texts: Record<string, { title: string }> } }> }

/** The cache file that holds release folder `name`. */
const cacheFile = (dir: string, name = slug): string =>
  path.join(dir, '.press', 'cache', 'releases', `${shardOf(name).toString(16).padStart(2, '0')}.v8`)

const readShard = async (dir: string, name = slug): Promise<Shard> => deserialize(await readFile(cacheFile(dir, name))) as Shard

/** Change the cached title of the release, to tell a cached release from a re-read one. */
async function tamperCachedTitle(dir: string, title: string): Promise<void> {
  const data = await readShard(dir)
  data.releases[slug]!.release.texts['en']!.title = title
  await writeFile(cacheFile(dir), serialize(data))
}

describe('release cache', () => {
  test('a cached load gives the same releases as a full one', async () => {
    const dir = await office()
    const plain = await load(dir, false)
    const first = await load(dir)
    const second = await load(dir)
    expect(first.releases).toEqual(plain.releases)
    expect(second.releases).toEqual(plain.releases)
    expect(second.report).toEqual([])
  })

  test('an unchanged folder is taken from the cache, without reading its files', async () => {
    const dir = await office()
    await load(dir)
    await tamperCachedTitle(dir, 'From the cache')
    expect((await load(dir)).releases[0]!.texts['en']!.title).toBe('From the cache')
    // Without the option the files are read.
    expect((await load(dir, false)).releases[0]!.texts['en']!.title).toBe('Water Report')
  })

  test('editing a file, adding one or removing one makes the folder be read again', async () => {
    const dir = await office()
    const folder = path.join(dir, 'releases', slug)
    await load(dir)
    await tamperCachedTitle(dir, 'From the cache')
    await appendFile(path.join(folder, 'en.md'), 'More.\n')
    let { releases } = await load(dir)
    expect(releases[0]!.texts['en']!.title).toBe('Water Report')
    expect(releases[0]!.texts['en']!.body).toContain('More.')

    await tamperCachedTitle(dir, 'From the cache')
    await writeFile(path.join(folder, 'photo.jpg'), 'jpeg')
    ;({ releases } = await load(dir))
    expect(releases[0]!.texts['en']!.title).toBe('Water Report')

    await tamperCachedTitle(dir, 'From the cache')
    await rm(path.join(folder, 'ru.md'))
    ;({ releases } = await load(dir))
    expect(Object.keys(releases[0]!.texts)).toEqual(['en'])
  })

  test('a removed release folder is gone from the next load and from the cache', async () => {
    const dir = await office()
    await load(dir)
    await rm(path.join(dir, 'releases', slug), { recursive: true })
    expect((await load(dir)).releases).toEqual([])
    expect((await readShard(dir)).releases).toEqual({})
  })

  test('a release with a warning is not cached: the warning comes on every load', async () => {
    const dir = await office()
    await writeFile(path.join(dir, 'releases', slug, 'ru.md'), '---\ntitle: Доклад\ntags: [вода]\n---\n\nТекст.\n')
    const warning = `releases/${slug}/ru.md:3:1: warning: \`tags\` is inherited from en.md and ignored here; tags are translated in locales/ru/tags.json`
    expect((await load(dir)).report).toEqual([warning])
    expect((await load(dir)).report).toEqual([warning])
  })

  test('a release with an error stays out, and is reported again', async () => {
    const dir = await office()
    await writeFile(path.join(dir, 'releases', slug, 'en.md'), '---\ntitle: Water Report\ndate: 2031-02-30\n---\n\nBody.\n')
    for (let run = 0; run < 2; run++) {
      const { office: loaded, messages } = await loadOffice(dir, { releaseCache: true })
      expect(loaded!.releases).toEqual([])
      expect(messages.map(formatDiagnostic).join('\n')).toContain('en.md:3:7: error')
    }
  })

  test('a change of configuration drops the cache', async () => {
    const dir = await office()
    await load(dir)
    await tamperCachedTitle(dir, 'From the cache')
    await appendFile(path.join(dir, 'pressroom.yaml'), '\n# a comment changes nothing\n')
    expect((await load(dir)).releases[0]!.texts['en']!.title).toBe('From the cache')
    const config = await readFile(path.join(dir, 'pressroom.yaml'), 'utf8')
    // The release inherits the office's contacts: a cached copy would keep the old one.
    await writeFile(path.join(dir, 'pressroom.yaml'), config.replace('name: Ana Ruiz,', 'name: Ana Ruiz-Novak,'))
    const { releases } = await load(dir)
    expect(releases[0]!.texts['en']!.title).toBe('Water Report')
    expect(releases[0]!.contacts[0]!.name).toBe('Ana Ruiz-Novak')
  })

  test('a damaged cache file is ignored and replaced', async () => {
    const dir = await office()
    await load(dir)
    const damaged = (await readFile(cacheFile(dir))).subarray(0, 40)
    expect(() => deserialize(damaged)).toThrow()
    await writeFile(cacheFile(dir), damaged)
    expect((await load(dir)).releases[0]!.texts['en']!.title).toBe('Water Report')
    expect((await readShard(dir)).releases[slug]).toBeDefined()
  })

  test('editing one release rewrites only the cache file that holds it', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `2031-03-${String((i % 28) + 1).padStart(2, '0')}-note-${i}`)
    const files = Object.fromEntries(
      names.map((name) => [`releases/${name}/en.md`, `---\ntitle: Note ${name}\ndate: 2031-03-14\n---\n\nBody.\n`]),
    )
    const dir = await makeOffice({ withReleases: false, files })
    await load(dir)
    const shards = await readdir(path.join(dir, '.press', 'cache', 'releases'))
    expect(shards.length).toBeGreaterThan(1)
    expect(shards.length).toBeLessThanOrEqual(shardCount)
    const mtimes = async () =>
      new Map(
        await Promise.all(
          shards.map(async (name) => [name, (await stat(path.join(dir, '.press', 'cache', 'releases', name))).mtimeMs] as const),
        ),
      )
    const before = await mtimes()
    const edited = names[7]!
    await new Promise((resolve) => setTimeout(resolve, 20))
    await appendFile(path.join(dir, 'releases', edited, 'en.md'), 'More.\n')
    const { releases } = await load(dir)
    expect(releases.find((r) => r.slug === edited)!.texts['en']!.body).toContain('More.')
    const after = await mtimes()
    const rewritten = shards.filter((name) => after.get(name) !== before.get(name))
    expect(rewritten).toEqual([path.basename(cacheFile(dir, edited))])
    expect(Object.keys((await readShard(dir, edited)).releases).sort()).toEqual(
      names.filter((name) => shardOf(name) === shardOf(edited)).sort(),
    )
    // Every release is still there on the next load, each from the cache.
    expect((await load(dir)).releases).toHaveLength(names.length)
  })

  test('the key changes with the time-zone data, ICU and V8, so lifts computed with old zone rules are not kept', async () => {
    const { config } = await loadConfig(await office(), {})
    const versions = { v8: '11.3.244.8', icu: '78.2', tz: '2025c' }
    const key = releaseCacheKey(config!, versions)
    expect(releaseCacheKey(config!, { ...versions })).toBe(key)
    expect(releaseCacheKey(config!, { ...versions, tz: '2026a' })).not.toBe(key)
    expect(releaseCacheKey(config!, { ...versions, icu: '79.1' })).not.toBe(key)
    expect(releaseCacheKey(config!, { ...versions, v8: '12.4.254.21' })).not.toBe(key)
  })

  test('a shard written under another key (another Node) is not used', async () => {
    const dir = await office()
    await load(dir)
    await tamperCachedTitle(dir, 'From the cache')
    const shard = await readShard(dir)
    await writeFile(cacheFile(dir), serialize({ ...shard, key: 'written-by-another-node' }))
    expect((await load(dir)).releases[0]!.texts['en']!.title).toBe('Water Report')
  })

  test('the JSON cache file of earlier versions is removed', async () => {
    const dir = await office()
    const legacy = path.join(dir, '.press', 'cache', 'releases.json')
    await mkdir(path.dirname(legacy), { recursive: true })
    await writeFile(legacy, '{"key": "old", "releases": {}}')
    expect((await load(dir)).releases[0]!.texts['en']!.title).toBe('Water Report')
    await expect(stat(legacy)).rejects.toThrow()
  })
})
