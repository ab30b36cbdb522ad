/**
 * The fast SMTP DATA transform against nodemailer's own DataStream: random
 * messages (dots at line starts, CRLF/LF/CR mixes, NUL bytes) cut into random
 * chunks (boundaries inside "\r\n." included) must come out byte for byte the
 * same, with the same byte counts.
 */
import { createRequire } from 'node:module'
import type { Transform } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { composeMessage, type MessageBase } from '../../src/distribute/compose.js'
import { createMailer } from '../../src/distribute/mailer.js'
import { fastDataTransform, installFastDataStream, shareChunk } from '../../src/distribute/smtp-data-stream.js'
import { startSmtpSink } from '../helpers/smtp-sink.js'
import { prng } from '../../bench/lib/prng.js'

const require = createRequire(import.meta.url)
const modulePath = require.resolve('nodemailer/lib/smtp-connection/data-stream.js')

type DataStreamClass = new () => Transform & { inByteCount: number; outByteCount: number }

/** A fresh copy of nodemailer's class, with its own (untouched) prototype. */
function freshDataStream(): DataStreamClass {
  const cached = require.cache[modulePath]
  delete require.cache[modulePath]
  try {
    return require(modulePath) as DataStreamClass
  } finally {
    if (cached) require.cache[modulePath] = cached
  }
}

const pieces = ['.', '..', '\r\n', '\n', '\r', '\r\n.', '\n.', '\r\n..\r\n', 'a', 'line of text', '\u0000', 'é', '=2E']

function randomMessage(random: () => number): Buffer {
  const parts: string[] = []
  const n = Math.floor(random() * 60)
  for (let i = 0; i < n; i++) parts.push(pieces[Math.floor(random() * pieces.length)]!)
  return Buffer.from(parts.join(''))
}

function randomChunks(message: Buffer, random: () => number): Buffer[] {
  const chunks: Buffer[] = []
  let at = 0
  while (at < message.length) {
    const size = 1 + Math.floor(random() * (random() < 0.5 ? 4 : 40))
    chunks.push(message.subarray(at, at + size))
    at += size
  }
  return chunks
}

async function run(DataStream: DataStreamClass, chunks: readonly Buffer[]): Promise<{ out: Buffer; inBytes: number; outBytes: number }> {
  const stream = new DataStream()
  const out: Buffer[] = []
  stream.on('data', (chunk: Buffer) => out.push(chunk))
  const ended = new Promise((resolve) => stream.on('end', resolve))
  for (const chunk of chunks) stream.write(chunk)
  stream.end()
  await ended
  return { out: Buffer.concat(out), inBytes: stream.inByteCount, outBytes: stream.outByteCount }
}

describe('fast SMTP data stream', () => {
  const original = freshDataStream()
  const fast = freshDataStream()
  test('installs on a class shaped like nodemailer’s', () => {
    expect(installFastDataStream(() => fast)).toBe(true)
    expect(fast.prototype['_transform' as keyof Transform]).toBe(fastDataTransform)
    expect(original.prototype['_transform' as keyof Transform]).not.toBe(fastDataTransform)
  })

  test('writes the same bytes as nodemailer on 3,000 random chunked messages', async () => {
    const random = prng(20261129)
    for (let i = 0; i < 3000; i++) {
      const message = randomMessage(random)
      const chunks = randomChunks(message, random)
      const want = await run(original, chunks)
      const got = await run(fast, chunks)
      if (!got.out.equals(want.out)) {
        expect({ chunks: chunks.map(String), got: String(got.out) }).toEqual({ chunks: chunks.map(String), got: String(want.out) })
      }
      expect([got.inBytes, got.outBytes]).toEqual([want.inBytes, want.outBytes])
    }
  })

  test('chunk boundaries inside "\\r\\n." and at a leading dot', async () => {
    const cases = [
      ['a\r', '\n', '.b'],
      ['a\r\n', '.', '.\r\n'],
      ['.', 'x\n', '.', '\n.'],
      ['a\n', '\r\n', '.'],
      ['\r', '\n.\r', '\n'],
      ['\n'],
      ['.'],
    ]
    for (const parts of cases) {
      const chunks = parts.map((p) => Buffer.from(p))
      expect((await run(fast, chunks)).out.toString()).toBe((await run(original, chunks)).out.toString())
    }
  })

  test('keeps a large chunk without line-start dots as is (no copy)', async () => {
    const body = Buffer.from('QUJD\r\n'.repeat(20_000))
    const stream = new fast()
    const out: Buffer[] = []
    stream.on('data', (chunk: Buffer) => out.push(chunk))
    stream.write(body)
    expect(out[0]).toBe(body)
  })

  test('keeps nodemailer’s transform when the class is not as expected', () => {
    expect(installFastDataStream(() => undefined)).toBe(false)
    expect(installFastDataStream(() => ({}))).toBe(false)
    expect(
      installFastDataStream(() => {
        throw new Error('gone')
      }),
    ).toBe(false)
    // A class whose own transform behaves differently (e.g. a future nodemailer) is left alone.
    const other = freshDataStream()
    const odd = function (this: Transform, chunk: Buffer, _e: string, done: () => void) {
      this.push(Buffer.concat([chunk, chunk]))
      done()
    }
    ;(other.prototype as unknown as Record<string, unknown>)['_transform'] = odd
    expect(installFastDataStream(() => other)).toBe(false)
    expect((other.prototype as unknown as Record<string, unknown>)['_transform']).toBe(odd)
  })

  test('an SMTP mailer installs it on nodemailer’s DataStream', async () => {
    const mailer = createMailer('smtp://127.0.0.1:2525', { statePath: '/nonexistent' })
    await mailer.close()
    expect((require(modulePath) as DataStreamClass).prototype['_transform' as keyof Transform]).toBe(fastDataTransform)
  })

  test('a shared chunk is stuffed once and reused, in the right context only', async () => {
    const body = Buffer.from('.lead\r\nline\n.dot\r\n..two\r\n' + 'x'.repeat(1000))
    const copy = Buffer.from(body)
    shareChunk(body)
    for (const before of ['H: v\r\n\r\n', 'H: v\r\n\r', 'no newline', 'H: v\r\n\r\n']) {
      const chunks = [Buffer.from(before), body]
      const want = await run(original, chunks)
      for (let round = 0; round < 2; round++) {
        const got = await run(fast, chunks)
        expect(got.out.equals(want.out)).toBe(true)
        expect([got.inBytes, got.outBytes]).toEqual([want.inBytes, want.outBytes])
      }
    }
    expect(body.equals(copy)).toBe(true)
  })

  test('a shared chunk with nothing to stuff in one context is remembered per context', async () => {
    // No line feed: only a dot right after a line end needs doubling.
    const dotFirst = Buffer.from('.first ' + 'y'.repeat(500))
    const plain = Buffer.from('no dots here\r\nnor here\r\n')
    shareChunk(dotFirst)
    shareChunk(plain)
    for (const body of [dotFirst, plain]) {
      for (const before of ['no newline', 'H: v\r\n\r\n', 'no newline', 'H: v\r\n\r', 'H: v\r\n\r\n']) {
        const chunks = [Buffer.from(before), body]
        const want = await run(original, chunks)
        const got = await run(fast, chunks)
        expect(got.out.equals(want.out)).toBe(true)
        expect([got.inBytes, got.outBytes]).toEqual([want.inBytes, want.outBytes])
      }
    }
  })

  test('over SMTP: the shared body streamed after each recipient’s head arrives intact; nothing copied per message', async () => {
    const sink = await startSmtpSink()
    const mailer = createMailer(sink.url, { statePath: '/nonexistent', maxConnections: 2 })
    try {
      const body = Buffer.from('Content-Type: text/plain\r\n\r\n.first\r\nsecond\r\n..third\r\n.\r\nend\r\n')
      const base: MessageBase = {
        slug: 's',
        lng: 'en',
        variant: { embargoed: false, test: false },
        fromAddress: 'press@example.org',
        domain: 'example.org',
        head: 'From: press@example.org\r\nSubject: dots',
        body,
        unsubscribe: {},
      }
      const messages = ['a', 'b', 'c'].map((n) =>
        composeMessage(base, { key: n, email: `${n}@example.com`, name: n, messageId: `<${n}@example.org>` }, 0),
      )
      for (const m of messages) expect(m.body).toBe(body)
      const receipts = await Promise.all(messages.map((m) => mailer.send(m)))
      expect(receipts.map((r) => r.messageId)).toEqual(['<a@example.org>', '<b@example.org>', '<c@example.org>'])
      const got = new Map(sink.messages.map((m) => [m.to[0], m]))
      for (const m of messages) {
        const received = got.get(m.to)!
        expect(received.raw.toString('latin1')).toBe(m.raw.toString('latin1'))
        expect(received.messageId).toBe(m.messageId)
      }
    } finally {
      await mailer.close()
      await sink.close()
    }
  })
})
