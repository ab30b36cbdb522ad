/**
 * `press preview` as a library: an HTTP server (node:http) on the loopback
 * interface that serves the office built in memory, live-reloads open pages
 * when a release, catalog, template or the config changes, overlays the
 * diagnostics of a broken edit on the page, renders PDFs on demand, and shows
 * the office dashboard at /__press/.
 *
 * Reload: chokidar reports changes; after 100 ms of quiet the office is
 * loaded again and, when it loads without errors, a new in-memory site
 * replaces the old one. Either way the build version changes and every open
 * page hears it on the server-sent events stream and reloads. A broken edit
 * keeps the last good site and adds the overlay to every page until a later
 * reload succeeds.
 */
import { existsSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { formatDiagnostic, sortDiagnostics } from '../diagnostics.js'
import { PressError } from '../errors.js'
import { displayPath } from '../config.js'
import { loadOffice, type Office } from '../office.js'
import { loadRelease } from '../release/load.js'
import { findChromium } from '../render/find-chromium.js'
import { createPdfRenderer, type PdfRenderer } from '../render/pdf.js'
import { renderDashboard, type DistributionStatus } from './dashboard.js'
import { dashboardPath, eventsPath, injectPreview, previewMessagePage, type Injection } from './inject.js'
import { buildPreviewSite, updatePreviewSite, type PreviewResource, type PreviewSite } from './site.js'
import { watchOffice, type OfficeWatcher } from './watch.js'
import { readSafeFile, UnsafeFileError } from '../safe-file.js'
import { hostAllowed } from './host-check.js'

/** Supplies distribution counts by release slug (e.g. from `press status`). */
export type DistributionProvider = () => Promise<DistributionStatus>

/** Options of {@link startPreview}. */
export interface PreviewOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number
  /** Interface to bind; the CLI's default is 127.0.0.1. */
  readonly host: string
  /** Environment for the office's configuration and for finding Chromium. */
  readonly env: NodeJS.ProcessEnv
  /** The clock, epoch ms (the CLI's `--now`/PRESS_NOW or the system's). */
  readonly now: () => number
  /** Distribution counts for the dashboard (optional; no column without it). */
  readonly distribution?: DistributionProvider
  /** Called after every load of the office (optional), e.g. to print its diagnostics. */
  readonly onReload?: (result: ReloadResult) => void
  /** Quiet time after a change before reloading, ms (optional, default 25: an editor's save is a burst of events within a few ms). */
  readonly debounceMs?: number
}

/** The outcome of one load of the office. */
export interface ReloadResult {
  /** True when the office loaded without errors and the site was rebuilt. */
  readonly ok: boolean
  /** Errors, one formatted diagnostic a line. */
  readonly errors: readonly string[]
  /** Warnings, one formatted diagnostic a line. */
  readonly warnings: readonly string[]
  /** Files whose change caused the reload (empty for the first load and lift times). */
  readonly changed: readonly string[]
  /** `release`: only the edited release(s) were loaded and planned again; `office`: everything. */
  readonly scope: 'release' | 'office'
  /** How long the reload took, ms (before the pages were told). */
  readonly ms: number
}

/** A running preview. */
export interface Preview {
  /** Base URL, e.g. `http://127.0.0.1:4000/`. */
  readonly url: string
  /** Stop watching, close the server and its connections, and Chromium. Safe to call twice. */
  close(): Promise<void>
}

/** The port is taken or the address cannot be bound. */
export class PreviewListenError extends PressError {
  override readonly code = 'PRESS_PREVIEW_LISTEN'
  constructor(host: string, port: number, cause: unknown) {
    const reason = (cause as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is in use' : (cause as Error).message
    super(
      `Cannot serve the preview on ${host}:${port}: ${reason}. Pass another port with \`--port <n>\` (\`--port 0\` picks a free one).`,
      { cause },
    )
  }
}

const exitSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/**
 * Start the preview of the office in `root`.
 *
 * @param root The office directory.
 * @param options Port, host, environment, clock, distribution counts.
 * The preview installs no signal handlers: whoever starts it calls `close()`
 * (the CLI does on SIGINT/SIGTERM), which also closes Chromium.
 *
 * @returns The URL and a `close` function.
 * @throws {PreviewListenError} when the address cannot be bound.
 */
export async function startPreview(root: string, options: PreviewOptions): Promise<Preview> {
  const officeRoot = path.resolve(root)
  const now = options.now
  const bootId = randomBytes(4).toString('hex')
  let build = 0
  let site: PreviewSite | undefined
  let office: Office | undefined
  let errors: readonly string[] = []
  let warnings: readonly string[] = []
  let closed = false
  const clients = new Set<http.ServerResponse>()
  const pdfs = new Map<string, { slug: string; pdf: Promise<Uint8Array> }>()
  /** The releases whose edit broke the office, when that is all that is broken. */
  let errorSlugs: string[] | undefined
  let renderer: Promise<PdfRenderer> | undefined
  let liftTimer: NodeJS.Timeout | undefined

  const version = (): string => `${bootId}.${build}`

  async function reload(changed: readonly string[]): Promise<void> {
    let ok = false
    let scope: ReloadResult['scope'] = 'office'
    const started = performance.now()
    try {
      const edited = site && office ? editedReleases(changed, office) : undefined
      // After a broken edit, only an edit of the same release(s) can be taken alone.
      const alone =
        edited !== undefined && (errors.length === 0 || (errorSlugs !== undefined && errorSlugs.every((slug) => edited.includes(slug))))
      if (edited && alone && site && office) {
        ok = await reloadReleases(edited, site, office)
        scope = 'release'
      } else {
        const loaded = await loadOffice(officeRoot, { env: options.env, releaseCache: true })
        const sorted = sortDiagnostics(loaded.messages)
        const found = sorted.filter((m) => m.fatal === true).map(formatDiagnostic)
        warnings = sorted.filter((m) => m.fatal !== true).map(formatDiagnostic)
        if (loaded.office && found.length === 0) {
          const next = await buildPreviewSite(loaded.office, now())
          site = next
          office = loaded.office
          ok = true
          errors = []
          errorSlugs = undefined
          watcher?.add(watchedPaths(officeRoot, loaded.office))
          // PDFs of documents that no longer exist are not needed again.
          pdfs.clear()
          scheduleLift(next)
        } else {
          errors = found.length > 0 ? found : ['pressroom.yaml: error: the office could not be loaded']
          errorSlugs = undefined
        }
      }
    } catch (error) {
      errors = [describeError(error, officeRoot)]
    }
    build++
    broadcast()
    options.onReload?.({ ok, errors, warnings, changed, scope, ms: performance.now() - started })
  }

  /**
   * An edit inside release folders only (the usual save of `en.md`): load
   * those releases again and re-plan them alone, keeping the office and
   * every other page. Anything else (a catalog, a template, the config, a
   * new or deleted release folder) loads the office again.
   */
  function editedReleases(changed: readonly string[], current: Office): string[] | undefined {
    if (changed.length === 0) return undefined
    const releasesDir = current.config.paths.releases
    const slugs = new Set<string>()
    for (const file of changed) {
      const relative = path.relative(releasesDir, file)
      const parts = relative.split(path.sep)
      if (relative.startsWith('..') || path.isAbsolute(relative) || parts.length < 2) return undefined
      if (!current.releases.some((r) => r.slug === parts[0]) || !existsSync(path.join(releasesDir, parts[0]!))) return undefined
      slugs.add(parts[0]!)
    }
    return [...slugs]
  }

  async function reloadReleases(slugs: readonly string[], current: PreviewSite, currentOffice: Office): Promise<boolean> {
    const { config } = currentOffice
    const results = await Promise.all(slugs.map((slug) => loadRelease(config, path.join(config.paths.releases, slug))))
    const messages = sortDiagnostics(results.flatMap((r) => r.messages))
    // This release's old messages go; the rest of the office's stay.
    const prefixes = slugs.map((slug) => `${displayPath(config, path.join(config.paths.releases, slug))}/`)
    const others = warnings.filter((line) => !prefixes.some((prefix) => line.startsWith(prefix)))
    warnings = [...others, ...messages.filter((m) => m.fatal !== true).map(formatDiagnostic)]
    const found = messages.filter((m) => m.fatal === true).map(formatDiagnostic)
    if (found.length > 0 || results.some((r) => !r.release)) {
      errors = found.length > 0 ? found : [`${prefixes[0]}: error: the release could not be loaded`]
      errorSlugs = [...slugs]
      return false
    }
    let next = current
    for (const result of results) next = await updatePreviewSite(next, result.release!, now())
    site = next
    office = next.office
    errors = []
    errorSlugs = undefined
    for (const [key, entry] of pdfs) if (slugs.includes(entry.slug)) pdfs.delete(key)
    scheduleLift(next)
    return true
  }

  // One reload at a time; changes during a reload cause one more afterwards.
  let running: Promise<void> | undefined
  let pending: string[] | undefined
  function requestReload(changed: readonly string[]): void {
    if (closed) return
    if (running) {
      pending = [...(pending ?? []), ...changed]
      return
    }
    running = (async () => {
      let batch: readonly string[] | undefined = changed
      while (batch && !closed) {
        await reload(batch)
        batch = pending
        pending = undefined
      }
    })().finally(() => {
      running = undefined
    })
  }

  // Rebuild when the next embargo lifts, so an open page turns public on time.
  function scheduleLift(current: PreviewSite): void {
    clearTimeout(liftTimer)
    if (current.nextLift === undefined || closed) return
    const scheduledAt = now()
    const delay = Math.min(Math.max(current.nextLift - scheduledAt, 0) + 50, 2 ** 31 - 1)
    liftTimer = setTimeout(() => {
      const at = now()
      const changedState = office?.releases.some((r) => current.embargoed.has(r.slug) && r.embargo !== undefined && at >= r.embargo.lift)
      if (changedState) requestReload([])
      // A fixed clock (--now) never reaches the lift: stop instead of spinning.
      else if (at !== scheduledAt) scheduleLift(current)
    }, delay)
    liftTimer.unref()
  }

  function broadcast(): void {
    for (const client of clients) client.write(`event: version\ndata: ${version()}\n\n`)
  }

  function injection(extra: Partial<Injection> = {}): Injection {
    return { version: version(), now: now(), errors, ...extra }
  }

  async function pdfOf(resource: Extract<PreviewResource, { kind: 'pdf' }>, current: PreviewSite): Promise<Uint8Array> {
    let pdf = pdfs.get(resource.key)?.pdf
    if (!pdf) {
      pdf = (async () => {
        renderer ??= (async () => {
          const { config } = current.office
          const before = new Map(exitSignals.map((signal) => [signal, new Set(process.listeners(signal))]))
          const pool = await createPdfRenderer({
            executablePath: findChromium(config.pdf.chromium, options.env),
            timeoutMs: config.pdf.timeout,
            concurrency: config.pdf.concurrency ?? 2,
          })
          // Puppeteer's launch adds SIGINT/SIGTERM/SIGHUP handlers that kill
          // Chromium and call process.exit(130), which would cut `press preview`'s
          // own shutdown short (profile folder left behind, exit code 130). The
          // preview closes Chromium itself in close(), so those handlers go.
          for (const signal of exitSignals) {
            for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.off(signal, listener)
          }
          return pool
        })()
        const pool = await renderer.catch((error: unknown) => {
          renderer = undefined
          throw error
        })
        return (await pool.render(resource.job())).pdf
      })()
      pdfs.set(resource.key, { slug: resource.path.split('/')[1] ?? '', pdf })
      // A failed render is tried again on the next request.
      pdf.catch(() => pdfs.delete(resource.key))
    }
    return pdf
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    if (!hostAllowed(req.headers.host)) {
      // A page on another site that rebinds its name to 127.0.0.1 must not read embargoed releases.
      return send(
        res,
        req,
        403,
        'text/plain; charset=utf-8',
        'This preview only answers to localhost or an IP address, not to a name (a page elsewhere could rebind its name to this address).\n',
      )
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return send(res, req, 405, 'text/plain; charset=utf-8', 'Only GET and HEAD.\n')
    }
    let pathname: string
    try {
      pathname = new URL(req.url ?? '/', 'http://preview.invalid').pathname
    } catch {
      return send(res, req, 400, 'text/plain; charset=utf-8', 'Bad request.\n')
    }

    if (pathname === eventsPath) return openEvents(req, res)
    if (pathname === '/__press') return redirect(res, req, dashboardPath)
    if (pathname === dashboardPath) return dashboard(req, res)
    if (pathname.startsWith('/__press/')) return notFound(req, res)

    const current = site
    if (!current) {
      return send(
        res,
        req,
        500,
        'text/html; charset=utf-8',
        previewMessagePage('The office has errors', 'Nothing can be shown until the office loads.', injection()),
      )
    }
    await current.settle(pathname)
    const resource = current.resolve(pathname)
    switch (resource.kind) {
      case 'missing':
        return notFound(req, res)
      case 'redirect':
        return redirect(res, req, resource.location)
      case 'html': {
        let html: string
        try {
          html = resource.render()
        } catch (error) {
          const message = describeError(error, officeRoot)
          return send(
            res,
            req,
            500,
            'text/html; charset=utf-8',
            previewMessagePage('This page could not be rendered', message, injection({ errors: [...errors, message] })),
          )
        }
        const extra =
          errors.length > 0
            ? { overlayNote: 'The page shows the last version that loaded. Fix the file and save it: this page reloads by itself.' }
            : {}
        // A release page has its banner; every other page (indexes, chooser) badges the releases it lists.
        const marks = resource.mark ? { mark: resource.mark } : { listing: current.listing }
        return send(res, req, 200, 'text/html; charset=utf-8', injectPreview(html, injection({ ...marks, ...extra })))
      }
      case 'text': {
        let text: string
        try {
          text = resource.render()
        } catch (error) {
          return send(res, req, 500, 'text/plain; charset=utf-8', `${describeError(error, officeRoot)}\n`)
        }
        return send(res, req, 200, contentTypeOf(resource.path), text)
      }
      case 'file':
        return sendFile(req, res, resource.from, contentTypeOf(resource.path))
      case 'pdf': {
        let pdf: Uint8Array
        try {
          pdf = await pdfOf(resource, current)
        } catch (error) {
          const message = describeError(error, officeRoot)
          return send(res, req, 500, 'text/html; charset=utf-8', previewMessagePage('The PDF could not be rendered', message, injection()))
        }
        res.setHeader('Content-Disposition', `inline; filename="${path.posix.basename(resource.path)}"`)
        return send(res, req, 200, 'application/pdf', pdf)
      }
    }
  }

  async function dashboard(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let distribution: DistributionStatus | { error: string } | undefined
    if (options.distribution) {
      try {
        distribution = await options.distribution()
      } catch (error) {
        distribution = { error: error instanceof Error ? error.message : String(error) }
      }
    }
    const html = renderDashboard({ ...(office ? { office } : {}), now: now(), errors, warnings, ...(distribution ? { distribution } : {}) })
    send(res, req, 200, 'text/html; charset=utf-8', injectPreview(html, injection({ bar: false })))
  }

  function notFound(req: http.IncomingMessage, res: http.ServerResponse): void {
    // With the reload script: a page that is missing because its release is broken comes back by itself.
    send(
      res,
      req,
      404,
      'text/html; charset=utf-8',
      previewMessagePage('Not in the preview', 'No page of the office has this address.', injection()),
    )
  }

  function openEvents(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' })
    if (req.method === 'HEAD') return void res.end()
    res.write(`retry: 500\n\nevent: version\ndata: ${version()}\n\n`)
    clients.add(res)
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000)
    res.on('close', () => {
      clearInterval(ping)
      clients.delete(res)
    })
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, req, 500, 'text/plain; charset=utf-8', `${describeError(error, officeRoot)}\n`)
      else res.destroy()
    })
  })

  // `reload` (above) adds paths to the watcher once it exists: declared before the first load.
  let watcher: OfficeWatcher | undefined
  await reload([])
  watcher = await watchOffice(watchedPaths(officeRoot, office), (changed) => requestReload(changed), options.debounceMs ?? 25)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port, options.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    closed = true
    clearTimeout(liftTimer)
    await watcher.close()
    throw new PreviewListenError(options.host, options.port, error)
  }
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${shownHost}:${address.port}/`

  let closing: Promise<void> | undefined
  return {
    url,
    close() {
      closing ??= (async () => {
        closed = true
        clearTimeout(liftTimer)
        await watcher?.close()
        for (const client of clients) client.end()
        clients.clear()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        await running?.catch(() => {})
        const pool = await renderer?.catch(() => undefined)
        await pool?.close()
      })()
      return closing
    },
  }
}

/** What the preview watches: releases, catalogs, templates and the config. */
function watchedPaths(root: string, office: Office | undefined): string[] {
  const paths = office?.config.paths
  return [
    path.join(root, 'pressroom.yaml'),
    paths?.releases ?? path.join(root, 'releases'),
    paths?.locales ?? path.join(root, 'locales'),
    paths?.templates ?? path.join(root, 'templates'),
  ]
}

/**
 * An exception as a diagnostic line; LiquidJS errors name the template, line
 * and column at the end of their message, which moves to the front.
 */
function describeError(error: unknown, root: string): string {
  const message = error instanceof Error ? error.message : String(error)
  const relative = (file: string) => (path.isAbsolute(file) ? path.relative(root, file) || file : file)
  const liquid = /^(.*), file:(.+?), line:(\d+), col:(\d+)$/s.exec(message)
  if (liquid) return `${relative(liquid[2]!)}:${liquid[3]}:${liquid[4]}: error: ${liquid[1]}`
  return `error: ${message.split(`${root}${path.sep}`).join('')}`
}

function send(res: http.ServerResponse, req: http.IncomingMessage, status: number, type: string, body: string | Uint8Array): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.byteLength })
  res.end(req.method === 'HEAD' ? undefined : bytes)
}

function redirect(res: http.ServerResponse, req: http.IncomingMessage, location: string): void {
  res.setHeader('Location', location)
  send(res, req, 302, 'text/plain; charset=utf-8', `See ${location}\n`)
}

function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, type: string): void {
  // Through safe-file.ts, as the build reads it: a file that became a link
  // out of its folder (or a FIFO, a device) since the site was planned is
  // refused, not streamed.
  let bytes: Buffer
  try {
    bytes = readSafeFile(file, path.dirname(file), path.basename(file))
  } catch (error) {
    if (error instanceof UnsafeFileError && error.reason !== 'unreadable')
      return send(res, req, 403, 'text/plain; charset=utf-8', `Refused: ${error.message}\n`)
    return send(res, req, 404, 'text/plain; charset=utf-8', 'Not found.\n')
  }
  send(res, req, 200, type, bytes)
}

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.pdf': 'application/pdf',
}

function contentTypeOf(file: string): string {
  if (file.endsWith('feed.xml')) return 'application/atom+xml; charset=utf-8'
  return contentTypes[path.posix.extname(file).toLowerCase()] ?? 'application/octet-stream'
}
