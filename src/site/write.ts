/**
 * Write a planned site. Everything is rendered into a temp folder beside
 * dist/ first, so a failure leaves the previous dist/ exactly as it was.
 * Outputs whose key is unchanged since the last build are not rendered again.
 * A large change is assembled as a whole new dist/ (unchanged files
 * hard-linked from the old one, or from the PDF cache in .press/) and
 * swapped in; a small one (an edited release) renames only the changed
 * files into dist/.
 */
import { readdirSync, type Dirent } from 'node:fs'
import { access, copyFile, link, mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { pdfCacheDir } from '../render/pdf-cache.js'
import type { SitePlan } from './plan-site.js'
import type { PlannedOutput } from './planned-output.js'
import type { PdfRenderer } from '../render/pdf.js'
import type { VFileMessage } from 'vfile-message'
import { diagnostic } from '../diagnostics.js'
import { writeAtomic } from '../write-atomic.js'
import { manifestPathOf, readManifest, type Manifest } from './manifest.js'
import { assertOwnedDist, buildMarkerName, buildMarkerText } from './owned-dist.js'
import { removeStaleTemps, swapIn } from './swap-in.js'

/** Where things go. */
export interface WriteTargets {
  /** Absolute dist/ path. */
  readonly distDir: string
  /** Absolute .press/ path (manifest, PDF cache). */
  readonly stateDir: string
  /** The manifest of this output folder (optional; default `<stateDir>/build-manifest.json`): a rehearsal or a staged build keeps its own. */
  readonly manifestPath?: string
}

/** Counts of what the writer did. */
export interface WriteReport {
  readonly pages: { rendered: number; reused: number }
  readonly pdfs: { rendered: number; reused: number }
  readonly files: number
  readonly messages: readonly VFileMessage[]
}

/** Progress callback: one call per finished output. */
export type OnProgress = (done: number, total: number, output: PlannedOutput) => void

/**
 * Write `plan` to `targets.distDir`. Nothing in dist/ changes until every
 * output is rendered. When most of dist/ is already current (an edit to one
 * release) only the changed files are renamed into place, each atomically,
 * and files no longer planned are removed; otherwise the new dist/ is
 * assembled beside the old one and swapped in whole.
 *
 * @param plan The planned site.
 * @param targets dist/ and .press/ paths.
 * @param deps `pdf`: a renderer (required when the plan has PDFs); `onProgress` (optional);
 *   `previous`: the last build's manifest, when the caller has read it already (optional).
 * @returns What was rendered and reused.
 */
export async function writeSite(
  plan: SitePlan,
  targets: WriteTargets,
  deps: { pdf?: () => Promise<PdfRenderer>; onProgress?: OnProgress; previous?: Manifest },
): Promise<WriteReport> {
  const { distDir, stateDir } = targets
  const manifestPath = targets.manifestPath ?? manifestPathOf(stateDir)
  const present = listTree(distDir)
  const old = deps.previous ?? (await readManifest(stateDir, manifestPath))
  const marked = present?.delete(buildMarkerName) === true
  if (present !== undefined && !marked) assertOwnedDist(distDir, present, old)
  const tmp = path.join(path.dirname(distDir), `.${path.basename(distDir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
  const pdfCache = pdfCacheDir(stateDir)
  const counts = { pages: { rendered: 0, reused: 0 }, pdfs: { rendered: 0, reused: 0 } }
  const messages: VFileMessage[] = []
  const manifest: Manifest = { version: 1, files: {} }
  let done = 0
  const total = plan.outputs.length
  const finished = (output: PlannedOutput): void => {
    manifest.files[output.path] ??= output.key
    done++
    deps.onProgress?.(done, total, output)
  }
  /** In dist/ as this plan wants it: same key (or kept), and the file is there. */
  const current = (output: PlannedOutput): boolean => {
    if (present === undefined || !present.has(output.path)) return false
    // Copies have content-hashed names: the same path is the same file.
    if (output.kind === 'copy') return true
    return old.files[output.path] === output.key || (output.keep === true && old.files[output.path] !== undefined)
  }
  const stale = plan.outputs.reduce((n, output) => (current(output) ? n : n + 1), 0)
  // In place only for small changes: a full rebuild (a catalog or template
  // edit) is swapped in whole, so no visitor sees half of it.
  const inPlace = present !== undefined && Object.keys(old.files).length > 0 && stale * 4 <= total
  /** Outputs written into tmp that go into dist/ one by one (in-place mode). */
  const staged: PlannedOutput[] = []
  await removeStaleTemps(path.dirname(distDir), path.basename(distDir))
  await mkdir(tmp, { recursive: true })
  await writeFile(path.join(tmp, buildMarkerName), buildMarkerText)
  // Set when the build fails: PDF tasks still queued stop instead of writing
  // into the temp folder after it was removed (which would leave it behind).
  let aborted = false
  let pdfWork: Promise<unknown> = Promise.resolve()
  // One renderer for the whole build; concurrent tasks share the same launch.
  let renderer: Promise<PdfRenderer> | undefined
  try {
    const reuse = async (output: PlannedOutput): Promise<boolean> => {
      const keep = output.kind !== 'copy' && output.keep === true && old.files[output.path] !== undefined
      if (inPlace) {
        if (!current(output)) return false
        if (keep) manifest.files[output.path] = old.files[output.path]!
        return true
      }
      if (old.files[output.path] !== output.key && !keep) return false
      if (keep) {
        const placed = await placeFile(path.join(distDir, output.path), path.join(tmp, output.path))
        if (placed) manifest.files[output.path] = old.files[output.path]!
        return placed
      }
      return placeFile(path.join(distDir, output.path), path.join(tmp, output.path))
    }
    const pdfOutputs = plan.outputs.filter((o): o is Extract<PlannedOutput, { kind: 'pdf' }> => o.kind === 'pdf')
    // The first failed PDF stops the rest (closing the renderer rejects the
    // renders queued or in flight); pdfWork settles only when every task has,
    // so the catch below removes tmp when nothing can write into it any more.
    let pdfFailure: { error: unknown } | undefined
    const stopPdfs = (error: unknown): void => {
      if (pdfFailure !== undefined || aborted) return
      pdfFailure = { error }
      aborted = true
      if (renderer) renderer.then((r) => r.close()).catch(() => undefined)
    }
    const pdfTask = async (output: Extract<PlannedOutput, { kind: 'pdf' }>): Promise<void> => {
      if (aborted) return
      const target = path.join(tmp, output.path)
      const cached = path.join(pdfCache, `${output.key}.pdf`)
      if (await reuse(output)) {
        counts.pdfs.reused++
        return finished(output)
      }
      if (await placeFile(cached, target)) {
        staged.push(output)
        counts.pdfs.reused++
        return finished(output)
      }
      if (!deps.pdf) throw new Error('writeSite: the plan has PDFs but no renderer was given')
      renderer ??= deps.pdf()
      const job = output.job()
      const result = await (await renderer).render(job)
      if (aborted) return
      for (const url of result.blocked) {
        messages.push(
          diagnostic(
            job.label,
            output.locate?.(url),
            'warning',
            `the PDF did not load ${url}: printing reads only the release folder and templates/assets (copy the file into the release folder)`,
            'pdf-blocked',
            'press:pdf',
          ),
        )
      }
      await mkdir(path.dirname(cached), { recursive: true })
      await writeAtomic(cached, result.pdf)
      await placeFile(cached, target)
      staged.push(output)
      counts.pdfs.rendered++
      finished(output)
    }
    const pdfTasks = pdfOutputs.map((output) => pdfTask(output).catch(stopPdfs))
    pdfWork = Promise.all(pdfTasks).then(() => {
      if (pdfFailure) throw pdfFailure.error
    })
    // Keep the PDF work from becoming an unhandled rejection while HTML is written.
    pdfWork.catch(() => undefined)
    // Folders first, once each, so each file below is a single link or write.
    const dirs = [...new Set(plan.outputs.filter((o) => !inPlace || !current(o)).map((o) => path.dirname(path.join(tmp, o.path))))].sort()
    await inBatches(dirs, 64, (dir) => mkdir(dir, { recursive: true }))
    const htmlWork = plan.outputs.filter((o): o is Exclude<PlannedOutput, { kind: 'pdf' }> => o.kind !== 'pdf')
    await inBatches(htmlWork, 32, async (output) => {
      const target = path.join(tmp, output.path)
      if (output.kind === 'copy') {
        if (inPlace && current(output)) return finished(output)
        if (inPlace || !(await placeFile(path.join(distDir, output.path), target))) await placeFile(output.from, target, true)
        staged.push(output)
        return finished(output)
      }
      if (await reuse(output)) {
        if (output.group === 'page') counts.pages.reused++
        return finished(output)
      }
      // Rendering is synchronous CPU work; the batch only overlaps the file I/O.
      await writeFile(target, output.produce())
      staged.push(output)
      if (output.group === 'page') counts.pages.rendered++
      finished(output)
    })
    await pdfWork
    if (inPlace) {
      if (!marked) await writeAtomic(path.join(distDir, buildMarkerName), buildMarkerText)
      await applyInPlace(tmp, distDir, manifestPath, {
        old,
        manifest,
        staged,
        present: present!,
        planned: new Set(plan.outputs.map((o) => o.path)),
      })
      await rm(tmp, { recursive: true, force: true })
    } else {
      await swapIn(tmp, distDir, stateDir)
    }
    await writeAtomic(manifestPath, JSON.stringify(manifest))
  } catch (error) {
    aborted = true
    // Stop the PDF tasks in flight (closing the renderer rejects their
    // renders; close() is safe to call again later) and wait for them before
    // removing the temp folder, so none of them recreates it afterwards.
    if (renderer) await renderer.then((r) => r.close()).catch(() => undefined)
    await pdfWork.catch(() => undefined)
    await rm(tmp, { recursive: true, force: true })
    throw error
  }
  return { ...counts, files: total, messages }
}

/** The order changed files go into dist/: what pages link to before the pages, the lists of pages last. */
const applyOrder: Readonly<Record<string, number>> = Object.freeze({
  copy: 0,
  pdf: 1,
  page: 2,
  asset: 0,
  index: 3,
  feed: 3,
  chooser: 3,
  sitemap: 4,
})

/**
 * Move the staged outputs into dist/ one rename at a time and remove the
 * files no longer planned. The manifest first loses the entries about to
 * change, so a crash halfway leaves those files to be rebuilt, never trusted.
 */
async function applyInPlace(
  tmp: string,
  distDir: string,
  manifestPath: string,
  state: {
    old: Manifest
    manifest: Manifest
    staged: readonly PlannedOutput[]
    present: ReadonlySet<string>
    planned: ReadonlySet<string>
  },
): Promise<void> {
  const { old, staged, present, planned } = state
  const obsolete = [...present].filter((file) => !planned.has(file))
  const touched = new Set([...staged.map((o) => o.path), ...obsolete])
  const interim: Manifest = { version: 1, files: Object.fromEntries(Object.entries(old.files).filter(([file]) => !touched.has(file))) }
  await writeAtomic(manifestPath, JSON.stringify(interim))
  const rank = (output: PlannedOutput): number => applyOrder[output.kind === 'text' ? output.group : output.kind] ?? 0
  const ordered = [...staged].sort((a, b) => rank(a) - rank(b))
  const made = new Set<string>()
  for (let start = 0; start < ordered.length;) {
    // Files of one rank go in together; the next rank waits for them.
    const end = ordered.findIndex((o, i) => i > start && rank(o) !== rank(ordered[start]!))
    const group = ordered.slice(start, end === -1 ? ordered.length : end)
    start = end === -1 ? ordered.length : end
    await inBatches(group, 32, async (output) => {
      const target = path.join(distDir, output.path)
      const dir = path.dirname(target)
      if (!made.has(dir)) {
        made.add(dir)
        await mkdir(dir, { recursive: true })
      }
      await rename(path.join(tmp, output.path), target)
    })
  }
  await inBatches(obsolete, 32, (file) => rm(path.join(distDir, file), { force: true }))
  // Folders left empty by removed files (a withdrawn release's folder).
  const parents = [...new Set(obsolete.map((file) => path.dirname(file)))].sort((a, b) => b.length - a.length)
  for (const parent of parents) {
    for (let dir = parent; dir !== '.' && dir !== ''; dir = path.dirname(dir)) {
      try {
        await rmdir(path.join(distDir, dir))
      } catch {
        break
      }
    }
  }
}

/**
 * Every file under `dir`, as paths relative to it with `/` separators;
 * undefined when `dir` does not exist. Synchronous on purpose: dist/ has a
 * folder per page, and Node 20's recursive `fs.promises.readdir` takes one
 * thread-pool round trip per folder (100–130 ms for 2,000 folders against
 * 15 ms for `readdirSync`), which an incremental build would wait for.
 */
function listTree(dir: string): Set<string> | undefined {
  let entries: Dirent[]
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true })
  } catch {
    return undefined
  }
  const files = new Set<string>()
  for (const entry of entries) {
    if (!entry.isFile()) continue
    const relative = path.relative(dir, path.join(entry.parentPath, entry.name))
    files.add(path.sep === '/' ? relative : relative.split(path.sep).join('/'))
  }
  return files
}

/** Hard-link (or copy) `from` to `to`; false when `from` does not exist. */
async function placeFile(from: string, to: string, mustExist = false): Promise<boolean> {
  try {
    await link(from, to)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      try {
        await access(from)
      } catch (missing) {
        if (mustExist) throw missing
        return false
      }
      // The source exists: the target's folder was missing.
      await mkdir(path.dirname(to), { recursive: true })
      return placeFile(from, to, mustExist)
    }
    if (code === 'EEXIST') return true
    // Another file system, or links not allowed: copy.
    await copyFile(from, to)
    return true
  }
}

/**
 * Run `work` over `items`, at most `size` at a time, in order of start. After
 * a failure no new item starts, and the first error is thrown only once the
 * items in flight have settled, so the caller can clean up behind them.
 */
async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      try {
        await work(items[next++]!)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, lane))
  if (failure) throw failure.error
}
