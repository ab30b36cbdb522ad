/**
 * Distribution through the CLI with a real SMTP server on 127.0.0.1: the
 * sample office's embargoed release at lift − 1 s reaches only vetted
 * journalists, with the notice in the subject and on every page of the PDF;
 * at the lift `press dispatch` delivers the rest without it; `press status`
 * shows everything sent; `press send --test` sends one marked copy per
 * language without touching the queue.
 */
import type { AddressObject, ParsedMail } from 'mailparser'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { expectJson, press } from '../cli/run.js'
import { dispatchDoc, sendDoc, statusDoc, testSendDoc } from '../cli/schemas.js'
import { copySampleOffice, removeOffices } from '../helpers/office.js'
import { pdfPageTexts } from '../helpers/pdf-tools.js'
import { startSmtpSink, type ReceivedMessage, type SmtpSink } from '../helpers/smtp-sink.js'

const slug = '2031-06-10-annual-report-2030'
const lift = '2031-06-10T13:00:00Z'
const liftMinus1 = '2031-06-10T12:59:59Z'

// From the sample press-list.csv: embargo: yes → vetted; tom.okafor is in suppressions.csv.
const vetted: Record<string, 'en' | 'ru'> = {
  'j.hartley@example.com': 'en',
  's.lindgren@example.net': 'en',
  'priya.raman@example.com': 'en',
  'e.volkova@example.net': 'ru',
  'o.kuznetsova@example.com': 'ru',
}
const general: Record<string, 'en' | 'ru'> = {
  'm.duval@example.org': 'en',
  'a.sokolov@example.org': 'ru',
  'd.morozov@example.net': 'ru',
  'n.belova@example.org': 'ru',
}

// The notice as the README states it, in the release's zone (embargo_zone: America/New_York) plus embargo.zones.
const notice = {
  en: 'EMBARGOED UNTIL 09:00 EDT, 10 June 2031 (13:00 UTC, 16:00 MSK)',
  ru: 'ЭМБАРГО ДО 09:00 (EDT), 10 июня 2031 г. (13:00 UTC, 16:00 МСК)',
}
// The PDF's running header sets it in capitals; the date part is enough to recognise it.
const pdfNotice = { en: /EMBARGOED UNTIL 09:00 EDT, 10 JUNE 2031/iu, ru: /ЭМБАРГО ДО 09:00 \(EDT\), 10 ИЮНЯ 2031/iu }
const anyNotice = /EMBARGOED|ЭМБАРГО/iu

let office: string
let sink: SmtpSink
let env: Record<string, string>

beforeAll(async () => {
  office = await copySampleOffice()
  sink = await startSmtpSink()
  // Plain SMTP: the sink offers no STARTTLS, so nodemailer sends in the clear on loopback.
  env = { PRESS_SMTP_URL: sink.url }
})
afterAll(async () => {
  await sink?.close()
  await removeOffices()
})

function single(address: AddressObject | AddressObject[] | undefined): string[] {
  const list = address === undefined ? [] : Array.isArray(address) ? address : [address]
  return list.flatMap((a) => a.value.map((v) => v.address ?? ''))
}

async function check(message: ReceivedMessage, lng: 'en' | 'ru', embargoed: boolean): Promise<ParsedMail> {
  const mail = await message.parse()
  // One recipient, in the envelope and in the headers; nobody copied.
  expect(message.to).toHaveLength(1)
  expect(single(mail.to)).toEqual([message.to[0]])
  expect(mail.cc).toBeUndefined()
  expect(mail.bcc).toBeUndefined()
  expect(mail.headers.get('content-language') ?? lng).toBe(lng)
  if (embargoed) expect(mail.subject?.startsWith(`[${notice[lng]}] `), mail.subject).toBe(true)
  else expect(mail.subject).not.toMatch(anyNotice)
  const pdfs = mail.attachments.filter((a) => a.contentType === 'application/pdf')
  expect(pdfs.map((a) => a.filename)).toEqual([`${slug}.${lng}.pdf`])
  const pages = await pdfPageTexts(pdfs[0]!.content)
  expect(pages.length).toBeGreaterThan(0)
  for (const page of pages) {
    if (embargoed) expect(page).toMatch(pdfNotice[lng])
    else expect(page).not.toMatch(anyNotice)
  }
  return mail
}

describe('press send / dispatch / status against a real SMTP server', () => {
  test(
    'at lift − 1 s only vetted recipients get it, marked; at the lift dispatch sends the rest unmarked',
    { timeout: 180_000 },
    async () => {
      const send = await press(['send', slug, '--now', liftMinus1, '--json', '-C', office], { env })
      expect(send.code, send.stderr).toBe(0)
      const sent = expectJson(send, sendDoc)
      expect(sent.run).toMatchObject({ sent: 5, failed: 0, deferred: 0, nextDue: '2031-06-10T13:00:00.000Z' })
      expect(sent.plan.counts).toMatchObject({ jobs: 9, due: 5, later: 4 })
      expect(sent.enqueued.added).toBe(9)

      expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(Object.keys(vetted).sort())
      for (const message of sink.messages) await check(message, vetted[message.to[0]!]!, true)

      const dispatch = await press(['dispatch', '--now', lift, '--json', '-C', office], { env })
      expect(dispatch.code, dispatch.stderr).toBe(0)
      expect(expectJson(dispatch, dispatchDoc)).toMatchObject({ ok: true, sent: 4, failed: 0, held: 0, nextDue: null })

      const later = sink.messages.slice(5)
      expect(later.map((m) => m.to[0]).sort()).toEqual(Object.keys(general).sort())
      for (const message of later) await check(message, general[message.to[0]!]!, false)
      // Nobody got it twice.
      expect(new Set(sink.messages.map((m) => m.to[0])).size).toBe(9)
    },
  )

  test(
    'send --test: one copy per language, marked TEST / ТЕСТ; the queue is not touched; status shows all sent',
    { timeout: 120_000 },
    async () => {
      const before = sink.messages.length
      const run = await press(['send', slug, '--test', 'you@example.org', '--now', liftMinus1, '--json', '-C', office], { env })
      expect(run.code, run.stderr).toBe(0)
      expect(
        expectJson(run, testSendDoc)
          .sent.map((s) => s.lng)
          .sort(),
      ).toEqual(['en', 'ru'])
      const copies = sink.messages.slice(before)
      expect(copies).toHaveLength(2)
      const subjects: string[] = []
      for (const message of copies) {
        expect(message.to).toEqual(['you@example.org'])
        const mail = await message.parse()
        expect(single(mail.to)).toEqual(['you@example.org'])
        subjects.push(mail.subject ?? '')
      }
      expect(subjects.sort()).toEqual([
        expect.stringMatching(/^\[TEST\] \[EMBARGOED UNTIL 09:00 EDT/),
        expect.stringMatching(/^\[ТЕСТ\] \[ЭМБАРГО ДО 09:00 \(EDT\)/),
      ])

      const status = await press(['status', '--json', '-C', office], { env })
      expect(status.code, status.stderr).toBe(0)
      const doc = expectJson(status, statusDoc)
      expect(doc.counts).toEqual({ planned: 0, sending: 0, deferred: 0, unknown: 0, sent: 9, failed: 0, cancelled: 0 })
      expect(doc.nextDue).toBeNull()
      expect(doc.failures).toEqual([])
    },
  )
})
