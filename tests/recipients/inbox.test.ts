/**
 * `processInbox` against a real Dovecot on 127.0.0.1: the hand-written
 * bounces of tests/fixtures/bounces/ are delivered with IMAP APPEND, read
 * once, and the suppression file, the recipients store and the folders are
 * checked.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { loadSuppressionFile } from '../../src/press-list/suppressions.js'
import { InboxError, parseInboxUrl, processInbox, type InboxOptions } from '../../src/recipients/inbox.js'
import { openRecipientStore, recipientEvents, type RecipientStore } from '../../src/recipients/store.js'
import { useImapServer } from '../helpers/imap-server.js'

const fixtures = fileURLToPath(new URL('../fixtures/bounces/', import.meta.url))
const slug = '2031-03-14-water-report'
const NOW = Date.parse('2031-03-14T18:00:00Z')
const onList = new Set([
  'jane@example.com',
  'ivan@example.ru',
  'olga@yandex.example',
  'petr@mail.example',
  'sam@gmail.example',
  'lee@contoso.example',
  'max@exim.example',
  'tina@example.net',
  'kate@example.com',
  'anna@example.com',
  'bob@example.com',
])

const imap = useImapServer()
let dir: string
let store: RecipientStore

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'press-inbox-'))
  store = openRecipientStore(join(dir, '.press'))
  await imap().clear()
})
afterEach(async () => {
  store.close()
  await rm(dir, { recursive: true, force: true })
})

/** A fixture as the wire carries it (CRLF line ends). */
async function fixture(name: string, fill: Record<string, string> = {}): Promise<string> {
  let text = await readFile(join(fixtures, name), 'utf8')
  for (const [key, value] of Object.entries(fill)) text = text.split(`{{${key}}}`).join(value)
  return text.replace(/\r?\n/g, '\r\n')
}

function options(overrides: Partial<InboxOptions> = {}): InboxOptions {
  return {
    url: imap().url,
    processedFolder: 'Processed',
    temporary: { count: 3, days: 7 },
    unsubscribeAddress: 'unsubscribe@example.org',
    fromAddress: 'press@example.org',
    domain: 'example.org',
    slugs: ['2031-02-20-briefing', slug],
    onList: (email) => onList.has(email),
    suppressionsPath: join(dir, 'suppressions.csv'),
    store,
    now: () => NOW,
    ...overrides,
  }
}

async function suppressed(): Promise<Map<string, string | undefined>> {
  const { entries } = await loadSuppressionFile(join(dir, 'suppressions.csv'))
  return new Map(entries.map((e) => [e.email, e.reason]))
}

describe('processInbox (Dovecot)', () => {
  test('every fixture: bounces suppress with code and diagnostic, auto-replies are ignored, the rest stays unread', async () => {
    const names = (await readdir(fixtures)).filter((n) => n.endsWith('.eml') && !n.includes('template')).sort()
    expect(names).toHaveLength(12)
    await imap().append(await Promise.all(names.map((n) => fixture(n))))

    const report = await processInbox(options())
    const byEmail = new Map(report.items.filter((i) => i.email).map((i) => [i.email!, i]))

    const file = await suppressed()
    // Permanent failures: Postfix, Exim, Gmail, Microsoft 365, Yandex; the mailto unsubscribe.
    expect([...file.keys()].sort()).toEqual([
      'anna@example.com',
      'jane@example.com',
      'lee@contoso.example',
      'max@exim.example',
      'olga@yandex.example',
      'sam@gmail.example',
    ])
    expect(file.get('jane@example.com')).toMatch(
      /^hard bounce: 5\.1\.1 550 5\.1\.1 <jane@example\.com>: Recipient address rejected: User unknown/,
    )
    expect(file.get('lee@contoso.example')).toContain('5.1.10 550 5.1.10 RESOLVER.ADR.RecipientNotFound')
    expect(file.get('sam@gmail.example')).toContain('5.2.1')
    expect(file.get('olga@yandex.example')).toContain('No such user!')
    expect(file.get('anna@example.com')).toBe('unsubscribed (mailto)')
    // Matched to the release through the returned Message-ID (or In-Reply-To).
    for (const email of [
      'jane@example.com',
      'max@exim.example',
      'sam@gmail.example',
      'lee@contoso.example',
      'olga@yandex.example',
      'petr@mail.example',
    ]) {
      expect(byEmail.get(email)?.slug, email).toBe(slug)
    }
    // Temporary (Mail.ru style, KOI8-R): counted, not suppressed.
    expect(byEmail.get('petr@mail.example')).toMatchObject({ action: 'counted', kind: 'bounce' })
    // Not on the list, not a message of ours: moved, nothing suppressed.
    expect(byEmail.get('stranger@example.net')).toMatchObject({ action: 'ignored' })
    expect(byEmail.get('stranger@example.net')?.reason).toMatch(/not on the press list/)
    // Auto-replies, the Russian one sent to the unsubscribe address too.
    expect(byEmail.get('kate@example.com')).toMatchObject({ kind: 'auto-reply', action: 'ignored' })
    expect(byEmail.get('ivan@example.ru')).toMatchObject({ kind: 'auto-reply', action: 'ignored' })
    expect(file.has('ivan@example.ru')).toBe(false)
    // The malformed DSN and the journalist's question stay for a person.
    const left = report.items.filter((i) => i.action === 'left')
    expect(left.map((i) => i.kind).sort()).toEqual(['malformed', 'other'])

    const folders = await imap().folders()
    expect(
      folders
        .get('INBOX')
        ?.map((m) => m.subject)
        .sort(),
    ).toEqual(['Re: Independent Review Finds Detention Water Supply Unsafe', 'Undelivered Mail Returned to Sender'])
    expect(folders.get('INBOX')?.every((m) => !m.seen)).toBe(true)
    expect(folders.get('Processed')).toHaveLength(10)
    expect(folders.get('Processed')?.every((m) => m.seen)).toBe(true)

    // What `press status <slug> --recipients` shows.
    store.close()
    const events = recipientEvents(join(dir, '.press'), slug)
    expect(events.get('jane@example.com')).toMatchObject({ kind: 'bounced', at: NOW })
    expect(events.get('jane@example.com')?.reason).toMatch(/^5\.1\.1 /)
    expect(events.get('petr@mail.example')).toMatchObject({ kind: 'deferred' })
    expect(events.has('stranger@example.net')).toBe(false)
    store = openRecipientStore(join(dir, '.press'))

    // A second read finds nothing new and changes nothing.
    const before = await readFile(join(dir, 'suppressions.csv'), 'utf8')
    const again = await processInbox(options())
    expect(again.items).toEqual([])
    expect(await readFile(join(dir, 'suppressions.csv'), 'utf8')).toBe(before)
  }, 60_000)

  test('three temporary failures within the window suppress; a crash before the move counts nothing twice', async () => {
    await imap().append([
      await fixture('postfix-delayed-template.eml', { N: '1' }),
      await fixture('postfix-delayed-template.eml', { N: '2' }),
    ])
    const first = await processInbox(options())
    expect(first.items.map((i) => i.action)).toEqual(['counted', 'counted'])
    expect(first.items[1]?.reason).toMatch(/^temporary failure 2 of 3 in 7 days: 4\.4\.1/)

    // The same two delivered again (as after a crash before they were moved): still 2.
    await imap().append([
      await fixture('postfix-delayed-template.eml', { N: '1' }),
      await fixture('postfix-delayed-template.eml', { N: '2' }),
    ])
    const replay = await processInbox(options())
    expect(replay.items.map((i) => i.reason.slice(0, 27))).toEqual(['temporary failure 2 of 3 in', 'temporary failure 2 of 3 in'])
    expect((await suppressed()).size).toBe(0)

    await imap().append([await fixture('postfix-delayed-template.eml', { N: '3' })])
    const third = await processInbox(options())
    expect(third.items[0]).toMatchObject({ action: 'suppressed', email: 'tina@example.net', slug })
    expect((await suppressed()).get('tina@example.net')).toMatch(/^3 temporary failures in 7 days, last: 4\.4\.1/)
  }, 60_000)

  test('the window is configurable: failures older than it do not count', async () => {
    await imap().append([await fixture('postfix-delayed-template.eml', { N: '1' })])
    await processInbox(options({ now: () => NOW - 10 * 86_400_000 }))
    await imap().append([
      await fixture('postfix-delayed-template.eml', { N: '2' }),
      await fixture('postfix-delayed-template.eml', { N: '3' }),
    ])
    const report = await processInbox(options())
    expect(report.items.map((i) => i.action)).toEqual(['counted', 'counted'])
  }, 60_000)

  test("10 MB attachments: a bounce returning one is still read (parts only), a person's message with one stays unread", async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 7)
      .toString('base64')
      .replace(/.{76}/g, '$&\r\n')
    const bounce = (await fixture('postfix-user-unknown.eml'))
      .replace(/jane@example\.com/g, 'bob@example.com')
      .replace('Content-Type: text/rfc822-headers', 'Content-Type: message/rfc822')
      .replace(
        'MIME-Version: 1.0\r\n\r\n--4C2B',
        `MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="inner"\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\nRelease.\r\n--inner\r\nContent-Type: application/pdf; name="report.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${big}\r\n--inner--\r\n\r\n--4C2B`,
      )
    const personal = `From: Jane Colleague <jane.colleague@example.com>\r\nTo: press@example.org\r\nSubject: Photos from the site visit\r\nMessage-ID: <photos-1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n--p\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--p\r\nContent-Type: application/zip; name="photos.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n${big}\r\n--p--\r\n`
    expect(bounce.length).toBeGreaterThan(13_000_000)
    await imap().append([bounce, personal])
    const report = await processInbox(options())
    expect(report.items.map((i) => [i.email ?? i.subject, i.action])).toEqual([
      ['bob@example.com', 'suppressed'],
      ['Photos from the site visit', 'left'],
    ])
    expect((await suppressed()).get('bob@example.com')).toMatch(/^hard bounce: 5\.1\.1/)
  }, 120_000)

  test('a DSN naming two recipients suppresses the listed one only; garbage and a bare report are left unread, nothing crashes', async () => {
    const two = (await fixture('postfix-user-unknown.eml')).replace(
      'Final-Recipient: rfc822; jane@example.com',
      'Final-Recipient: rfc822; nobody@example.invalid\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\nFinal-Recipient: rfc822; jane@example.com',
    )
    const garbage = Buffer.concat([
      Buffer.from('Subject: \u00ff\u00fe\r\nContent-Type: multipart/report; boundary=\r\n\r\n'),
      Buffer.from([0, 1, 2, 255, 254, 13, 10, 45, 45, 13, 10]),
    ])
    const bare =
      'From: MAILER-DAEMON@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nOnly words.\r\n--b--\r\n'
    await imap().append([two, garbage, bare])
    const report = await processInbox(options())
    expect(report.items.map((i) => [i.email ?? '-', i.kind, i.action])).toEqual([
      ['nobody@example.invalid', 'bounce', 'ignored'],
      ['jane@example.com', 'bounce', 'suppressed'],
      ['-', 'malformed', 'left'],
      ['-', 'malformed', 'left'],
    ])
    expect([...(await suppressed()).keys()]).toEqual(['jane@example.com'])
  }, 60_000)

  test('an internationalised DSN (RFC 6533 message/global-delivery-status, UTF-8 diagnostic) is read too', async () => {
    const dsn = [
      'From: mailer-daemon@yandex.example',
      'To: press@example.org',
      'Subject: =?utf-8?B?0J3QtdC00L7RgdGC0LDQstC70LXQvdC90L7QtSDRgdC+0L7QsdGJ0LXQvdC40LU=?=',
      'Message-ID: <global-dsn-1@yandex.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=global-delivery-status; boundary="g"',
      '',
      '--g',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Письмо не доставлено.',
      '--g',
      'Content-Type: message/global-delivery-status',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Reporting-MTA: dns; mx.yandex.example',
      '',
      'Final-Recipient: utf-8; olga@yandex.example',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 Такого ящика нет',
      '',
      '--g',
      'Content-Type: message/global-headers',
      'Content-Transfer-Encoding: 8bit',
      '',
      'From: Press Office <press@example.org>',
      'Message-ID: <cd00878743a116291658e32f499e19a7@example.org>',
      '',
      '--g--',
      '',
    ].join('\r\n')
    await imap().append([dsn])
    const report = await processInbox(options())
    expect(report.items).toMatchObject([{ email: 'olga@yandex.example', slug, action: 'suppressed' }])
    expect((await suppressed()).get('olga@yandex.example')).toBe('hard bounce: 5.1.1 550 5.1.1 Такого ящика нет')
  }, 60_000)

  test('a wrong password is an InboxError that never shows the password', async () => {
    const url = imap().url.replace(imap().pass, 'wrong-pass-123')
    const error = await processInbox(options({ url })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InboxError)
    expect(String((error as Error).message)).toMatch(/refused the user name or password/)
    expect(String((error as Error).message)).not.toContain('wrong-pass-123')
    expect(String((error as Error).message)).toContain(':****@')
  }, 30_000)
})

describe('parseInboxUrl', () => {
  test('imaps defaults to 993, imap to 143; the path is the folder; user and password are decoded', () => {
    expect(parseInboxUrl('imaps://bounces%40example.org:p%3Ass@mail.example.org/Bounces')).toEqual({
      host: 'mail.example.org',
      port: 993,
      secure: true,
      user: 'bounces@example.org',
      pass: 'p:ss',
      folder: 'Bounces',
    })
    expect(parseInboxUrl('imap://u:p@127.0.0.1')).toMatchObject({ port: 143, secure: false, folder: 'INBOX' })
  })
  test('another scheme is an error with the password redacted', () => {
    expect(() => parseInboxUrl('pop3://u:secret@host/')).toThrow(/pop3:\/\/u:\*\*\*\*@host/)
  })
})

void writeFile
