import { describe, expect, test } from 'vitest'
import { classifyMail, verpRecipient, type IncomingMail } from '../../src/recipients/classify.js'
import { failureKind, parseDeliveryStatus } from '../../src/recipients/dsn.js'

const options = { fromAddress: 'press@example.org', unsubscribeAddress: 'unsubscribe@example.org' }
const mail = (over: Partial<IncomingMail>): IncomingMail => ({
  headers: new Map(),
  recipients: ['press@example.org'],
  subject: '',
  isReport: false,
  from: 'jane@example.com',
  ...over,
})

describe('parseDeliveryStatus', () => {
  test('per-recipient blocks, folded fields, Original-Recipient preferred, the diagnostic type dropped', () => {
    const text =
      'Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; forwarded@example.net\r\nOriginal-Recipient: rfc822;Jane@Example.com\r\nAction: failed\r\nStatus: 5.1.1 (bad mailbox)\r\nDiagnostic-Code: smtp; 550 5.1.1 User\r\n  unknown\r\n\r\nFinal-Recipient: rfc822;<ivan@example.ru>\r\nAction: delayed\r\nStatus: 4.2.2\r\n'
    const records = parseDeliveryStatus(text)
    expect(records).toEqual([
      { recipient: 'jane@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 User unknown' },
      { recipient: 'ivan@example.ru', action: 'delayed', status: '4.2.2' },
    ])
    expect(records.map(failureKind)).toEqual(['permanent', 'temporary'])
  })

  test('blocks without recipient, action or status yield nothing', () => {
    expect(parseDeliveryStatus('Reporting-MTA: dns; x\n\nAction failed\nRecipient: a@b.c\nStatus: five\n')).toEqual([])
    expect(parseDeliveryStatus('')).toEqual([])
  })
})

describe('classifyMail', () => {
  test.each([
    ['Auto-Submitted', mail({ headers: new Map([['auto-submitted', 'auto-replied']]), subject: 'Re: release' })],
    ['X-Autoreply', mail({ headers: new Map([['x-autoreply', 'yes']]) })],
    ['Precedence: auto_reply', mail({ headers: new Map([['precedence', 'auto_reply']]) })],
    ['Out of Office subject', mail({ subject: 'Out of Office: Water report' })],
    ['Automatic reply subject', mail({ subject: 'Automatic reply: Water report' })],
    ['Russian subject', mail({ subject: 'Автоответ: пресс-релиз' })],
    ['Russian subject, other words', mail({ subject: 'Я в отпуске до 24 марта' })],
    ['auto-reply to the unsubscribe address', mail({ recipients: ['unsubscribe@example.org'], subject: 'Автоматический ответ' })],
  ])('%s is an automatic reply', (_, m) => {
    expect(classifyMail(m, options).kind).toBe('auto-reply')
  })

  test('Auto-Submitted: no is a person; to the unsubscribe address it is an unsubscribe, in any language', () => {
    expect(
      classifyMail(
        mail({ headers: new Map([['auto-submitted', 'no']]), recipients: ['unsubscribe@example.org'], subject: 'Отписаться' }),
        options,
      ),
    ).toEqual({ kind: 'unsubscribe', email: 'jane@example.com' })
    expect(classifyMail(mail({ recipients: ['unsubscribe@example.org'], subject: '' }), options).kind).toBe('unsubscribe')
  })

  test('a "Mail delivery failed" without a report is left for a person, never guessed at', () => {
    const verdict = classifyMail(mail({ subject: 'Mail delivery failed: returning message to sender' }), options)
    expect(verdict.kind).toBe('other')
  })

  test('a report without a delivery-status part is malformed; a delivered report is not a failure', () => {
    expect(classifyMail(mail({ isReport: true }), options).kind).toBe('malformed')
    expect(
      classifyMail(
        mail({
          isReport: true,
          deliveryStatus: 'Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; a@b.example\nAction: delivered\nStatus: 2.0.0\n',
        }),
        options,
      ).kind,
    ).toBe('delivery-report')
  })

  test('a VERP return path names the recipient', () => {
    expect(verpRecipient(['press+jane=example.com@example.org'], 'press@example.org')).toBe('jane@example.com')
    expect(verpRecipient(['other+jane=example.com@example.org'], 'press@example.org')).toBeUndefined()
    const verdict = classifyMail(
      mail({
        isReport: true,
        recipients: ['press+jane=example.com@example.org'],
        deliveryStatus: 'Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; jane.doe@forward.example\nAction: failed\nStatus: 5.1.1\n',
      }),
      options,
    )
    expect(verdict).toMatchObject({ kind: 'bounce', failures: [{ recipient: 'jane@example.com', failure: 'permanent' }] })
  })
})
