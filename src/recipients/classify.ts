/**
 * What an incoming message is: a bounce (RFC 3464), a mailto unsubscribe,
 * an automatic reply, or something for a person. Pure: the message comes
 * in already split into the parts that matter (see inbox.ts).
 */
import { failureKind, parseDeliveryStatus, type DeliveryStatus } from './dsn.js'

/** The parts of an incoming message the classifier reads. */
export interface IncomingMail {
  /** Top-level header fields, names lowercased, values decoded (RFC 2047), first occurrence. */
  readonly headers: ReadonlyMap<string, string>
  /** Bare From address, lowercased. */
  readonly from?: string
  /** Every address in To, Cc, Delivered-To, X-Original-To, lowercased. */
  readonly recipients: readonly string[]
  readonly subject: string
  /** `multipart/report; report-type=delivery-status` at the top. */
  readonly isReport: boolean
  /** The text of the `message/delivery-status` part, when there is one. */
  readonly deliveryStatus?: string
  /** The header block of the returned original (`text/rfc822-headers` or the `message/rfc822` part's header). */
  readonly originalHeaders?: string
}

/** What the office's mail looks like, for matching. */
export interface ClassifyOptions {
  /** `mail.unsubscribe.mailto`, lowercased (optional). */
  readonly unsubscribeAddress?: string
  /** The From address of our messages (for VERP return paths `local+jane=example.com@domain`). */
  readonly fromAddress: string
}

/** The classifier's verdict. */
export type Classification =
  | {
      readonly kind: 'bounce'
      readonly failures: ReadonlyArray<DeliveryStatus & { readonly failure: 'permanent' | 'temporary' }>
      readonly originalMessageId?: string
    }
  | { readonly kind: 'delivery-report'; readonly reason: string }
  | { readonly kind: 'unsubscribe'; readonly email: string; readonly originalMessageId?: string }
  | { readonly kind: 'auto-reply'; readonly email?: string; readonly reason: string; readonly originalMessageId?: string }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'other'; readonly reason: string }

/** Subjects of automatic replies, in the languages a press office meets. */
const autoReplySubject =
  /^\s*(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|away from (?:the )?office|on (?:annual )?leave|abwesenheits?notiz|réponse automatique|absence|автоответ|автоматический ответ|автоответчик|вне офиса|в отпуске|нет на месте|отсутствую|я в отпуске)(?![\p{L}\p{N}])/iu

/** Subject words of a bounce sent without multipart/report (then left for a person, never guessed at). */
const bounceSubject =
  /undeliver|delivery (?:status notification|failure|has failed)|returned mail|mail delivery failed|не доставлен|недоставлен|ошибка доставки/iu

/** The Message-ID in a header block, e.g. the returned original's. */
export function messageIdIn(headerBlock: string | undefined): string | undefined {
  if (headerBlock === undefined) return undefined
  const match = /^message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^>\s]+>)/im.exec(headerBlock)
  return match?.[1]
}

/**
 * The address a VERP return path stands for: `press+jane=example.com@example.org` → `jane@example.com`.
 *
 * @param recipients
 *   Addresses the bounce was sent to.
 * @param fromAddress
 *   Our From address (`press@example.org`).
 * @returns
 *   The original recipient, or undefined.
 */
export function verpRecipient(recipients: readonly string[], fromAddress: string): string | undefined {
  const at = fromAddress.lastIndexOf('@')
  const local = fromAddress.slice(0, at).toLowerCase()
  const domain = fromAddress.slice(at + 1).toLowerCase()
  for (const r of recipients) {
    const m = /^([^+@]+)\+([^=@]+)=([^@]+)@(.+)$/.exec(r)
    if (m && m[1] === local && m[4] === domain) return `${m[2]}@${m[3]}`.toLowerCase()
  }
  return undefined
}

function autoReplyReason(mail: IncomingMail): string | undefined {
  const h = mail.headers
  const submitted = h.get('auto-submitted')?.toLowerCase()
  if (submitted && submitted !== 'no') return `Auto-Submitted: ${submitted}`
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-mailru-autoreply', 'x-yandex-autoreply']) {
    if (h.has(name)) return `${name}: ${h.get(name)}`
  }
  const precedence = h.get('precedence')?.toLowerCase()
  if (precedence && /^(?:auto_reply|bulk|junk)$/.test(precedence)) return `Precedence: ${precedence}`
  if (h.get('x-auto-response-suppress') !== undefined && h.has('x-ms-exchange-inbox-rules-loop')) return 'Exchange inbox rule'
  if (autoReplySubject.test(mail.subject)) return `subject "${mail.subject.trim()}"`
  return undefined
}

/**
 * Classify an incoming message.
 *
 * Order matters: a DSN is also auto-submitted, and an out-of-office sent to
 * the unsubscribe address is not an unsubscribe.
 *
 * @param mail
 *   The message's parts.
 * @param options
 *   The office's unsubscribe and From addresses.
 * @returns
 *   The verdict, with the recipient and the original Message-ID when known.
 */
export function classifyMail(mail: IncomingMail, options: ClassifyOptions): Classification {
  const originalMessageId =
    messageIdIn(mail.originalHeaders) ?? angle(mail.headers.get('in-reply-to')) ?? angle(mail.headers.get('references'))
  const original = originalMessageId === undefined ? {} : { originalMessageId }
  if (mail.isReport || mail.deliveryStatus !== undefined) {
    if (mail.deliveryStatus === undefined) return { kind: 'malformed', reason: 'a multipart/report without a message/delivery-status part' }
    const records = parseDeliveryStatus(mail.deliveryStatus)
    if (records.length === 0)
      return { kind: 'malformed', reason: 'the delivery-status part names no recipient with an action and a status code' }
    const verp = verpRecipient(mail.recipients, options.fromAddress)
    const failures = records
      .map((r) => ({ ...r, recipient: verp ?? r.recipient, failure: failureKind(r) }))
      .filter((r): r is DeliveryStatus & { failure: 'permanent' | 'temporary' } => r.failure !== 'none')
    if (failures.length === 0)
      return { kind: 'delivery-report', reason: `a report of ${records.map((r) => r.action).join(', ')}, not a failure` }
    return { kind: 'bounce', failures, ...original }
  }
  const auto = autoReplyReason(mail)
  if (auto !== undefined) return { kind: 'auto-reply', reason: auto, ...(mail.from ? { email: mail.from } : {}), ...original }
  if (options.unsubscribeAddress && mail.recipients.includes(options.unsubscribeAddress)) {
    if (mail.from === undefined) return { kind: 'malformed', reason: 'a message to the unsubscribe address without a From address' }
    return { kind: 'unsubscribe', email: mail.from, ...original }
  }
  if (bounceSubject.test(mail.subject))
    return { kind: 'other', reason: `looks like a bounce ("${mail.subject.trim()}") but is not an RFC 3464 report` }
  return { kind: 'other', reason: 'not a bounce, unsubscribe or automatic reply' }
}

function angle(value: string | undefined): string | undefined {
  return value === undefined ? undefined : /<[^>\s]+>/.exec(value)?.[0]
}
