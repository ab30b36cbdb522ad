/**
 * A small pool of nodemailer `SMTPConnection`s for messages that are already
 * composed. nodemailer's own pool sends everything through `sendMail`, which
 * builds a MailComposer and a MimeNode tree per message even for a raw one
 * (header parsing, a random MIME boundary it never uses); here the envelope
 * is normalised the way MimeNode does it and the message goes straight to
 * `SMTPConnection#send`. The connection life cycle copies nodemailer's
 * `PoolResource`: connect (STARTTLS or TLS as the options say), log in when
 * the server offers AUTH, reuse the connection for the next message, and
 * close it after any failed send, so the next message gets a fresh session.
 * Errors are nodemailer's own objects (`code`, `responseCode`, `command`,
 * `response`), so the caller classifies them as before.
 */
import type { Socket } from 'node:net'
import type { Readable } from 'node:stream'
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js'
import MimeNode from 'nodemailer/lib/mime-node/index.js'

/** Hands out a connected socket for a new SMTP connection (e.g. with Nagle off). */
export type GetSocket = (callback: (error: Error | null, socket?: Socket) => void) => void

/** Calls `callback` once, `ms` milliseconds from now; returns a function that cancels it. */
export type Schedule = (ms: number, callback: () => void) => () => void

/** {@link Schedule} on Node's timers. */
const timers: Schedule = (ms, callback) => {
  const timer = setTimeout(callback, ms)
  return () => clearTimeout(timer)
}

/** Options of `createSmtpPool`. */
export interface SmtpPoolOptions {
  /** Options for each `SMTPConnection` (host, port, secure, tls, timeouts, requireTLS, ignoreTLS, logger). */
  readonly connection: Readonly<SMTPConnection.Options>
  /** Credentials, used when the server offers AUTH (optional). */
  readonly auth?: { readonly user: string; readonly pass: string }
  /** Connections open at most (default 5). */
  readonly maxConnections?: number
  /** At most `messages` started in any `perMs` window (optional; default unlimited). */
  readonly rate?: { readonly messages: number; readonly perMs: number }
  /**
   * The rate limit's timer (optional; default Node's timers): a start holds
   * its place in the window until `perMs` later. The pool never reads a
   * clock, so a test drives the window with a manual schedule.
   */
  readonly schedule?: Schedule
  /** Opens the TCP connection (optional; default: SMTPConnection connects itself). */
  readonly getSocket?: GetSocket
}

/** A message for `SmtpPool#send`: the envelope and the message's bytes, in order (not yet dot-stuffed). */
export interface PoolMessage {
  readonly from: string
  readonly to: string
  readonly chunks: readonly Buffer[]
}

/** The pool: send one message, close at the end. */
export interface SmtpPool {
  /** Resolves with the server's reply to the message (`250 …`); rejects with nodemailer's error. */
  send(message: PoolMessage): Promise<string>
  /** Close idle connections now and busy ones when their message is done; queued sends are rejected. */
  close(): void
}

interface Waiting {
  readonly message: PoolMessage
  readonly resolve: (response: string) => void
  readonly reject: (error: unknown) => void
  /** The whole message went into the DATA stream: a failure without a reply now may be a lost 250. */
  streamed?: boolean
}

interface Slot {
  connection: SMTPConnection | undefined
  /** The TCP socket under the connection (under TLS too), when we opened it. */
  socket: Socket | undefined
  /** The send on this connection, if any. */
  current: Waiting | undefined
  ready: boolean
}

/**
 * A plain ASCII address (no spaces, quotes, brackets, commas, colons,
 * semicolons, backslashes; one `@`): nodemailer's address parser takes it
 * as it is and its normaliser only lowercases the domain (punycode leaves an
 * ASCII domain alone). Anything else goes through nodemailer's own code.
 */
const plainAddress = /^[\w!#$%&'*+\-/=?^`{|}~.]+@[\w!#$%&'*+\-/=?^`{|}~.]+$/

/** One MimeNode normalises every other envelope, exactly as `sendMail` did (punycode domains, control characters). */
let envelopeNode: MimeNode | undefined

/**
 * The SMTP envelope nodemailer's `sendMail` would make for a sender and one
 * recipient: for plain ASCII addresses, the domain lowercased; otherwise
 * whatever nodemailer's own parser and normaliser make of them.
 *
 * @param from
 *   Bare sender address.
 * @param to
 *   Bare recipient address.
 * @returns
 *   `{from, to: [to]}` as `SMTPConnection#send` takes it.
 */
export function smtpEnvelope(from: string, to: string): { from: string | false; to: string[] } {
  if (plainAddress.test(from) && plainAddress.test(to)) return { from: domainLowercased(from), to: [domainLowercased(to)] }
  envelopeNode ??= new MimeNode()
  const envelope = envelopeNode.setEnvelope({ from, to }).getEnvelope()
  return { from: envelope.from, to: envelope.to }
}

function domainLowercased(address: string): string {
  const at = address.lastIndexOf('@')
  return address.slice(0, at + 1) + address.slice(at + 1).toLowerCase()
}

/**
 * What `SMTPConnection#send` pipes into its DATA stream (it takes anything
 * with a `pipe` method): the chunks, written at once, with the socket
 * corked until the next turn of the event loop so the header block and
 * the body leave in one write (on a plain connection; TLS writes to the
 * TCP handle directly). No Readable per message, and no copy.
 */
function chunkSource(chunks: readonly Buffer[], socket: Socket | undefined, onStreamed: () => void): Readable {
  const source = {
    pipe<T extends NodeJS.WritableStream>(dest: T): T {
      if (socket !== undefined) {
        socket.cork()
        setImmediate(() => socket.uncork())
      }
      for (const chunk of chunks) dest.write(chunk)
      dest.end()
      onStreamed()
      return dest
    },
  }
  return source as unknown as Readable
}

/** An error of the same shape nodemailer gives, for a connection that went away without one. */
function connectionError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ECONNECTION', command: 'CONN' })
}

/**
 * Create a pool of SMTP connections.
 *
 * @param options
 *   Connection options, credentials, pool size, rate limit, socket factory.
 * @returns
 *   The pool; call `close()` when done.
 */
export function createSmtpPool(options: SmtpPoolOptions): SmtpPool {
  const maxConnections = Math.max(1, options.maxConnections ?? 5)
  const queue: Waiting[] = []
  const slots = new Set<Slot>()
  const schedule = options.schedule ?? timers
  const rate = options.rate !== undefined && options.rate.messages > 0 ? options.rate : undefined
  /** Starts still inside the rate window: each leaves it `perMs` after it started, and the pool looks again. */
  const inWindow = new Set<() => void>()
  let closed = false

  /** Whether the rate limit lets a message start now (when not, a start leaving the window pumps again). */
  const rateAllows = (): boolean => rate === undefined || inWindow.size < rate.messages

  /** Count a start against the rate window until `perMs` from now. */
  const countStart = (): void => {
    if (rate === undefined) return
    const leave = schedule(rate.perMs, () => {
      inWindow.delete(leave)
      pump()
    })
    inWindow.add(leave)
  }

  const finish = (slot: Slot, error: unknown, response?: string): void => {
    const current = slot.current
    slot.current = undefined
    if (current === undefined) return
    if (error === undefined) current.resolve(response ?? '')
    else {
      // No reply after the whole message went out: the server may have taken it.
      const replied = typeof (error as { responseCode?: unknown } | null)?.responseCode === 'number'
      if (current.streamed && !replied && typeof error === 'object' && error !== null) Object.assign(error, { afterData: true })
      current.reject(error)
    }
  }

  const drop = (slot: Slot, error?: unknown): void => {
    if (!slots.delete(slot)) return
    finish(slot, error ?? connectionError('Connection closed unexpectedly'))
    slot.connection?.close()
    slot.connection = undefined
    // Others may be waiting for a free connection slot.
    setImmediate(pump)
  }

  const open = (slot: Slot): void => {
    const start = (socket?: Socket): void => {
      if (!slots.has(slot)) {
        socket?.destroy()
        return
      }
      const connection = new SMTPConnection({ ...options.connection, ...(socket ? { connection: socket } : {}) })
      slot.connection = connection
      slot.socket = socket
      // `on`, not `once`: a second error from a closing connection must not go unhandled.
      connection.on('error', (error: unknown) => drop(slot, error))
      connection.once('end', () => drop(slot))
      connection.connect(() => {
        if (!slots.has(slot)) return
        const auth = options.auth
        // `allowsAuth` (set from the EHLO reply) is missing from the type declarations.
        if (auth !== undefined && (connection as SMTPConnection & { allowsAuth?: boolean }).allowsAuth === true) {
          connection.login({ credentials: { user: auth.user, pass: auth.pass } }, (error) => {
            if (error) drop(slot, error)
            else ready(slot)
          })
        } else ready(slot)
      })
    }
    if (options.getSocket === undefined) start()
    else options.getSocket((error, socket) => (error ? drop(slot, error) : start(socket)))
  }

  const ready = (slot: Slot): void => {
    slot.ready = true
    transmit(slot)
  }

  const transmit = (slot: Slot): void => {
    const current = slot.current
    const connection = slot.connection
    if (current === undefined || connection === undefined) return
    const { from, to, chunks } = current.message
    const streamed = (): void => {
      current.streamed = true
    }
    connection.send(smtpEnvelope(from, to), chunkSource(chunks, slot.socket, streamed), (error, info) => {
      if (error) {
        // As nodemailer's pool does: a failed session is not reused.
        drop(slot, error)
        return
      }
      finish(slot, undefined, typeof info.response === 'string' ? info.response : '')
      if (closed) drop(slot)
      else pump()
    })
  }

  function pump(): void {
    while (queue.length > 0 && !closed) {
      let slot: Slot | undefined
      for (const s of slots) {
        if (s.ready && s.current === undefined) {
          slot = s
          break
        }
      }
      const fresh = slot === undefined
      if (fresh && slots.size >= maxConnections) return
      if (!rateAllows()) return
      slot ??= { connection: undefined, socket: undefined, current: undefined, ready: false }
      slot.current = queue.shift()!
      countStart()
      if (fresh) {
        slots.add(slot)
        open(slot)
      } else transmit(slot)
    }
  }

  return {
    send(message) {
      return new Promise<string>((resolve, reject) => {
        if (closed) {
          reject(connectionError('The SMTP pool was closed'))
          return
        }
        queue.push({ message, resolve, reject })
        pump()
      })
    },
    close() {
      closed = true
      for (const cancel of inWindow) cancel()
      inWindow.clear()
      for (const waiting of queue.splice(0)) waiting.reject(connectionError('The SMTP pool was closed'))
      for (const slot of slots) {
        if (slot.current === undefined) {
          // Like nodemailer's pool: no QUIT, whose reply could keep the process waiting for the socket timeout.
          slots.delete(slot)
          slot.connection?.close()
        }
      }
    },
  }
}
