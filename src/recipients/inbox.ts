/**
 * `press inbox`: read the office's mailbox over IMAP (imapflow) and act on
 * what recipients and their servers sent back. Only the parts that matter
 * are downloaded: the header block, the body structure, the
 * `message/delivery-status` part and the header of the returned original —
 * never an attachment, so a 10 MB message costs a few kilobytes. Every
 * fetch peeks, so a message left for a person stays unread.
 *
 * Crash safety: the suppression and the event are written before the
 * message is moved to the processed folder; a message read again after a
 * crash finds its event already recorded (keyed by its Message-ID) and
 * changes nothing twice.
 */
import { createHash } from 'node:crypto'
import { ImapFlow, type MessageStructureObject } from 'imapflow'
import { simpleParser, type AddressObject } from 'mailparser'
import { messageIdFor } from '../distribute/compose.js'
import { redactUrl } from '../secrets.js'
import { PressError } from '../errors.js'
import { suppress } from '../press-list/suppressions.js'
import { classifyMail, type Classification, type IncomingMail } from './classify.js'
import type { RecipientEventKind, RecipientStore } from './store.js'

/** The mailbox could not be read. */
export class InboxError extends PressError {
  override readonly code = 'PRESS_INBOX'
}

/** Where the mailbox is, from `mail.inbox`. */
export interface InboxAddress {
  readonly host: string
  readonly port: number
  readonly secure: boolean
  readonly user: string
  readonly pass: string
  /** The folder to read (the URL's path; default `INBOX`). */
  readonly folder: string
}

/**
 * Read an `imap://` or `imaps://` URL.
 *
 * @param url
 *   e.g. `imaps://bounces%40example.org:secret@mail.example.org/INBOX`.
 * @returns
 *   Host, port (993 for imaps, 143 for imap), user, password, folder.
 * @throws {InboxError}
 *   When it is not such a URL (the password is redacted in the message).
 */
export function parseInboxUrl(url: string): InboxAddress {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InboxError(
      `\`mail.inbox\` \`${redactUrl(url)}\` is not a URL; write it as \`imaps://user:password@mail.example.org/INBOX\` (percent-encode @ and : in the user and password).`,
    )
  }
  if (parsed.protocol !== 'imap:' && parsed.protocol !== 'imaps:') {
    throw new InboxError(`\`mail.inbox\` \`${redactUrl(url)}\` must start with imaps:// (or imap:// for a server on this machine).`)
  }
  const secure = parsed.protocol === 'imaps:'
  const folder = decodeURIComponent(parsed.pathname.replace(/^\/+/, '')) || 'INBOX'
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(parsed.username),
    pass: decodeURIComponent(parsed.password),
    folder,
  }
}

/** What the inbox reader needs. */
export interface InboxOptions {
  /** `mail.inbox`. */
  readonly url: string
  /** Where handled messages go (created when missing). */
  readonly processedFolder: string
  /** N temporary failures within `days` suppress an address. */
  readonly temporary: { readonly count: number; readonly days: number }
  /** `mail.unsubscribe.mailto` (optional). */
  readonly unsubscribeAddress?: string
  /** Our From address and its domain (Message-IDs are `<hash@domain>`). */
  readonly fromAddress: string
  readonly domain: string
  /** Every release slug, to match a returned Message-ID to its release. */
  readonly slugs: readonly string[]
  /** Whether an address is on the press list (normalised). */
  readonly onList: (email: string) => boolean
  readonly suppressionsPath: string
  readonly store: RecipientStore
  /** The clock, epoch ms. */
  readonly now: () => number
  /** Connection and socket timeout, ms (default 30,000). */
  readonly timeoutMs?: number
}

/** What was done with one message. */
export interface InboxItem {
  readonly uid: number
  readonly subject: string
  readonly kind: Classification['kind']
  /** `suppressed`, `counted` (a temporary failure below the limit), `ignored` (moved, nothing to do), `left` (unread, for a person). */
  readonly action: 'suppressed' | 'counted' | 'ignored' | 'left'
  readonly email?: string
  readonly slug?: string
  readonly reason: string
}

/** What one read of the mailbox did. */
export interface InboxReport {
  readonly folder: string
  readonly items: readonly InboxItem[]
  readonly suppressed: readonly string[]
}

function walk(node: MessageStructureObject | undefined, visit: (node: MessageStructureObject) => void): void {
  if (!node) return
  visit(node)
  for (const child of node.childNodes ?? []) walk(child, visit)
}

function decodePart(raw: Buffer | undefined, encoding: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  const enc = (encoding ?? '').toLowerCase()
  if (enc === 'base64') return Buffer.from(raw.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('utf8')
  if (enc === 'quoted-printable') {
    const text = raw.toString('latin1').replace(/=\r?\n/g, '')
    return Buffer.from(
      text.replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8')
  }
  return raw.toString('utf8')
}

function addressesOf(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value]
  return list.flatMap((a) => a.value.map((v) => v.address?.toLowerCase() ?? '')).filter((a) => a !== '')
}

/** Largest delivery-status or returned-header part read (larger ones are not a real DSN). */
const maxPartBytes = 1024 * 1024

/**
 * Build the classifier's view of one message from what IMAP returned.
 *
 * @param headerBlock
 *   The top-level header block.
 * @param structure
 *   The BODYSTRUCTURE.
 * @param fetchParts
 *   Fetches raw parts by IMAP part id.
 * @returns
 *   The message's parts, and the key that identifies it.
 */
export async function readIncoming(
  headerBlock: Buffer,
  structure: MessageStructureObject | undefined,
  fetchParts: (ids: string[]) => Promise<Map<string, Buffer>>,
): Promise<IncomingMail & { key: string; messageId?: string }> {
  const parsed = await simpleParser(headerBlock, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true })
  const headers = new Map<string, string>()
  for (const { key, line } of parsed.headerLines) {
    if (headers.has(key)) continue
    const value = parsed.headers.get(key)
    headers.set(key, typeof value === 'string' ? value : line.slice(line.indexOf(':') + 1).trim())
  }
  const from = addressesOf(parsed.from)[0]
  const extra = ['delivered-to', 'x-original-to'].flatMap((name) =>
    parsed.headerLines
      .filter((h) => h.key === name)
      .map((h) =>
        h.line
          .slice(h.line.indexOf(':') + 1)
          .trim()
          .replace(/^<|>$/g, '')
          .toLowerCase(),
      ),
  )
  const recipients = [...addressesOf(parsed.to), ...addressesOf(parsed.cc), ...extra]
  const isReport = structure?.type === 'multipart/report'
  let statusNode: MessageStructureObject | undefined
  let headersNode: { id: string; encoding?: string } | undefined
  walk(structure, (node) => {
    const type = node.type.toLowerCase()
    if ((type === 'message/delivery-status' || type === 'message/global-delivery-status') && !statusNode) statusNode = node
    else if ((type === 'text/rfc822-headers' || type === 'message/global-headers') && !headersNode && node.part)
      headersNode = { id: node.part, ...(node.encoding ? { encoding: node.encoding } : {}) }
    else if ((type === 'message/rfc822' || type === 'message/global') && !headersNode && node.part)
      headersNode = { id: `${node.part}.HEADER` }
  })
  const wanted: string[] = []
  const statusId = statusNode?.part ?? (statusNode ? '1' : undefined)
  if (statusId !== undefined && (statusNode?.size ?? 0) <= maxPartBytes) wanted.push(statusId)
  if (headersNode) wanted.push(headersNode.id)
  // Part ids come back in the case the server used (`3.header` for `3.HEADER`).
  const parts = new Map(
    [...(wanted.length > 0 ? await fetchParts(wanted) : new Map<string, Buffer>())].map(([k, v]) => [k.toUpperCase(), v]),
  )
  const deliveryStatus = statusId === undefined ? undefined : decodePart(parts.get(statusId.toUpperCase()), statusNode?.encoding)
  const originalHeaders = headersNode
    ? decodePart(parts.get(headersNode.id.toUpperCase())?.subarray(0, maxPartBytes), headersNode.encoding)
    : undefined
  const messageId = parsed.messageId
  const key = messageId ?? `sha256:${createHash('sha256').update(headerBlock).digest('hex').slice(0, 32)}`
  return {
    key,
    ...(messageId ? { messageId } : {}),
    headers,
    ...(from ? { from } : {}),
    recipients,
    subject: parsed.subject ?? '',
    isReport,
    ...(deliveryStatus === undefined ? {} : { deliveryStatus }),
    ...(originalHeaders === undefined ? {} : { originalHeaders }),
  }
}

/**
 * The release a returned Message-ID belongs to (our Message-IDs are a hash
 * of the release and the recipient).
 *
 * @param options
 *   Slugs and domain.
 * @param email
 *   The recipient.
 * @param messageId
 *   The original's Message-ID (optional).
 * @returns
 *   The slug, or undefined.
 */
export function matchSlug(
  options: Pick<InboxOptions, 'slugs' | 'domain'>,
  email: string,
  messageId: string | undefined,
): string | undefined {
  if (messageId === undefined) return undefined
  return options.slugs.find((slug) => messageIdFor(slug, email, options.domain) === messageId)
}

/**
 * Read every unread message of the inbox folder once and act on it.
 *
 * @param options
 *   Mailbox, folders, limits, office lookups, store, clock.
 * @returns
 *   What was done with each message.
 * @throws {InboxError}
 *   When the server cannot be reached or refuses the login (password redacted).
 */
export async function processInbox(options: InboxOptions): Promise<InboxReport> {
  const address = parseInboxUrl(options.url)
  const shown = redactUrl(options.url)
  const timeout = options.timeoutMs ?? 30_000
  const client = new ImapFlow({
    host: address.host,
    port: address.port,
    secure: address.secure,
    auth: { user: address.user, pass: address.pass },
    logger: false,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  })
  // A dropped connection is reported through the failing command; without a listener it would crash the process.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    const reason = (error as { authenticationFailed?: boolean }).authenticationFailed
      ? 'the server refused the user name or password'
      : scrub(error, address.pass)
    throw new InboxError(`Cannot read the mailbox ${shown}: ${reason}. Check \`mail.inbox\` (or PRESS_INBOX_URL).`)
  }
  const items: InboxItem[] = []
  const suppressed: string[] = []
  try {
    const lock = await client.getMailboxLock(address.folder)
    try {
      const mailbox = client.mailbox
      const validity = mailbox && typeof mailbox === 'object' ? String(mailbox.uidValidity) : '0'
      const uids = (await client.search({ seen: false }, { uid: true })) || []
      let folderReady = false
      for (const uid of uids) {
        const leftKey = `${address.folder}:${validity}:${uid}`
        if (options.store.isLeft(leftKey)) continue
        const meta = await client.fetchOne(String(uid), { uid: true, headers: true, bodyStructure: true }, { uid: true })
        if (!meta || !meta.headers) continue
        let mail: Awaited<ReturnType<typeof readIncoming>>
        try {
          mail = await readIncoming(meta.headers, meta.bodyStructure, async (ids) => {
            const got = await client.fetchOne(String(uid), { uid: true, bodyParts: ids }, { uid: true })
            return got && got.bodyParts ? got.bodyParts : new Map()
          })
        } catch (error) {
          items.push({ uid, subject: '', kind: 'malformed', action: 'left', reason: `could not be read: ${scrub(error, address.pass)}` })
          options.store.markLeft(leftKey, options.now())
          continue
        }
        const verdict = classifyMail(mail, {
          fromAddress: options.fromAddress,
          ...(options.unsubscribeAddress ? { unsubscribeAddress: options.unsubscribeAddress.toLowerCase() } : {}),
        })
        const done = await act(options, mail, verdict, uid)
        items.push(...done.items)
        suppressed.push(...done.suppressed)
        if (done.move) {
          if (!folderReady) {
            await ensureFolder(client, options.processedFolder)
            folderReady = true
          }
          await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true })
          await client.messageMove(String(uid), options.processedFolder, { uid: true })
        } else {
          options.store.markLeft(leftKey, options.now())
        }
      }
    } finally {
      lock.release()
    }
  } catch (error) {
    if (error instanceof PressError) throw error
    throw new InboxError(
      `Reading the mailbox ${shown} failed: ${scrub(error, address.pass)}. Messages handled so far were moved to \`${options.processedFolder}\`; the rest are read again next time.`,
    )
  } finally {
    await client.logout().catch(() => client.close())
  }
  return { folder: address.folder, items, suppressed }
}

async function ensureFolder(client: ImapFlow, folder: string): Promise<void> {
  const list = await client.list()
  if (list.some((f) => f.path === folder)) return
  await client.mailboxCreate(folder)
}

function scrub(error: unknown, secret: string): string {
  const text = error instanceof Error ? ((error as { responseText?: string }).responseText ?? error.message) : String(error)
  return secret ? text.split(secret).join('****') : text
}

/** Do what a verdict asks; report it; say whether the message is moved. */
async function act(
  options: InboxOptions,
  mail: IncomingMail & { key: string },
  verdict: Classification,
  uid: number,
): Promise<{ items: InboxItem[]; suppressed: string[]; move: boolean }> {
  const at = options.now()
  const subject = mail.subject
  const item = (rest: Omit<InboxItem, 'uid' | 'subject' | 'kind'>): InboxItem => ({ uid, subject, kind: verdict.kind, ...rest })
  const record = (email: string, slug: string | undefined, kind: RecipientEventKind, reason: string, messageId?: string): boolean =>
    options.store.record({
      slug: slug ?? '',
      email,
      kind,
      reason,
      at,
      source: `imap:${mail.key}:${email}`,
      ...(messageId ? { messageId } : {}),
    })
  switch (verdict.kind) {
    case 'bounce': {
      const items: InboxItem[] = []
      const suppressed: string[] = []
      for (const failure of verdict.failures) {
        const email = failure.recipient
        const slug = matchSlug(options, email, verdict.originalMessageId)
        const detail = `${failure.status}${failure.diagnostic ? ` ${failure.diagnostic}` : ''}`
        const where = { email, ...(slug ? { slug } : {}) }
        if (slug === undefined && !options.onList(email)) {
          items.push(
            item({
              action: 'ignored',
              ...where,
              reason: `bounce for ${email}, which is not on the press list and not a recipient of a message of ours: nothing suppressed (${detail})`,
            }),
          )
          continue
        }
        if (failure.failure === 'permanent') {
          record(email, slug, 'bounced', detail, verdict.originalMessageId)
          if (await suppress(options.suppressionsPath, email, `hard bounce: ${detail}`, new Date(at))) suppressed.push(email)
          items.push(item({ action: 'suppressed', ...where, reason: `permanent failure ${detail}` }))
          continue
        }
        record(email, slug, 'deferred', detail, verdict.originalMessageId)
        const since = at - options.temporary.days * 86_400_000
        const count = options.store.count(email, 'deferred', since)
        if (count >= options.temporary.count) {
          const reason = `${count} temporary failures in ${options.temporary.days} days, last: ${detail}`
          if (await suppress(options.suppressionsPath, email, reason, new Date(at))) suppressed.push(email)
          items.push(item({ action: 'suppressed', ...where, reason }))
        } else {
          items.push(
            item({
              action: 'counted',
              ...where,
              reason: `temporary failure ${count} of ${options.temporary.count} in ${options.temporary.days} days: ${detail}`,
            }),
          )
        }
      }
      return { items, suppressed, move: true }
    }
    case 'unsubscribe': {
      const slug = matchSlug(options, verdict.email, verdict.originalMessageId)
      record(verdict.email, slug, 'unsubscribed', 'mailto', verdict.originalMessageId)
      const added = await suppress(options.suppressionsPath, verdict.email, `unsubscribed (mailto${slug ? `, ${slug}` : ''})`, new Date(at))
      return {
        items: [item({ action: 'suppressed', email: verdict.email, ...(slug ? { slug } : {}), reason: 'mailto unsubscribe' })],
        suppressed: added ? [verdict.email] : [],
        move: true,
      }
    }
    case 'auto-reply': {
      const email = verdict.email
      const slug = email === undefined ? undefined : matchSlug(options, email, verdict.originalMessageId)
      if (email !== undefined && (slug !== undefined || options.onList(email)))
        record(email, slug, 'auto-reply', verdict.reason, verdict.originalMessageId)
      return {
        items: [
          item({
            action: 'ignored',
            ...(email ? { email } : {}),
            ...(slug ? { slug } : {}),
            reason: `automatic reply (${verdict.reason}): nothing suppressed`,
          }),
        ],
        suppressed: [],
        move: true,
      }
    }
    case 'delivery-report':
      return { items: [item({ action: 'ignored', reason: verdict.reason })], suppressed: [], move: true }
    case 'malformed':
      return {
        items: [item({ action: 'left', reason: `malformed: ${verdict.reason}; left unread for a person` })],
        suppressed: [],
        move: false,
      }
    case 'other':
      return { items: [item({ action: 'left', reason: `${verdict.reason}; left unread for a person` })], suppressed: [], move: false }
  }
}
