import { describe, expect, test } from 'vitest'
import { simpleParser } from 'mailparser'
import { composeBase, composeMessage, ComposeError, formatAddress, listUnsubscribe, messageIdFor } from '../../src/distribute/compose.js'
import { fakeContent, makeOffice, testSecret, testToken } from './fixtures/office.js'
import { verifyToken } from '../../src/recipients/token.js'

const office = makeOffice()
const content = fakeContent(office.files)
const options = {
  from: 'Press Office <press@example.org>',
  unsubscribe: { mailto: 'unsubscribe@example.org', url: 'https://press.example.org/u', token: testToken },
}

/** Header names of the top-level header block, lowercased, in order. */
function headerNames(raw: Buffer): string[] {
  const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1')
  return head
    .split('\r\n')
    .filter((l) => !/^[ \t]/.test(l))
    .map((l) => l.slice(0, l.indexOf(':')).toLowerCase())
}

/** A header as written (unfolded). */
function headerLine(mail: { headerLines: ReadonlyArray<{ key: string; line: string }> }, key: string): string | undefined {
  return mail.headerLines.find((h) => h.key === key)?.line.replace(/\r?\n[ \t]/g, ' ')
}

describe('compose', () => {
  test('one base per language; per-recipient headers only vary', async () => {
    const base = await composeBase(
      'slug-a',
      'ru',
      { embargoed: true, test: false },
      await content('slug-a', 'ru', { embargoed: true, test: false }),
      'media@example.org',
      options,
    )
    const one = composeMessage(
      base,
      {
        key: 'slug-a/ivan@example.ru',
        email: 'ivan@example.ru',
        name: 'Иван Петров',
        messageId: messageIdFor('slug-a', 'ivan@example.ru', 'example.org'),
      },
      Date.UTC(2031, 2, 14),
    )
    const two = composeMessage(
      base,
      { key: 'slug-a/jane@example.com', email: 'jane@example.com', name: 'Jane Doe', messageId: '<x@example.org>' },
      Date.UTC(2031, 2, 14),
    )
    expect(one.raw.subarray(one.raw.indexOf('\r\n\r\n'))).toEqual(two.raw.subarray(two.raw.indexOf('\r\n\r\n')))
    expect(one.envelope).toEqual({ from: 'press@example.org', to: 'ivan@example.ru' })

    const mail = await simpleParser(one.raw)
    expect(mail.to).toMatchObject({ value: [{ address: 'ivan@example.ru', name: 'Иван Петров' }] })
    expect(mail.cc).toBeUndefined()
    expect(mail.bcc).toBeUndefined()
    expect(mail.from?.value).toEqual([{ address: 'press@example.org', name: 'Press Office' }])
    expect(mail.replyTo?.value).toEqual([{ address: 'media@example.org', name: '' }])
    expect(mail.subject).toBe('ЭМБАРГО ДО 09:00 EDT: Вода небезопасна')
    expect(mail.messageId).toBe(messageIdFor('slug-a', 'ivan@example.ru', 'example.org'))
    expect(mail.messageId).toMatch(/^<[0-9a-f]{32}@example\.org>$/)
    expect(mail.headers.get('content-language')).toBe('ru')
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
    // The one-click URL carries a signed token, never the address.
    const header = headerLine(mail, 'list-unsubscribe')
    expect(header).toMatch(
      /^List-Unsubscribe: <mailto:unsubscribe@example\.org\?subject=unsubscribe>, <https:\/\/press\.example\.org\/u\?t=u1[\w-]+>$/,
    )
    expect(header).not.toMatch(/ivan|example\.ru|e=/)
    const token = /\?t=([\w-]+)>/.exec(header ?? '')![1]!
    expect(verifyToken([testSecret], 'https://press.example.org', token)).toMatchObject({ email: 'ivan@example.ru', slug: 'slug-a' })
    expect(mail.text).toContain('Текст релиза')
    expect(mail.html).toContain('<h1')
    expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['slug-a.ru.pdf', 'application/pdf'],
      ['report.csv', 'text/csv'],
    ])
    expect(mail.attachments[0]!.content.toString()).toContain('Russian PDF')
    expect(headerNames(one.raw).filter((h) => h === 'to' || h === 'message-id' || h === 'date')).toEqual(['to', 'message-id', 'date'])
  })

  test('CR/LF in names and subjects never makes an extra header or recipient', async () => {
    const evil = {
      ...(await content('s', 'en', { embargoed: false, test: false })),
      subject: 'Hello\r\nBcc: victim@evil.example\r\n\r\nbody',
    }
    const base = await composeBase('s', 'en', { embargoed: false, test: false }, evil, 'media@example.org', options)
    for (const name of [
      'Eve\r\nBcc: victim@evil.example',
      'Eve\nCc: a@evil.example',
      'Eve\r\n\r\nInjected body',
      'Ева\u2028To: x@evil.example',
      'Eve, <x@evil.example>',
    ]) {
      const msg = composeMessage(base, { key: 'k', email: 'eve@example.com', name, messageId: '<m@example.org>' }, 0)
      const names = headerNames(msg.raw)
      expect(names.filter((n) => n === 'to')).toHaveLength(1)
      expect(names).not.toContain('bcc')
      expect(names).not.toContain('cc')
      const mail = await simpleParser(msg.raw)
      expect(mail.to).toMatchObject({ value: [{ address: 'eve@example.com' }] })
      expect((mail.to as { value: unknown[] }).value).toHaveLength(1)
      expect(mail.subject).toBe('Hello Bcc: victim@evil.example body')
      expect(mail.text).toContain('Release text')
    }
  })

  test('addresses with line breaks, spaces or several recipients are refused', async () => {
    const base = await composeBase(
      's',
      'en',
      { embargoed: false, test: false },
      await content('s', 'en', { embargoed: false, test: false }),
      undefined,
      options,
    )
    for (const email of ['a@example.com\r\nBcc: b@example.com', 'a@example.com, b@example.com', 'a b@example.com', '<a@example.com>']) {
      expect(() => composeMessage(base, { key: 'k', email, name: 'A', messageId: '<m@x>' }, 0)).toThrow(ComposeError)
    }
    await expect(
      composeBase(
        's',
        'en',
        { embargoed: false, test: false },
        await content('s', 'en', { embargoed: false, test: false }),
        'x@y\r\nBcc: z@w',
        options,
      ),
    ).rejects.toThrow(ComposeError)
  })

  test('helpers', () => {
    expect(formatAddress('Jane Doe', 'j@example.com')).toBe('Jane Doe <j@example.com>')
    expect(formatAddress('Doe, "Jane"', 'j@example.com')).toBe('"Doe, \\"Jane\\"" <j@example.com>')
    expect(formatAddress('', 'j@example.com')).toBe('j@example.com')
    expect(listUnsubscribe({}, 'a@b.c', 0)).toBeUndefined()
    expect(listUnsubscribe({ url: 'https://x.example/u?list=1', token: testToken }, 'A+b@c.d', 1_900_000_000_000, 's')).toBe(
      `<https://x.example/u?list=1&t=${testToken('a+b@c.d', 1_900_000_000_000, 's')}>`,
    )
    // A URL without a token maker would have to carry the address: refused.
    expect(() => listUnsubscribe({ url: 'https://x.example/u' }, 'a@b.c', 0)).toThrow(ComposeError)
    expect(messageIdFor('s', 'a@b.c', 'example.org')).toBe(messageIdFor('s', 'a@b.c', 'example.org'))
    expect(messageIdFor('s', 'a@b.c', 'example.org')).not.toBe(messageIdFor('t', 'a@b.c', 'example.org'))
  })

  test('without an unsubscribe URL there is no one-click header', async () => {
    const base = await composeBase(
      's',
      'en',
      { embargoed: false, test: false },
      await content('s', 'en', { embargoed: false, test: false }),
      undefined,
      { ...options, unsubscribe: { mailto: 'u@example.org' } },
    )
    const names = headerNames(composeMessage(base, { key: 'k', email: 'a@example.com', name: '', messageId: '<m@x>' }, 0).raw)
    expect(names).toContain('list-unsubscribe')
    expect(names).not.toContain('list-unsubscribe-post')
    expect(names).not.toContain('reply-to')
  })
})
