/**
 * Delivery status notifications (RFC 3464): the `message/delivery-status`
 * part of a `multipart/report` bounce, as per-recipient records. Pure.
 */
import { looksLikeAddress } from '../address.js'

/** One recipient's block of a delivery-status part. */
export interface DeliveryStatus {
  /** The address as we sent to it (Original-Recipient), else Final-Recipient; normalised. */
  readonly recipient: string
  /** `failed`, `delayed`, `delivered`, `relayed`, `expanded`. */
  readonly action: string
  /** Enhanced status code, e.g. `5.1.1`. */
  readonly status: string
  /** The remote server's words (Diagnostic-Code without its type), when given. */
  readonly diagnostic?: string
  readonly remoteMta?: string
}

/** Unfold and split one group of `Name: value` fields; names lowercased. */
function fields(group: string): Map<string, string> {
  const out = new Map<string, string>()
  const lines = group.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    if (!out.has(name)) out.set(name, line.slice(colon + 1).trim())
  }
  return out
}

/** `rfc822; jane@example.com` → `jane@example.com` (also `<…>` and `utf-8;` types). */
function addressOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const semi = value.indexOf(';')
  const address = (semi === -1 ? value : value.slice(semi + 1))
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .trim()
    .toLowerCase()
  return looksLikeAddress(address) ? address : undefined
}

/**
 * Parse the text of a `message/delivery-status` part.
 *
 * @param text
 *   The part's content (per-message fields, a blank line, then one block of
 *   fields per recipient).
 * @returns
 *   One record per recipient block that names an address, an action and a
 *   status code; blocks missing any of them are left out (a malformed DSN
 *   yields none).
 */
export function parseDeliveryStatus(text: string): DeliveryStatus[] {
  const groups = text.replace(/^\s+/, '').split(/\r?\n[ \t]*\r?\n/)
  const out: DeliveryStatus[] = []
  for (const group of groups.slice(1)) {
    const f = fields(group)
    const recipient = addressOf(f.get('original-recipient')) ?? addressOf(f.get('final-recipient'))
    const action = f.get('action')?.toLowerCase().split(/[\s(]/)[0]
    const status = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(f.get('status') ?? '')?.[0]
    if (recipient === undefined || !action || status === undefined) continue
    const diagnostic = f
      .get('diagnostic-code')
      ?.replace(/^[\w-]+\s*;\s*/, '')
      .trim()
    const remoteMta = f
      .get('remote-mta')
      ?.replace(/^[\w-]+\s*;\s*/, '')
      .trim()
    out.push({ recipient, action, status, ...(diagnostic ? { diagnostic } : {}), ...(remoteMta ? { remoteMta } : {}) })
  }
  return out
}

/**
 * Whether a delivery-status record is permanent, temporary, or not a failure.
 *
 * @param status
 *   A record.
 * @returns
 *   `permanent` (failed with 5.x.x), `temporary` (delayed, or 4.x.x), or `none` (delivered, relayed, expanded).
 */
export function failureKind(status: DeliveryStatus): 'permanent' | 'temporary' | 'none' {
  if (status.action === 'failed') return status.status.startsWith('5') ? 'permanent' : 'temporary'
  if (status.action === 'delayed') return 'temporary'
  return 'none'
}
