/**
 * The request fence of a PDF page: every request the page makes is
 * intercepted and answered here. The document sits at
 * http://pressroom.invalid/ ; files under the job's mounts are answered from
 * disk, everything else is refused and listed in the render's `blocked`.
 * Nothing else on disk and nothing on the network is ever reached
 * (Chromium's host resolver is fenced too, see browser-pool.ts).
 */
import { realpathSync, statSync } from 'node:fs'
import { readFile, realpath } from 'node:fs/promises'
import path from 'node:path'
import type { HTTPRequest, Page } from 'puppeteer'
import { PdfError } from '../errors.js'

/** Origin the document is served from; it never resolves, so only interception can answer it. */
export const pdfDocumentOrigin = 'http://pressroom.invalid'
/** URL of the document itself; relative URLs in the print template resolve against it. */
export const pdfDocumentUrl = `${pdfDocumentOrigin}/`

/** The page's document between jobs; each job writes its content into it. */
export const startingDocument = '<!doctype html><html><head><title></title></head><body></body></html>'

/** A URL path prefix answered from a directory. */
export interface Mount {
  readonly prefix: string
  /** Real path of the mount directory (symlinks resolved). */
  readonly root: string
}

/** Per-render state the page's request handler consults. */
export interface FenceSession {
  /** Longest prefix first. */
  readonly mounts: readonly Mount[]
  /** URLs refused so far, in request order. */
  readonly blocked: Set<string>
}

/** A page behind the fence, as the request handler sees it. */
export interface FencedPage {
  readonly page: Page
  /** True only while the page loads its empty starting document. */
  readonly starting: boolean
  /** The render in progress, if any. */
  readonly session: FenceSession | undefined
  /**
   * URL -> answer key of every subresource answered since the page's
   * document was created. Blink keeps a document's resources by URL and
   * reuses them when new content is written into the same document, even
   * with the cache disabled; a job that would get a different answer for one
   * of these URLs needs a fresh document.
   */
  readonly served: Map<string, string>
}

/**
 * Resolve a job's mounts to real directories.
 *
 * @param mounts URL path prefix -> absolute directory.
 * @param label The job, for messages (e.g. `releases/x/ru.md`).
 * @returns The mounts, longest prefix first.
 * @throws {PdfError} when a prefix does not start with `/` or a directory cannot be read.
 */
export async function resolveMounts(mounts: Readonly<Record<string, string>>, label: string): Promise<Mount[]> {
  const resolved: Mount[] = []
  for (const [key, dir] of Object.entries(mounts)) {
    if (!key.startsWith('/')) {
      throw new PdfError(`PDF mount \`${key}\` for ${label} must be a URL path starting with \`/\`, e.g. \`/release/\`.`)
    }
    const prefix = key.endsWith('/') ? key : `${key}/`
    let root: string
    try {
      root = await realpath(dir)
    } catch (error) {
      throw new PdfError(`PDF mount \`${prefix}\` for ${label} points at \`${dir}\`, which cannot be read: ${(error as Error).message}`, {
        cause: error,
      })
    }
    resolved.push({ prefix, root })
  }
  return resolved.sort((a, b) => b.prefix.length - a.prefix.length)
}

/**
 * Would any URL the page's document already holds be answered differently
 * for this render? Synchronous, and stops at the first difference: a few
 * cached realpath/stat calls cost less than a thread-pool round trip each.
 *
 * @param served The page's answered URLs ({@link FencedPage.served}).
 * @param session The render about to start.
 * @returns True when the page needs a fresh document.
 */
export function holdsStaleResources(served: ReadonlyMap<string, string>, session: FenceSession): boolean {
  for (const [url, before] of served) {
    if (answerKey(locate(session, url)) !== before) return true
  }
  return false
}

/**
 * Answer one intercepted request: the starting document, a mounted file, a
 * 404, or a refusal (recorded in the session's `blocked`). Never throws: a
 * page closed meanwhile (timeout, shutdown) is ignored.
 *
 * @param slot The page the request came from.
 * @param request The intercepted request.
 */
export async function answerRequest(slot: FencedPage, request: HTTPRequest): Promise<void> {
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

/** How a subresource URL is answered under a render's mounts. */
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
function locate(session: FenceSession, url: string): Located {
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
