/**
 * `press build` as a library function: plan the site, write it, and report
 * what was published, held back and re-rendered. One Chromium per build,
 * started only when a PDF actually needs rendering, always closed.
 */
import type { VFileMessage } from 'vfile-message'
import type { Office } from '../office.js'
import type { PdfRenderer } from '../render/pdf.js'
import { planSite, type BuildOptions, type HeldRelease } from './build.js'
import { writeSite, type OnProgress, type WriteReport } from './write.js'

/** The result of a build. */
export interface BuildReport extends WriteReport {
  readonly published: ReadonlyArray<{ slug: string; languages: readonly string[] }>
  readonly held: readonly HeldRelease[]
  readonly messages: readonly VFileMessage[]
}

/**
 * Build the public site of an office into its dist/.
 *
 * @param office The loaded office (without errors).
 * @param options Now, drafts, PDFs.
 * @param hooks `onProgress` (optional).
 * @returns The build report.
 */
export async function buildSite(office: Office, options: BuildOptions, hooks: { onProgress?: OnProgress; env?: NodeJS.ProcessEnv } = {}): Promise<BuildReport> {
  const plan = await planSite(office, options)
  let renderer: PdfRenderer | undefined
  try {
    const report = await writeSite(
      plan,
      { distDir: office.config.paths.dist, stateDir: office.config.paths.state },
      {
        pdf: async () => {
          // Imported only when a PDF must be rendered: puppeteer takes a
          // noticeable time to load, and `--no-pdf` or cached builds never need it.
          const [{ createPdfRenderer }, { findChromium }] = await Promise.all([import('../render/pdf.js'), import('../render/find-chromium.js')])
          const executablePath = findChromium(office.config.pdf.chromium, hooks.env ?? process.env)
          renderer = await createPdfRenderer({
            executablePath,
            timeoutMs: office.config.pdf.timeout,
            ...(office.config.pdf.concurrency ? { concurrency: office.config.pdf.concurrency } : {}),
          })
          return renderer
        },
        ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
      },
    )
    return { ...report, published: plan.published, held: plan.held, messages: [...plan.messages, ...report.messages] }
  } finally {
    await renderer?.close()
  }
}
