/**
 * PDF rendering: a job's HTML printed by a page of the browser pool
 * (browser-pool.ts) behind the request fence (request-fence.ts), the web
 * fonts it prints with loaded first (load-print-fonts.ts), a tighter second
 * print when a short page 2 can go, and the document metadata appended
 * (set-pdf-metadata.ts).
 *
 * Security model: page scripts are off, and every request a page makes goes
 * through request interception. Each page sits on an empty document at
 * http://pressroom.invalid/ and a job's HTML is written into it; files under
 * the job's mounts are answered from disk, everything else is refused and
 * listed in `blocked`. Chromium's host resolver is fenced as well, and the
 * browser is driven over a pipe, so no DevTools port is open.
 */
import { PdfError, PressError, RenderTimeoutError } from '../errors.js'
import { defaultConcurrency, launchBrowserPool, loadStartingDocument, type PageSlot } from './browser-pool.js'
import { loadPrintFonts } from './load-print-fonts.js'
import { cleanPdfText, headingsOf, pageWeights } from './pdf-text.js'
import { printToPdfParameters, type PaperFormat } from './print-to-pdf-parameters.js'
import { holdsStaleResources, resolveMounts, type FenceSession } from './request-fence.js'
import { setPdfMetadata, type PdfMetadata } from './set-pdf-metadata.js'

/** One document to print. */
export interface PdfJob {
  /** A complete HTML document (the print template's output). */
  readonly html: string
  /**
   * URL path prefix -> absolute directory. The document is served at
   * http://pressroom.invalid/ ; a request for /release/img.png with mount
   * {'/release/': '/abs/releases/x'} is answered from that directory.
   * Nothing else is served.
   */
  readonly mounts: Readonly<Record<string, string>>
  /** Paper size, unless the document sets `@page { size }`. */
  readonly format: PaperFormat
  readonly metadata: PdfMetadata
  /** For messages, e.g. 'releases/x/ru.md'. */
  readonly label: string
}

/** What a render produced. */
export interface PdfResult {
  readonly pdf: Uint8Array
  /** URLs the document asked for and was refused, in request order, without duplicates. */
  readonly blocked: readonly string[]
  /** Printed with the tighter setting (`html.press-tight`) so that a short page 2 went away. */
  readonly tightened?: boolean
}

/** A pool of Chromium pages that turns HTML into PDF. */
export interface PdfRenderer {
  /** Render one job; calls beyond `concurrency` wait for a free page. */
  render(job: PdfJob): Promise<PdfResult>
  /** Close the browser and remove its profile directory. Safe to call twice. */
  close(): Promise<void>
  /** Process id of the browser (for diagnostics and tests; fakes may omit it). */
  readonly pid?: number | undefined
  /** The browser's temporary profile directory, removed by `close()` (fakes may omit it). */
  readonly userDataDir?: string
}

/** Options for {@link createPdfRenderer}. */
export interface PdfRendererOptions {
  /** Chromium binary: the caller finds it (findChromium with the config and the environment). */
  readonly executablePath: string
  /** Number of pages rendering at once (default: available parallelism clamped to 2..4). */
  readonly concurrency?: number
  /** Per-render limit in ms, from getting a page to having the PDF (default 30000). */
  readonly timeoutMs?: number
}

/**
 * Launch Chromium and return a renderer backed by a pool of pages.
 *
 * @param options Executable, pool size (optional) and timeout (optional).
 * @returns A renderer; call `close()` in a `finally`.
 * @throws {PressError} when the browser cannot be started.
 */
export async function createPdfRenderer(options: PdfRendererOptions): Promise<PdfRenderer> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? defaultConcurrency()))
  const timeoutMs = options.timeoutMs ?? 30_000
  const pool = await launchBrowserPool({ executablePath: options.executablePath, concurrency, timeoutMs })
  let closing: Promise<void> | undefined

  async function render(job: PdfJob): Promise<PdfResult> {
    const session: FenceSession = { mounts: await resolveMounts(job.mounts, job.label), blocked: new Set() }
    const slot = await pool.acquire()
    slot.session = session
    let timer: NodeJS.Timeout | undefined
    let healthy = false
    try {
      const work = printPage(slot, job, session)
      // The losing promise must not become an unhandled rejection.
      work.catch(() => undefined)
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RenderTimeoutError(job.label, timeoutMs)), timeoutMs)
      })
      const { pdf: raw, tightened } = await Promise.race([work, timeout])
      healthy = true
      // Text as the page reads: no soft hyphens inside words, outline titles with their spaces (pdf-text.ts).
      return {
        pdf: setPdfMetadata(cleanPdfText(raw, headingsOf(job.html)), job.metadata),
        blocked: [...session.blocked],
        ...(tightened ? { tightened } : {}),
      }
    } catch (error) {
      if (error instanceof PressError) throw error
      throw pool.unusable() ?? new PdfError(`Rendering ${job.label} to PDF failed: ${(error as Error).message}`, { cause: error })
    } finally {
      clearTimeout(timer)
      slot.session = undefined
      pool.release(slot, healthy)
    }
  }

  return {
    render,
    close() {
      closing ??= pool.close()
      return closing
    },
    pid: pool.pid,
    userDataDir: pool.userDataDir,
  }
}

/** Load the job's document, load the web fonts it prints with, print. */
async function printPage(slot: PageSlot, job: PdfJob, session: FenceSession): Promise<{ pdf: Uint8Array; tightened: boolean }> {
  const page = slot.page
  // Writing into the existing document (what page.setContent does) costs a
  // fraction of a navigation; navigate only when reused resources would be
  // wrong, e.g. /release/photo.jpg now meaning another release's photo.
  // Timeouts are ours (see render); puppeteer's own would race with them.
  if (holdsStaleResources(slot.served, session)) await loadStartingDocument(slot, 0)
  // document.open/write/close from CDP (our code, not a page script): the
  // URL stays http://pressroom.invalid/ and scripts in the HTML stay off.
  await page.setContent(job.html, { waitUntil: 'load', timeout: 0 })
  // Fonts used only in @page margin boxes are first needed while printing,
  // too late for the PDF, which then falls back to a system font; see
  // loadPrintFonts. This is our code, not a page script: CDP evaluation
  // works with page scripts disabled.
  await page.evaluate(loadPrintFonts)
  const first = await printToPdf(slot, job.format)
  // A page 2 that holds only a little (the contacts and the boilerplate, a
  // few lines) is worth one more try with the print CSS's tighter setting
  // (`html.press-tight`): kept when it fits on one page.
  const weights = pageWeights(first)
  if (weights.length !== 2 || weights[1]! > weights[0]! * tightenBelow) return { pdf: first, tightened: false }
  await page.evaluate(() => document.documentElement.classList.add('press-tight'))
  const tight = await printToPdf(slot, job.format)
  return pageWeights(tight).length === 1 ? { pdf: tight, tightened: true } : { pdf: first, tightened: false }
}

/** Page 2 is worth a tighter try when it has less than this share of page 1's content. */
const tightenBelow = 0.2

/** Print the loaded document; the whole PDF comes back as base64 in one reply (print-to-pdf-parameters.ts). */
async function printToPdf(slot: PageSlot, format: PaperFormat): Promise<Uint8Array> {
  const { data } = await slot.cdp.send('Page.printToPDF', printToPdfParameters(format))
  const pdf = Buffer.from(data, 'base64')
  return new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength)
}
