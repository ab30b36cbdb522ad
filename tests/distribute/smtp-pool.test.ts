/**
 * The SMTP mailer's own pool of nodemailer SMTPConnections, over real SMTP
 * on loopback: what arrives is byte for byte the composed message with the
 * envelope nodemailer would have sent; connections are reused and capped;
 * failures are classified exactly as through nodemailer's pooled transport
 * and the next message gets a fresh connection; a server that is down; STARTTLS, TLS and AUTH; the
 * rate limit; close. The envelope equals the one nodemailer's MimeNode
 * makes, for 5,000 random addresses.
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterEach, describe, expect, test } from 'vitest'
import { SMTPServer, type SMTPServerSession } from 'smtp-server'
import { composeBase, composeMessage, type OutgoingMessage } from '../../src/distribute/compose.js'
import nodemailer from 'nodemailer'
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js'
import { classifySendError, createMailer, SendError, type Mailer } from '../../src/distribute/mailer.js'
import { createSmtpPool, smtpEnvelope, type Schedule } from '../../src/distribute/smtp-pool.js'
import MimeNode from 'nodemailer/lib/mime-node/index.js'
import { prng } from '../../bench/lib/prng.js'
import { startSmtpSink, type SinkFault, type SmtpSink } from '../helpers/smtp-sink.js'
import { fakeContent, makeOffice } from './fixtures/office.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function sinkWith(faults: SinkFault[] = []): Promise<SmtpSink> {
  const sink = await startSmtpSink({ faults })
  closers.push(() => sink.close())
  return sink
}

function mailerFor(url: string, options: Partial<Parameters<typeof createMailer>[1]> = {}): Mailer {
  const mailer = createMailer(url, { statePath: makeOffice().statePath, socketTimeout: 5_000, connectionTimeout: 5_000, ...options })
  closers.push(() => mailer.close())
  return mailer
}

/**
 * The reference: nodemailer's own pooled transport, signing with its `dkim`
 * option (what the mailer used for DKIM before the one sending path).
 */
function nodemailerPool(
  url: string,
  options: { maxConnections?: number; dkim: { domainName: string; keySelector: string; privateKey: string } },
): Mailer {
  const { hostname, port } = new URL(url)
  // maxRequeues (not in @types/nodemailer): a failed message is not silently sent again by the pool.
  const poolOptions: SMTPPool.Options & { maxRequeues: number } = {
    host: hostname,
    port: Number(port),
    secure: false,
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    maxRequeues: 0,
    dkim: options.dkim,
    logger: false,
  }
  const transporter = nodemailer.createTransport(poolOptions)
  closers.push(async () => transporter.close())
  return {
    concurrency: options.maxConnections ?? 5,
    description: 'nodemailer pool',
    async send(msg) {
      try {
        const info = (await transporter.sendMail({
          envelope: { from: msg.envelope.from, to: [msg.envelope.to] },
          messageId: msg.messageId,
          raw: msg.raw,
        })) as { response: string }
        return { messageId: msg.messageId, response: info.response }
      } catch (error) {
        throw classifySendError(error)
      }
    },
    async close() {
      transporter.close()
    },
  }
}

const office = makeOffice()
const bases = new Map<string, ReturnType<typeof composeBase>>()

/** A composed message as dispatch makes it (the body shared by every recipient of a language). */
async function message(email: string, lng: 'en' | 'ru' = 'en'): Promise<OutgoingMessage> {
  let base = bases.get(lng)
  if (base === undefined) {
    const content = await fakeContent(office.files)('s-1', lng, { embargoed: false, test: false })
    // Lines that start with a dot: the DATA stream must stuff them.
    base = composeBase(
      's-1',
      lng,
      { embargoed: false, test: false },
      { ...content, text: `${content.text}.leading dot\n..two\n` },
      undefined,
      {
        from: 'Press Office <press@example.org>',
        unsubscribe: {},
      },
    )
    bases.set(lng, base)
  }
  return composeMessage(await base, { key: `s-1/${email}`, email, name: 'N', messageId: `<${email.replace(/\W/g, '.')}@example.org>` }, 0)
}

describe('SMTP pool', () => {
  test('messages arrive byte for byte, with the envelope nodemailer makes, over at most maxConnections reused connections', async () => {
    const sink = await sinkWith()
    const mailer = mailerFor(sink.url, { maxConnections: 2 })
    const emails = Array.from({ length: 12 }, (_, i) => `p${i}@example.com`)
    emails.push('Ivan@Пример.РФ', 'Mixed.Case@Example.COM')
    const messages = await Promise.all(emails.map((email, i) => message(email, i % 2 === 0 ? 'en' : 'ru')))
    const receipts = await Promise.all(messages.map((m) => mailer.send(m)))
    expect(receipts.map((r) => r.messageId)).toEqual(messages.map((m) => m.messageId))
    for (const receipt of receipts) expect(receipt.response).toMatch(/^250 OK queued as \d+$/)
    expect(sink.messages).toHaveLength(emails.length)
    // The same messages through nodemailer's pooled transport, both signing with DKIM: the same envelopes, the same bytes, signature included.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const dkim = {
      domainName: 'example.org',
      keySelector: 'press',
      privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    }
    const signedSink = await sinkWith()
    await Promise.all(messages.map((m) => mailerFor(signedSink.url, { dkim }).send(m)))
    const reference = await sinkWith()
    const viaNodemailer = nodemailerPool(reference.url, { dkim })
    await Promise.all(messages.map((m) => viaNodemailer.send(m)))
    const unsigned = (raw: Buffer): string => raw.toString('latin1').replace(/^DKIM-Signature:.*\r\n(?:[ \t].*\r\n)*/, '')
    const byId = (got: SmtpSink, strip: boolean): Map<string | undefined, { from: string; to: readonly string[]; raw: string }> =>
      new Map(got.messages.map((r) => [r.messageId, { from: r.from, to: r.to, raw: strip ? unsigned(r.raw) : r.raw.toString('latin1') }]))
    expect(byId(signedSink, false)).toEqual(byId(reference, false))
    const ours = byId(sink, true)
    expect(ours).toEqual(byId(reference, true))
    for (const m of messages) {
      const got = ours.get(m.messageId)!
      // The domain lowercased (and punycoded on the wire; the sink shows it decoded), the local part as it is.
      // The composer already gives the IDN domain in ASCII (src/address.ts).
      expect(got.to).toEqual([
        m.to === 'Ivan@Пример.РФ' || m.to === 'Ivan@xn--e1afmkfd.xn--p1ai'
          ? 'Ivan@пример.рф'
          : m.to === 'Mixed.Case@Example.COM'
            ? 'Mixed.Case@example.com'
            : m.to,
      ])
      expect(got.from).toBe('press@example.org')
      // The DATA stream writes bare LF (the fixture's text part has them) as CRLF, as nodemailer always did.
      expect(got.raw).toBe(m.raw.toString('latin1').replace(/\r?\n/g, '\r\n'))
    }
    expect(sink.connections).toBe(2)
    // A later message reuses an open connection.
    await mailer.send(await message('later@example.com'))
    expect(sink.connections).toBe(2)
  })

  test('failures are classified as through nodemailer’s pooled transport; the next message gets a fresh connection', async () => {
    const faults: SinkFault[] = [
      { stage: 'rcpt', code: 550, message: '5.1.1 <gone@example.com>: user unknown', to: 'gone@example.com' },
      { stage: 'rcpt', code: 421, to: 'greylist@example.com' },
      { stage: 'data', code: 451, to: 'busy@example.com' },
      { stage: 'data', code: 554, message: '5.7.1 message refused', to: 'refused@example.com' },
      { stage: 'data', drop: true, to: 'drop@example.com' },
    ]
    const names = ['gone', 'greylist', 'busy', 'refused', 'drop']
    const outcome = async (mailer: Mailer, sink: SmtpSink): Promise<Record<string, unknown>> => {
      const result: Record<string, unknown> = {}
      for (const name of names) {
        const error = await mailer.send(await message(`${name}@example.com`)).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(SendError)
        const e = error as SendError
        result[name] = { kind: e.kind, responseCode: e.responseCode, command: e.command, hardBounce: e.hardBounce, response: e.response }
        // And the connection is usable again right after.
        const before = sink.messages.length
        await mailer.send(await message(`ok-after-${name}@example.com`))
        expect(sink.messages).toHaveLength(before + 1)
      }
      return result
    }
    const ours = await sinkWith(faults)
    const direct = await outcome(mailerFor(ours.url, { maxConnections: 1 }), ours)
    // The same faults through nodemailer's pooled transport.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const theirs = await sinkWith(faults)
    const dkim = {
      domainName: 'example.org',
      keySelector: 'press',
      privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    }
    const viaNodemailer = await outcome(nodemailerPool(theirs.url, { maxConnections: 1, dkim }), theirs)
    expect(direct).toEqual(viaNodemailer)
    expect(direct).toMatchObject({
      gone: { kind: 'permanent', responseCode: 550, command: 'RCPT TO', hardBounce: true },
      greylist: { kind: 'temporary', responseCode: 421, command: 'RCPT TO', hardBounce: false },
      busy: { kind: 'temporary', responseCode: 451, command: 'DATA' },
      refused: { kind: 'permanent', responseCode: 554, command: 'DATA', hardBounce: false },
      drop: { kind: 'temporary', command: 'CONN' },
    })
    // A failed session is not reused: one connection per failure, plus the first.
    expect(ours.connections).toBe(names.length + 1)
  })

  test('a server that is down: a temporary failure', async () => {
    const sink = await sinkWith()
    const port = sink.port
    await sink.close()
    closers.pop()
    const mailer = mailerFor(`smtp://127.0.0.1:${port}`)
    const error = await mailer.send(await message('a@example.com')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SendError)
    expect(error).toMatchObject({ kind: 'temporary', message: expect.stringMatching(/ECONNREFUSED/) })
  })

  test('STARTTLS or TLS, then AUTH; a wrong password is a permanent failure that never shows the password', async () => {
    const sessions: SMTPServerSession[] = []
    const start = async (secure: boolean): Promise<number> => {
      const server = new SMTPServer({
        secure,
        logger: false,
        authMethods: ['PLAIN', 'LOGIN'],
        onAuth(auth, _session, callback) {
          if (auth.username === 'press' && auth.password === 'pa55:w/rd') callback(null, { user: 'press' })
          else callback(Object.assign(new Error('Authentication failed (test)'), { responseCode: 535 }))
        },
        onData(stream, session, callback) {
          stream.resume()
          stream.on('end', () => {
            sessions.push({ ...session })
            callback(null, 'OK')
          })
        },
      })
      server.on('error', () => {})
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
      closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
      return ((server as unknown as { server: import('node:net').Server }).server.address() as { port: number }).port
    }
    const plain = await start(false)
    const tls = await start(true)
    const secret = encodeURIComponent('pa55:w/rd')
    await mailerFor(`smtp://press:${secret}@127.0.0.1:${plain}?rejectUnauthorized=false&requireTLS=true`).send(
      await message('a@example.com'),
    )
    await mailerFor(`smtps://press:${secret}@127.0.0.1:${tls}?rejectUnauthorized=false`).send(await message('b@example.com'))
    expect(sessions.map((s) => [s.secure, s.user, s.envelope.rcptTo[0]?.address])).toEqual([
      [true, 'press', 'a@example.com'],
      [true, 'press', 'b@example.com'],
    ])
    const wrong = 'WR0NG-pa55'
    const error = (await mailerFor(`smtp://press:${wrong}@127.0.0.1:${plain}?rejectUnauthorized=false`)
      .send(await message('c@example.com'))
      .catch((e: unknown) => e)) as SendError
    expect(error).toBeInstanceOf(SendError)
    expect(error).toMatchObject({ kind: 'permanent', responseCode: 535 })
    expect(JSON.stringify({ message: error.message, response: error.response })).not.toContain(wrong)
    expect(sessions).toHaveLength(2)
  })

  test('the rate limit: never more than `messages` started in any `perMs` window (a manual clock)', async () => {
    const sink = await sinkWith()
    // The pool's timer, driven by hand: time moves only when the test says so.
    let now = 0
    const pending: Array<{ at: number; fire: () => void; live: boolean }> = []
    const schedule: Schedule = (ms, fire) => {
      const timer = { at: now + ms, fire, live: true }
      pending.push(timer)
      return () => {
        timer.live = false
      }
    }
    const advance = (ms: number): void => {
      now += ms
      for (const timer of pending.filter((t) => t.live && t.at <= now)) {
        timer.live = false
        timer.fire()
      }
    }
    const starts: number[] = []
    sink.hooks.onDataStart = () => starts.push(now)
    const pool = createSmtpPool({
      connection: { host: sink.host, port: sink.port, logger: false },
      maxConnections: 3,
      rate: { messages: 3, perMs: 300 },
      schedule,
    })
    closers.push(async () => pool.close())
    const messages = await Promise.all(Array.from({ length: 7 }, (_, i) => message(`r${i}@example.com`)))
    const done: boolean[] = messages.map(() => false)
    const sends = messages.map((m, i) =>
      pool.send({ from: m.envelope.from, to: m.envelope.to, chunks: [m.head, m.body] }).then((reply) => {
        done[i] = true
        return reply
      }),
    )
    // The first window: three start at once, the other four wait however long the sends take.
    await Promise.all(sends.slice(0, 3))
    expect(done).toEqual([true, true, true, false, false, false, false])
    expect(pending).toHaveLength(3)
    advance(299)
    expect(pending).toHaveLength(3)
    // 300 ms after the first starts, the next three; 300 ms later, the last.
    advance(1)
    await Promise.all(sends.slice(3, 6))
    expect(done).toEqual([true, true, true, true, true, true, false])
    expect(pending).toHaveLength(6)
    advance(300)
    await sends[6]
    expect(starts).toEqual([0, 0, 0, 300, 300, 300, 600])
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(messages.map((m) => m.to).sort())
    pool.close()
    // Closing cancels the windows still open: no timer keeps the process alive.
    expect(pending.filter((t) => t.live)).toEqual([])
  })

  test('close: queued sends are rejected as temporary, nothing hangs', async () => {
    const sink = await sinkWith([{ stage: 'data', delayMs: 200 }])
    const mailer = createMailer(sink.url, { statePath: office.statePath, maxConnections: 1 })
    const sends = await Promise.all(['x', 'y', 'z'].map((n) => message(`${n}@example.com`)))
    const settled = Promise.allSettled(sends.map((m) => mailer.send(m)))
    await new Promise((r) => setTimeout(r, 50))
    await mailer.close()
    const results = await settled
    // The one on the wire finishes; the two queued behind it are refused.
    expect(results[0]!.status).toBe('fulfilled')
    for (const r of results.slice(1)) {
      expect(r.status).toBe('rejected')
      expect((r as PromiseRejectedResult).reason).toMatchObject({ kind: 'temporary' })
    }
    expect(sink.messages).toHaveLength(1)
  })

  test('the envelope is the one nodemailer makes, for 5,000 random addresses (plain ASCII, IDN, odd characters)', () => {
    const random = prng(4242)
    const pick = (alphabet: string, min: number, max: number): string =>
      Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')
    const plain = "abcXYZ019._-+!#$%&'*/=?^`{|}~"
    const odd = plain + 'Пр日 \t\x01<>()",;:\\[]@'
    const domain = (): string =>
      random() < 0.2 ? `${pick('пример日ÄÖ', 2, 6)}.рф` : `${pick('abcXYZ019-', 1, 10)}.${pick('comORGnet', 2, 4)}`
    const expected = (from: string, to: string): { from: string | false; to: string[] } => {
      const envelope = new MimeNode().setEnvelope({ from, to }).getEnvelope()
      return { from: envelope.from, to: envelope.to }
    }
    let fast = 0
    for (let i = 0; i < 5_000; i++) {
      const to = `${pick(random() < 0.8 ? plain : odd, 1, 12)}@${domain()}`
      const from = random() < 0.9 ? 'press@Example.org' : `${pick(odd, 1, 8)}@${domain()}`
      expect(smtpEnvelope(from, to), JSON.stringify([from, to])).toEqual(expected(from, to))
      if (/^[\x21-\x7e]+$/.test(from + to)) fast++
    }
    // Most were printable ASCII, where the fast path applies unless a character is special.
    expect(fast).toBeGreaterThan(2_500)
  })
})
