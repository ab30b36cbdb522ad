/**
 * Decide at hand-over: right before a queued message goes to SMTP, check it
 * against the office as it is *now* — the release (status, embargo,
 * translations, corrections), the press list, the suppressions and the
 * delivery record — not as it was when the distribution was planned. Pure:
 * the caller loads the office; this only compares.
 */
import { isPublic, isUnderEmbargo } from '../embargo/policy.js'
import { normalizeEmail } from '../address.js'
import type { Lng, Recipient, Release } from '../types.js'
import type { Holding } from './deliveries.js'
import { pickLanguage } from './plan.js'
import type { LedgerRow } from './queue/ledger.js'

/** The office as it is now, as the decision needs it. */
export interface OfficeView {
  /** The release as its files say now; undefined when it no longer exists. */
  release(slug: string): Release | undefined
  /**
   * The press-list entry of a normalised address now, undefined when it was
   * removed. Absent: the list is not checked (the row's own details count).
   */
  readonly recipient?: ((normalizedEmail: string) => Recipient | undefined) | undefined
  /** True when the normalised address is in the suppression file. */
  suppressed(normalizedEmail: string): boolean
  /** What the delivery record says this address has of the release (optional). */
  readonly holding?: ((slug: string, normalizedEmail: string) => Holding | undefined) | undefined
  /** The office's languages. */
  readonly locales: readonly string[]
  readonly translations: 'lenient' | 'strict'
}

/** What to do with a queued message now. */
export type HandOver =
  | {
      readonly action: 'send'
      /** Language of the content. */
      readonly lng: Lng
      /** The release is under embargo: subject and PDF carry the notice. */
      readonly embargoed: boolean
      /** Recorded with the delivery: `embargoed@<lift>`, `public`, or the change id. */
      readonly version: string
    }
  /** Not yet: due again at `until` (or at the next round when unknown). */
  | { readonly action: 'hold'; readonly until?: number; readonly reason: string }
  /** Never: recorded `cancelled` with the reason. */
  | { readonly action: 'cancel'; readonly reason: string }
  /** The delivery record shows this very message was accepted: record it `sent`, send nothing. */
  | { readonly action: 'recorded'; readonly version: string; readonly at: number }

const iso = (ms: number): string => new Date(ms).toISOString()

/** The kind of change a notice row is about, from its change id. */
export type NoticeType = 'moved' | 'lifted' | 'withdrawn'

/**
 * Split a change id into its type and instant / number.
 *
 * @param change `moved-<new lift ISO>`, `lifted-<the lift it ended early, ISO>`, `withdrawn-<ISO>` or `correction-<n>`.
 * @returns Type and value, or undefined for anything else.
 */
export function parseChange(change: string): { type: NoticeType | 'correction'; at: number } | undefined {
  const m = /^(moved|lifted|withdrawn|correction)-(.+)$/.exec(change)
  if (!m) return undefined
  const type = m[1] as NoticeType | 'correction'
  const at = type === 'correction' ? Number(m[2]) : Date.parse(m[2]!)
  return Number.isFinite(at) ? { type, at } : undefined
}

/**
 * The language a notice goes out in: the recipient's when the office
 * publishes in it, else the release's source language.
 */
function noticeLanguage(release: Release, wanted: Lng, locales: readonly string[]): Lng {
  return locales.includes(wanted) ? wanted : release.source
}

/**
 * Decide what to do with one queued message at `now`.
 *
 * @param row The ledger row (claimable).
 * @param view The office as it is now.
 * @param now Epoch ms.
 * @returns Send (with language, variant and version), hold, cancel, or record as sent.
 */
export function decide(
  row: Pick<LedgerRow, 'slug' | 'email' | 'wanted' | 'vetted' | 'kind' | 'change' | 'messageId'>,
  view: OfficeView,
  now: number,
): HandOver {
  const release = view.release(row.slug)
  if (release === undefined) return { action: 'cancel', reason: `the release ${row.slug} no longer exists` }
  const email = normalizeEmail(row.email)
  if (view.suppressed(email)) return { action: 'cancel', reason: 'suppressed (in the suppression file)' }
  const checkList = view.recipient !== undefined
  const recipient = view.recipient?.(email)
  const holding = view.holding?.(row.slug, email)
  const kind = row.kind ?? 'release'
  const change = row.change ?? ''

  const inLists = (r: Recipient): boolean => release.lists.length === 0 || r.lists.some((l) => release.lists.includes(l))
  const listProblem = (): string | undefined => {
    if (!checkList) return undefined
    if (recipient === undefined) return 'removed from the press list'
    if (!inLists(recipient)) return `no longer in the release's lists (${release.lists.join(', ')})`
    return undefined
  }

  if (kind === 'release') {
    if (release.status === 'draft') return { action: 'hold', reason: 'the release is a draft' }
    const problem = listProblem()
    if (problem !== undefined) return { action: 'cancel', reason: problem }
    if (holding?.release !== undefined) {
      if (holding.release.messageId === row.messageId)
        return { action: 'recorded', version: holding.release.version, at: holding.release.at }
      return {
        action: 'cancel',
        reason: `already received (${holding.release.version}, ${iso(holding.release.at)}, per the delivery record)`,
      }
    }
    const vetted = recipient?.embargo ?? row.vetted
    const embargoed = isUnderEmbargo(release, now)
    if (embargoed && !vetted) return { action: 'hold', until: release.embargo!.lift, reason: 'embargo' }
    const wanted = recipient?.lng ?? row.wanted
    const { lng, fallback, stale } = pickLanguage(release, wanted, view.locales)
    if (view.translations === 'strict' && (fallback || stale)) {
      return {
        action: 'hold',
        reason: `translations: strict and the ${fallback ? `${wanted} translation is missing` : `${lng} translation is stale`}`,
      }
    }
    return { action: 'send', lng, embargoed, version: embargoed ? `embargoed@${iso(release.embargo!.lift)}` : 'public' }
  }

  if (holding?.changes.has(change)) return { action: 'recorded', version: change, at: now }
  const parsed = parseChange(change)
  if (parsed === undefined) return { action: 'cancel', reason: `unknown change ${JSON.stringify(change)}` }

  if (parsed.type === 'correction') {
    if (release.status === 'draft') return { action: 'cancel', reason: 'the release was withdrawn' }
    const problem = listProblem()
    if (problem !== undefined) return { action: 'cancel', reason: problem }
    const vetted = recipient?.embargo ?? row.vetted
    const embargoed = isUnderEmbargo(release, now)
    if (embargoed && !vetted) return { action: 'hold', until: release.embargo!.lift, reason: 'embargo' }
    const { lng } = pickLanguage(release, recipient?.lng ?? row.wanted, view.locales)
    return { action: 'send', lng, embargoed, version: change }
  }

  // Notices go to whoever holds the release, on the list or not: they have it.
  const lng = noticeLanguage(release, recipient?.lng ?? row.wanted, view.locales)
  switch (parsed.type) {
    case 'moved': {
      if (release.status === 'draft') return { action: 'cancel', reason: 'the release was withdrawn' }
      if (release.embargo?.lift !== parsed.at) return { action: 'cancel', reason: 'superseded: the embargo changed again' }
      if (parsed.at <= now) return { action: 'cancel', reason: 'the embargo lifted before the notice went out' }
      return { action: 'send', lng, embargoed: true, version: change }
    }
    case 'lifted': {
      if (!isPublic(release, now))
        return {
          action: 'cancel',
          reason: release.status === 'draft' ? 'the release was withdrawn' : 'superseded: the release is under embargo again',
        }
      return { action: 'send', lng, embargoed: false, version: change }
    }
    case 'withdrawn': {
      if (release.status === 'ready') return { action: 'cancel', reason: 'the release was restored (status: ready)' }
      return { action: 'send', lng, embargoed: false, version: change }
    }
  }
}
