/**
 * End to end over real SMTP on loopback: embargo timing, per-language
 * content and attachments, headers, one recipient per message, header
 * injection, and a larger list through the pool.
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { ParsedMail } from 'mailparser'
import { dispatch, planAndSend, status } from '../../src/distribute/commands.js'
import { messageIdFor } from '../../src/distribute/compose.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js'
import { crowd, HOUR, LIFT, makeContext, makeOffice, makeRelease, person } from './fixtures/office.js'

let sink: SmtpSink
beforeEach(async () => {
  sink = await startSmtpSink()
})
afterEach(async () => {
  await sink.close()
})

function headerNames(raw: Buffer): string[] {
  const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1')
  return head
    .split('\r\n')
    .filter((l) => !/^[ \t]/.test(l))
    .map((l) => l.slice(0, l.indexOf(':')).toLowerCase())
}

function headerLine(mail: ParsedMail, key: string): string | undefined {
  return mail.headerLines.find((h) => h.key === key)?.line.replace(/\r?\n[ \t]/g, ' ')
}

const vetEn = person('vet.en@example.com', 'en', true, { name: 'Vera Vetted' })
const vetRu = person('vet.ru@example.ru', 'ru', true, { name: 'Иван Петров' })
const genEn = person('gen.en@example.com', 'en', false, { name: 'Gene General' })
const genRu = person('gen.ru@example.ru', 'ru', false, { name: 'Ольга Общая' })
const genDe = person('gen.de@example.de', 'de', false, { name: 'Greta' })
const list = [vetEn, vetRu, genEn, genRu, genDe]

describe('embargo timing over SMTP', () => {
  test('at lift − 1 s only vetted recipients get it (marked embargoed); at the lift everyone else does', async () => {
    const office = makeOffice()
    const ctx = makeContext(office, [makeRelease()], list, sink.url, { clock: { t: LIFT - 1000 } })
    const sent = await planAndSend(ctx, '2031-03-14-water-report')
    expect(sent.plan.counts).toMatchObject({ jobs: 5, due: 2, later: 3, fallback: 1 })
    expect(sent.run).toMatchObject({ sent: 2, failed: 0 })
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(['vet.en@example.com', 'vet.ru@example.ru'])
    const early = await Promise.all(sink.messages.map((m) => m.parse()))
    expect(early.map((m) => m.subject).sort()).toEqual([
      'EMBARGOED UNTIL 09:00 EDT: Water unsafe',
      'ЭМБАРГО ДО 09:00 EDT: Вода небезопасна',
    ])

    // Still 1 s before the lift: a dispatch sends nothing more.
    expect((await dispatch(ctx)).sent).toBe(0)
    expect(sink.messages).toHaveLength(2)

    ctx.clock.t = LIFT
    const run = await dispatch(ctx)
    expect(run.sent).toBe(3)
    expect(sink.messages).toHaveLength(5)
    const late = await Promise.all(sink.messages.slice(2).map((m) => m.parse()))
    expect(late.every((m) => !/EMBARGO|ЭМБАРГО/.test(m.subject ?? ''))).toBe(true)
    expect((await status(ctx)).counts).toMatchObject({ sent: 5, planned: 0 })
  })

  test('the policy is asked again right before sending: an embargo moved later holds mail already due', async () => {
    const office = makeOffice()
    let release = makeRelease()
    const ctx = makeContext(office, [], [vetEn, genEn], sink.url, { clock: { t: LIFT - HOUR } })
    const withRelease = { ...ctx, releases: () => release }
    await planAndSend(withRelease, release.slug)
    expect(sink.messages).toHaveLength(1)
    // The office pushes the lift back an hour after planning; the queued row still says LIFT.
    release = makeRelease({ embargo: LIFT + HOUR })
    ctx.clock.t = LIFT
    const run = await dispatch(withRelease)
    // The general row moved with the lift; the vetted holder is told the embargo moved, once.
    expect(run).toMatchObject({ sent: 1 })
    expect(sink.messages).toHaveLength(2)
    expect(sink.messages[1]!.to).toEqual(['vet.en@example.com'])
    expect((await sink.messages[1]!.parse()).subject).toBe('MOVED: EMBARGOED UNTIL 09:00 EDT: Water unsafe')
    ctx.clock.t = LIFT + HOUR - 1
    expect((await dispatch(withRelease)).sent).toBe(0)
    ctx.clock.t = LIFT + HOUR
    expect((await dispatch(withRelease)).sent).toBe(1)
    expect(sink.messages.map((m) => m.to[0])).toEqual(['vet.en@example.com', 'vet.en@example.com', 'gen.en@example.com'])
  })
})

describe('message content over SMTP', () => {
  test('per-language content and attachments, one To, no Cc/Bcc, headers', async () => {
    const office = makeOffice()
    const ctx = makeContext(office, [makeRelease()], list, sink.url, { clock: { t: LIFT } })
    await planAndSend(ctx, '2031-03-14-water-report')
    expect(sink.messages).toHaveLength(5)
    for (const message of sink.messages) {
      const mail = await message.parse()
      const to = message.to[0]!
      const recipient = list.find((r) => r.email === to)!
      const lng = recipient.lng === 'ru' ? 'ru' : 'en'
      expect(message.to).toHaveLength(1)
      expect(message.from).toBe('press@example.org')
      expect(headerNames(message.raw).filter((h) => h === 'to')).toHaveLength(1)
      expect(headerNames(message.raw)).not.toContain('cc')
      expect(headerNames(message.raw)).not.toContain('bcc')
      expect((mail.to as { value: Array<{ address: string; name: string }> }).value).toEqual([{ address: to, name: recipient.name }])
      expect(mail.replyTo?.value).toEqual([{ address: 'media@example.org', name: '' }])
      expect(mail.messageId).toBe(messageIdFor('2031-03-14-water-report', to, 'example.org'))
      expect(mail.headers.get('content-language')).toBe(lng)
      expect(headerLine(mail, 'list-unsubscribe')).toMatch(
        /^List-Unsubscribe: <mailto:unsubscribe@example\.org\?subject=unsubscribe>, <https:\/\/press\.example\.org\/unsubscribe\?t=u1[\w-]+>$/,
      )
      expect(headerLine(mail, 'list-unsubscribe')).not.toContain(to)
      expect(headerLine(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
      expect(mail.subject).toBe(lng === 'ru' ? 'Вода небезопасна' : 'Water unsafe')
      expect(mail.text).toContain(lng === 'ru' ? 'Текст релиза' : 'Release text')
      expect(mail.html).toContain(`lang="${lng}"`)
      expect(mail.attachments.map((a) => a.filename)).toEqual([`2031-03-14-water-report.${lng}.pdf`, 'report.csv'])
      expect(mail.attachments[0]!.content.toString()).toContain(lng === 'ru' ? 'Russian PDF' : 'English PDF')
      expect(mail.attachments[1]!.content.toString()).toContain('lead_ppb')
    }
  })

  test('Message-IDs are stable across runs and offices', async () => {
    const first = makeContext(makeOffice(), [makeRelease()], list, sink.url, { clock: { t: LIFT } })
    await planAndSend(first, '2031-03-14-water-report')
    const second = makeContext(makeOffice(), [makeRelease()], list, sink.url, { clock: { t: LIFT + 5 * HOUR } })
    await planAndSend(second, '2031-03-14-water-report')
    const ids = (to: string): Array<string | undefined> => sink.to(to).map((m) => m.messageId)
    for (const r of list) {
      const [a, b] = ids(r.email)
      expect(a).toBeDefined()
      expect(a).toBe(b)
    }
  })

  test('CR/LF in names and subjects never makes an extra header or recipient', async () => {
    const office = makeOffice()
    const evil = [
      person('eve@example.com', 'en', false, { name: 'Eve\r\nBcc: victim@evil.example' }),
      person('mallory@example.com', 'ru', false, { name: 'Мэллори\r\nTo: victim2@evil.example\r\n\r\nbody' }),
    ]
    const base = makeContext(office, [makeRelease({ embargo: false })], evil, sink.url, { clock: { t: LIFT } })
    const ctx = {
      ...base,
      content: async (slug: string, lng: string, variant: { embargoed: boolean; test: boolean }) => ({
        ...(await base.content(slug, lng, variant)),
        subject: 'Hello\r\nBcc: victim3@evil.example\nCc: victim4@evil.example',
      }),
    }
    await planAndSend(ctx, '2031-03-14-water-report')
    expect(sink.messages).toHaveLength(2)
    expect([...sink.rcptAttempts.keys()].sort()).toEqual(['eve@example.com', 'mallory@example.com'])
    for (const message of sink.messages) {
      const names = headerNames(message.raw)
      expect(names.filter((n) => n === 'to')).toHaveLength(1)
      expect(names).not.toContain('bcc')
      expect(names).not.toContain('cc')
      const mail = await message.parse()
      expect((mail.to as { value: unknown[] }).value).toHaveLength(1)
      expect(mail.subject).toBe('Hello Bcc: victim3@evil.example Cc: victim4@evil.example')
    }
  })

  test('a larger list goes through the pool, streamed; re-running sends nothing twice', async () => {
    const office = makeOffice()
    const people = crowd(300)
    const ctx = makeContext(office, [makeRelease({ embargo: false })], people, sink.url, { clock: { t: LIFT } })
    const result = await planAndSend(ctx, '2031-03-14-water-report')
    expect(result.run.sent).toBe(300)
    expect(new Set(sink.messages.map((m) => m.to[0])).size).toBe(300)
    expect(sink.connections).toBeLessThanOrEqual(3)
    const again = await planAndSend(ctx, '2031-03-14-water-report')
    expect(again.enqueued).toMatchObject({ added: 0, kept: 300 })
    expect(again.run.sent).toBe(0)
    expect(sink.messages).toHaveLength(300)
  })
})

describe('transport options', () => {
  test('DKIM signs every message; the rate limit spaces them out', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const office = makeOffice()
    const base = makeContext(office, [makeRelease({ embargo: false })], crowd(6), sink.url, { clock: { t: LIFT } })
    const ctx = {
      ...base,
      mail: {
        ...base.mail,
        maxConnections: 1,
        rate: { messages: 2, perSeconds: 0.4 },
        dkim: {
          domainName: 'example.org',
          keySelector: 'press',
          privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
        },
      },
    }
    const started = performance.now()
    const result = await planAndSend(ctx, '2031-03-14-water-report')
    expect(result.run.sent).toBe(6)
    // 6 messages at 2 per 400 ms: at least two full waits.
    expect(performance.now() - started).toBeGreaterThanOrEqual(750)
    for (const m of sink.messages) {
      expect(headerNames(m.raw)[0]).toBe('dkim-signature')
      expect(m.raw.toString('latin1')).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.org;[\s\S]*s=press;/)
    }
  })
})
