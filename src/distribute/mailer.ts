/**
 * The mail transport behind a small interface: `outbox` (write `.eml` files,
 * the default, needs no server), `json` (nodemailer's JSON transport, for dry
 * runs and tests) or an `smtp://` / `smtps://` URL (our pool of nodemailer
 * SMTPConnections, `smtp-pool.ts`, with a rate limit; nodemailer's pooled
 * transport when DKIM signs). SMTP failures are classified here, once, as
 * temporary (retry later) or permanent (record and go on); passwords are
 * scrubbed from everything that leaves this module.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { Readable } from 'node:stream'
import nodemailer from 'nodemailer'
import type { Transporter } from 'nodemailer'
import { PressError } from '../errors.js'
import type { OutgoingMessage } from './compose.js'
import { installFastDataStream, shareChunk } from './smtp-data-stream.js'
import { redactUrl, scrubSecrets } from '../secrets.js'
import { createSmtpPool, type SmtpPool } from './smtp-pool.js'

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
  /** DKIM signing (optional). */
  readonly dkim?: { readonly domainName: string; readonly keySelector: string; readonly privateKey: string }
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
    details: { kind: FailureKind; responseCode?: number | undefined; command?: string | undefined; response?: string | undefined; uncertain?: boolean | undefined },
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

/** The transport could not be set up (bad URL, unknown name). */
export class TransportConfigError extends PressError {
  override readonly code = 'PRESS_TRANSPORT'
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
  return new SendError(code && !message.includes(code) ? `${message} (${code})` : message, { kind, responseCode, command, response, uncertain })
}

// Redaction lives in one place, src/secrets.ts; re-exported here for the modules that import it from the mailer.
export { redactUrl } from '../secrets.js'

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
        throw new SendError(`Cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`, { kind: 'temporary' }, { cause: error })
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
 * A socket's write buffer threshold. With Node's 16 KB, writing a ~200 KB
 * message made the DATA stream pause, so its final `.` line waited for
 * `drain` and went out in a write of its own; above the message size, the
 * header block, the body and the `.` line leave in one `writev` while the
 * pool has the socket corked (4.4 instead of 5.1 writes a message; at
 * 100,000 recipients 0.143–0.149 instead of 0.148–0.167 ms of CPU a
 * message, alternating). It is only a threshold: nothing is allocated, and
 * a larger message just waits for `drain` as before.
 */
const socketHighWaterMark = 4 * 1024 * 1024

/**
 * Open the TCP connection ourselves so Nagle's algorithm is off: otherwise
 * the last small write of each message (the `.` line) waits for a delayed
 * ACK, about 40 ms a message per connection. nodemailer adds TLS on top for
 * smtps (and STARTTLS for smtp) as usual.
 */
function openSocket(
  host: string,
  port: number,
  timeoutMs: number,
  callback: (error: Error | null, socket?: { connection: import('node:net').Socket }) => void,
): void {
  // net.Socket hands its options to stream.Duplex, which honours the threshold; @types/node does not list it.
  const socketOptions: import('node:net').NetConnectOpts & { writableHighWaterMark: number } = { host, port, noDelay: true, writableHighWaterMark: socketHighWaterMark }
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
    else callback(null, { connection: socket })
  }
  socket.once('error', done)
  socket.once('connect', () => done(null))
}

/**
 * The message as a stream of its two Buffers: the recipient's header block,
 * then the body every recipient shares (marked so the DATA transform
 * dot-stuffs it once, not once per recipient). Nothing is copied.
 */
function messageStream(msg: OutgoingMessage): Readable {
  shareChunk(msg.body)
  const stream = new Readable({ read() {} })
  stream.push(msg.head)
  stream.push(msg.body)
  stream.push(null)
  return stream
}

function createSmtpMailer(url: string, options: MailerOptions): Mailer {
  // Dot-stuffing byte by byte was over half of a dispatch's CPU; same bytes, indexOf-based.
  installFastDataStream()
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TransportConfigError(`The SMTP URL \`${redactUrl(url)}\` is not a valid URL; write it as \`smtps://user:password@host:465\` (percent-encode special characters in the password).`)
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
  // What nodemailer's SMTPConnection is told, on either path.
  const connectionOptions = {
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
  }
  const send = options.dkim
    ? sendWithNodemailerPool(connectionOptions, { ...(user ? { user, pass } : {}), maxConnections, rate: options.rate, dkim: options.dkim }, description, scrub)
    : sendWithSmtpPool(
        createSmtpPool({
          connection: connectionOptions,
          ...(user ? { auth: { user, pass } } : {}),
          maxConnections,
          ...(options.rate ? { rate: { messages: options.rate.messages, perMs: Math.round(options.rate.perSeconds * 1000) } } : {}),
          getSocket: (callback) => openSocket(host, port, connectionTimeout, (error, socket) => callback(error, socket?.connection)),
        }),
      )
  return {
    concurrency: maxConnections,
    description,
    async send(msg) {
      try {
        return { messageId: msg.messageId, response: scrub(await send.send(msg)) }
      } catch (error) {
        throw classifySendError(error, scrub)
      }
    },
    async close() {
      send.close()
    },
  }
}

/** Sends a composed message and returns the server's reply (nodemailer's errors pass through). */
interface RawSender {
  send(msg: OutgoingMessage): Promise<string>
  close(): void
}

/** Our own pool of nodemailer SMTPConnections: the raw message goes straight to `SMTPConnection#send`. */
function sendWithSmtpPool(pool: SmtpPool): RawSender {
  return {
    send: (msg) => {
      // The shared body's dot-stuffed form is made once (see smtp-data-stream.ts).
      shareChunk(msg.body)
      return pool.send({ from: msg.envelope.from, to: msg.envelope.to, chunks: [msg.head, msg.body] })
    },
    close: () => pool.close(),
  }
}

/**
 * nodemailer's own pooled transport, kept for DKIM: its signer is a stream
 * plugin of `sendMail`, which the direct pool bypasses.
 */
function sendWithNodemailerPool(
  connectionOptions: Record<string, unknown> & { host: string; port: number; connectionTimeout: number },
  extra: {
    user?: string
    pass?: string
    maxConnections: number
    rate: MailerOptions['rate']
    dkim: NonNullable<MailerOptions['dkim']>
  },
  description: string,
  scrub: (text: string) => string,
): RawSender {
  const transportOptions = {
    ...connectionOptions,
    ...(extra.user ? { auth: { user: extra.user, pass: extra.pass ?? '' } } : {}),
    pool: true as const,
    maxConnections: extra.maxConnections,
    maxMessages: Infinity,
    // The ledger retries with backoff and the same Message-ID; a silent
    // requeue inside the pool would hide the attempt from it.
    maxRequeues: 0,
    ...(extra.rate ? { rateLimit: extra.rate.messages, rateDelta: Math.round(extra.rate.perSeconds * 1000) } : {}),
    dkim: { ...extra.dkim },
    getSocket: (target: { host?: string; port?: number }, callback: (error: Error | null, socket?: { connection: import('node:net').Socket }) => void) =>
      openSocket(target.host ?? '127.0.0.1', target.port ?? 25, connectionOptions.connectionTimeout, callback),
  }
  let transporter: Transporter
  try {
    transporter = nodemailer.createTransport(transportOptions)
  } catch (error) {
    throw new TransportConfigError(`Cannot set up SMTP transport ${description}: ${scrub(error instanceof Error ? error.message : String(error))}`)
  }
  return {
    async send(msg) {
      const info = (await transporter.sendMail({
        envelope: { from: msg.envelope.from, to: [msg.envelope.to] },
        // Ours, so nodemailer does not make up (random bytes) one of its own for the log.
        messageId: msg.messageId,
        raw: messageStream(msg),
      })) as { response?: unknown }
      return typeof info.response === 'string' ? info.response : ''
    },
    close: () => transporter.close(),
  }
}
