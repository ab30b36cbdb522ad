/**
 * Load the bundled CLI (scripts/bundle.mjs → build/bundle/*.cjs) with V8's
 * code cache. Node 20 compiles every function of a module the first time it
 * runs, on every start (`module.enableCompileCache` came in Node 22), which
 * costs `press build` about 80 ms after a one-release edit. The bundle's
 * chunks are CommonJS so that they can be compiled here with `vm.Script`
 * and `cachedData`: after the command, the bytecode of every function that
 * ran is written to `<bundle>/.cache/` and the next start skips compiling
 * them. A cache file is named by the chunk's content hash (V8 itself
 * compares only the source's length), and V8 ignores one written by another
 * version of itself or with other flags; either way the chunk is compiled
 * afresh and its cache rewritten.
 *
 * Only the bundle's own chunks (`./<name>.cjs`) load through here; anything
 * else a chunk requires (Node's modules, the packages left out of the
 * bundle) goes through Node's `require` as usual. bin/press.js imports this
 * module only, never the rest of build/src/.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import vm from 'node:vm'

/** A loaded bundle. */
export interface LoadedBundle {
  /** The entry chunk's exports. */
  readonly exports: Record<string, unknown>
  /**
   * Write the code cache of every chunk that had none (or a stale one), with
   * the bytecode of the functions run so far; call when the command is done.
   * Errors (a read-only install) are ignored: the cache only saves time.
   */
  saveCache(): void
  /**
   * Chunks loaded so far, and how many of them V8 did not compile afresh
   * (taken from the cache file, or from its own in-memory cache when the
   * same source was compiled before in this process).
   */
  stats(): { readonly chunks: number; readonly cached: number }
}

interface Chunk {
  readonly script: vm.Script
  readonly cacheFile: string
  readonly cached: boolean
}

// What Node wraps a CommonJS module in (Module.wrap); the line breaks keep `//` comments at the end closed.
const wrapperStart = '(function (exports, require, module, __filename, __dirname) { '
const wrapperEnd = '\n});'

/**
 * Load a CommonJS bundle from `entry`, compiling its chunks with the code
 * cache in `cacheDir`.
 *
 * @param entry Absolute path of the entry chunk, e.g. `build/bundle/press.cjs`.
 * @param cacheDir Where the code caches are (created by {@link LoadedBundle.saveCache}).
 * @returns The entry's exports and the cache writer.
 */
export function loadBundle(entry: string, cacheDir: string): LoadedBundle {
  const dir = path.dirname(entry)
  const modules = new Map<string, { exports: Record<string, unknown> }>()
  const chunks: Chunk[] = []

  const load = (file: string): Record<string, unknown> => {
    const known = modules.get(file)
    if (known) return known.exports
    const source = readFileSync(file, 'utf8')
    // V8 checks a code cache against the source's length only, and runs stale
    // bytecode for an edit of the same length: the cache is named by content.
    const cacheFile = path.join(cacheDir, `${path.basename(file)}.${createHash('sha1').update(source).digest('hex').slice(0, 16)}.v8cache`)
    let cachedData: Buffer | undefined
    try {
      cachedData = readFileSync(cacheFile)
    } catch {
      // First run after bundling (or after the chunk changed).
    }
    const script = new vm.Script(`${wrapperStart}${source}${wrapperEnd}`, {
      filename: file,
      ...(cachedData ? { cachedData } : {}),
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    })
    chunks.push({ script, cacheFile, cached: cachedData !== undefined && script.cachedDataRejected !== true })
    const module = { exports: {} as Record<string, unknown> }
    modules.set(file, module)
    const nodeRequire = createRequire(file)
    // The bundle's own chunks come from here; everything else from Node.
    const require = Object.assign(
      (id: string): unknown => (id.startsWith('./') && id.endsWith('.cjs') ? load(path.join(dir, id)) : nodeRequire(id)),
      nodeRequire,
    )
    ;(script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, file, dir)
    return module.exports
  }

  const exports = load(entry)
  return {
    exports,
    saveCache() {
      const stale = chunks.filter((chunk) => !chunk.cached)
      if (stale.length === 0) return
      try {
        mkdirSync(cacheDir, { recursive: true })
        for (const chunk of stale) {
          // Renamed into place: a concurrent `press` reads the old cache or the new, never half.
          // (Not through src/write-atomic.ts: bin/press.js loads this module alone, see above.)
          const tmp = `${chunk.cacheFile}.${process.pid}.tmp`
          writeFileSync(tmp, chunk.script.createCachedData())
          renameSync(tmp, chunk.cacheFile)
        }
      } catch {
        // A read-only build/ only costs speed.
      }
    },
    stats() {
      return { chunks: chunks.length, cached: chunks.filter((chunk) => chunk.cached).length }
    },
  }
}
