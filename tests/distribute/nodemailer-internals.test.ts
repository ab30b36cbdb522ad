/**
 * What the mail code reaches into inside nodemailer (pinned exactly in
 * package.json): `nodemailer/lib/*` modules that are not its public API.
 * Each check names the module and what we call on it; when one fails after
 * a nodemailer upgrade, re-check the file it names against nodemailer's new
 * source before changing the pin.
 */
import { createRequire } from 'node:module'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { afterEach, describe, expect, test } from 'vitest'
import MailComposer from 'nodemailer/lib/mail-composer/index.js'
import mimeFuncs from 'nodemailer/lib/mime-funcs/index.js'
import addressparser from 'nodemailer/lib/addressparser/index.js'
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js'
import MimeNode from 'nodemailer/lib/mime-node/index.js'
import DKIM from 'nodemailer/lib/dkim/index.js'
import { composeBase, composeMessage, type OutgoingMessage } from '../../src/distribute/compose.js'
import { createDkimSigner } from '../../src/distribute/dkim-signer.js'
import { installFastDataStream } from '../../src/distribute/smtp-data-stream.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js'
import { fakeContent, makeOffice } from './fixtures/office.js'

const require = createRequire(import.meta.url)

/** The failure message: which of our files depends on what changed. */
const recheck = (ours: string, theirs: string): string =>
  `nodemailer changed ${theirs}, which ${ours} relies on (nodemailer upgraded?). Re-check ${ours} against nodemailer's new source, then pin the new version exactly in package.json.`

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function sinkWith(options: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const sink = await startSmtpSink(options)
  closers.push(() => sink.close())
  return sink
}

const office = makeOffice()

async function message(email: string, lng: 'en' | 'ru'): Promise<OutgoingMessage> {
  const content = await fakeContent(office.files)('s-1', lng, { embargoed: false, test: false })
  const base = await composeBase(
    's-1',
    lng,
    { embargoed: false, test: false },
    { ...content, text: `${content.text}  trailing \t\n\n` },
    undefined,
    {
      from: 'Пресс-служба <press@example.org>',
      unsubscribe: { mailto: 'unsubscribe@example.org' },
    },
  )
  return composeMessage(
    base,
    { key: `s-1/${email}`, email, name: 'Иван Петров', messageId: `<${email.replace(/\W/g, '.')}@example.org>` },
    Date.UTC(2031, 2, 14),
  )
}

describe('nodemailer internals the mail code uses', () => {
  test('package.json pins the installed nodemailer exactly', () => {
    const pinned = (
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> }
    ).dependencies['nodemailer']
    const installed = (require('nodemailer/package.json') as { version: string }).version
    expect(pinned, 'package.json must pin nodemailer to one exact version: the code reaches into nodemailer/lib/*').toMatch(
      /^\d+\.\d+\.\d+$/,
    )
    expect(installed, 'the installed nodemailer is not the pinned one: run npm ci').toBe(pinned)
  })

  test('lib/mail-composer, lib/mime-funcs, lib/addressparser: what compose.ts calls', async () => {
    const ours = 'src/distribute/compose.ts'
    const built = await new MailComposer({ from: 'A <a@example.org>', subject: 'S', text: 'T', messageId: '<base@example.org>' })
      .compile()
      .build()
    expect(Buffer.isBuffer(built), recheck(ours, 'MailComposer#compile().build() (a Promise of the message Buffer)')).toBe(true)
    const text = built.toString('latin1')
    const split = text.indexOf('\r\n\r\n')
    const head = text.slice(0, split).split('\r\n')
    expect(
      { head: head.filter((line) => /^(From|Subject|Message-ID|Content-Type):/.test(line)), body: text.slice(split + 4) },
      recheck(ours, 'MailComposer (header block, blank line, body)'),
    ).toEqual({
      head: ['From: A <a@example.org>', 'Subject: S', 'Message-ID: <base@example.org>', 'Content-Type: text/plain; charset=utf-8'],
      body: 'T\r\n',
    })
    expect(mimeFuncs.encodeWord('Пресс', 'Q', 52), recheck(ours, 'mime-funcs encodeWord')).toBe(
      '=?UTF-8?Q?=D0=9F=D1=80=D0=B5=D1=81=D1=81?=',
    )
    const folded = mimeFuncs.foldLines(`List-Unsubscribe: ${'<mailto:x@example.org>, '.repeat(5)}`, 76)
    expect(folded.split('\r\n').every((line) => line.length <= 76) && folded.includes('\r\n '), recheck(ours, 'mime-funcs foldLines')).toBe(
      true,
    )
    expect(
      addressparser('"Office, Press" <press@example.org>', { flatten: true }),
      recheck(ours, 'addressparser with {flatten: true}'),
    ).toEqual([{ name: 'Office, Press', address: 'press@example.org' }])
  })

  test('lib/mime-node: the envelope smtp-pool.ts copies for plain addresses', () => {
    const envelope = new MimeNode().setEnvelope({ from: 'press@Example.ORG', to: 'Ann@Example.COM' }).getEnvelope()
    expect(envelope, recheck('src/distribute/smtp-pool.ts (smtpEnvelope)', 'MimeNode#setEnvelope/getEnvelope')).toEqual({
      from: 'press@example.org',
      to: ['Ann@example.com'],
    })
  })

  test('lib/smtp-connection: connect, allowsAuth, login and send with a pipe-only source, as smtp-pool.ts uses them', async () => {
    const ours = 'src/distribute/smtp-pool.ts'
    const sink = await sinkWith({ auth: { user: 'press', pass: 'secret' } })
    const connection = new SMTPConnection({ host: '127.0.0.1', port: sink.port, logger: false })
    const errors: unknown[] = []
    connection.on('error', (error: unknown) => errors.push(error))
    await new Promise<void>((resolve) => connection.connect(() => resolve()))
    expect(
      (connection as SMTPConnection & { allowsAuth?: unknown }).allowsAuth,
      recheck(ours, 'SMTPConnection#allowsAuth (set from the EHLO reply)'),
    ).toBe(true)
    await new Promise<void>((resolve, reject) =>
      connection.login({ credentials: { user: 'press', pass: 'secret' } }, (error) => (error ? reject(error) : resolve())),
    )
    const chunks = [Buffer.from('Subject: hi\r\n\r\n'), Buffer.from('.dot\r\nbody\r\n')]
    // smtp-pool.ts hands send() an object with only a `pipe` method, not a Readable.
    const source = {
      pipe<T extends NodeJS.WritableStream>(dest: T): T {
        for (const chunk of chunks) dest.write(chunk)
        dest.end()
        return dest
      },
    }
    const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
      connection.send({ from: 'press@example.org', to: ['a@example.com'] }, source as unknown as Readable, (error, result) =>
        error ? reject(error) : resolve(result),
      ),
    )
    expect(info.response, recheck(ours, 'SMTPConnection#send (reply in info.response)')).toMatch(/^250 /)
    connection.close()
    expect(errors).toEqual([])
    expect(sink.messages.map((m) => m.raw.toString('latin1'))).toEqual(['Subject: hi\r\n\r\n.dot\r\nbody\r\n'])
  })

  test('lib/smtp-connection/data-stream: the shape smtp-data-stream.ts replaces the transform of', () => {
    expect(
      installFastDataStream(),
      recheck('src/distribute/smtp-data-stream.ts', "DataStream's shape or output (the fast dot-stuffing was not installed)"),
    ).toBe(true)
  })

  test('lib/dkim: dkim-signer.ts makes the very signature nodemailer’s own DKIM stream makes', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const key = {
      domainName: 'example.org',
      keySelector: 'press',
      privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    }
    const sign = createDkimSigner(key)
    for (const m of [await message('a@example.com', 'en'), await message('b@example.com', 'ru')]) {
      const output = new DKIM(key).sign(m.raw)
      const chunks: Buffer[] = []
      for await (const chunk of output) chunks.push(chunk as Buffer)
      const theirs = Buffer.concat(chunks).toString('latin1')
      const ours = Buffer.concat([await sign(m.head, m.body), m.raw]).toString('latin1')
      expect(ours, recheck('src/distribute/dkim-signer.ts', 'lib/dkim (message-parser, relaxed-body or sign)')).toBe(theirs)
    }
  })
})
