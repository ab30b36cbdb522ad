/**
 * `press build` as a library function: plan the site, write it, and report
 * what was published, held back and re-rendered. One Chromium per build,
 * always closed: started at once for a first build with PDFs, otherwise only
 * when a PDF actually needs rendering.
 */
import { readdir } from 'node:fs/promises'
import type { VFileMessage } from 'vfile-message'
import { checkRendered } from '../check-rendered.js'
import { diagnostic, hasErrors } from '../diagnostics.js'
import { checkReadiness } from '../release/readiness.js'
import { translationStates } from '../release/translation-status.js'
import type { Office } from '../office.js'
import type { PdfRenderer } from '../render/pdf.js'
import { pdfCacheDir } from '../render/pdf-cache.js'
import { planSite, type BuildOptions, type HeldRelease, type SitePlan } from './plan-site.js'
import { manifestPathOf, readManifest, type Manifest } from './manifest.js'
import { writeSite, type OnProgress, type WriteReport } from './write.js'

/** The result of a build. */
export interface BuildReport extends WriteReport {
  readonly published: ReadonlyArray<{ slug: string; languages: readonly string[] }>
  readonly held: readonly HeldRelease[]
  readonly messages: readonly VFileMessage[]
  /** Files of the output folder written with new content, and files removed (paths relative to it): what a deploy must copy. */
  readonly changes: SiteChanges
}

/** What a build changed in its output folder, relative paths with `/`. */
export interface SiteChanges {
  readonly changed: readonly string[]
  readonly removed: readonly string[]
}

/** Where a build writes instead of the office's dist/ (a rehearsal, a build prepared ahead of a lift). */
export interface BuildTarget {
  /** Absolute output folder. */
  readonly distDir: string
  /** Absolute path of its own manifest file. */
  readonly manifestPath: string
}

/**
 * The files that differ between two manifests: new or re-keyed ones, and
 * ones no longer there.
 *
 * @param before The manifest of the folder before.
 * @param after The manifest after.
 * @returns Sorted lists.
 */
export function manifestChanges(before: Manifest, after: Manifest): SiteChanges {
  const changed = Object.keys(after.files)
    .filter((file) => before.files[file] !== after.files[file])
    .sort()
  const removed = Object.keys(before.files)
    .filter((file) => after.files[file] === undefined)
    .sort()
  return { changed, removed }
}

/**
 * Build the public site of an office into its dist/.
 *
 * @param office The loaded office (without errors).
 * @param options Now, drafts, PDFs.
 * @param hooks `onProgress` (optional): after each output; `onPlanned` (optional):
 *   once the outputs are known, with how many of each kind (pages and other
 *   text files, PDFs, copied files), so progress can show real totals;
 *   `env` (optional; default none): where Chromium is looked for
 *   (`PUPPETEER_EXECUTABLE_PATH`, `PATH`) besides `pdf.chromium` and the
 *   well-known paths; `target`: another output folder and manifest than
 *   dist/'s (optional).
 * @returns The build report.
 */
export async function buildSite(
  office: Office,
  options: BuildOptions,
  hooks: {
    onProgress?: OnProgress
    onPlanned?: (counts: { text: number; pdf: number; copy: number }) => void
    env?: NodeJS.ProcessEnv
    target?: BuildTarget
  } = {},
): Promise<BuildReport> {
  // What `press check` rejects in the catalogs and templates is not published:
  // an error stops the build before anything is rendered or written.
  const problems = [
    ...checkRendered(office),
    ...(await checkReadiness(
      office.config,
      office.releases.filter((r) => options.only === undefined || r.slug === options.only),
      options.now,
    )),
  ]
  if (hasErrors(problems))
    return {
      pages: { rendered: 0, reused: 0 },
      pdfs: { rendered: 0, reused: 0 },
      files: 0,
      messages: problems,
      published: [],
      held: [],
      changes: { changed: [], removed: [] },
    }
  const distDir = hooks.target?.distDir ?? office.config.paths.dist
  const manifestPath = hooks.target?.manifestPath ?? manifestPathOf(office.config.paths.state)
  const startRenderer = async (): Promise<PdfRenderer> => {
    // Imported only when a PDF must be rendered: puppeteer takes a
    // noticeable time to load, and `--no-pdf` or cached builds never need it.
    const [{ createPdfRenderer }, { findChromium }] = await Promise.all([import('../render/pdf.js'), import('../render/find-chromium.js')])
    const executablePath = findChromium(office.config.pdf.chromium, hooks.env ?? {})
    return createPdfRenderer({
      executablePath,
      timeoutMs: office.config.pdf.timeout,
      ...(office.config.pdf.concurrency ? { concurrency: office.config.pdf.concurrency } : {}),
    })
  }
  // A first build with PDFs renders every one of them: start Chromium now, so
  // that it comes up while the site is planned and the pages are written.
  // Otherwise it starts when the writer finds a PDF to render.
  let renderer: Promise<PdfRenderer> | undefined =
    options.pdf !== false && (await pdfCacheIsEmpty(office.config.paths.state)) ? startRenderer() : undefined
  // A failed early start is reported only if a PDF needs the renderer.
  renderer?.catch(() => undefined)
  try {
    const plan = await planSite(office, options)
    if (hooks.onPlanned) {
      const counts = { text: 0, pdf: 0, copy: 0 }
      for (const output of plan.outputs) counts[output.kind]++
      hooks.onPlanned(counts)
    }
    const previous = await readManifest(office.config.paths.state, manifestPath)
    const report = await writeSite(
      plan,
      { distDir, stateDir: office.config.paths.state, manifestPath },
      {
        pdf: () => (renderer ??= startRenderer()),
        previous,
        ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
      },
    )
    const changes = manifestChanges(previous, await readManifest(office.config.paths.state, manifestPath))
    return {
      ...report,
      published: plan.published,
      held: plan.held,
      messages: [...problems, ...stalePublished(office, plan.published), ...plan.messages, ...report.messages],
      changes,
    }
  } finally {
    await renderer?.then(
      (r) => r.close(),
      () => undefined,
    )
  }
}

/**
 * A warning for each published translation that is stale: in lenient mode
 * it is published as it is, and the build says so (where it matters).
 */
function stalePublished(office: Office, published: SitePlan['published']): VFileMessage[] {
  const out: VFileMessage[] = []
  for (const { slug, languages } of published) {
    const release = office.releases.find((r) => r.slug === slug)
    if (!release) continue
    for (const state of translationStates(release, languages)) {
      if (state.state !== 'stale') continue
      out.push(
        diagnostic(
          state.path!,
          undefined,
          'warning',
          `published the stale ${state.lng} translation: ${release.source}.md changed since it was translated, so the ${state.lng} page and PDF say what the source said before; update it, then set source_hash: ${state.current}`,
          'translation-stale',
          'press:translate',
        ),
      )
    }
  }
  return out
}

/** Whether no PDF was ever rendered into this state folder's cache. */
async function pdfCacheIsEmpty(stateDir: string): Promise<boolean> {
  try {
    return (await readdir(pdfCacheDir(stateDir))).length === 0
  } catch {
    return true
  }
}
