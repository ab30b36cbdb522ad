/**
 * The raw SMTP baseline, run as its own process (like `press dispatch`):
 * `connections` plain node:net connections, each sending one message after
 * another (MAIL, RCPT, DATA, wait for each reply; no pipelining), with the
 * given wire-format message files round-robin.
 *
 * Run: node build/bench/raw-smtp-client.js <port> <count> <connections> <message.eml> [...]
 * Prints `{"sent":N,"seconds":S}` on stdout.
 */
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'

const [portArg, countArg, connectionsArg, ...files] = process.argv.slice(2)
const port = Number(portArg)
const count = Number(countArg)
const connections = Number(connectionsArg)
if (!port || !count || !connections || files.length === 0) {
  process.stderr.write('usage: raw-smtp-client <port> <count> <connections> <message.eml> [...]\n')
  process.exit(2)
}
// Each file holds the dot-stuffed message ending in CRLF; append the final dot line once.
const messages = files.map((file) => Buffer.concat([readFileSync(file), Buffer.from('.\r\n')]))

/** A line-reply reader over a socket: resolves with each complete reply (last line `NNN text`). */
function replies(socket: Socket): () => Promise<string> {
  let buffer = ''
  const waiting: Array<(reply: string) => void> = []
  const ready: string[] = []
  socket.setEncoding('latin1')
  socket.on('data', (text: string) => {
    buffer += text
    for (;;) {
      // A reply is complete at a line whose 4th character is a space.
      const match = /(?:^|\r\n)\d{3} [^\r\n]*\r\n/.exec(buffer)
      if (!match) break
      const end = match.index + match[0].length
      const reply = buffer.slice(0, end)
      buffer = buffer.slice(end)
      const waiter = waiting.shift()
      if (waiter) waiter(reply)
      else ready.push(reply)
    }
  })
  return () => {
    const reply = ready.shift()
    if (reply !== undefined) return Promise.resolve(reply)
    return new Promise((resolve) => waiting.push(resolve))
  }
}

function expect(reply: string, code: string): void {
  const last = reply.trimEnd().split('\r\n').pop() ?? ''
  if (!last.startsWith(code)) throw new Error(`expected ${code}, got ${reply.trim()}`)
}

let next = 0
let sent = 0

async function worker(): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true })
  socket.on('error', (error) => {
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  })
  const reply = replies(socket)
  expect(await reply(), '220')
  socket.write('EHLO raw-client\r\n')
  expect(await reply(), '250')
  while (next < count) {
    const index = next++
    socket.write('MAIL FROM:<press@example.org>\r\n')
    expect(await reply(), '250')
    socket.write(`RCPT TO:<journalist${index}@example.com>\r\n`)
    expect(await reply(), '250')
    socket.write('DATA\r\n')
    expect(await reply(), '354')
    socket.write(messages[index % messages.length]!)
    expect(await reply(), '250')
    sent++
  }
  socket.write('QUIT\r\n')
  await reply()
  socket.end()
}

const started = performance.now()
await Promise.all(Array.from({ length: Math.min(connections, count) }, worker))
process.stdout.write(JSON.stringify({ sent, seconds: (performance.now() - started) / 1000 }) + '\n')
