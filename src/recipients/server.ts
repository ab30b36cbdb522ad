/**
 * `press serve`: the office's small HTTP service (Hono on Node's http
 * server). Routes, under the path of `mail.unsubscribe.url`
 * (`/unsubscribe` by default):
 *
 * - `POST <path>?t=…` with `List-Unsubscribe=One-Click` (RFC 8058; form-data
 *   or urlencoded): unsubscribes at once — what mailbox providers send;
 * - `GET <path>?t=…`: a confirmation page with a button (links are followed
 *   by mail scanners, so a GET never changes anything);
 * - `GET|POST <path>/resubscribe?t=…`: the same for taking it back;
 * - `GET /healthz`: `ok`.
 *
 * Every answer carries `Cache-Control: no-store` and `Referrer-Policy:
 * no-referrer` (the token is in the URL), and a CSP that allows no script.
 */
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { PressError } from '../errors.js'
import type { Translate } from '../i18n/localize.js'
import { maskEmail, renderPage } from './page.js'
import { checkToken, resubscribeByToken, unsubscribeByToken, type SubscriptionOutcome, type UnsubscribeDeps } from './unsubscribe.js'

/** Something the server did, for the log. */
export interface ServeEvent {
  readonly action: 'unsubscribed' | 'already-unsubscribed' | 'resubscribed' | 'refused'
  /** Normalised address (when the token named one). */
  readonly email?: string
  readonly slug?: string
  /** Why a request was refused, or how an unsubscribe came. */
  readonly reason: string
  readonly status: number
}

/** What the app needs. */
export interface RecipientsAppOptions extends UnsubscribeDeps {
  /** Path of the unsubscribe endpoint, e.g. `/unsubscribe`. */
  readonly basePath: string
  /** The office's languages; the first match of the recipient's, else of Accept-Language, else `defaultLocale`. */
  readonly locales: readonly string[]
  readonly defaultLocale: string
  /** The recipient's language from the press list (optional; may be async). */
  readonly languageOf?: (email: string) => string | undefined | Promise<string | undefined>
  /** Catalog lookups per language (`recipients:` and `common:org.name`). */
  readonly translate: (lng: string) => Translate
  /** The organisation's name when the catalog has none. */
  readonly organisation: string
  /** Where people write instead (an address). */
  readonly contact: string
  /** Told about every unsubscribe, resubscribe and refusal (optional). */
  readonly onEvent?: (event: ServeEvent) => void
}

/** The server could not listen. */
export class ServeListenError extends PressError {
  override readonly code = 'PRESS_SERVE_LISTEN'
}

/**
 * The best of the office's languages for an Accept-Language header.
 *
 * @param header
 *   e.g. `ru-RU,ru;q=0.9,en;q=0.8` (optional).
 * @param locales
 *   The office's languages.
 * @returns
 *   One of `locales`, or undefined.
 */
export function pickLanguage(header: string | undefined, locales: readonly string[]): string | undefined {
  if (!header) return undefined
  const wanted = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';')
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined)
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index }
    })
    .filter((w) => w.tag !== '' && w.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
  for (const w of wanted) {
    const found = locales.find((l) => l.toLowerCase() === w.tag || l.toLowerCase() === w.tag.split('-')[0])
    if (found) return found
  }
  return undefined
}

const securityHeaders: Record<string, string> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
}

/** Whether a POST body says `List-Unsubscribe=One-Click` (form-data, urlencoded, or a bare body). */
async function isOneClick(c: Context): Promise<boolean> {
  const type = c.req.header('content-type') ?? ''
  if (/multipart\/form-data|application\/x-www-form-urlencoded/i.test(type)) {
    const body = await c.req.parseBody()
    const value = body['List-Unsubscribe']
    return typeof value === 'string' && value.trim() === 'One-Click'
  }
  const text = await c.req.text()
  return new URLSearchParams(text.trim()).get('List-Unsubscribe')?.trim() === 'One-Click'
}

const refusalStatus = { missing: 400, forged: 403, stale: 410, 'not-suppressed': 409, 'not-by-unsubscribe': 409 } as const

/**
 * Create the app (no socket: `startRecipientsServer` listens).
 *
 * @param options
 *   Unsubscribe dependencies, path, languages, catalogs, log.
 * @returns
 *   The Hono app.
 */
export function createRecipientsApp(options: RecipientsAppOptions): Hono {
  const base = `/${options.basePath.replace(/^\/+|\/+$/g, '')}`.replace(/^\/$/, '/unsubscribe')
  const app = new Hono()
  const log = (event: ServeEvent): void => options.onEvent?.(event)

  app.use('*', async (c, next) => {
    await next()
    for (const [name, value] of Object.entries(securityHeaders)) c.header(name, value)
  })

  const languageFor = async (c: Context, email: string | undefined): Promise<string> => {
    const listed = email === undefined ? undefined : await options.languageOf?.(email)
    if (listed !== undefined && options.locales.includes(listed)) return listed
    return pickLanguage(c.req.header('accept-language'), options.locales) ?? options.defaultLocale
  }
  const strings = (lng: string) => {
    const t = options.translate(lng)
    const organisation = t('org.name')
    return { t, organisation: organisation && organisation !== 'org.name' ? organisation : options.organisation }
  }
  const page = async (
    c: Context,
    status: number,
    email: string | undefined,
    make: (t: Translate) => {
      title: string
      message: string
      form?: { action: string; label: string }
      link?: { before: string; href: string; label: string }
    },
  ) => {
    const lng = await languageFor(c, email)
    const { t, organisation } = strings(lng)
    const content = make(t)
    return c.html(renderPage({ lng, organisation, ...content }), status as 200)
  }
  const vars = (email: string | undefined) => ({ email: email === undefined ? '' : maskEmail(email), contact: options.contact })
  const tokenOf = (c: Context): string | undefined => c.req.query('t')
  const refusal = async (c: Context, outcome: Extract<SubscriptionOutcome, { ok: false }>) => {
    const status = refusalStatus[outcome.refusal]
    log({
      action: 'refused',
      reason: outcome.refusal,
      status,
      ...(outcome.claims ? { email: outcome.claims.email, slug: outcome.claims.slug } : {}),
    })
    const email = outcome.claims?.email
    return page(c, status, email, (t) => {
      if (outcome.refusal === 'not-suppressed')
        return { title: t('recipients:resubscribe.title'), message: t('recipients:resubscribe.notSuppressed', vars(email)) }
      if (outcome.refusal === 'not-by-unsubscribe')
        return { title: t('recipients:resubscribe.title'), message: t('recipients:resubscribe.notPossible', vars(email)) }
      return { title: t('recipients:error.title'), message: t(`recipients:error.${outcome.refusal}`, vars(email)) }
    })
  }
  const limit = bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text('Payload too large', 413) })

  app.get('/healthz', (c) => c.text('ok'))

  app.get(base, async (c) => {
    // The link in the shared footer of every message carries no token: say how to unsubscribe.
    if (!tokenOf(c))
      return page(c, 200, undefined, (t) => ({
        title: t('recipients:unsubscribe.title'),
        message: t('recipients:unsubscribe.howTo', vars(undefined)),
      }))
    const checked = checkToken(options, tokenOf(c))
    if ('refusal' in checked)
      return refusal(c, { ok: false, refusal: checked.refusal, ...(checked.claims ? { claims: checked.claims } : {}) } as Extract<
        SubscriptionOutcome,
        { ok: false }
      >)
    const { email } = checked.claims
    return page(c, 200, email, (t) => ({
      title: t('recipients:unsubscribe.title'),
      message: t('recipients:unsubscribe.confirm', vars(email)),
      form: { action: `${base}?t=${encodeURIComponent(tokenOf(c)!)}`, label: t('recipients:unsubscribe.button') },
    }))
  })

  app.post(base, limit, async (c) => {
    if (!(await isOneClick(c))) {
      log({ action: 'refused', reason: 'the body is not List-Unsubscribe=One-Click', status: 400 })
      return c.text('Expected the body List-Unsubscribe=One-Click (RFC 8058).', 400)
    }
    // A browser submitting the page's form asks for HTML; a mailbox provider's POST does not care.
    const how = /text\/html/.test(c.req.header('accept') ?? '') ? 'web page' : 'one-click'
    const outcome = await unsubscribeByToken(options, tokenOf(c), how)
    if (!outcome.ok) return refusal(c, outcome)
    const { email, slug } = outcome.claims
    log({ action: outcome.changed ? 'unsubscribed' : 'already-unsubscribed', email, slug, reason: how, status: 200 })
    return page(c, 200, email, (t) => ({
      title: t('recipients:unsubscribe.title'),
      message: t('recipients:unsubscribe.done', vars(email)),
      link: {
        before: t('recipients:unsubscribe.mistake'),
        href: `${base}/resubscribe?t=${encodeURIComponent(outcome.resubscribeToken!)}`,
        label: t('recipients:unsubscribe.resubscribeLink'),
      },
    }))
  })

  app.get(`${base}/resubscribe`, async (c) => {
    const token = tokenOf(c)
    const checked = checkToken(options, token, 'resubscribe')
    if ('refusal' in checked) return refusal(c, { ok: false, refusal: checked.refusal } as Extract<SubscriptionOutcome, { ok: false }>)
    const { email } = checked.claims
    return page(c, 200, email, (t) => ({
      title: t('recipients:resubscribe.title'),
      message: t('recipients:resubscribe.confirm', vars(email)),
      form: { action: `${base}/resubscribe?t=${encodeURIComponent(token!)}`, label: t('recipients:resubscribe.button') },
    }))
  })

  app.post(`${base}/resubscribe`, limit, async (c) => {
    const outcome = await resubscribeByToken(options, tokenOf(c))
    if (!outcome.ok) return refusal(c, outcome)
    const { email, slug } = outcome.claims
    log({ action: 'resubscribed', email, slug, reason: 'web page', status: 200 })
    return page(c, 200, email, (t) => ({
      title: t('recipients:resubscribe.title'),
      message: t('recipients:resubscribe.done', vars(email)),
    }))
  })

  app.notFound(async (c) =>
    page(c, 404, undefined, (t) => ({ title: t('recipients:error.title'), message: t('recipients:error.notFound') })),
  )
  app.onError(async (error, c) => {
    log({ action: 'refused', reason: `internal error: ${error.message}`, status: 500 })
    return c.text('Internal error; nothing was changed.', 500)
  })
  return app
}

/** A listening server. */
export interface RecipientsServer {
  /** e.g. `http://127.0.0.1:8025`. */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/**
 * Listen.
 *
 * @param app
 *   From `createRecipientsApp`.
 * @param listen
 *   Port (0 = any free one) and host (default `127.0.0.1`: loopback; the
 *   organisation's reverse proxy forwards to it).
 * @returns
 *   The server; `close()` it.
 * @throws {ServeListenError}
 *   When the port is taken or the host cannot be bound.
 */
export function startRecipientsServer(app: Hono, listen: { port: number; host?: string }): Promise<RecipientsServer> {
  const host = listen.host ?? '127.0.0.1'
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        new ServeListenError(
          `Cannot listen on ${host}:${listen.port} (${error.code ?? error.message}); choose another port with --port, or another address with --host.`,
          { cause: error },
        ),
      )
    }
    const server: ServerType = serve({ fetch: app.fetch, port: listen.port, hostname: host }, (info: AddressInfo) => {
      server.off('error', onError)
      const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address
      resolve({
        url: `http://${shown}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function') server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
    server.once('error', onError)
  })
}
