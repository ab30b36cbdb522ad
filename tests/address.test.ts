/**
 * One address validator for every place an address is accepted, and IDNA
 * domains compared and sent in one form: `ivan@пример.рф` and
 * `ivan@xn--e1afmkfd.xn--p1ai` are one mailbox (a duplicate in the press
 * list, one message); a NUL is refused, not dropped; `press check` refuses a
 * Reply-To or `mail.from` that `send` would.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { addressProblem, asciiAddress, mailboxProblem, normalizeEmail } from '../src/address.js'
import { resolveConfig } from '../src/config.js'
import { checkAddress, parseFrom } from '../src/distribute/compose.js'
import { parsePressList } from '../src/press-list/validate.js'
import { planSends } from '../src/distribute/plan.js'
import { LIFT, makeRelease, person } from './distribute/fixtures/office.js'
import { press } from './cli/run.js'
import { makeOffice, removeOffices } from './helpers/office.js'
import { startSmtpSink } from './helpers/smtp-sink.js'

afterAll(removeOffices)

const good = [
  'jane@example.com',
  'ivan@пример.рф',
  'ivan@xn--e1afmkfd.xn--p1ai',
  "o'neil+press@news.example.co.uk",
  'a@münchen.de',
  'UPPER@EXAMPLE.COM',
]
const bad = [
  'media\0x@example.org',
  'a@example.com\\nb',
  'a@example.com/x',
  'media@exa\0mple.org',
  'a b@example.org',
  'a@b@example.org',
  'a@example',
  'a@-example.org',
  'a@exa_mple.org',
  'a..b@example.org',
  '.a@example.org',
  'иван@пример.рф',
  'a@example.org\u200b',
  'a@example..org',
  '@example.org',
  'a@',
  `${'a'.repeat(65)}@example.org`,
  'a\r\nBcc: x@example.org@example.org',
]

describe('the validator', () => {
  test.each(good)('accepts %s', (address) => {
    expect(addressProblem(address)).toBeUndefined()
    expect(() => checkAddress(address, 'recipient')).not.toThrow()
  })
  test.each(bad.map((b) => [JSON.stringify(b), b]))('refuses %s — in check and in send alike', (_shown, address) => {
    expect(addressProblem(address)).toBeDefined()
    expect(() => checkAddress(address, 'recipient')).toThrow(/is not a single plain address/)
  })

  test('one mailbox, one key; sent in the ASCII form', () => {
    expect(normalizeEmail('Ivan@Пример.РФ')).toBe(normalizeEmail('ivan@xn--e1afmkfd.xn--p1ai'))
    expect(asciiAddress('ivan@пример.рф')).toBe('ivan@xn--e1afmkfd.xn--p1ai')
    expect(checkAddress('ivan@пример.рф', 'recipient')).toBe('ivan@xn--e1afmkfd.xn--p1ai')
    expect(parseFrom('Пресс-служба <press@пример.рф>').address).toBe('press@xn--e1afmkfd.xn--p1ai')
  })

  test('mailboxes (mail.from): a name and one address', () => {
    expect(mailboxProblem('Press Office <press@example.org>')).toBeUndefined()
    expect(mailboxProblem('press@example.org')).toBeUndefined()
    expect(mailboxProblem('Press <press@exa mple.org>')).toMatch(/contains a space/)
    expect(mailboxProblem('Press\r\nBcc: x <press@example.org>')).toMatch(/line break/)
    expect(mailboxProblem('a@example.org, b@example.org')).toBeDefined()
  })
})

describe('every place an address is accepted', () => {
  test('the press list: the two spellings of one IDN mailbox are duplicates; a NUL is an error', () => {
    const text =
      'email,name,language,embargo,lists,outlet\nivan@пример.рф,Иван,ru,no,,X\nIVAN@xn--e1afmkfd.xn--p1ai,Иван,ru,no,,X\nmedia\0x@example.org,M,en,no,,Y\n'
    const parsed = parsePressList(text, 'press-list.csv', { locales: ['en', 'ru'] })
    const lines = parsed.messages.map((m) => `${m.line}: ${m.reason}`)
    expect(lines).toContainEqual(expect.stringMatching(/^3: Duplicate address `IVAN@xn--e1afmkfd\.xn--p1ai`: already on line 2/))
    expect(lines).toContainEqual(expect.stringMatching(/^4: Address `media.x@example\.org` contains an invisible control character/))
    expect(parsed.recipients.map((r) => r.email)).toEqual(['ivan@пример.рф'])
  })

  test('planning: the two spellings are one recipient (one job), and a suppression of one covers the other', () => {
    const list = [person('ivan@пример.рф', 'ru', false), person('IVAN@xn--e1afmkfd.xn--p1ai', 'ru', false)]
    const plan = planSends(makeRelease({ embargo: false }), list, { now: LIFT, suppressed: new Set(), locales: ['en', 'ru'] })
    expect(plan.jobs).toHaveLength(1)
    const suppressed = planSends(makeRelease({ embargo: false }), list, {
      now: LIFT,
      suppressed: new Set([normalizeEmail('ivan@xn--e1afmkfd.xn--p1ai')]),
      locales: ['en', 'ru'],
    })
    expect(suppressed.jobs).toHaveLength(0)
  })

  test.each([
    [
      'contacts[].email in pressroom.yaml',
      'contacts:\n  - { name: A, email: "media\\0x@example.org" }\n',
      /pressroom\.yaml:2:\d+: `contacts\.0\.email`: address `media\\u0000x@example\.org` contains an invisible control character/,
    ],
    [
      'mail.from',
      'mail:\n  from: "Press <press@exa mple.org>"\n',
      /pressroom\.yaml:2:9: `mail\.from`: address `press@exa mple\.org` contains a space/,
    ],
    ['mail.from with two addresses', 'mail:\n  from: "a@example.org, b@example.org"\n', /`mail\.from`/],
    [
      'mail.unsubscribe.mailto',
      'mail:\n  unsubscribe:\n    mailto: "unsub@example"\n',
      /pressroom\.yaml:3:13: `unsub@example` is not a valid email address/,
    ],
  ])('%s: a located config error', (_name, yaml, pattern) => {
    const { config, messages } = resolveConfig('/office', yaml, {})
    expect(config).toBeUndefined()
    expect(messages.map((m) => `${m.file}:${m.line}:${m.column}: ${m.reason}`)).toContainEqual(expect.stringMatching(pattern))
  })

  test('a contact (Reply-To) in frontmatter with a NUL is refused by press check', async () => {
    const dir = await makeOffice()
    const file = path.join(dir, 'releases', '2031-02-20-briefing', 'en.md')
    const text = await readFile(file, 'utf8')
    await writeFile(file, text.replace('status: ready', 'contacts:\n  - { name: Ana, email: "media\\0x@example.org" }\nstatus: ready'))
    const run = await press(['check', '-C', dir])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /en\.md:5:\d+: error: `contacts\.0\.email`: address `media\\u0000x@example\.org` contains an invisible control character/,
    )
  })

  test('send: one message to an IDN mailbox, envelope and To in the ASCII form', async () => {
    const dir = await makeOffice()
    await writeFile(path.join(dir, 'press-list.csv'), 'email,name,language,embargo,lists,outlet\nivan@пример.рф,Иван,ru,no,health-desk,X\n')
    const sink = await startSmtpSink()
    try {
      const run = await press(['send', '2031-03-14-water-report', '--now', '2031-04-01T00:00:00Z', '-C', dir], {
        env: { PRESS_SMTP_URL: sink.url },
      })
      expect(run.code, run.stderr).toBe(0)
      // smtp-server shows the envelope domain decoded again; the header bytes are what was sent.
      expect(sink.messages).toHaveLength(1)
      const header = sink.messages[0]!.raw.toString('latin1').split('\r\n\r\n')[0]!
      expect(header).toMatch(/^To: .*<ivan@xn--e1afmkfd\.xn--p1ai>$/m)
    } finally {
      await sink.close()
    }
  })
})
