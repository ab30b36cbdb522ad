/**
 * A cache of parsed releases in `.press/cache/releases.json`, so a build
 * after editing one release re-reads and re-validates that release only.
 *
 * A release folder is reused while its fingerprint is unchanged: the names,
 * sizes, modification and change times and inode numbers of the files in
 * it. Only releases that loaded without any message are kept (a warning is
 * reported on every run), and the whole cache is dropped when the
 * configuration or the loader changes. The fingerprint is taken before the
 * files are read, so an edit made while loading is seen by the next run.
 */
import { readdirSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../config.js'
import { hashOf } from '../hash.js'
import type { Release } from '../types.js'
import { writeAtomic } from '../write-atomic.js'

/** Bump when loading a release changes what it produces. */
const loaderVersion = '1'

interface CacheFile {
  readonly key: string
  readonly releases: Record<string, { readonly fingerprint: string; readonly release: Release }>
}

/** Parsed releases from an earlier run, and the ones to keep for the next. */
export interface ReleaseCache {
  /** The cached release of folder `name` when its fingerprint still matches. */
  lookup(name: string, fingerprint: string): Release | undefined
  /** Keep `release` (loaded without messages) for the next run. */
  keep(name: string, fingerprint: string, release: Release): void
  /** Write the cache when anything changed; folders not looked up or kept are dropped. */
  save(): Promise<void>
}

/**
 * Open the release cache of an office.
 *
 * @param config The office configuration (part of the cache key).
 * @returns The cache; a missing, unreadable or outdated file gives an empty one.
 */
export async function openReleaseCache(config: Config): Promise<ReleaseCache> {
  const file = path.join(config.paths.state, 'cache', 'releases.json')
  const key = hashOf(loaderVersion, JSON.stringify(config))
  let previous: CacheFile['releases'] = {}
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as CacheFile
    if (parsed.key === key && parsed.releases !== null && typeof parsed.releases === 'object') previous = parsed.releases
  } catch {
    // No cache yet, or a damaged one: start empty.
  }
  const next: Record<string, CacheFile['releases'][string]> = {}
  let changed = false
  return {
    lookup(name, fingerprint) {
      const entry = previous[name]
      if (entry === undefined || entry.fingerprint !== fingerprint) return undefined
      next[name] = entry
      return entry.release
    },
    keep(name, fingerprint, release) {
      next[name] = { fingerprint, release }
      changed = true
    },
    async save() {
      if (!changed && Object.keys(next).length === Object.keys(previous).length) return
      const data: CacheFile = { key, releases: next }
      try {
        await writeAtomic(file, JSON.stringify(data))
      } catch {
        // A read-only .press/ only costs speed.
      }
    },
  }
}

/**
 * The fingerprint of a release folder: every entry's name, kind, size,
 * mtime, ctime and inode. Synchronous on purpose: a thousand folders take a
 * few thousand stat calls, which the thread pool makes several times slower.
 *
 * @param dir Absolute path of the release folder.
 * @returns The fingerprint, or undefined when the folder cannot be read.
 */
export function fingerprintFolder(dir: string): string | undefined {
  try {
    const parts: string[] = []
    for (const name of readdirSync(dir).sort()) {
      const info = statSync(path.join(dir, name), { bigint: true })
      parts.push(`${name}\0${info.isFile() ? 'f' : 'o'}:${info.size}:${info.mtimeNs}:${info.ctimeNs}:${info.ino}`)
    }
    return parts.join('\n')
  } catch {
    return undefined
  }
}
