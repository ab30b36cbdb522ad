/**
 * Plan a release's distribution: who gets it, in which language, when and
 * why. Pure: the same release, list, suppressions and clock give the same
 * plan, and nothing is read or sent. The embargo rule itself is asked of
 * `embargo/policy.ts`.
 */
import { earliestSend, isUnderEmbargo } from '../embargo/policy.js'
import { normalizeEmail } from '../address.js'
import type { Lng, Recipient, Release } from '../types.js'
import { releaseKey } from './queue/keys.js'
import type { QueuedJob } from './queue/ledger.js'

/** Why a job is sent when it is. */
export type SendWhy = 'vetted-under-embargo' | 'general-at-lift' | 'no-embargo' | 'scheduled'

/**
 * One message the plan decided on: one release to one recipient, with why.
 * Its queue fields are those of the `QueuedJob` it becomes (`planJobs` adds
 * the lift and the Message-ID): `key` is `${slug}/${normalizedEmail}`, one
 * ledger row per key, ever; `email` as written in the press list (trimmed);
 * `lng` the language of the content sent, `wanted` the one asked for.
 */
export interface SendJob extends Pick<QueuedJob, 'key' | 'slug' | 'email' | 'name' | 'lng' | 'wanted' | 'vetted' | 'sendAt'> {
  /** The recipient's language is missing, so the source language is sent. */
  readonly fallback: boolean
  /** The translation sent is older than the source (its `source_hash` differs). */
  readonly stale: boolean
  readonly why: SendWhy
  /** Line in the press list. */
  readonly line: number
}

/** Why a recipient gets nothing. */
export type SkipReason = 'suppressed' | 'not-in-lists' | 'draft' | 'duplicate'

/** A recipient left out of the plan. */
export interface SkippedRecipient {
  readonly email: string
  readonly line: number
  readonly reason: SkipReason
}

/** A recipient the strict translation rule refuses to send to. */
export interface PlanError {
  readonly email: string
  readonly line: number
  readonly wanted: Lng
  readonly reason: 'fallback' | 'stale'
  /** Says what is missing and how to fix it. */
  readonly message: string
}

/** Totals of a plan, for the dry-run table and reports. */
export interface PlanCounts {
  readonly recipients: number
  readonly jobs: number
  /** Jobs due at `now`. */
  readonly due: number
  /** Jobs due later (at the lift or the scheduled time). */
  readonly later: number
  readonly vetted: number
  readonly fallback: number
  readonly stale: number
  readonly skipped: Readonly<Record<SkipReason, number>>
  readonly errors: number
  /** Jobs per content language. */
  readonly byLanguage: Readonly<Record<Lng, number>>
}

/** The plan of one release. */
export interface Plan {
  readonly slug: string
  /** The lift, when the release has an embargo. */
  readonly lift: number | undefined
  readonly jobs: readonly SendJob[]
  readonly skipped: readonly SkippedRecipient[]
  /** Non-empty only with `translations: 'strict'`. */
  readonly errors: readonly PlanError[]
  readonly counts: PlanCounts
}

/** Options of `planSends`. */
export interface PlanOptions {
  /** The current instant, epoch ms. */
  readonly now: number
  /** Send no earlier than this (`press schedule --at`), epoch ms (optional). */
  readonly at?: number
  /** Normalised suppressed addresses. */
  readonly suppressed: ReadonlySet<string>
  /** The office's languages. */
  readonly locales: readonly string[]
  /** `strict` turns a fallback or stale translation into an error (default `lenient`). */
  readonly translations?: 'lenient' | 'strict'
}

/**
 * The content language for a recipient: their own when the release has it
 * (and the office uses it), else the release's source language.
 *
 * @param release
 *   The release.
 * @param wanted
 *   The recipient's language.
 * @param locales
 *   The office's languages.
 * @returns
 *   Language to send, whether it is a fallback, and whether that text is stale.
 */
export function pickLanguage(release: Release, wanted: Lng, locales: readonly string[]): { lng: Lng; fallback: boolean; stale: boolean } {
  const has = release.texts[wanted] !== undefined && locales.includes(wanted)
  const lng = has ? wanted : release.source
  return { lng, fallback: !has, stale: isStale(release, lng) }
}

/**
 * True when the `lng` text is a translation made from an older source:
 * its recorded `source_hash` is not the source's current content hash.
 *
 * @param release
 *   The release.
 * @param lng
 *   A language of the release.
 * @returns
 *   Whether that translation is stale (the source itself never is).
 */
export function isStale(release: Release, lng: Lng): boolean {
  if (lng === release.source) return false
  const text = release.texts[lng]
  const source = release.texts[release.source]
  return text?.sourceHash !== undefined && source !== undefined && text.sourceHash !== source.contentHash
}

/**
 * Plan the distribution of a release to a press list.
 *
 * Vetted recipients get it at `now` (or `at`) even under embargo; everyone
 * else at the later of `at` and the lift. Suppressed addresses, recipients
 * outside the release's `lists` and every recipient of a draft are skipped.
 *
 * @param release
 *   The release.
 * @param recipients
 *   The press list (validated).
 * @param options
 *   Clock, schedule, suppressions, locales, translation rule.
 * @returns
 *   Jobs, skipped recipients, strict-mode errors and counts.
 */
export function planSends(release: Release, recipients: Iterable<Recipient>, options: PlanOptions): Plan {
  const { now, suppressed, locales } = options
  const strict = options.translations === 'strict'
  const lift = release.embargo?.lift
  const underEmbargo = isUnderEmbargo(release, now)
  const requested = options.at === undefined ? now : Math.max(options.at, now)
  const scheduled = options.at !== undefined && options.at > now
  const jobs: SendJob[] = []
  const skipped: SkippedRecipient[] = []
  const errors: PlanError[] = []
  const seen = new Set<string>()
  let total = 0

  for (const recipient of recipients) {
    total++
    const email = recipient.email.trim()
    const normalized = normalizeEmail(email)
    const line = recipient.line
    if (seen.has(normalized)) {
      skipped.push({ email, line, reason: 'duplicate' })
      continue
    }
    seen.add(normalized)
    if (release.status === 'draft') {
      skipped.push({ email, line, reason: 'draft' })
      continue
    }
    if (suppressed.has(normalized)) {
      skipped.push({ email, line, reason: 'suppressed' })
      continue
    }
    if (release.lists.length > 0 && !recipient.lists.some((list) => release.lists.includes(list))) {
      skipped.push({ email, line, reason: 'not-in-lists' })
      continue
    }
    const { lng, fallback, stale } = pickLanguage(release, recipient.lng, locales)
    if (strict && (fallback || stale)) {
      errors.push({
        email,
        line,
        wanted: recipient.lng,
        reason: fallback ? 'fallback' : 'stale',
        message: fallback
          ? `${release.slug} has no ${recipient.lng} translation for ${email} (line ${line}); add ${release.dir}/${recipient.lng}.md or set \`translations: lenient\` to send ${release.source}.`
          : `The ${lng} translation of ${release.slug} is stale (its source_hash is not the ${release.source} source's current hash); update ${release.dir}/${lng}.md and its source_hash, or set \`translations: lenient\`.`,
      })
      continue
    }
    const vetted = recipient.embargo
    const sendAt = earliestSend(release, recipient, requested)
    let why: SendWhy
    if (underEmbargo && !vetted) why = sendAt === lift ? 'general-at-lift' : 'scheduled'
    else if (scheduled) why = 'scheduled'
    else why = underEmbargo ? 'vetted-under-embargo' : 'no-embargo'
    jobs.push({
      key: releaseKey(release.slug, normalized),
      slug: release.slug,
      email,
      name: recipient.name,
      lng,
      wanted: recipient.lng,
      fallback,
      stale,
      sendAt,
      vetted,
      why,
      line,
    })
  }

  const byLanguage: Record<Lng, number> = {}
  for (const job of jobs) byLanguage[job.lng] = (byLanguage[job.lng] ?? 0) + 1
  const skippedCounts: Record<SkipReason, number> = { suppressed: 0, 'not-in-lists': 0, draft: 0, duplicate: 0 }
  for (const s of skipped) skippedCounts[s.reason]++
  const due = jobs.filter((j) => j.sendAt <= now).length
  return {
    slug: release.slug,
    lift,
    jobs,
    skipped,
    errors,
    counts: {
      recipients: total,
      jobs: jobs.length,
      due,
      later: jobs.length - due,
      vetted: jobs.filter((j) => j.vetted).length,
      fallback: jobs.filter((j) => j.fallback).length,
      stale: jobs.filter((j) => j.stale).length,
      skipped: skippedCounts,
      errors: errors.length,
      byLanguage,
    },
  }
}
