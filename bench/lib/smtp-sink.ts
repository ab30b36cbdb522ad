/**
 * A minimal, fast SMTP sink on 127.0.0.1 written with node:net, used by
 * both sides of the mail benchmark. It answers at once (smtp-server waits
 * 100 ms before its greeting), accepts every message, counts them and
 * timestamps the first connection and the last accepted message, and keeps
 * the wire bytes of the first few messages so the raw client can send
 * exactly the same sizes. No PIPELINING and no STARTTLS are advertised, so
 * both clients talk plain, one command at a time.
 */
import { createServer, type Server, type Socket } from 'node:net'

/** A running sink. */
export interface Sink {
  readonly port: number
  readonly url: string
  /** Messages accepted since the last reset. */
  readonly accepted: number
  /** Total DATA bytes accepted since the last reset. */
  readonly bytes: number
  /** performance.now() of the first connection since the last reset. */
  readonly firstConnectAt: number | undefined
  /** performance.now() of the last accepted message. */
  readonly lastAcceptAt: number | undefined
  /** performance.now() of the first accepted message since the last reset. */
  readonly firstAcceptAt: number | undefined
  /** Wire bytes (dot-stuffed, ending in CRLF, without the final `.` line) of the first `keep` messages after a reset. */
  readonly samples: readonly Buffer[]
  /** Zero the counters; keep `keep` message samples from now on. */
  reset(keep?: number): void
  close(): Promise<void>
}

const terminator = Buffer.from('\r\n.\r\n')
const ehlo = '250-bench-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 104857600\r\n'

/** Start a sink on an ephemeral loopback port. */
export async function startSink(): Promise<Sink> {
  let accepted = 0
  let bytes = 0
  let firstConnectAt: number | undefined
  let lastAcceptAt: number | undefined
  let firstAcceptAt: number | undefined
  let keep = 0
  let samples: Buffer[] = []
  const sockets = new Set<Socket>()

  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    firstConnectAt ??= performance.now()
    let line = ''
    let inData = false
    // DATA chunks of the current message, and the last 4 bytes seen (the terminator may straddle chunks).
    let chunks: Buffer[] = []
    let dataLength = 0
    let tail = Buffer.alloc(0)

    const command = (text: string): void => {
      const verb = text.slice(0, 4).toUpperCase()
      if (verb === 'EHLO') socket.write(ehlo)
      else if (verb === 'HELO') socket.write('250 bench-sink\r\n')
      else if (verb === 'MAIL' || verb === 'RCPT' || verb === 'RSET' || verb === 'NOOP') socket.write('250 OK\r\n')
      else if (verb === 'DATA') {
        inData = true
        chunks = []
        dataLength = 0
        tail = Buffer.alloc(0)
        socket.write('354 go ahead\r\n')
      } else if (verb === 'QUIT') socket.end('221 bye\r\n')
      else socket.write('502 not implemented\r\n')
    }

    const onData = (chunk: Buffer): void => {
      let rest: Buffer | undefined = chunk
      while (rest !== undefined && rest.length > 0) {
        if (inData) {
          const joined: Buffer = tail.length > 0 ? Buffer.concat([tail, rest]) : rest
          const at = joined.indexOf(terminator)
          if (at === -1) {
            chunks.push(rest)
            dataLength += rest.length
            tail = Buffer.from(joined.subarray(Math.max(0, joined.length - 4)))
            rest = undefined
            continue
          }
          // The message ends at `at + 2` in `joined` (keeping its last CRLF).
          const endInRest = at + 2 - tail.length
          if (endInRest >= 0) {
            chunks.push(rest.subarray(0, endInRest))
            dataLength += endInRest
          } else {
            // The terminator began inside the previous chunk: trim what was kept.
            dataLength += endInRest
          }
          const consumed = at + terminator.length - tail.length
          rest = rest.subarray(consumed)
          inData = false
          accepted++
          bytes += dataLength
          lastAcceptAt = performance.now()
          firstAcceptAt ??= lastAcceptAt
          if (samples.length < keep) samples.push(Buffer.concat(chunks).subarray(0, dataLength))
          chunks = []
          socket.write('250 OK queued\r\n')
        } else {
          const text = rest.toString('latin1')
          const newline = text.indexOf('\n')
          if (newline === -1) {
            line += text
            rest = undefined
            continue
          }
          const full = (line + text.slice(0, newline)).replace(/\r$/, '')
          line = ''
          rest = rest.subarray(newline + 1)
          command(full)
        }
      }
    }
    socket.on('data', onData)
    socket.write('220 bench-sink ESMTP\r\n')
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    get accepted() {
      return accepted
    },
    get bytes() {
      return bytes
    },
    get firstConnectAt() {
      return firstConnectAt
    },
    get lastAcceptAt() {
      return lastAcceptAt
    },
    get firstAcceptAt() {
      return firstAcceptAt
    },
    get samples() {
      return samples
    },
    reset(keepCount = 0) {
      accepted = 0
      bytes = 0
      firstConnectAt = undefined
      lastAcceptAt = undefined
      firstAcceptAt = undefined
      keep = keepCount
      samples = []
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
