/**
 * Compose distribution emails. The MIME body of a release in one language
 * (text, HTML, the PDF and the attachments) is built once with nodemailer's
 * MailComposer; each recipient's message is that body plus a handful of
 * headers (To, Message-ID, Date, List-Unsubscribe), so a 10,000-address list
 * costs one build and 10,000 small header blocks rather than 10,000 builds,
 * and the body Buffer itself is shared by every recipient, not copied.
 */
import { createHash } from 'node:crypto'
import MailComposer from 'nodemailer/lib/mail-composer/index.js'
import mimeFuncs from 'nodemailer/lib/mime-funcs/index.js'
import addressparser from 'nodemailer/lib/addressparser/index.js'
import { PressError } from '../errors.js'
import { addressProblem, asciiAddress } from '../address.js'
import type { Lng } from '../types.js'

/** Which render of a release an email carries. */
export interface ContentVariant {
  /** Under embargo at send time: subject and PDF carry the embargo notice. */
  readonly embargoed: boolean
  /** A `--test` copy: the subject is marked TEST. */
  readonly test: boolean
  /**
   * A notice or correction instead of the release as first sent: its change
   * id (`moved-…`, `lifted-…`, `withdrawn-…`, `correction-<n>`) and the
   * notice's details (JSON, optional).
   */
  readonly change?: { readonly id: string; readonly payload?: string | undefined } | undefined
}

/**
 * A key that tells content variants apart (for caches).
 *
 * @param variant The variant.
 * @returns A string.
 */
export function variantKey(variant: ContentVariant): string {
  return `${variant.embargoed ? 1 : 0}\0${variant.test ? 1 : 0}\0${variant.change?.id ?? ''}\0${variant.change?.payload ?? ''}`
}

/** One attachment, read from disk when the message body is built. */
export interface EmailAttachment {
  readonly filename: string
  /** A file to read (the PDF from the cache); or, */
  readonly path?: string
  /** the bytes, already read through safe-file.ts (the release's own attachments). */
  readonly content?: Uint8Array
  readonly contentType?: string
}

/** The rendered email of a release in one language (what templates produce). */
export interface EmailContent {
  readonly subject: string
  readonly html: string
  readonly text: string
  /** The PDF in this language first, then the release's attachments. */
  readonly attachments: readonly EmailAttachment[]
  /** Overrides the Reply-To taken from the release's first contact (optional). */
  readonly replyTo?: string
  /** The language the content is written in (`Content-Language`). */
  readonly language: Lng
}

/** Renders the email of a release for a language and variant (injected; templates + PDFs live elsewhere). */
export type ContentFor = (slug: string, lng: Lng, variant: ContentVariant) => Promise<EmailContent>

/** Where the unsubscribe links point; either, both or neither. */
export interface UnsubscribeConfig {
  /** Address for `mailto:` unsubscribes, e.g. `unsubscribe@example.org`. */
  readonly mailto?: string
  /** HTTPS endpoint for one-click unsubscribes; the recipient's token is appended as `t=` (never the address). */
  readonly url?: string
  /** Makes the opaque token of an address (see src/recipients/token.ts); required with `url`. */
  readonly token?: (email: string, issuedAt: number, slug?: string) => string
}

/** Settings every message of a run shares. */
export interface ComposeOptions {
  /** The From header, e.g. `Press Office <press@example.org>`. */
  readonly from: string
  readonly unsubscribe: UnsubscribeConfig
}

/** The part of a message shared by every recipient of one (release, language, variant). */
export interface MessageBase {
  readonly slug: string
  readonly lng: Lng
  readonly variant: ContentVariant
  /** Bare From address: the envelope sender. */
  readonly fromAddress: string
  /** Domain of the From address, used in Message-IDs. */
  readonly domain: string
  /** Shared header lines (folded, CRLF-separated, no trailing CRLF). */
  readonly head: string
  /** Everything after the blank line that ends the headers. */
  readonly body: Buffer
  readonly unsubscribe: UnsubscribeConfig
}

/** One recipient's message, ready for a transport. */
export interface OutgoingMessage {
  /** The ledger key (`slug/email`) or a label for test sends. */
  readonly key: string
  readonly slug: string
  /** Bare recipient address. */
  readonly to: string
  readonly envelope: { readonly from: string; readonly to: string }
  /** The Message-ID header value, with angle brackets. */
  readonly messageId: string
  /** This recipient's header block, ending with the blank line. */
  readonly head: Buffer
  /**
   * Everything after the header block: the very Buffer every recipient of the
   * same base shares (the PDF and attachments included), never copied and
   * never to be modified.
   */
  readonly body: Buffer
  /** The complete RFC 5322 message (`head` + `body`, joined on first use; transports that stream send the two instead). */
  readonly raw: Buffer
  /** Prefix for the outbox file name, e.g. `test-en-` (optional). */
  readonly label?: string
}

/** A message could not be composed: bad address or header. */
export class ComposeError extends PressError {
  override readonly code = 'PRESS_COMPOSE'
}

const headerBreaks = /[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g

/**
 * Make a value safe for one header line: every control character (CR, LF,
 * tab, NUL, Unicode line separators) becomes one space, so a name or subject
 * can never start a new header or smuggle in a recipient.
 *
 * @param value
 *   Any text.
 * @returns
 *   The text on one line, trimmed.
 */
export function toHeaderText(value: string): string {
  return value.replace(headerBreaks, ' ').replace(/ {2,}/g, ' ').trim()
}

/**
 * Check a bare address before it goes into a header or an SMTP envelope.
 *
 * @param email
 *   Address, e.g. `jane@example.com`.
 * @param what
 *   What the address is, for the message (e.g. `recipient`).
 * @returns
 *   The trimmed address.
 * @throws {ComposeError}
 *   When it contains spaces, line breaks, brackets or several `@`.
 */
export function checkAddress(email: string, what: string): string {
  // The same validator as \`press check\` (src/address.ts); the domain goes out in its ASCII (IDNA) form.
  if (addressProblem(email) !== undefined) {
    throw new ComposeError(
      `The ${what} address ${JSON.stringify(email)} is not a single plain address; fix it in the press list or config (e.g. \`jane@example.com\`).`,
    )
  }
  return asciiAddress(email)
}

/**
 * The stable Message-ID of a release for one recipient: the same on every
 * run and every resend, so a message resent after a crash is recognisably
 * the same message.
 *
 * @param slug
 *   Release slug.
 * @param normalizedEmail
 *   The recipient's normalised address.
 * @param domain
 *   Domain of the From address.
 * @returns
 *   `<32 hex chars@domain>`.
 */
export function messageIdFor(slug: string, normalizedEmail: string, domain: string): string {
  const hash = createHash('sha256').update(`${slug}\0${normalizedEmail}`).digest('hex').slice(0, 32)
  return `<${hash}@${domain}>`
}

/**
 * Split a From header value into its address and domain.
 *
 * @param from
 *   `Name <address>` or a bare address.
 * @returns
 *   The bare address and its domain.
 * @throws {ComposeError}
 *   When no single address can be found.
 */
export function parseFrom(from: string): { address: string; domain: string } {
  const parsed = addressparser(toHeaderText(from), { flatten: true })
  const first = parsed.length === 1 ? parsed[0] : undefined
  if (first === undefined || !first.address) {
    throw new ComposeError(
      `\`mail.from\` ${JSON.stringify(from)} must be one address, e.g. \`Press Office <press@example.org>\`; set it in pressroom.yaml.`,
    )
  }
  const address = checkAddress(first.address, '`mail.from`')
  return { address, domain: address.slice(address.lastIndexOf('@') + 1).toLowerCase() }
}

/**
 * Format `Name <address>` for a header, encoding the name when needed (the
 * same rule nodemailer applies).
 *
 * @param name
 *   Display name; control characters are removed first.
 * @param address
 *   Checked bare address.
 * @returns
 *   The header value.
 */
export function formatAddress(name: string, address: string): string {
  const clean = toHeaderText(name)
  if (clean === '') return address
  if (/^[\w ]*$/.test(clean)) return `${clean} <${address}>`
  if (/^[\x20-\x7e]*$/.test(clean)) return `"${clean.replace(/([\\"])/g, '\\$1')}" <${address}>`
  return `${mimeFuncs.encodeWord(clean, 'Q', 52)} <${address}>`
}

/** Headers set per recipient; stripped from the shared base. */
const perRecipientHeaders = new Set(['to', 'cc', 'bcc', 'message-id', 'date', 'list-unsubscribe', 'list-unsubscribe-post'])

/**
 * Build the shared part of every message of a release in one language and
 * variant: runs MailComposer once, reads the attachments once.
 *
 * @param slug
 *   Release slug.
 * @param lng
 *   The language of the content.
 * @param variant
 *   Embargoed and/or test render.
 * @param content
 *   Subject, bodies and attachments.
 * @param replyTo
 *   Reply-To address (the release's media contact) unless `content.replyTo` is set (optional).
 * @param options
 *   From and unsubscribe settings.
 * @returns
 *   The base to pass to `composeMessage`.
 */
export async function composeBase(
  slug: string,
  lng: Lng,
  variant: ContentVariant,
  content: EmailContent,
  replyTo: string | undefined,
  options: ComposeOptions,
): Promise<MessageBase> {
  const from = parseFrom(options.from)
  const reply = content.replyTo ?? replyTo
  const composer = new MailComposer({
    from: toHeaderText(options.from),
    ...(reply === undefined || reply.trim() === '' ? {} : { replyTo: checkAddress(reply, 'Reply-To') }),
    subject: toHeaderText(content.subject),
    text: content.text,
    html: content.html,
    attachments: content.attachments.map((a) => ({
      filename: toHeaderText(a.filename),
      ...(a.content === undefined
        ? { path: a.path ?? '' }
        : { content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength) }),
      ...(a.contentType === undefined ? {} : { contentType: a.contentType }),
    })),
    headers: { 'Content-Language': toHeaderText(content.language) },
    // Replaced per recipient; set so MailComposer does not invent one.
    messageId: `<base@${from.domain}>`,
  })
  const built = await composer.compile().build()
  const split = built.indexOf('\r\n\r\n')
  if (split < 0) throw new ComposeError(`Composing the ${lng} email of ${slug} produced no header block.`)
  const lines = built.subarray(0, split).toString('latin1').split('\r\n')
  const kept: string[] = []
  let keep = true
  for (const line of lines) {
    if (!/^[ \t]/.test(line)) {
      const name = line.slice(0, line.indexOf(':')).trim().toLowerCase()
      keep = !perRecipientHeaders.has(name)
    }
    if (keep) kept.push(line)
  }
  return {
    slug,
    lng,
    variant,
    fromAddress: from.address,
    domain: from.domain,
    head: kept.join('\r\n'),
    body: built.subarray(split + 4),
    unsubscribe: options.unsubscribe,
  }
}

/** One recipient, as `composeMessage` needs it. */
export interface MessageRecipient {
  readonly key: string
  readonly email: string
  readonly name: string
  readonly messageId: string
}

/**
 * The List-Unsubscribe header value for a recipient, or undefined when the
 * config names neither a mailto address nor a URL.
 *
 * @param unsubscribe
 *   Config.
 * @param email
 *   Recipient address.
 * @param issuedAt
 *   When the token is made (the message's Date), epoch ms.
 * @param slug
 *   The release, carried inside the token (optional).
 * @returns
 *   `<mailto:…?subject=unsubscribe>, <https://…?t=…>`.
 * @throws {ComposeError}
 *   When a URL is configured but no token maker is given.
 */
export function listUnsubscribe(unsubscribe: UnsubscribeConfig, email: string, issuedAt: number, slug?: string): string | undefined {
  const parts: string[] = []
  if (unsubscribe.mailto) {
    const mailto = checkAddress(unsubscribe.mailto.replace(/^mailto:/i, ''), '`mail.unsubscribe.mailto`')
    parts.push(`<mailto:${mailto}?subject=unsubscribe>`)
  }
  if (unsubscribe.url) {
    const url = toHeaderText(unsubscribe.url).replace(/[<>\s]/g, '')
    if (!unsubscribe.token)
      throw new ComposeError(
        '`mail.unsubscribe.url` is set but no unsubscribe secret was given; the URL must carry a signed token, never the address.',
      )
    parts.push(`<${url}${url.includes('?') ? '&' : '?'}t=${unsubscribe.token(email.toLowerCase(), issuedAt, slug)}>`)
  }
  return parts.length === 0 ? undefined : parts.join(', ')
}

/** RFC 5322 date, as nodemailer writes it. */
function formatDate(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT/, '+0000')
}

/**
 * Build one recipient's message from a base: exactly one To, the stable
 * Message-ID, Date and the unsubscribe headers; the body is shared.
 *
 * @param base
 *   From `composeBase`.
 * @param to
 *   Recipient (key, address, display name, Message-ID).
 * @param date
 *   The Date header, epoch ms.
 * @returns
 *   The message for a transport.
 * @throws {ComposeError}
 *   When the address is not a single plain address.
 */
export function composeMessage(base: MessageBase, to: MessageRecipient, date: number): OutgoingMessage {
  const address = checkAddress(to.email, 'recipient')
  const messageId = toHeaderText(to.messageId)
  const head: string[] = [
    mimeFuncs.foldLines(`To: ${formatAddress(to.name, address)}`, 76),
    `Message-ID: ${messageId}`,
    `Date: ${formatDate(date)}`,
  ]
  const unsubscribe = listUnsubscribe(base.unsubscribe, address, date, base.slug)
  if (unsubscribe !== undefined) {
    head.push(mimeFuncs.foldLines(`List-Unsubscribe: ${unsubscribe}`, 76))
    // RFC 8058: one-click needs an HTTPS URI in List-Unsubscribe.
    if (base.unsubscribe.url) head.push('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
  }
  const headText = `${base.head}\r\n${head.join('\r\n')}\r\n\r\n`
  const headBytes = Buffer.from(headText, 'utf8')
  const body = base.body
  let raw: Buffer | undefined
  // The body (~200 KB with the PDF) is shared, not copied per recipient:
  // the SMTP transport streams `head` then `body`; only `raw` joins them.
  return {
    key: to.key,
    slug: base.slug,
    to: address,
    envelope: { from: base.fromAddress, to: address },
    messageId,
    head: headBytes,
    body,
    get raw() {
      raw ??= Buffer.concat([headBytes, body])
      return raw
    },
  }
}
