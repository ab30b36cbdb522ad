/**
 * A cache of parsed releases in `.press/cache/releases/`, so a build after
 * editing one release re-reads and re-validates that release only.
 *
 * A release folder is reused while its fingerprint is unchanged: the names,
 * sizes, modification and change times and inode numbers of the files in
 * it. Only releases that loaded without any message are kept (a warning is
 * reported on every run), and the whole cache is dropped when the
 * configuration, the loader, V8 or the time-zone data changes
 * ({@link releaseCacheKey}). The fingerprint is taken before the files are
 * read, so an edit made while loading is seen by the next run.
 *
 * The releases are spread over {@link shardCount} files by folder name, in
 * V8's serialization format (`node:v8`), and only the files holding a
 * changed release are rewritten. For 1,000 releases in two languages (12 MB
 * as JSON) one JSON file took 70–80 ms to read and parse and 100 ms to
 * rewrite on every build that changed anything; the shards take about 30 ms
 * to read and a few to rewrite after one edit.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { deserialize, serialize } from 'node:v8'
import type { Config } from '../config.js'
import { hashOf } from '../hash.js'
import type { Release } from '../types.js'
import { writeAtomic } from '../write-atomic.js'

/**
 * Bump when loading a release changes what it produces. 2: the loader
 * refuses unsafe files, active attachments, invalid UTF-8 and Markdown over
 * its limits, so releases cached by an earlier loader are read again.
 */
const loaderVersion = '2'

/** How many files the cache is spread over; a change rewrites 1/16 of it. */
export const shardCount = 16

type Entry = { readonly fingerprint: string; readonly release: Release }

/** What one shard file holds. */
interface ShardFile {
  readonly key: string
  readonly releases: Record<string, Entry>
}

/** Parsed releases from an earlier run, and the ones to keep for the next. */
export interface ReleaseCache {
  /** The cached release of folder `name` when its fingerprint still matches. */
  lookup(name: string, fingerprint: string): Release | undefined
  /** Keep `release` (loaded without messages) for the next run. */
  keep(name: string, fingerprint: string, release: Release): void
  /** Write the shards that changed; folders not looked up or kept are dropped. */
  save(): Promise<void>
}

/**
 * The shard file of a release folder: a string hash of its name (FNV-1a),
 * so a folder stays in the same file from run to run.
 *
 * @param name The release folder's name.
 * @returns 0 to {@link shardCount} − 1.
 */
export function shardOf(name: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193)
  return (hash >>> 0) % shardCount
}

/**
 * The folder of the cache files of an office.
 *
 * @param config The office configuration.
 * @returns Absolute path of `.press/cache/releases/`.
 */
export function releaseCacheDir(config: Config): string {
  return path.join(config.paths.state, 'cache', 'releases')
}

/**
 * What a cached release depends on besides its folder: the loader, the
 * configuration (contacts, locales, lists), V8 (which owns the file format)
 * and the time-zone database, which turns an `embargo` with an
 * `embargo_zone` into its lift instant: a Node update with new zone rules
 * must not keep lifts computed with the old ones.
 *
 * @param config The office configuration.
 * @param versions Node's `process.versions` (optional; a parameter for tests).
 * @returns The key every shard must carry to be used.
 */
export function releaseCacheKey(config: Config, versions: Readonly<Partial<Record<string, string>>> = process.versions): string {
  return hashOf(loaderVersion, versions['v8'] ?? '', versions['icu'] ?? '', versions['tz'] ?? '', JSON.stringify(config))
}

/**
 * Open the release cache of an office.
 *
 * @param config The office configuration (part of the cache key).
 * @returns The cache; a missing, unreadable or outdated shard counts as empty.
 */
export async function openReleaseCache(config: Config): Promise<ReleaseCache> {
  const dir = releaseCacheDir(config)
  const key = releaseCacheKey(config)
  const file = (shard: number): string => path.join(dir, `${shard.toString(16).padStart(2, '0')}.v8`)
  const previous: Array<Record<string, Entry>> = []
  for (let shard = 0; shard < shardCount; shard++) {
    let releases: Record<string, Entry> = {}
    try {
      // Synchronous: 16 files read back to back are faster than 16 thread-pool round trips.
      const parsed = deserialize(readFileSync(file(shard))) as ShardFile
      if (parsed.key === key && parsed.releases !== null && typeof parsed.releases === 'object') releases = parsed.releases
    } catch {
      // No cache yet, or a damaged shard: its releases are read again.
    }
    previous.push(releases)
  }
  const next: Array<Map<string, Entry>> = previous.map(() => new Map())
  const changed = new Set<number>()
  return {
    lookup(name, fingerprint) {
      const shard = shardOf(name)
      const entry = Object.hasOwn(previous[shard]!, name) ? previous[shard]![name]! : undefined
      if (entry === undefined || entry.fingerprint !== fingerprint) return undefined
      next[shard]!.set(name, entry)
      return entry.release
    },
    keep(name, fingerprint, release) {
      const shard = shardOf(name)
      next[shard]!.set(name, { fingerprint, release })
      changed.add(shard)
    },
    async save() {
      const dirty = next.flatMap((releases, shard) =>
        changed.has(shard) || releases.size !== Object.keys(previous[shard]!).length ? [shard] : [],
      )
      if (dirty.length === 0) return
      try {
        await Promise.all(
          dirty.map((shard) =>
            writeAtomic(file(shard), serialize({ key, releases: Object.fromEntries(next[shard]!) } satisfies ShardFile)),
          ),
        )
        // The single JSON file of earlier versions, if any, is only dead weight now.
        await rm(path.join(config.paths.state, 'cache', 'releases.json'), { force: true })
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
