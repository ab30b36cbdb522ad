/**
 * A real SMTP server on 127.0.0.1 for tests (smtp-server), collecting what
 * it accepts and misbehaving on request: 4xx/5xx on MAIL, RCPT or DATA for
 * chosen addresses or the first N attempts, a dropped connection, a slow
 * reply. A message counts as received only once its DATA ended in full and
 * the sink decided to accept it (as a real MTA takes responsibility only
 * then), even if the client is gone before it reads the 250.
 */
import type { Socket } from 'node:net'
import { SMTPServer } from 'smtp-server'
import type { SMTPServerSession } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'

/** One injected fault. */
export interface SinkFault {
  /** When it strikes. */
  readonly stage: 'mail' | 'rcpt' | 'data'
  /** Reply code (421, 451, 550…); with `drop`, ignored. */
  readonly code?: number
  readonly message?: string
  /** Destroy the socket instead of answering. */
  readonly drop?: boolean
  /** Wait this long before answering (alone: a slow but successful reply). */
  readonly delayMs?: number
  /** Only for these recipients (default: all). */
  readonly to?: string | readonly string[] | RegExp
  /** Only the first N matching attempts (default: every one). */
  times?: number
}

/** A message the sink accepted. */
export interface ReceivedMessage {
  readonly from: string
  readonly to: readonly string[]
  readonly raw: Buffer
  readonly messageId: string | undefined
  /** Order of acceptance, from 1. */
  readonly index: number
  parse(): Promise<ParsedMail>
}

/** Hooks for crash tests. */
export interface SinkHooks {
  /** DATA started (before the body arrives). */
  onDataStart?: ((session: SMTPServerSession) => void) | undefined
  /** Full message received and accepted, before the 250 goes out; may delay it, or return 'drop' to close the connection instead of answering (a lost 250). */
  beforeReply?: ((message: ReceivedMessage) => void | 'drop' | Promise<void | 'drop'>) | undefined
}

/** A running sink. */
export interface SmtpSink {
  readonly host: string
  readonly port: number
  /** `smtp://127.0.0.1:PORT` (with `user:pass@` when auth is on). */
  readonly url: string
  readonly messages: ReceivedMessage[]
  /** RCPT attempts per address (lowercased). */
  readonly rcptAttempts: Map<string, number>
  /** Faults in force; push or splice at will. */
  readonly faults: SinkFault[]
  readonly hooks: SinkHooks
  /** Connections opened so far. */
  connections: number
  /** Resolves once `n` messages were accepted (rejects after `timeoutMs`). */
  waitForMessages(n: number, timeoutMs?: number): Promise<void>
  /** Messages to one address. */
  to(address: string): ReceivedMessage[]
  close(): Promise<void>
}

/** Options of `startSmtpSink`. */
export interface SinkOptions {
  readonly faults?: readonly SinkFault[]
  /** Require AUTH PLAIN/LOGIN with these credentials (the URL then carries them). */
  readonly auth?: { readonly user: string; readonly pass: string }
  readonly hooks?: SinkHooks
}

function matches(fault: SinkFault, address: string | undefined): boolean {
  if (fault.to === undefined || address === undefined) return fault.to === undefined
  const a = address.toLowerCase()
  if (typeof fault.to === 'string') return fault.to.toLowerCase() === a
  if (fault.to instanceof RegExp) return fault.to.test(a)
  return fault.to.some((t) => t.toLowerCase() === a)
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code })
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Start a sink on 127.0.0.1 on a free port.
 *
 * @param options
 *   Faults, auth, hooks (optional).
 * @returns
 *   The running sink; `close()` it in `afterAll`/`afterEach`.
 */
export async function startSmtpSink(options: SinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = []
  const rcptAttempts = new Map<string, number>()
  const faults: SinkFault[] = options.faults ? options.faults.map((f) => ({ ...f })) : []
  const hooks: SinkHooks = { ...options.hooks }
  const sockets = new Map<number, Socket>()
  const waiters: Array<{ n: number; resolve: () => void }> = []

  /** Applies the first matching fault; resolves with the error to answer, 'drop', or undefined (go on). */
  async function applyFault(stage: SinkFault['stage'], session: SMTPServerSession, address?: string): Promise<Error | 'drop' | undefined> {
    const recipients = stage === 'data' ? session.envelope.rcptTo.map((r) => r.address) : [address]
    const fault = faults.find((f) => f.stage === stage && (f.times === undefined || f.times > 0) && recipients.some((r) => matches(f, r)))
    if (fault === undefined) return undefined
    if (fault.times !== undefined) fault.times--
    if (fault.delayMs) await delay(fault.delayMs)
    if (fault.drop) {
      sockets.get(session.remotePort)?.destroy()
      return 'drop'
    }
    if (fault.code === undefined) return undefined
    return smtpError(fault.code, fault.message ?? (fault.code >= 500 ? 'Mailbox unavailable (test)' : 'Try again later (test)'))
  }

  const server = new SMTPServer({
    logger: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    closeTimeout: 200,
    size: 50 * 1024 * 1024,
    onConnect(session, callback) {
      sink.connections++
      callback()
    },
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username })
      } else callback(smtpError(535, 'Authentication failed (test)'))
    },
    onMailFrom(_address, session, callback) {
      void applyFault('mail', session).then((f) => (f === 'drop' ? undefined : callback(f ?? null)))
    },
    onRcptTo(address, session, callback) {
      const a = address.address.toLowerCase()
      rcptAttempts.set(a, (rcptAttempts.get(a) ?? 0) + 1)
      void applyFault('rcpt', session, a).then((f) => (f === 'drop' ? undefined : callback(f ?? null)))
    },
    onData(stream, session, callback) {
      hooks.onDataStart?.(session)
      const chunks: Buffer[] = []
      let broken = false
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('error', () => {
        broken = true
      })
      stream.on('end', () => {
        if (broken) return
        void (async () => {
          const fault = await applyFault('data', session)
          if (fault === 'drop') return
          if (fault) return callback(fault)
          const raw = Buffer.concat(chunks)
          const header = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n'))).toString('latin1')
          const message: ReceivedMessage = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            messageId: /^Message-ID:\s*(<[^>\r\n]*>)/im.exec(header)?.[1],
            index: messages.length + 1,
            parse: () => simpleParser(raw),
          }
          messages.push(message)
          for (const w of waiters.splice(0)) {
            if (messages.length >= w.n) w.resolve()
            else waiters.push(w)
          }
          if ((await hooks.beforeReply?.(message)) === 'drop') {
            sockets.get(session.remotePort)?.destroy()
            return
          }
          callback(null, `OK queued as ${message.index}`)
        })()
      })
    },
  })
  // The socket per client port, so a fault can drop the connection.
  const net = (server as unknown as { server: import('node:net').Server }).server
  net.on('connection', (socket: Socket) => {
    const port = socket.remotePort
    if (port !== undefined) {
      sockets.set(port, socket)
      socket.on('close', () => sockets.delete(port))
    }
  })
  server.on('error', () => {})

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = net.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const auth = options.auth ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@` : ''

  const sink: SmtpSink = {
    host: '127.0.0.1',
    port,
    url: `smtp://${auth}127.0.0.1:${port}`,
    messages,
    rcptAttempts,
    faults,
    hooks,
    connections: 0,
    waitForMessages(n, timeoutMs = 10_000) {
      if (messages.length >= n) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`sink: ${messages.length} of ${n} messages after ${timeoutMs} ms`)), timeoutMs)
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer)
            resolve()
          },
        })
      })
    },
    to(addr) {
      const a = addr.toLowerCase()
      return messages.filter((m) => m.to.some((t) => t.toLowerCase() === a))
    },
    async close() {
      for (const socket of sockets.values()) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return sink
}
