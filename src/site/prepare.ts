/**
 * The public site of a lift, built ahead of it. What a release's lift makes
 * public is known before the lift, so the worker builds the site as it will
 * be at that instant (pages, PDFs, indexes, feeds) into a staging folder
 * beside dist/, and at the lift only swaps it in, with the same one-rename
 * swap a full build uses. A staged site carries the fingerprint of what it
 * was built from (every output's path and key: releases, catalogs,
 * templates, config, attachments); when the office planned at the lift has
 * another fingerprint (an edit in between), it is thrown away and the
 * caller builds as before. When no file of the office was touched since
 * (the same {@link stampOffice}), the check is skipped: the lift then costs
 * a few stat calls and one rename.
 */
import { copyFile, link, mkdir, readdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { configFileName, type Config } from '../config.js'
import type { Office } from '../office.js'
import { hashOf } from '../hash.js'
import { planSite } from './plan-site.js'
import { buildSite, manifestChanges, type BuildReport, type BuildTarget, type SiteChanges } from './build-site.js'
import { writeAtomic } from '../write-atomic.js'
import { manifestPathOf, readManifest, type Manifest } from './manifest.js'
import { swapIn } from './swap-in.js'

/** A site built ahead for an instant, waiting in its staging folder. */
export interface PreparedSite {
  /** The instant it was built for, epoch ms. */
  readonly now: number
  /** The staging folder and its manifest. */
  readonly staged: BuildTarget
  /** Where it goes when published. */
  readonly target: BuildTarget
  /** Hash of every output's path and key. */
  readonly fingerprint: string
  /** The build into the staging folder. */
  readonly report: BuildReport
  /** {@link stampOffice} taken before the office it was built from was loaded (optional). */
  readonly stamp?: string
}

/** What {@link publishPrepared} did. */
export type PublishResult =
  { readonly published: true; readonly changes: SiteChanges } | { readonly published: false; readonly reason: string }

/** Options of {@link prepareSite}. */
export interface PrepareOptions {
  /** The instant to build for (a lift), epoch ms. */
  readonly now: number
  /** Render PDFs (default true). */
  readonly pdf?: boolean
  /** Where it will be published (default the office's dist/ and its manifest). */
  readonly target?: BuildTarget
  readonly env?: NodeJS.ProcessEnv
  /** {@link stampOffice} taken before `office` was loaded, kept for the check at the lift (optional). */
  readonly stamp?: string
}

/**
 * Build the site as it will be at `options.now` into a staging folder
 * beside the target, starting from a hard-linked copy of the target so
 * only what changes is rendered. The target is not touched.
 *
 * @param office The loaded office (without errors).
 * @param options Instant, PDFs, target, environment.
 * @returns The staged site, for {@link publishPrepared}.
 */
export async function prepareSite(office: Office, options: PrepareOptions): Promise<PreparedSite> {
  const target = options.target ?? { distDir: office.config.paths.dist, manifestPath: manifestPathOf(office.config.paths.state) }
  const staged = stagingFor(office.config.paths.state, target, options.now)
  await discard(staged)
  // Start from what is public now: unchanged files are links, not renders.
  if (await cloneTree(target.distDir, staged.distDir)) {
    await mkdir(path.dirname(staged.manifestPath), { recursive: true })
    await writeAtomic(staged.manifestPath, JSON.stringify(await readManifest(office.config.paths.state, target.manifestPath)))
  }
  const report = await buildSite(
    office,
    { now: options.now, ...(options.pdf === false ? { pdf: false } : {}) },
    { target: staged, ...(options.env ? { env: options.env } : {}) },
  )
  const fingerprint = fingerprintOf(await readManifest(office.config.paths.state, staged.manifestPath))
  return { now: options.now, staged, target, fingerprint, report, ...(options.stamp === undefined ? {} : { stamp: options.stamp }) }
}

/**
 * A cheap stamp of everything a site is built from: the name, size,
 * inode and change times of every file under the releases, templates and
 * locales folders, and of pressroom.yaml. Taken before loading the office
 * a site is prepared from, and again at the lift: the same stamp means no
 * file was touched in between, so the prepared site can be swapped in
 * without loading and planning the office again.
 *
 * @param config The office's config.
 * @returns A hash.
 */
export async function stampOffice(config: Config): Promise<string> {
  const parts: string[] = []
  const add = async (file: string): Promise<void> => {
    try {
      const s = await stat(file, { bigint: true })
      parts.push(file, String(s.size), String(s.ino), String(s.mtimeNs), String(s.ctimeNs))
    } catch {
      parts.push(file, 'missing')
    }
  }
  await add(path.join(config.root, configFileName))
  for (const dir of [config.paths.releases, config.paths.templates, config.paths.locales]) {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
    const files = entries.map((e) => path.join(e.parentPath, e.name)).sort()
    await add(dir)
    for (let i = 0; i < files.length; i += 64) {
      const batch = files.slice(i, i + 64)
      const stamps = await Promise.all(
        batch.map(async (file) =>
          stat(file, { bigint: true }).then(
            (s) => [file, String(s.size), String(s.ino), String(s.mtimeNs), String(s.ctimeNs)],
            () => [file, 'missing'],
          ),
        ),
      )
      for (const one of stamps) parts.push(...one)
    }
  }
  return hashOf(...parts)
}

/**
 * Swap a prepared site into its target. With `verify`, only if the office
 * (as loaded now) still plans exactly that site at `verify.now`; otherwise
 * it is thrown away. Without it, the caller vouches that nothing the site
 * is built from changed since it was prepared (the same {@link stampOffice}).
 *
 * @param prepared What {@link prepareSite} returned.
 * @param options `stateDir`: the office's .press/; `verify`: the office as it
 *   is now, the instant to plan it at (the lift, or later), PDFs as prepared.
 * @returns Whether it was published, and what changed in the target.
 */
export async function publishPrepared(
  prepared: PreparedSite,
  options: { stateDir: string; verify?: { office: Office; now: number; pdf?: boolean } },
): Promise<PublishResult> {
  const { verify } = options
  if (verify) {
    const plan = await planSite(verify.office, { now: verify.now, ...(verify.pdf === false ? { pdf: false } : {}) })
    const first: Record<string, string> = {}
    for (const output of plan.outputs) first[output.path] ??= output.key
    if (fingerprintOf({ version: 1, files: first }) !== prepared.fingerprint) {
      await discard(prepared.staged)
      return { published: false, reason: 'the office changed after the site was prepared' }
    }
  }
  const { stateDir } = options
  const before = await readManifest(stateDir, prepared.target.manifestPath)
  const after = await readManifest(stateDir, prepared.staged.manifestPath)
  try {
    await swapIn(prepared.staged.distDir, prepared.target.distDir, stateDir)
  } catch (error) {
    await discard(prepared.staged)
    return { published: false, reason: `the prepared site could not be swapped in (${(error as Error).message})` }
  }
  // After the swap, as a build writes it: a crash in between leaves a manifest
  // that trusts fewer files, never more.
  await writeAtomic(prepared.target.manifestPath, JSON.stringify(after))
  await rm(prepared.staged.manifestPath, { force: true })
  return { published: true, changes: manifestChanges(before, after) }
}

/**
 * Throw a prepared site away (its lift will not be published from it, e.g.
 * the worker stops before it).
 *
 * @param prepared What {@link prepareSite} returned.
 */
export async function discardPrepared(prepared: PreparedSite): Promise<void> {
  await discard(prepared.staged)
}

/**
 * The staging folder for a target and an instant: beside the target (so
 * the swap is one rename on one file system), its manifest in
 * `.press/prepared/`.
 *
 * @param stateDir Absolute .press/ path.
 * @param target The folder it will replace.
 * @param now The instant.
 * @returns The staging target.
 */
export function stagingFor(stateDir: string, target: BuildTarget, now: number): BuildTarget {
  const instant = new Date(now).toISOString().replace(/[:.]/g, '-')
  const base = path.basename(target.distDir)
  return {
    distDir: path.join(path.dirname(target.distDir), `.${base}.prepared-${instant}`),
    manifestPath: path.join(stateDir, 'prepared', `${base}-${instant}.manifest.json`),
  }
}

/** Hash of a manifest's paths and keys, in path order. */
function fingerprintOf(manifest: Manifest): string {
  const files = Object.keys(manifest.files).sort()
  return hashOf(...files.flatMap((file) => [file, manifest.files[file]!]))
}

async function discard(staged: BuildTarget): Promise<void> {
  await Promise.all([rm(staged.distDir, { recursive: true, force: true }), rm(staged.manifestPath, { force: true })])
}

/**
 * Remove the staging folders of a target (left by a worker killed before
 * its lift). Call it before preparing anything: it removes them all.
 *
 * @param stateDir Absolute .press/ path.
 * @param target The folder the stagings were prepared for.
 */
export async function removeStagings(stateDir: string, target: BuildTarget): Promise<void> {
  const parent = path.dirname(target.distDir)
  const prefix = `.${path.basename(target.distDir)}.prepared-`
  const names = await readdir(parent).catch(() => [] as string[])
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix))
      .map((name) => {
        const instant = name.slice(prefix.length)
        return discard({
          distDir: path.join(parent, name),
          manifestPath: path.join(stateDir, 'prepared', `${path.basename(target.distDir)}-${instant}.manifest.json`),
        })
      }),
  )
}

/**
 * Copy a folder tree as hard links (copies across file systems); false when
 * `from` does not exist.
 */
async function cloneTree(from: string, to: string): Promise<boolean> {
  let entries
  try {
    entries = await readdir(from, { recursive: true, withFileTypes: true })
  } catch {
    return false
  }
  await mkdir(to, { recursive: true })
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => path.join(to, path.relative(from, path.join(e.parentPath, e.name))))
  for (const dir of dirs.sort()) await mkdir(dir, { recursive: true })
  const files = entries.filter((e) => e.isFile()).map((e) => path.relative(from, path.join(e.parentPath, e.name)))
  for (let i = 0; i < files.length; i += 64) {
    await Promise.all(
      files.slice(i, i + 64).map(async (file) => {
        try {
          await link(path.join(from, file), path.join(to, file))
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EXDEV' && (error as NodeJS.ErrnoException).code !== 'EPERM') throw error
          await copyFile(path.join(from, file), path.join(to, file))
        }
      }),
    )
  }
  return true
}
