/**
 * The bundle loader (src/cli/bundle.ts): chunks required from each other,
 * V8 code caches written, reused, and replaced when stale. Loads that test
 * the cache run in a fresh process each (compiled build/src/cli/bundle.js,
 * `npx tsc -p tsconfig.json` first), since V8 also reuses code compiled
 * earlier in the same process.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, test } from 'vitest'
import { loadBundle } from '../../src/cli/bundle.js'
import { repoRoot } from '../helpers/office.js'

const run = promisify(execFile)

/** Load the bundle in a new process, call main(n), save the cache; the result and the loader's stats. */
async function loadInProcess(
  entry: string,
  cacheDir: string,
  n: number,
): Promise<{ value: number; stats: { chunks: number; cached: number } }> {
  const script = [
    `const { loadBundle } = await import(${JSON.stringify(path.join(repoRoot, 'build', 'src', 'cli', 'bundle.js'))})`,
    `const loaded = loadBundle(${JSON.stringify(entry)}, ${JSON.stringify(cacheDir)})`,
    `const { value } = loaded.exports.main(${n})`,
    'loaded.saveCache()',
    'console.log(JSON.stringify({ value, stats: loaded.stats() }))',
  ].join('\n')
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  return JSON.parse(stdout) as { value: number; stats: { chunks: number; cached: number } }
}

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

/** A two-chunk CommonJS bundle: press.cjs requires ./shared-x.cjs and a Node module. */
async function bundle(): Promise<{ entry: string; cacheDir: string; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'press-bundle-'))
  dirs.push(dir)
  await writeFile(
    path.join(dir, 'shared-x.cjs'),
    'exports.twice = (n) => n * 2\nexports.loads = (exports.loads ?? 0) + 1 // a comment on the last line\n',
  )
  await writeFile(
    path.join(dir, 'press.cjs'),
    [
      'const shared = require("./shared-x.cjs")',
      'const again = require("./shared-x.cjs")',
      'const path = require("node:path")',
      'exports.main = (n) => ({ value: shared.twice(n), same: shared === again, loads: shared.loads, base: path.basename(__filename), dir: __dirname, self: module.exports === exports })',
    ].join('\n'),
  )
  return { entry: path.join(dir, 'press.cjs'), cacheDir: path.join(dir, '.cache'), dir }
}

type Main = (n: number) => { value: number; same: boolean; loads: number; base: string; dir: string; self: boolean }

describe('loadBundle', () => {
  test('loads the entry and its chunks once each, with CommonJS module variables', async () => {
    const { entry, cacheDir, dir } = await bundle()
    const loaded = loadBundle(entry, cacheDir)
    expect((loaded.exports['main'] as Main)(21)).toEqual({ value: 42, same: true, loads: 1, base: 'press.cjs', dir, self: true })
    expect(loaded.stats()).toEqual({ chunks: 2, cached: 0 })
  })

  test('writes a code cache per chunk that the next load takes', async () => {
    const { entry, cacheDir } = await bundle()
    expect(await loadInProcess(entry, cacheDir, 1)).toEqual({ value: 2, stats: { chunks: 2, cached: 0 } })
    expect((await readdir(cacheDir)).map((name) => name.replace(/\.[0-9a-f]{16}\./, '.HASH.')).sort()).toEqual([
      'press.cjs.HASH.v8cache',
      'shared-x.cjs.HASH.v8cache',
    ])
    expect(await loadInProcess(entry, cacheDir, 2)).toEqual({ value: 4, stats: { chunks: 2, cached: 2 } })
  }, 30_000)

  test('a chunk edited to the same length gets its own cache, never the old bytecode', async () => {
    const { entry, cacheDir, dir } = await bundle()
    await loadInProcess(entry, cacheDir, 1)
    // V8 would take the old cache for this source (it compares lengths only) and return n * 2.
    await writeFile(
      path.join(dir, 'shared-x.cjs'),
      'exports.twice = (n) => n * 3\nexports.loads = (exports.loads ?? 0) + 1 // a comment on the last line\n',
    )
    expect(await loadInProcess(entry, cacheDir, 2)).toEqual({ value: 6, stats: { chunks: 2, cached: 1 } })
    expect(await loadInProcess(entry, cacheDir, 2)).toEqual({ value: 6, stats: { chunks: 2, cached: 2 } })
  }, 30_000)

  test('a damaged cache file is ignored and rewritten', async () => {
    const { entry, cacheDir } = await bundle()
    await loadInProcess(entry, cacheDir, 1)
    const entryCache = (await readdir(cacheDir)).find((name) => name.startsWith('press.cjs.'))!
    await writeFile(path.join(cacheDir, entryCache), 'not a code cache')
    expect(await loadInProcess(entry, cacheDir, 3)).toEqual({ value: 6, stats: { chunks: 2, cached: 1 } })
    expect(await loadInProcess(entry, cacheDir, 3)).toEqual({ value: 6, stats: { chunks: 2, cached: 2 } })
  }, 30_000)

  test('a cache folder that cannot be written costs nothing but speed', async () => {
    const { entry, dir } = await bundle()
    const blocked = path.join(dir, 'blocked')
    await writeFile(blocked, 'a file, not a folder')
    const loaded = loadBundle(entry, path.join(blocked, 'cache'))
    expect(() => loaded.saveCache()).not.toThrow()
    expect((loaded.exports['main'] as Main)(5).value).toBe(10)
  })
})
