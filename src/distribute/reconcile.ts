/**
 * Keep a planned distribution in step with the office. The plan of a
 * release is re-made from its files, the press list and the suppressions
 * whenever any of them changed since the last time (a fingerprint kept
 * with the plan), and the queue follows: held messages move with the lift,
 * new recipients are added, removed ones cancelled. Whoever already holds
 * an embargoed copy and was told another lift than the release now says
 * gets one short notice: "embargo moved" (a later or earlier lift still to
 * come) or "embargo lifted, effective immediately" (the lift moved to now
 * or into the past). Notices are queue rows keyed by the change, so each
 * goes to each person at most once per change.
 */
import { hashOf } from '../hash.js'
import { isUnderEmbargo } from '../embargo/policy.js'
import { normalizeEmail } from '../address.js'
import type { Recipient, Release } from '../types.js'
import { messageIdFor } from './compose.js'
import { holdings, loadDeliveries, type Delivery, type Holding } from './deliveries.js'
import { planSends, type Plan, type SkipReason } from './plan.js'
import type { EnqueueResult, LedgerRow, PlanRecord, PlanStore, QueuedJob, QueueReader } from './queue/ledger.js'
import { changeKey } from './queue/keys.js'

/** What reconciling needs to know about the office. */
export interface ReconcileInput {
  readonly ledger: PlanStore
  readonly release: Release
  readonly record: PlanRecord
  readonly recipients: readonly Recipient[]
  readonly suppressed: ReadonlySet<string>
  readonly locales: readonly string[]
  readonly translations: 'lenient' | 'strict'
  /** The deliveries folder (optional: without it only the queue says who holds what). */
  readonly deliveriesPath?: string | undefined
  /** Domain for Message-IDs. */
  readonly domain: string
  readonly now: number
  /** Re-plan even when nothing changed (`press send`). */
  readonly force?: boolean
}

/** What reconciling did. */
export interface ReconcileResult {
  readonly slug: string
  /** False when nothing had changed since the last time (nothing was done). */
  readonly changed: boolean
  readonly plan?: Plan
  readonly enqueued?: EnqueueResult
  /** Notices queued (moved / lifted). */
  readonly notices: number
}

/**
 * The fingerprint of everything a plan depends on.
 *
 * @returns 16 hex digits.
 */
export function planFingerprint(
  release: Release,
  recipients: readonly Recipient[],
  suppressed: ReadonlySet<string>,
  options: { locales: readonly string[]; translations: string; at?: number | undefined },
): string {
  const list = recipients
    .map((r) => `${normalizeEmail(r.email)}\t${r.lng}\t${r.embargo ? 1 : 0}\t${r.lists.join(';')}\t${r.name}`)
    .join('\n')
  return hashOf(
    release.inputHash,
    release.status,
    String(release.embargo?.lift ?? ''),
    list,
    [...suppressed].sort().join('\n'),
    options.locales.join(','),
    options.translations,
    String(options.at ?? ''),
  )
}

/**
 * A sent row as a delivery (rows written before versions were recorded:
 * a vetted row sent before its lift held the embargoed copy).
 */
export function rowAsDelivery(row: LedgerRow): Delivery | undefined {
  if (row.state !== 'sent') return undefined
  const at = row.sentAt ?? row.updatedAt
  const version =
    row.version ??
    (row.kind === 'release' || row.kind === undefined
      ? row.lift !== undefined && at < row.lift
        ? `embargoed@${new Date(row.lift).toISOString()}`
        : 'public'
      : (row.change ?? ''))
  return { sentAt: at, email: row.email, lng: row.lng, kind: row.kind ?? 'release', version, messageId: row.messageId }
}

/**
 * Who holds what of a release: the delivery record and the queue's sent rows.
 *
 * @returns Holdings by normalised address.
 */
export async function holdingsOf(
  ledger: QueueReader,
  slug: string,
  deliveriesPath: string | undefined,
): Promise<Map<string, Holding & { email: string; lng: string }>> {
  const fromRecord = deliveriesPath === undefined ? [] : loadDeliveries(deliveriesPath, slug)
  const fromQueue = (await ledger.rows({ slug, states: ['sent'] })).map(rowAsDelivery).filter((d): d is Delivery => d !== undefined)
  const all = [...fromRecord, ...fromQueue]
  const byEmail = holdings(all)
  const out = new Map<string, Holding & { email: string; lng: string }>()
  for (const d of all) {
    const key = normalizeEmail(d.email)
    const h = byEmail.get(key)
    if (h !== undefined && !out.has(key)) out.set(key, { ...h, email: d.email, lng: d.lng })
  }
  return out
}

/**
 * The release jobs of a plan as queue rows: each `SendJob` with the lift
 * and its stable Message-ID (the plan's reasons ride along unread).
 *
 * @returns Jobs for `ledger.enqueue`.
 */
export function planJobs(plan: Plan, domain: string): QueuedJob[] {
  return plan.jobs.map((job) => ({
    ...job,
    lift: plan.lift,
    messageId: messageIdFor(job.slug, normalizeEmail(job.email), domain),
    kind: 'release' as const,
  }))
}

/**
 * One notice or correction row to a recipient.
 *
 * @returns The job.
 */
export function changeJob(options: {
  slug: string
  change: string
  kind: 'notice' | 'correction'
  email: string
  name: string
  lng: string
  payload?: string | undefined
  now: number
  domain: string
  vetted: boolean
}): QueuedJob {
  const normalized = normalizeEmail(options.email)
  return {
    key: changeKey(options.slug, options.change, normalized),
    slug: options.slug,
    email: options.email,
    name: options.name,
    lng: options.lng,
    wanted: options.lng,
    // Notices are not embargo-gated (they go to people who hold the release); corrections are, through the decision at hand-over.
    vetted: options.vetted,
    sendAt: options.now,
    messageId: messageIdFor(`${options.slug}#${options.change}`, normalized, options.domain),
    kind: options.kind,
    change: options.change,
    ...(options.payload === undefined ? {} : { payload: options.payload }),
  }
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** Why a planned row is cancelled, worded as the decision at hand-over words it. */
const skipReasons: Record<SkipReason, (release: Release) => string> = {
  suppressed: () => 'suppressed (in the suppression file)',
  'not-in-lists': (release) => `no longer in the release's lists (${release.lists.join(', ')})`,
  draft: () => 'the release is a draft',
  duplicate: () => 'a duplicate address in the press list',
}

/**
 * The embargo notices a release needs now: one per holder of an embargoed
 * copy whose last-told lift differs from the release's.
 *
 * @returns Jobs (not yet queued).
 */
export function embargoNotices(
  release: Release,
  held: ReadonlyMap<string, Holding & { email: string; lng: string }>,
  recipients: ReadonlyMap<string, Recipient>,
  suppressed: ReadonlySet<string>,
  now: number,
  domain: string,
): QueuedJob[] {
  if (release.status !== 'ready') return []
  const current = release.embargo?.lift
  const jobs: QueuedJob[] = []
  for (const [email, holding] of held) {
    const believed = holding.believedLift
    if (believed === undefined || believed === current || suppressed.has(email)) continue
    // A moved notice is one per new lift; a lifted notice one per lift it ends early.
    let change: string
    let payload: { old: number; at?: number }
    if (current !== undefined && isUnderEmbargo(release, now)) {
      change = `moved-${iso(current)}`
      payload = { old: believed }
    } else if (believed > now) {
      change = `lifted-${iso(believed)}`
      payload = { old: believed, at: Math.min(current ?? now, now) }
    } else continue
    if (holding.changes.has(change)) continue
    const recipient = recipients.get(email)
    jobs.push(
      changeJob({
        slug: release.slug,
        change,
        kind: 'notice',
        email: recipient?.email ?? holding.email,
        name: recipient?.name ?? '',
        lng: recipient?.lng ?? holding.lng,
        payload: JSON.stringify(payload),
        now,
        domain,
        vetted: true,
      }),
    )
  }
  return jobs
}

/**
 * Bring one release's queue in step with the office (see the file comment).
 *
 * @param input Ledger, release, its plan record, list, suppressions, clock.
 * @returns What changed.
 */
export async function reconcileRelease(input: ReconcileInput): Promise<ReconcileResult> {
  const { ledger, release, record, recipients, suppressed, now, domain } = input
  const fingerprint = planFingerprint(release, recipients, suppressed, {
    locales: input.locales,
    translations: input.translations,
    at: record.at,
  })
  if (input.force !== true && record.fingerprint === fingerprint) return { slug: release.slug, changed: false, notices: 0 }

  let plan: Plan | undefined
  let enqueued: EnqueueResult | undefined
  if (record.withdrawnAt === undefined && release.status === 'ready') {
    plan = planSends(release, recipients, {
      now,
      ...(record.at === undefined ? {} : { at: record.at }),
      suppressed,
      locales: input.locales,
      translations: input.translations,
    })
    enqueued = await ledger.enqueue(release.slug, planJobs(plan, domain), now)
    // Unsent rows of people the plan no longer has are cancelled with the reason. Under
    // `strict`, recipients refused for their translation keep their rows (held at hand-over).
    const inPlan = new Set(plan.jobs.map((j) => j.key))
    const refused = new Set(plan.errors.map((e) => normalizeEmail(e.email)))
    const skipped = new Map(plan.skipped.map((s) => [normalizeEmail(s.email), s.reason]))
    let cancelled = 0
    for (const row of await ledger.rows({ slug: release.slug, states: ['planned', 'deferred'] })) {
      if ((row.kind ?? 'release') !== 'release' || inPlan.has(row.key)) continue
      const email = normalizeEmail(row.email)
      if (refused.has(email)) continue
      const reason = skipped.get(email)
      await ledger.cancel(row.key, reason === undefined ? 'removed from the press list' : skipReasons[reason](release), now)
      cancelled++
    }
    enqueued = { ...enqueued, cancelled }
  }

  const byEmail = new Map(recipients.map((r) => [normalizeEmail(r.email), r]))
  const held = await holdingsOf(ledger, release.slug, input.deliveriesPath)
  const notices = embargoNotices(release, held, byEmail, suppressed, now, domain)
  if (notices.length > 0) await ledger.enqueue(release.slug, notices, now)
  await ledger.setPlan(release.slug, { ...record, fingerprint })
  return { slug: release.slug, changed: true, ...(plan ? { plan } : {}), ...(enqueued ? { enqueued } : {}), notices: notices.length }
}
