/**
 * DKIM on the one SMTP sending path, over real SMTP on loopback: a signed
 * message is the composed message with one `DKIM-Signature` line in front,
 * which an independent verifier (mailauth, with the public key served by a
 * resolver of our own: no DNS) accepts; the pool size, the rate limit and
 * the failure handling are the same with and without a key.
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterEach, describe, expect, test } from 'vitest'
import { dkimVerify } from 'mailauth/lib/dkim/verify.js'
import { composeBase, composeMessage, type OutgoingMessage } from '../../src/distribute/compose.js'
import { TransportConfigError } from '../../src/distribute/errors.js'
import { createMailer, SendError, type Mailer, type MailerOptions } from '../../src/distribute/mailer.js'
import { startSmtpSink, type SinkFault, type SmtpSink } from '../helpers/smtp-sink.js'
import { fakeContent, makeOffice } from './fixtures/office.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

const office = makeOffice()
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const dkim = { domainName: 'example.org', keySelector: 'press', privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() }
/** The TXT record a domain would publish at press._domainkey.example.org. */
const txtRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`
const resolver = async (name: string, type: string): Promise<string[][]> => {
  if (name === 'press._domainkey.example.org' && type === 'TXT') return [[txtRecord]]
  throw Object.assign(new Error(`no ${type} record for ${name} in this test`), { code: 'ENOTFOUND' })
}

async function sinkWith(faults: SinkFault[] = []): Promise<SmtpSink> {
  const sink = await startSmtpSink({ faults })
  closers.push(() => sink.close())
  return sink
}

function mailerFor(url: string, options: Partial<MailerOptions> = {}): Mailer {
  const mailer = createMailer(url, { statePath: office.statePath, socketTimeout: 5_000, connectionTimeout: 5_000, ...options })
  closers.push(() => mailer.close())
  return mailer
}

const bases = new Map<string, ReturnType<typeof composeBase>>()

/** A composed message as dispatch makes it: the body shared by every recipient of a language. */
async function message(email: string, lng: 'en' | 'ru' = 'en'): Promise<OutgoingMessage> {
  let base = bases.get(lng)
  if (base === undefined) {
    const content = await fakeContent(office.files)('s-1', lng, { embargoed: false, test: false })
    // Trailing spaces, tabs and runs of blanks: relaxed body canonicalisation has work to do.
    base = composeBase(
      's-1',
      lng,
      { embargoed: false, test: false },
      { ...content, text: `${content.text}\ttabbed  twice   \n.leading dot\n\n\n` },
      undefined,
      {
        from: 'Press Office <press@example.org>',
        unsubscribe: {},
      },
    )
    bases.set(lng, base)
  }
  return composeMessage(
    await base,
    { key: `s-1/${email}`, email, name: 'Ann  Example', messageId: `<${email.replace(/\W/g, '.')}@example.org>` },
    0,
  )
}

/** The received message without its first header line if that is a DKIM-Signature (folded lines included). */
function withoutSignature(raw: Buffer): string {
  return raw.toString('latin1').replace(/^DKIM-Signature:.*\r\n(?:[ \t].*\r\n)*/, '')
}

describe('DKIM on the SMTP path', () => {
  test('every message carries a DKIM-Signature that verifies, in front of the composed bytes', async () => {
    const sink = await sinkWith()
    const mailer = mailerFor(sink.url, { maxConnections: 2, dkim })
    const messages = await Promise.all(
      ['a@example.com', 'b@example.com', 'Ivan@Пример.РФ', 'c@example.com'].map((email, i) => message(email, i % 2 === 0 ? 'en' : 'ru')),
    )
    await Promise.all(messages.map((m) => mailer.send(m)))
    expect(sink.messages).toHaveLength(messages.length)
    for (const received of sink.messages) {
      const sent = messages.find((m) => m.messageId === received.messageId)!
      const text = received.raw.toString('latin1')
      expect(text).toMatch(
        /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.org;\r\n q=dns\/txt; s=press; bh=[\w+/]+=*;\r\n h=from:subject:date:message-id:to:mime-version:content-type;\r\n b=/,
      )
      // The signature is the only addition (the DATA stream writes bare LF as CRLF, as without DKIM).
      expect(withoutSignature(received.raw)).toBe(sent.raw.toString('latin1').replace(/\r?\n/g, '\r\n'))
      const { results } = await dkimVerify(received.raw, { resolver })
      expect(results.map((r) => [r.signingDomain, r.selector, r.status.result])).toEqual([['example.org', 'press', 'pass']])
      // A changed body no longer verifies: the verifier really checks.
      const bodyAt = text.indexOf('\r\n\r\n') + 4
      const tamperedBody = await dkimVerify(Buffer.from(`${text.slice(0, bodyAt)}One more line.\r\n${text.slice(bodyAt)}`, 'latin1'), {
        resolver,
      })
      expect(tamperedBody.results.map((r) => [r.status.result, r.status.comment])).toEqual([
        ['neutral', expect.stringMatching(/body hash did not verify/)],
      ])
      // And so does a changed signed header.
      const tamperedHeader = await dkimVerify(Buffer.from(text.replace(/\r\nTo: /, '\r\nTo: x'), 'latin1'), { resolver })
      expect(tamperedHeader.results.map((r) => r.status.result)).toEqual(['fail'])
    }
  })

  test('the pool size and the rate limit are the same with and without DKIM', async () => {
    const rate = { messages: 3, perSeconds: 0.3 }
    const run = async (signed: boolean): Promise<{ starts: number[]; connections: number; signatures: number }> => {
      const sink = await sinkWith()
      const starts: number[] = []
      const mailer = mailerFor(sink.url, { maxConnections: 2, rate, ...(signed ? { dkim } : {}) })
      const t0 = performance.now()
      sink.hooks.onDataStart = () => starts.push(performance.now() - t0)
      await Promise.all(
        Array.from({ length: 7 }, async (_, i) => mailer.send(await message(`r${i}@example.com`, i % 2 === 0 ? 'en' : 'ru'))),
      )
      const signatures = sink.messages.filter((m) => m.raw.toString('latin1').startsWith('DKIM-Signature: ')).length
      return { starts, connections: sink.connections, signatures }
    }
    for (const signed of [false, true]) {
      const { starts, connections, signatures } = await run(signed)
      expect(starts).toHaveLength(7)
      expect(signatures).toBe(signed ? 7 : 0)
      // At most maxConnections connections, reused.
      expect(connections).toBeLessThanOrEqual(2)
      // 3 messages per 300 ms, counted when handed to a connection: the 4th waits for the first window, the 7th for the second.
      for (let i = 0; i < starts.length; i++)
        expect(starts[i]!).toBeGreaterThanOrEqual(Math.floor(i / rate.messages) * rate.perSeconds * 1000 - 10)
    }
  })

  test('failures are classified the same with and without DKIM; the next message gets a fresh connection', async () => {
    const faults: SinkFault[] = [
      { stage: 'rcpt', code: 550, message: '5.1.1 <gone@example.com>: user unknown', to: 'gone@example.com' },
      { stage: 'rcpt', code: 421, to: 'greylist@example.com' },
      { stage: 'data', code: 554, message: '5.7.1 message refused', to: 'refused@example.com' },
      { stage: 'data', drop: true, to: 'drop@example.com' },
    ]
    const outcome = async (signed: boolean): Promise<{ errors: unknown[]; connections: number; delivered: number }> => {
      const sink = await sinkWith(faults)
      const mailer = mailerFor(sink.url, { maxConnections: 1, ...(signed ? { dkim } : {}) })
      const errors: unknown[] = []
      for (const name of ['gone', 'greylist', 'refused', 'drop']) {
        const error = await mailer.send(await message(`${name}@example.com`)).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(SendError)
        const e = error as SendError
        errors.push({ kind: e.kind, responseCode: e.responseCode, command: e.command, hardBounce: e.hardBounce, response: e.response })
        await mailer.send(await message(`ok-after-${name}@example.com`))
      }
      return { errors, connections: sink.connections, delivered: sink.messages.length }
    }
    const unsigned = await outcome(false)
    const signed = await outcome(true)
    expect(signed).toEqual(unsigned)
    expect(unsigned.delivered).toBe(4)
    // A failed session is not reused: one connection per failure, plus the first.
    expect(unsigned.connections).toBe(5)
  })

  test('an unreadable private key is a configuration error, not unsigned mail', () => {
    expect(() =>
      createMailer('smtp://127.0.0.1:2525', { statePath: office.statePath, dkim: { ...dkim, privateKey: 'not a key' } }),
    ).toThrow(TransportConfigError)
    expect(() =>
      createMailer('smtp://127.0.0.1:2525', { statePath: office.statePath, dkim: { ...dkim, privateKey: 'not a key' } }),
    ).toThrow(/mail\.dkim\.privateKey/)
  })
})
