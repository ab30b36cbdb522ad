/**
 * The mail transport behind a small interface: `outbox` (write `.eml` files,
 * the default, needs no server), `json` (nodemailer's JSON transport, for dry
 * runs and tests) or an `smtp://` / `smtps://` URL (our pool of nodemailer
 * SMTPConnections, `smtp-pool.ts`, with a rate limit; a DKIM signature, when
 * configured, is made in front of the pool, so signed and unsigned mail take
 * the same path). SMTP failures are classified here, once, as
 * temporary (retry later) or permanent (record and go on); passwords are
 * scrubbed from everything that leaves this module.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { connect, type NetConnectOpts, type Socket } from 'node:net'
import nodemailer from 'nodemailer'
import { PressError } from '../errors.js'
import type { OutgoingMessage } from './compose.js'
import { createDkimSigner, type DkimOptions } from './dkim-signer.js'
import { TransportConfigError } from './errors.js'
import { installFastDataStream, shareChunk } from './smtp-data-stream.js'
import { redactUrl, scrubSecrets } from '../secrets.js'
import { createSmtpPool } from './smtp-pool.js'

/** What a transport says after accepting a message. */
export interface Receipt {
  readonly messageId: string
  /** Server reply (`250 OK …`) or where the outbox wrote the file. */
  readonly response: string
}

/** A transport: send one message, close at the end of a run. */
export interface Mailer {
  send(msg: OutgoingMessage): Promise<Receipt>
  close(): Promise<void>
  /** How many sends may be in flight at once (the SMTP pool size). */
  readonly concurrency: number
  /** The transport for messages, with any password replaced by `****`. */
  readonly description: string
}

/** Options of `createMailer`. */
export interface MailerOptions {
  /** The private state folder (`.press`); the outbox lives in `<state>/outbox`. */
  readonly statePath: string
  /** SMTP pool size (default 5). */
  readonly maxConnections?: number
  /** At most `messages` per `perSeconds` (optional; default unlimited). */
  readonly rate?: { readonly messages: number; readonly perSeconds: number }
  /** DKIM signing of every SMTP message (optional; the outbox and json transports do not sign). */
  readonly dkim?: DkimOptions
  /** SMTP socket inactivity timeout in ms (default 60,000). */
  readonly socketTimeout?: number
  /** SMTP connect and greeting timeouts in ms (default 15,000). */
  readonly connectionTimeout?: number
}

/** Whether trying again later may help. */
export type FailureKind = 'temporary' | 'permanent'

/** A send failed; `kind` says whether to retry. Message and response never carry a password. */
export class SendError extends PressError {
  override readonly code = 'PRESS_SEND_FAILED'
  readonly kind: FailureKind
  /** SMTP reply code when the server answered (optional). */
  readonly responseCode: number | undefined
  /** The SMTP command that failed (`RCPT TO`, `DATA`, `CONN`…), when known. */
  readonly command: string | undefined
  /** The server's reply text, when there was one. */
  readonly response: string | undefined
  /** A permanent rejection of the recipient address (5xx on RCPT): suppress it. */
  readonly hardBounce: boolean
  /**
   * The connection was lost after the whole message was handed over and
   * before the server's reply: it may have been accepted (a lost 250).
   */
  readonly uncertain: boolean

  constructor(
    message: string,
    details: {
      kind: FailureKind
      responseCode?: number | undefined
      command?: string | undefined
      response?: string | undefined
      uncertain?: boolean | undefined
    },
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.kind = details.kind
    this.responseCode = details.responseCode
    this.command = details.command
    this.response = details.response
    this.hardBounce = details.kind === 'permanent' && details.command === 'RCPT TO' && (details.responseCode ?? 0) >= 500
    this.uncertain = details.uncertain === true && details.responseCode === undefined
  }
}

const temporaryCodes = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETLS', 'EPROTOCOL'])

/**
 * Classify a nodemailer (or socket) error: a 5xx reply or an envelope
 * rejection without a code is permanent; 4xx, connection, timeout and socket
 * errors (a dropped connection) are temporary, and so is anything unknown,
 * which the retry limit bounds.
 *
 * @param error
 *   What nodemailer rejected with.
 * @param scrub
 *   Removes secrets from text (optional).
 * @returns
 *   A SendError with kind, code, command and server response.
 */
export function classifySendError(error: unknown, scrub: (text: string) => string = (t) => t): SendError {
  if (error instanceof SendError) return error
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown
    code?: unknown
    responseCode?: unknown
    command?: unknown
    response?: unknown
    afterData?: unknown
  }
  const message = scrub(typeof e.message === 'string' ? e.message : String(error))
  const code = typeof e.code === 'string' ? e.code : undefined
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined
  const command = typeof e.command === 'string' ? e.command : undefined
  const response = typeof e.response === 'string' ? scrub(e.response) : undefined
  let kind: FailureKind
  if (responseCode !== undefined && responseCode >= 500) kind = 'permanent'
  else if (responseCode !== undefined && responseCode >= 400) kind = 'temporary'
  else if (code === 'EENVELOPE' || code === 'EMESSAGE' || code === 'EAUTH') kind = 'permanent'
  else if (code !== undefined && temporaryCodes.has(code)) kind = 'temporary'
  else kind = 'temporary'
  // No `cause`: the original error object may carry connection details the
  // CLI would print; everything useful is copied (scrubbed) onto this one.
  const uncertain = e.afterData === true && responseCode === undefined
  return new SendError(code && !message.includes(code) ? `${message} (${code})` : message, {
    kind,
    responseCode,
    command,
    response,
    uncertain,
  })
}

/**
 * A file name for an address or slug: lowercase, only `a-z0-9._@+-`; when
 * anything had to be replaced (e.g. a `.рф` domain), a short hash of the
 * original keeps two addresses from sharing a file.
 *
 * @param value
 *   Address or slug.
 * @returns
 *   A name without path separators or a leading dot.
 */
export function safeFileName(value: string): string {
  const lower = value.toLowerCase()
  const safe = lower.replace(/[^a-z0-9._@+-]/g, '_').replace(/^\.+/, '_')
  return safe === lower ? safe : `${safe}-${createHash('sha256').update(value).digest('hex').slice(0, 8)}`
}

/**
 * Create the mailer for a transport.
 *
 * @param transport
 *   `outbox`, `json`, or an `smtp://` / `smtps://` URL (user and password in
 *   the URL; `?rejectUnauthorized=false`, `?requireTLS=true`,
 *   `?ignoreTLS=true` accepted).
 * @param options
 *   State folder, pool size, rate, DKIM, timeouts.
 * @returns
 *   A Mailer; call `close()` when done.
 * @throws {TransportConfigError}
 *   On an unknown transport or a malformed URL (the message never shows the password).
 */
export function createMailer(transport: string, options: MailerOptions): Mailer {
  if (transport === 'outbox') return createOutboxMailer(join(options.statePath, 'outbox'))
  if (transport === 'json') return createJsonMailer()
  if (/^smtps?:\/\//i.test(transport)) return createSmtpMailer(transport, options)
  throw new TransportConfigError(
    `Unknown mail transport \`${redactUrl(transport)}\`. Use \`outbox\` (write .eml files to .press/outbox), \`json\`, or an SMTP URL such as \`smtps://user:password@mail.example.org:465\` (config \`mail.transport\` or PRESS_SMTP_URL).`,
  )
}

function createOutboxMailer(dir: string): Mailer {
  return {
    concurrency: 8,
    description: 'outbox',
    async send(msg) {
      const folder = join(dir, safeFileName(msg.slug))
      const file = join(folder, `${msg.label ?? ''}${safeFileName(msg.to)}.eml`)
      const temp = join(folder, `.${randomBytes(6).toString('hex')}.tmp`)
      await mkdir(folder, { recursive: true })
      try {
        await writeFile(temp, msg.raw)
        await rename(temp, file)
      } catch (error) {
        await rm(temp, { force: true })
        throw new SendError(
          `Cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`,
          { kind: 'temporary' },
          { cause: error },
        )
      }
      return { messageId: msg.messageId, response: `outbox ${file}` }
    },
    async close() {},
  }
}

function createJsonMailer(): Mailer {
  const transporter = nodemailer.createTransport({ jsonTransport: true })
  return {
    concurrency: 1,
    description: 'json',
    async send(msg) {
      await transporter.sendMail({ envelope: { from: msg.envelope.from, to: [msg.envelope.to] }, raw: msg.raw })
      return { messageId: msg.messageId, response: 'json' }
    },
    async close() {
      transporter.close()
    },
  }
}

/**
 * A socket's write buffer threshold, above the size of a message with its
 * PDF: the header block, the body and the `.` line leave in one `writev`
 * while the pool has the socket corked, instead of the `.` line waiting for
 * `drain` in a write of its own (bench/notes/mail.md). It is only a
 * threshold: nothing is allocated, and a larger message just waits for
 * `drain`.
 */
const socketHighWaterMark = 4 * 1024 * 1024

/**
 * Open the TCP connection ourselves so Nagle's algorithm is off: otherwise
 * the last small write of each message (the `.` line) waits for the
 * server's delayed ACK. nodemailer adds TLS on top for smtps (and STARTTLS
 * for smtp) as usual.
 */
function openSocket(host: string, port: number, timeoutMs: number, callback: (error: Error | null, socket?: Socket) => void): void {
  // net.Socket hands its options to stream.Duplex, which honours the threshold; @types/node does not list it.
  const socketOptions: NetConnectOpts & { writableHighWaterMark: number } = {
    host,
    port,
    noDelay: true,
    writableHighWaterMark: socketHighWaterMark,
  }
  const socket = connect(socketOptions)
  const timer = setTimeout(() => {
    socket.destroy()
    done(Object.assign(new Error(`Connection to ${host}:${port} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }))
  }, timeoutMs)
  let settled = false
  function done(error: Error | null): void {
    if (settled) return
    settled = true
    clearTimeout(timer)
    socket.removeListener('error', done)
    if (error) callback(Object.assign(error, { code: (error as NodeJS.ErrnoException).code ?? 'ECONNECTION' }))
    else callback(null, socket)
  }
  socket.once('error', done)
  socket.once('connect', () => done(null))
}

function createSmtpMailer(url: string, options: MailerOptions): Mailer {
  // The same bytes as nodemailer's dot-stuffing transform, found with indexOf (smtp-data-stream.ts).
  installFastDataStream()
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TransportConfigError(
      `The SMTP URL \`${redactUrl(url)}\` is not a valid URL; write it as \`smtps://user:password@host:465\` (percent-encode special characters in the password).`,
    )
  }
  const user = decodeURIComponent(parsed.username)
  const pass = decodeURIComponent(parsed.password)
  const scrub = (text: string): string => scrubSecrets(text, [url])
  const secure = parsed.protocol.toLowerCase() === 'smtps:'
  const query = parsed.searchParams
  const maxConnections = Math.max(1, options.maxConnections ?? 5)
  const description = redactUrl(url)
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  const port = parsed.port ? Number(parsed.port) : secure ? 465 : 587
  const connectionTimeout = options.connectionTimeout ?? 15_000
  // With DKIM the signature is one more chunk in front of the message: the
  // same pool, rate limit and failure handling as without.
  const sign = options.dkim ? createDkimSigner(options.dkim) : undefined
  const pool = createSmtpPool({
    connection: {
      host,
      port,
      secure,
      connectionTimeout,
      greetingTimeout: connectionTimeout,
      socketTimeout: options.socketTimeout ?? 60_000,
      ...(query.get('requireTLS') === 'true' ? { requireTLS: true } : {}),
      ...(query.get('ignoreTLS') === 'true' ? { ignoreTLS: true } : {}),
      ...(query.get('rejectUnauthorized') === 'false' ? { tls: { rejectUnauthorized: false } } : {}),
      logger: false,
      debug: false,
    },
    ...(user ? { auth: { user, pass } } : {}),
    maxConnections,
    ...(options.rate ? { rate: { messages: options.rate.messages, perMs: Math.round(options.rate.perSeconds * 1000) } } : {}),
    getSocket: (callback) => openSocket(host, port, connectionTimeout, callback),
  })
  return {
    concurrency: maxConnections,
    description,
    async send(msg) {
      try {
        // The shared body's dot-stuffed form is made once (see smtp-data-stream.ts).
        shareChunk(msg.body)
        const chunks = sign ? [await sign(msg.head, msg.body), msg.head, msg.body] : [msg.head, msg.body]
        return { messageId: msg.messageId, response: scrub(await pool.send({ from: msg.envelope.from, to: msg.envelope.to, chunks })) }
      } catch (error) {
        throw classifySendError(error, scrub)
      }
    },
    async close() {
      pool.close()
    },
  }
}
