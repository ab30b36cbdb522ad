/**
 * One locked-down headless Chromium and a pool of reusable pages for PDF
 * rendering. Each page has page scripts off, the cache off, print media on
 * and every request going through the request fence (request-fence.ts). As
 * a second fence, Chromium's host resolver maps every name (and IP
 * literal) to "not found", so a connection that bypasses interception
 * (preconnect, DNS prefetch) cannot reach the network either. The browser
 * is driven over a pipe, so no DevTools port is open.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import puppeteer, { type Browser, type CDPSession, type Page } from 'puppeteer'
import { PdfError } from '../errors.js'
import { answerRequest, pdfDocumentUrl, type FenceSession, type FencedPage } from './request-fence.js'

/** A page of the pool. */
export interface PageSlot extends FencedPage {
  readonly page: Page
  /** Our own DevTools session on the page, for Page.printToPDF. */
  readonly cdp: CDPSession
  starting: boolean
  session: FenceSession | undefined
}

/** The pool: pages are acquired for one render each and released after it. */
export interface BrowserPool {
  /** A free page; beyond `concurrency` pages, waits for one to be released. */
  acquire(): Promise<PageSlot>
  /** Give a page back; an unhealthy one (timed out, failed) is closed and replaced for the next waiter. */
  release(slot: PageSlot, healthy: boolean): void
  /** Why the pool cannot render any more (closed, or Chromium gone), or undefined. */
  unusable(): PdfError | undefined
  /** Close the browser and remove its profile directory. Call once. */
  close(): Promise<void>
  /** Process id of the browser. */
  readonly pid: number | undefined
  /** The browser's temporary profile directory. */
  readonly userDataDir: string
}

/** Options of {@link launchBrowserPool}. */
export interface BrowserPoolOptions {
  /** The Chromium binary. */
  readonly executablePath: string
  /** Pages open at most (at least 1). */
  readonly concurrency: number
  /** Limit in ms for loading a page's starting document. */
  readonly timeoutMs: number
}

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

/**
 * Pages in the pool by default: two per core, between 2 and 4. A page
 * spends part of each render waiting on Chromium's compositor and the pipe,
 * so more pages than cores keep the CPUs busy (bench/notes/pdf.md).
 *
 * @returns The default pool size.
 */
export function defaultConcurrency(): number {
  return Math.min(4, Math.max(2, os.availableParallelism() * 2))
}

/**
 * Launch Chromium and return a pool of pages (opened on demand).
 *
 * @param options Executable, pool size and the starting document's load limit.
 * @returns The pool; call `close()` in a `finally`.
 * @throws {PdfError} when the browser cannot be started.
 */
export async function launchBrowserPool(options: BrowserPoolOptions): Promise<BrowserPool> {
  const { executablePath, concurrency, timeoutMs } = options
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
        'Check that the binary runs (`' +
        executablePath +
        ' --version`), or point `pdf.chromium` in pressroom.yaml at another build.',
      { cause: error },
    )
  }

  let closed = false
  let crashed = false
  browser.on('disconnected', () => {
    if (!closed) crashed = true
  })

  const idle: PageSlot[] = []
  const waiters: Array<{ resolve: (slot: PageSlot) => void; reject: (error: unknown) => void }> = []
  let pageCount = 0

  function unusable(): PdfError | undefined {
    if (closed) return new PdfError('The PDF renderer was closed; create a new one with createPdfRenderer().')
    if (crashed) return new PdfError('Chromium exited unexpectedly; create a new PDF renderer and try again.')
    return undefined
  }

  async function createSlot(): Promise<PageSlot> {
    const page = await browser.newPage()
    try {
      const slot: PageSlot = { page, cdp: await page.createCDPSession(), starting: false, session: undefined, served: new Map() }
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

  function acquire(): Promise<PageSlot> {
    const problem = unusable()
    if (problem) return Promise.reject(problem)
    const slot = idle.pop()
    if (slot) return Promise.resolve(slot)
    if (pageCount < concurrency) return newSlot()
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }))
  }

  function newSlot(): Promise<PageSlot> {
    pageCount++
    return createSlot().catch((error: unknown) => {
      pageCount--
      throw unusable() ?? new PdfError(`Cannot open a Chromium page: ${(error as Error).message}`, { cause: error })
    })
  }

  function release(slot: PageSlot, healthy: boolean): void {
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

  async function close(): Promise<void> {
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

  return { acquire, release, unusable, close, pid: browser.process()?.pid, userDataDir }
}

/**
 * Navigate to the empty document at http://pressroom.invalid/, which makes
 * it the document's URL and the base of relative URLs, and gives the page a
 * fresh set of resources.
 *
 * @param slot The page.
 * @param timeoutMs Navigation limit in ms (0: none; the caller races its own).
 */
export async function loadStartingDocument(slot: PageSlot, timeoutMs: number): Promise<void> {
  slot.served.clear()
  slot.starting = true
  try {
    await slot.page.goto(pdfDocumentUrl, { waitUntil: 'load', timeout: timeoutMs })
  } finally {
    slot.starting = false
  }
}
