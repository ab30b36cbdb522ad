/**
 * Public assets with content-hashed names: the templates' assets (CSS,
 * fonts, images; `url()` references inside CSS rewritten to the hashed
 * names) and the files of published releases (images, attachments).
 */
import path from 'node:path'
import { hashOf } from '../hash.js'
import { activeContentOf } from '../release/active-types.js'
import { inspectFile, readSafeFile, UnsafeFileError } from '../safe-file.js'

/** One public asset. */
export interface Asset {
  /** Path inside dist/, e.g. `assets/site.3f2a1c0d9e8b7a65.css`. */
  readonly path: string
  /** Absolute source file, when copied verbatim. */
  readonly from?: string
  /** Contents, when rewritten. */
  readonly data?: Uint8Array
}

/** Hashed name: `fonts/pt-serif.woff2` + hash → `fonts/pt-serif.<hash8>.woff2`. */
export function hashedName(name: string, hash: string): string {
  const ext = path.posix.extname(name)
  return `${name.slice(0, name.length - ext.length)}.${hash.slice(0, 8)}${ext}`
}

/**
 * Hash the templates' assets.
 *
 * @param assetsDir Absolute path of templates/assets/.
 * @param names Asset names relative to it.
 * @returns name → asset (paths under `assets/`).
 */
export async function templateAssets(assetsDir: string, names: readonly string[]): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>()
  const css: string[] = []
  for (const name of names) {
    if (name.endsWith('.css')) {
      css.push(name)
      continue
    }
    const from = path.join(assetsDir, name)
    const verdict = inspectFile(from, assetsDir)
    if (!verdict.ok) throw new UnsafeFileError(`templates/assets/${name}`, verdict)
    // The real path is what gets linked into dist/: never a link itself.
    out.set(name, {
      path: `assets/${hashedName(name, hashOf(readSafeFile(from, assetsDir, `templates/assets/${name}`)))}`,
      from: verdict.real,
    })
  }
  for (const name of css) {
    const source = readSafeFile(path.join(assetsDir, name), assetsDir, `templates/assets/${name}`).toString('utf8')
    const dir = path.posix.dirname(name)
    const rewritten = source.replace(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g, (all, quote: string, ref: string) => {
      if (/^(data:|https?:|\/|#)/.test(ref)) return all
      const target = path.posix.normalize(path.posix.join(dir, ref.split(/[?#]/)[0]!))
      const asset = out.get(target)
      if (!asset) return all
      const relative = path.posix.relative(path.posix.join('assets', dir), asset.path)
      return `url(${quote}${relative}${quote})`
    })
    const data = new TextEncoder().encode(rewritten)
    out.set(name, { path: `assets/${hashedName(name, hashOf(data))}`, data })
  }
  return out
}

/**
 * Hash the files of a release that its page links to.
 *
 * @param dir Absolute release folder.
 * @param names File names in it.
 * @returns name → asset (paths under `assets/files/`); files that do not exist are left out.
 */
export async function releaseFiles(dir: string, names: Iterable<string>): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>()
  for (const name of new Set(names)) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) continue
    const from = path.join(dir, name)
    const verdict = inspectFile(from, dir)
    // A missing local reference stays as written; `press check` reports attachments.
    if (!verdict.ok && verdict.reason === 'unreadable') continue
    const shown = `${path.basename(path.dirname(dir))}/${path.basename(dir)}/${name}`
    if (!verdict.ok) throw new UnsafeFileError(shown, verdict)
    const bytes = readSafeFile(from, dir, shown)
    // Active types (HTML, an SVG with a script, …) are never published; `press check` reports them.
    if (activeContentOf(name, bytes) !== undefined) continue
    // The real path is what gets linked into dist/: never a link itself.
    out.set(name, { path: `assets/files/${hashedName(name, hashOf(bytes))}`, from: verdict.real })
  }
  return out
}
