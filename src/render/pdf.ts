/**
 * PDF rendering adapter: one locked-down headless Chromium, a small pool of
 * reusable pages, and a minimal metadata post-process.
 *
 * Security model: page scripts are off, and every request a page makes goes
 * through request interception. Each page sits on an empty document at
 * http://pressroom.invalid/ and a job's HTML is written into it; files under
 * the job's mounts are answered from disk, everything else is refused and
 * listed in `blocked`. As a second fence, Chromium's host resolver maps every
 * name (and IP literal) to "not found", so a connection that bypasses
 * interception (preconnect, DNS prefetch) cannot reach the network either.
 * The browser is driven over a pipe, so no DevTools port is open.
 */
import { realpathSync, statSync } from 'node:fs'
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import puppeteer, { type Browser, type CDPSession, type HTTPRequest, type Page } from 'puppeteer'
import { PdfError, PressError, RenderTimeoutError } from '../errors.js'
import { findChromium } from './find-chromium.js'
import { cleanPdfText, headingsOf, pageWeights } from './pdf-text.js'

/** Origin the document is served from; it never resolves, so only interception can answer it. */
export const pdfDocumentOrigin = 'http://pressroom.invalid'
/** URL of the document itself; relative URLs in the print template resolve against it. */
export const pdfDocumentUrl = `${pdfDocumentOrigin}/`

/** Document metadata written into the PDF (Info dictionary and catalog `/Lang`). */
export interface PdfMetadata {
  readonly title: string
  readonly author: string
  readonly subject: string
  /** BCP 47 tag, e.g. `ru`; written to the catalog `/Lang`. */
  readonly lang: string
  readonly keywords?: readonly string[]
}

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
  readonly format: 'A4' | 'Letter'
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
  /** Chromium binary (default: {@link findChromium} with `process.env`). */
  readonly executablePath?: string
  /** Number of pages rendering at once (default: available parallelism clamped to 2..4). */
  readonly concurrency?: number
  /** Per-render limit in ms, from getting a page to having the PDF (default 30000). */
  readonly timeoutMs?: number
}

const emptyOptions: PdfRendererOptions = Object.freeze({})

/** Flags from the project's conventions, plus the resolver fence described at the top. */
const chromiumArgs: readonly string[] = Object.freeze([
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND',
])

/** Per-render state the page's request handler consults. */
interface Session {
  /** Longest prefix first. */
  readonly mounts: readonly Mount[]
  readonly blocked: Set<string>
}

interface Mount {
  readonly prefix: string
  /** Real path of the mount directory (symlinks resolved). */
  readonly root: string
}

interface Slot {
  readonly page: Page
  /** Our own DevTools session on the page, for Page.printToPDF. */
  readonly cdp: CDPSession
  /** True only while the page loads its empty starting document. */
  starting: boolean
  session: Session | undefined
  /**
   * URL -> {@link answerKey} of every subresource answered since the page's
   * document was created. Blink keeps a document's resources by URL and
   * reuses them when new content is written into the same document, even
   * with the cache disabled; a job that would get a different answer for one
   * of these URLs needs a fresh document.
   */
  readonly served: Map<string, string>
}

/** The page's document between jobs; each job writes its content into it. */
const startingDocument = '<!doctype html><html><head><title></title></head><body></body></html>'

/**
 * Launch Chromium and return a renderer backed by a pool of pages.
 *
 * @param options Executable, pool size and timeout (optional).
 * @returns A renderer; call `close()` in a `finally`.
 * @throws {ChromiumNotFoundError} when no browser is found.
 * @throws {PressError} when the browser cannot be started.
 */
export async function createPdfRenderer(options?: PdfRendererOptions): Promise<PdfRenderer> {
  const settings = options ?? emptyOptions
  const executablePath = settings.executablePath ?? findChromium(undefined, process.env)
  const concurrency = Math.max(1, Math.floor(settings.concurrency ?? defaultConcurrency()))
  const timeoutMs = settings.timeoutMs ?? 30_000

  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'pressroom-chromium-'))
  let browser: Browser
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      // A pipe instead of a DevTools port: no local process can attach to the browser.
      pipe: true,
      userDataDir,
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ...chromiumArgs],
      // The caller owns signals (the preview and the worker shut down cleanly on
      // Ctrl-C and close the renderer themselves); puppeteer's handlers would
      // call process.exit and skip that. Chromium exits with its pipe anyway.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    })
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true })
    throw new PdfError(
      `Cannot start Chromium at ${executablePath}: ${(error as Error).message}. ` +
        'Check that the binary runs (`' + executablePath + ' --version`), or point `pdf.chromium` in pressroom.yaml at another build.',
      { cause: error },
    )
  }
  const pid = browser.process()?.pid

  let closed = false
  let closing: Promise<void> | undefined
  let crashed = false
  browser.on('disconnected', () => {
    if (!closed) crashed = true
  })

  const idle: Slot[] = []
  const waiters: Array<{ resolve: (slot: Slot) => void; reject: (error: unknown) => void }> = []
  let pageCount = 0

  function unusable(): PdfError | undefined {
    if (closed) return new PdfError('The PDF renderer was closed; create a new one with createPdfRenderer().')
    if (crashed) return new PdfError('Chromium exited unexpectedly; create a new PDF renderer and try again.')
    return undefined
  }

  async function createSlot(): Promise<Slot> {
    const page = await browser.newPage()
    try {
      const slot: Slot = { page, cdp: await page.createCDPSession(), starting: false, session: undefined, served: new Map() }
      // Set once per page, not per render: these are round trips to the browser.
      await Promise.all([
        page.setJavaScriptEnabled(false),
        page.setRequestInterception(true),
        // Different jobs use the same URLs (/release/img.png) for different files.
        page.setCacheEnabled(false),
        page.setBypassServiceWorker(true),
        // Lay out in print media from the start, so the layout that requests
        // the body's fonts (loadPrintFonts) sees the print styles.
        page.emulateMediaType('print'),
      ])
      page.on('request', (request) => {
        void answerRequest(slot, request)
      })
      await loadStartingDocument(slot, timeoutMs)
      return slot
    } catch (error) {
      void page.close().catch(() => undefined)
      throw error
    }
  }

  function acquire(): Promise<Slot> {
    const problem = unusable()
    if (problem) return Promise.reject(problem)
    const slot = idle.pop()
    if (slot) return Promise.resolve(slot)
    if (pageCount < concurrency) return newSlot()
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }))
  }

  function newSlot(): Promise<Slot> {
    pageCount++
    return createSlot().catch((error: unknown) => {
      pageCount--
      throw unusable() ?? new PdfError(`Cannot open a Chromium page: ${(error as Error).message}`, { cause: error })
    })
  }

  function release(slot: Slot, healthy: boolean): void {
    if (healthy && !closed) {
      const waiter = waiters.shift()
      if (waiter) waiter.resolve(slot)
      else idle.push(slot)
      return
    }
    // A timed-out page may still be busy printing: close it and open a fresh one.
    pageCount--
    void slot.page.close().catch(() => undefined)
    const waiter = waiters.shift()
    if (waiter) newSlot().then(waiter.resolve, waiter.reject)
  }

  async function render(job: PdfJob): Promise<PdfResult> {
    const session: Session = { mounts: await resolveMounts(job), blocked: new Set() }
    const slot = await acquire()
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
      return { pdf: setPdfMetadata(cleanPdfText(raw, headingsOf(job.html)), job.metadata), blocked: [...session.blocked], ...(tightened ? { tightened } : {}) }
    } catch (error) {
      if (error instanceof PressError) throw error
      throw unusable() ?? new PdfError(`Rendering ${job.label} to PDF failed: ${(error as Error).message}`, { cause: error })
    } finally {
      clearTimeout(timer)
      slot.session = undefined
      release(slot, healthy)
    }
  }

  async function shutdown(): Promise<void> {
    closed = true
    for (const waiter of waiters.splice(0)) waiter.reject(unusable())
    idle.length = 0
    try {
      await browser.close()
    } catch {
      // The browser may already be gone or wedged; make sure the process is.
      browser.process()?.kill('SIGKILL')
    } finally {
      await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 })
    }
  }

  return {
    render,
    close() {
      closing ??= shutdown()
      return closing
    },
    pid,
    userDataDir,
  }
}

/**
 * Navigate to the empty document at http://pressroom.invalid/, which makes
 * it the document's URL and the base of relative URLs, and gives the page a
 * fresh set of resources.
 */
async function loadStartingDocument(slot: Slot, timeoutMs: number): Promise<void> {
  slot.served.clear()
  slot.starting = true
  try {
    await slot.page.goto(pdfDocumentUrl, { waitUntil: 'load', timeout: timeoutMs })
  } finally {
    slot.starting = false
  }
}

/**
 * Would any URL the current document already holds be answered differently
 * for this job? Synchronous, and stops at the first difference: a few
 * cached realpath/stat calls cost less than a thread-pool round trip each.
 */
function holdsStaleResources(slot: Slot, session: Session): boolean {
  for (const [url, before] of slot.served) {
    if (answerKey(locate(session, url)) !== before) return true
  }
  return false
}

/** Load the job's document, load the web fonts it prints with, print. */
async function printPage(slot: Slot, job: PdfJob, session: Session): Promise<{ pdf: Uint8Array; tightened: boolean }> {
  const page = slot.page
  // Writing into the existing document (what page.setContent does) costs a
  // fraction of a navigation; navigate only when reused resources would be
  // wrong, e.g. /release/photo.jpg now meaning another release's photo.
  // Timeouts are ours (see render); puppeteer's own would race with them.
  if (holdsStaleResources(slot, session)) await loadStartingDocument(slot, 0)
  // document.open/write/close from CDP (our code, not a page script): the
  // URL stays http://pressroom.invalid/ and scripts in the HTML stay off.
  await page.setContent(job.html, { waitUntil: 'load', timeout: 0 })
  // Fonts used only in @page margin boxes are first needed while printing,
  // too late for the PDF, which then falls back to a system font; see
  // loadPrintFonts. This is our code, not a page script: CDP evaluation
  // works with page scripts disabled.
  await page.evaluate(loadPrintFonts)
  const first = await printToPdf(slot, job)
  // A page 2 that holds only a little (the contacts and the boilerplate, a
  // few lines) is worth one more try with the print CSS's tighter setting
  // (`html.press-tight`): kept when it fits on one page.
  const weights = pageWeights(first)
  if (weights.length !== 2 || weights[1]! > weights[0]! * tightenBelow) return { pdf: first, tightened: false }
  await page.evaluate(() => document.documentElement.classList.add('press-tight'))
  const tight = await printToPdf(slot, job)
  return pageWeights(tight).length === 1 ? { pdf: tight, tightened: true } : { pdf: first, tightened: false }
}

/** Page 2 is worth a tighter try when it has less than this share of page 1's content. */
const tightenBelow = 0.2

/** Print the loaded document. */
async function printToPdf(slot: Slot, job: PdfJob): Promise<Uint8Array> {
  // page.pdf() asks for a stream and reads it back in chunks, a round trip
  // each; the whole PDF as base64 in the reply is one message (a release is
  // a few hundred KB; V8's string limit, ~512 MB of base64, is far). The options
  // are what page.pdf() sends for {format, preferCSSPageSize: true,
  // printBackground: true, displayHeaderFooter: false, tagged: true,
  // outline: true} (puppeteer 24's parsePDFOptions and createPDFStream).
  const paper = paperInches[job.format]
  const { data } = await slot.cdp.send('Page.printToPDF', {
    transferMode: 'ReturnAsBase64',
    landscape: false,
    displayHeaderFooter: false,
    headerTemplate: '',
    footerTemplate: '',
    printBackground: true,
    scale: 1,
    paperWidth: paper.width,
    paperHeight: paper.height,
    marginTop: 0,
    marginBottom: 0,
    marginLeft: 0,
    marginRight: 0,
    pageRanges: '',
    preferCSSPageSize: true,
    generateTaggedPDF: true,
    generateDocumentOutline: true,
  })
  const pdf = Buffer.from(data, 'base64')
  return new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength)
}

/**
 * Runs in the page: load the web fonts the document will print with, and
 * wait for them.
 *
 * Body text needs no help: laying it out (forced here, in print media, see
 * createSlot) requests the faces it uses. Text in @page margin boxes is laid
 * out only while printing, so their faces are loaded here: the families,
 * weights and styles the @page and margin rules name (or inherit from the
 * root element), for the characters their `content` can show (strings,
 * custom properties, counters). A document may declare many more faces than
 * it uses (italics, other scripts); decoding each one costs CPU in every
 * render, so only these are loaded. When a rule cannot be read that way
 * (font set through var(), no CSSMarginRule, a stylesheet we cannot read,
 * an invalid font), every declared face is loaded instead, as before.
 *
 * No callbacks into page functions (forEach, map): with scripts disabled
 * Blink refuses to call them.
 */
async function loadPrintFonts(): Promise<void> {
  const loadEveryFace = async (): Promise<void> => {
    const loads: Array<Promise<unknown>> = []
    for (const face of document.fonts as unknown as Iterable<FontFace>) {
      if (face.status === 'unloaded') loads.push(face.load().catch(() => undefined))
    }
    await Promise.all(loads)
  }
  try {
    // Layout now, so the faces body text uses are requested before we wait.
    void document.documentElement.offsetHeight
    const marginRule = (window as unknown as { CSSMarginRule?: abstract new () => CSSRule }).CSSMarginRule
    if (marginRule === undefined) throw new Error('no CSSMarginRule')
    const root = getComputedStyle(document.documentElement)
    const families = new Set<string>([root.fontFamily])
    const weights = new Set<string>([root.fontWeight])
    const styles = new Set<string>([root.fontStyle])
    // Digits and roman numerals for counters, then every string a margin box may show.
    let text = '0123456789 IVXLCDMivxlcdm'
    const rules: CSSRule[] = []
    const sheets = document.styleSheets
    for (let i = 0; i < sheets.length; i++) rules.push(...((sheets[i] as CSSStyleSheet).cssRules as unknown as Iterable<CSSRule>))
    while (rules.length > 0) {
      const rule = rules.pop() as CSSRule
      if (rule instanceof CSSPageRule || rule instanceof marginRule) {
        const css = rule.cssText
        if (/font[\w-]*\s*:[^;{}]*var\(/i.test(css)) throw new Error('font through var()')
        // CSSMarginRule has a `style` like CSSPageRule's.
        const style = (rule as CSSPageRule).style
        const family = style.getPropertyValue('font-family')
        const weight = style.getPropertyValue('font-weight')
        const fontStyle = style.getPropertyValue('font-style')
        if (family !== '') families.add(family)
        if (weight !== '') weights.add(weight)
        if (fontStyle !== '') styles.add(fontStyle)
        text += css
        for (const match of css.matchAll(/var\(\s*(--[\w-]+)/g)) text += root.getPropertyValue(match[1] as string)
      }
      if ('cssRules' in rule) rules.push(...((rule as CSSGroupingRule).cssRules as unknown as Iterable<CSSRule>))
    }
    const loads: Array<Promise<unknown>> = []
    for (const family of families) {
      for (const weight of weights) {
        for (const fontStyle of styles) loads.push(document.fonts.load(`${fontStyle} ${weight} 16px ${family}`, text))
      }
    }
    await Promise.all(loads)
  } catch {
    await loadEveryFace()
  }
  await document.fonts.ready
}

/** Paper sizes in inches, as puppeteer's paperFormats has them. */
const paperInches: Readonly<Record<PdfJob['format'], { readonly width: number; readonly height: number }>> = Object.freeze({
  A4: { width: 8.2677, height: 11.6929 },
  Letter: { width: 8.5, height: 11 },
})

async function resolveMounts(job: PdfJob): Promise<Mount[]> {
  const mounts: Mount[] = []
  for (const [key, dir] of Object.entries(job.mounts)) {
    if (!key.startsWith('/')) {
      throw new PdfError(`PDF mount \`${key}\` for ${job.label} must be a URL path starting with \`/\`, e.g. \`/release/\`.`)
    }
    const prefix = key.endsWith('/') ? key : `${key}/`
    let root: string
    try {
      root = await realpath(dir)
    } catch (error) {
      throw new PdfError(`PDF mount \`${prefix}\` for ${job.label} points at \`${dir}\`, which cannot be read: ${(error as Error).message}`, {
        cause: error,
      })
    }
    mounts.push({ prefix, root })
  }
  return mounts.sort((a, b) => b.prefix.length - a.prefix.length)
}

async function answerRequest(slot: Slot, request: HTTPRequest): Promise<void> {
  try {
    const session = slot.session
    const url = request.url()
    const navigation = request.isNavigationRequest()
    if (slot.starting && navigation && url === pdfDocumentUrl && request.frame() === slot.page.mainFrame()) {
      await request.respond(ok('text/html; charset=utf-8', startingDocument))
      return
    }
    if (session === undefined) {
      // Between renders (e.g. a late favicon request): nothing to serve.
      await request.abort('blockedbyclient')
      return
    }
    if (url.startsWith('data:')) {
      await request.continue()
      return
    }
    if (navigation) {
      // Frames, meta refresh, links followed by the document: all refused.
      // 204 leaves the current document (or an empty frame) in place, where
      // an aborted navigation would put an error page into the PDF.
      session.blocked.add(url)
      await request.respond({ status: 204, headers: { 'cache-control': 'no-store' }, contentType: 'text/plain', body: '' })
      return
    }
    const located = locate(session, url)
    slot.served.set(url, answerKey(located))
    let body: Uint8Array | undefined
    if (located.kind === 'file') {
      try {
        body = await readFile(located.path)
      } catch {
        // Removed since locate(): answer as missing.
      }
    }
    if (located.kind === 'blocked') {
      session.blocked.add(url)
      await request.abort('blockedbyclient')
    } else if (located.kind === 'file' && body !== undefined) {
      await request.respond(ok(contentTypeOf(located.path), body))
    } else {
      await request.respond({ status: 404, headers: { 'cache-control': 'no-store' }, contentType: 'text/plain', body: 'Not found' })
    }
  } catch {
    // The page was closed (timeout, shutdown) while we were reading a file.
  }
}

function ok(contentType: string, body: string | Uint8Array) {
  return { status: 200, headers: { 'cache-control': 'no-store' }, contentType, body }
}

/** How a subresource URL is answered under a job's mounts. */
type Located =
  | { readonly kind: 'blocked' }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'file'; readonly path: string; readonly size: number; readonly mtimeMs: number }

const blockedAnswer: Located = Object.freeze({ kind: 'blocked' })
const notFoundAnswer: Located = Object.freeze({ kind: 'not-found' })

/** Equal keys mean the same response (same real file, unchanged). */
function answerKey(located: Located): string {
  return located.kind === 'file' ? `file:${located.size}:${located.mtimeMs}:${located.path}` : located.kind
}

/**
 * Synchronous on purpose: two system calls on local files, run for every
 * request and for every URL the stale-resource check looks at.
 */
function locate(session: Session, url: string): Located {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return blockedAnswer
  }
  if (parsed.origin !== pdfDocumentOrigin) return blockedAnswer
  const mount = session.mounts.find((candidate) => parsed.pathname.startsWith(candidate.prefix))
  if (mount === undefined) {
    // Chromium asks for a favicon on its own; that is no refusal to report.
    return parsed.pathname === '/favicon.ico' ? notFoundAnswer : blockedAnswer
  }

  const segments: string[] = []
  for (const raw of parsed.pathname.slice(mount.prefix.length).split('/')) {
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      return blockedAnswer
    }
    // The URL parser already removed literal `..`; encoded ones (`..%2f`) arrive here.
    if (segment === '..' || segment === '.' || /[/\\\0]/.test(segment)) return blockedAnswer
    if (segment !== '') segments.push(segment)
  }
  if (segments.length === 0) return notFoundAnswer

  let real: string
  try {
    real = realpathSync.native(path.join(mount.root, ...segments))
  } catch {
    return notFoundAnswer
  }
  // Symlinks inside the mount must not lead out of it.
  const relative = path.relative(mount.root, real)
  if (relative === '' || relative.split(path.sep)[0] === '..' || path.isAbsolute(relative)) return blockedAnswer
  try {
    const info = statSync(real)
    // Only regular files: a FIFO or device would hang or never end.
    if (!info.isFile()) return notFoundAnswer
    return { kind: 'file', path: real, size: info.size, mtimeMs: info.mtimeMs }
  } catch {
    return notFoundAnswer
  }
}

const contentTypes: Readonly<Record<string, string>> = Object.freeze({
  '.avif': 'image/avif',
  '.css': 'text/css; charset=utf-8',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.otf': 'font/otf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
})

function contentTypeOf(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * Pages in the pool: two per core, between 2 and 4. A page spends part of
 * each render waiting on Chromium's compositor and the pipe, so more pages
 * than cores keep the CPUs busy (measured here: 4 pages beat 2 on 2 cores).
 */
function defaultConcurrency(): number {
  return Math.min(4, Math.max(2, os.availableParallelism() * 2))
}

// ---------------------------------------------------------------------------
// Metadata. Chromium writes Title (from <title>) to the Info dictionary and
// /Lang (from <html lang>) to the catalog, but no Author, Subject or Keywords.
// We append an incremental update (PDF 32000-1 §7.5.6) that replaces the Info
// dictionary and the catalog: the bytes Chromium wrote, including the
// structure tree and the outline, stay exactly as they were.

/**
 * Set Title, Author, Subject, Keywords and the catalog `/Lang` of a PDF
 * written by Chromium (Skia), by appending an incremental update.
 *
 * @param pdf The PDF as Chromium wrote it.
 * @param metadata Values to set; an empty `lang` keeps the catalog's.
 * @returns A new PDF; the input is not modified.
 * @throws {PressError} when the PDF does not have the classic layout Skia writes.
 */
export function setPdfMetadata(pdf: Uint8Array, metadata: PdfMetadata): Uint8Array {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1')
  const tail = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text.slice(-1024))
  const trailerAt = text.lastIndexOf('trailer')
  if (tail?.[1] === undefined || trailerAt === -1 || !text.startsWith('xref', Number(tail[1]))) {
    throw unexpectedPdf('no classic cross-reference table and trailer at the end')
  }
  const previousXref = Number(tail[1])
  const trailer = parseDictionaryAt(text, skipWhitespace(text, trailerAt + 'trailer'.length))
  const size = Number(lookup(trailer.entries, 'Size'))
  const root = parseReference(lookup(trailer.entries, 'Root'))
  if (!Number.isInteger(size) || root === undefined) throw unexpectedPdf('trailer without /Size or /Root')
  const infoValue = lookup(trailer.entries, 'Info')
  const info = infoValue === undefined ? { number: size, generation: 0 } : parseReference(infoValue)
  if (info === undefined) throw unexpectedPdf('trailer /Info is not a reference')

  const catalog = readObjectDictionary(text, root)
  if (metadata.lang !== '') setEntry(catalog, 'Lang', pdfTextString(metadata.lang))

  const oldInfo = infoValue === undefined ? [] : readObjectDictionary(text, info)
  const newInfo: Array<[string, string]> = [
    ['Title', pdfTextString(metadata.title)],
    ['Author', pdfTextString(metadata.author)],
    ['Subject', pdfTextString(metadata.subject)],
  ]
  if (metadata.keywords !== undefined && metadata.keywords.length > 0) {
    newInfo.push(['Keywords', pdfTextString(metadata.keywords.join(', '))])
  }
  // Chromium's Creator is its user agent string; say who made the document instead.
  newInfo.push(['Creator', pdfTextString('Pressroom')])
  for (const [key, value] of oldInfo) {
    if (!newInfo.some(([existing]) => existing === key)) newInfo.push([key, value])
  }

  const objects = [
    { ref: root, body: serializeDictionary(catalog) },
    { ref: info, body: serializeDictionary(newInfo) },
  ].sort((a, b) => a.ref.number - b.ref.number)

  let update = text.endsWith('\n') ? '' : '\n'
  const offsets: number[] = []
  for (const object of objects) {
    offsets.push(pdf.byteLength + update.length)
    update += `${object.ref.number} ${object.ref.generation} obj\n${object.body}\nendobj\n`
  }
  const xrefAt = pdf.byteLength + update.length
  update += 'xref\n'
  objects.forEach((object, index) => {
    const offset = String(offsets[index]).padStart(10, '0')
    const generation = String(object.ref.generation).padStart(5, '0')
    update += `${object.ref.number} 1\n${offset} ${generation} n \n`
  })
  const newTrailer = trailer.entries.filter(([key]) => key !== 'Size' && key !== 'Prev' && key !== 'Info')
  newTrailer.unshift(['Size', String(Math.max(size, info.number + 1))])
  newTrailer.push(['Info', `${info.number} ${info.generation} R`], ['Prev', String(previousXref)])
  update += `trailer\n${serializeDictionary(newTrailer)}\nstartxref\n${xrefAt}\n%%EOF\n`

  const out = new Uint8Array(pdf.byteLength + update.length)
  out.set(pdf, 0)
  out.set(Buffer.from(update, 'latin1'), pdf.byteLength)
  return out
}

interface Reference {
  readonly number: number
  readonly generation: number
}

type Entries = Array<[string, string]>

function unexpectedPdf(detail: string): PdfError {
  return new PdfError(
    `Cannot set PDF metadata: the PDF from Chromium has an unexpected layout (${detail}). ` +
      'A Chromium update may have changed its PDF writer; please report this with `chromium --version`.',
  )
}

function lookup(entries: Entries, key: string): string | undefined {
  return entries.find(([name]) => name === key)?.[1]
}

function setEntry(entries: Entries, key: string, value: string): void {
  const existing = entries.find(([name]) => name === key)
  if (existing) existing[1] = value
  else entries.push([key, value])
}

function parseReference(value: string | undefined): Reference | undefined {
  const match = value === undefined ? null : /^(\d+)\s+(\d+)\s+R$/.exec(value)
  if (match?.[1] === undefined || match[2] === undefined) return undefined
  return { number: Number(match[1]), generation: Number(match[2]) }
}

function readObjectDictionary(text: string, ref: Reference): Entries {
  // The last definition wins, as in a reader applying incremental updates.
  const pattern = new RegExp(`(?:^|[\\s>])${ref.number}\\s+${ref.generation}\\s+obj\\b`, 'g')
  let start = -1
  for (const match of text.matchAll(pattern)) start = match.index + match[0].length
  if (start === -1) throw unexpectedPdf(`object ${ref.number} not found`)
  return parseDictionaryAt(text, skipWhitespace(text, start)).entries
}

const whitespace = new Set(['\0', '\t', '\n', '\f', '\r', ' '])
const delimiters = new Set(['(', ')', '<', '>', '[', ']', '{', '}', '/', '%'])

function skipWhitespace(text: string, index: number): number {
  let i = index
  while (i < text.length) {
    const char = text[i] as string
    if (whitespace.has(char)) i++
    else if (char === '%') while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++
    else break
  }
  return i
}

function parseDictionaryAt(text: string, index: number): { entries: Entries; end: number } {
  if (!text.startsWith('<<', index)) throw unexpectedPdf(`expected a dictionary at byte ${index}`)
  const entries: Entries = []
  let i = index + 2
  for (;;) {
    i = skipWhitespace(text, i)
    if (text.startsWith('>>', i)) return { entries, end: i + 2 }
    if (text[i] !== '/') throw unexpectedPdf(`expected a name at byte ${i}`)
    const keyEnd = scanToken(text, i + 1)
    const key = text.slice(i + 1, keyEnd)
    const valueStart = skipWhitespace(text, keyEnd)
    const valueEnd = scanValue(text, valueStart)
    entries.push([key, text.slice(valueStart, valueEnd)])
    i = valueEnd
  }
}

function scanToken(text: string, index: number): number {
  let i = index
  while (i < text.length && !whitespace.has(text[i] as string) && !delimiters.has(text[i] as string)) i++
  return i
}

/** End index of the PDF object starting at `index`. */
function scanValue(text: string, index: number): number {
  const char = text[index]
  if (char === '(') {
    let depth = 0
    for (let i = index; i < text.length; i++) {
      const c = text[i]
      if (c === '\\') i++
      else if (c === '(') depth++
      else if (c === ')' && --depth === 0) return i + 1
    }
    throw unexpectedPdf('unterminated string')
  }
  if (char === '<' && text[index + 1] === '<') return parseDictionaryAt(text, index).end
  if (char === '<') {
    const end = text.indexOf('>', index)
    if (end === -1) throw unexpectedPdf('unterminated hex string')
    return end + 1
  }
  if (char === '[') {
    let i = index + 1
    for (;;) {
      i = skipWhitespace(text, i)
      if (i >= text.length) throw unexpectedPdf('unterminated array')
      if (text[i] === ']') return i + 1
      i = scanValue(text, i)
    }
  }
  if (char === '/') return scanToken(text, index + 1)
  const end = scanToken(text, index)
  if (end === index) throw unexpectedPdf(`unexpected byte at ${index}`)
  // An indirect reference is three tokens: `12 0 R`.
  const reference = /^\s+\d+\s+R(?![^\s()<>[\]{}/%])/.exec(text.slice(end, end + 32))
  if (/^\d+$/.test(text.slice(index, end)) && reference) return end + reference[0].length
  return end
}

function serializeDictionary(entries: Entries): string {
  return `<<${entries.map(([key, value]) => `/${key} ${value}`).join('\n')}>>`
}

/** A PDF text string: literal if printable ASCII, else UTF-16BE with a byte order mark. */
function pdfTextString(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return `(${value.replace(/[\\()]/g, '\\$&')})`
  let hex = 'FEFF'
  for (let i = 0; i < value.length; i++) hex += value.charCodeAt(i).toString(16).padStart(4, '0').toUpperCase()
  return `<${hex}>`
}
