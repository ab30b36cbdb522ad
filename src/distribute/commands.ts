/**
 * The distribution commands as library functions: the CLI parses flags,
 * builds a context, calls one of these and prints what comes back. Nothing
 * here writes to stdout or reads the real clock (`ctx.now` is the clock).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { isUnderEmbargo } from '../embargo/policy.js'
import { LockedError } from '../errors.js'
import { addSuppression, loadSuppressions } from '../press-list/suppressions.js'
import { normalizeEmail } from '../address.js'
import type { Recipient, Release } from '../types.js'
import { checkAddress, composeBase, composeMessage, messageIdFor, parseFrom, type ContentFor, type UnsubscribeConfig } from './compose.js'
import { createDeliveryWriter, holdings, loadDeliveries, type Holding } from './deliveries.js'
import { runDue, type ProgressEvent, type ReleaseLookup, type RetryOptions, type RunReport } from './dispatch.js'
import { reconcileRelease, type ReconcileResult } from './reconcile.js'
import { hashOf } from '../hash.js'
import { sleep, type WakeUp } from '../sleep.js'
import { DraftReleaseError, ReleaseNotFoundError, StrictTranslationError } from './errors.js'
import { createMailer, type Mailer, type Receipt } from './mailer.js'
import { redactUrl } from '../secrets.js'
import { planSends, type Plan } from './plan.js'
import {
  emptyCounts,
  type EnqueueResult,
  type Ledger,
  type LockOptions,
  type LedgerRow,
  type LedgerStats,
  type PlanRecord,
  type PlanStore,
  type SendQueue,
  type SendRights,
} from './queue/ledger.js'
import { openSqliteLedger } from './queue/sqlite-ledger.js'

/** The `mail` part of the config, as distribution uses it. */
export interface MailConfig {
  /** From header, e.g. `Press Office <press@example.org>`. */
  readonly from: string
  /** `outbox`, `json` or an `smtp(s)://` URL. */
  readonly transport: string
  /** SMTP pool size. */
  readonly maxConnections: number
  readonly rate?: { readonly messages: number; readonly perSeconds: number }
  readonly dkim?: { readonly domainName: string; readonly keySelector: string; readonly privateKey: string }
  readonly unsubscribe: UnsubscribeConfig
  /** Pause a run once this share (0–1) of attempts failed (optional). */
  readonly failureThreshold?: number
  readonly translations: 'lenient' | 'strict'
}

/** Everything the distribution commands need from the office. */
export interface DistributeContext {
  /** The private state folder (`.press`): queue.db and the outbox live here. */
  readonly statePath: string
  readonly mail: MailConfig
  /** Looks a release up by slug. */
  readonly releases: ReleaseLookup
  /** The validated press list, or a function that loads it. */
  readonly recipients: Iterable<Recipient> | (() => Iterable<Recipient> | Promise<Iterable<Recipient>>)
  /** The suppression file (read before planning and sending; hard bounces are added). */
  readonly suppressionsPath: string
  /** Renders the email of a release (templates + PDF). */
  readonly content: ContentFor
  /** The clock (`--now` / `PRESS_NOW`, or the real time), epoch ms. */
  readonly now: () => number
  /** The office's languages (default: the languages of the release being planned). */
  readonly locales?: readonly string[]
  /** Every release, so `worker` knows lifts of releases without queued mail (optional). */
  readonly listReleases?: () => readonly Release[] | Promise<readonly Release[]>
  /** Retry backoff (optional). */
  readonly retry?: RetryOptions
  /** SMTP timeouts in ms (optional). */
  readonly smtpTimeouts?: { readonly socket?: number; readonly connection?: number }
  /** A transport to use instead of `mail.transport` (tests); not closed by the commands. */
  readonly mailer?: Mailer
  /** A ledger to use instead of `<statePath>/queue.db` (e.g. Redis); not closed by the commands. */
  readonly ledger?: Ledger
  /** The office folder: release paths are relative to it (needed by the commands that edit release files). */
  readonly root?: string
  /** The office's deliveries folder (`deliveries/`): the record of who got what (optional; tests). */
  readonly deliveriesPath?: string
  /**
   * Read the office again (releases, press list) when its files changed;
   * resolves true when something changed. The worker calls it every round,
   * and the commands that edit release files call it after editing (optional).
   */
  readonly refresh?: () => Promise<boolean>
  /**
   * A cheap stamp of the press list and suppression files (sizes, times):
   * while it and the release are as they were at the last re-plan, a
   * dispatch neither reads the press list nor checks rows against it (they
   * were planned from this very list). Optional: without it, every dispatch
   * reads the list.
   */
  readonly inputsStamp?: () => string
}

/** Options shared by the commands that send. */
export interface SendOptions {
  /** Wait for a running dispatch instead of failing with LockedError (exit 75). */
  readonly wait?: boolean
  /** With `wait`: called once when another run has the queue and this one starts waiting. */
  readonly onWait?: LockOptions['onWait']
  readonly signal?: AbortSignal
  readonly onProgress?: (event: ProgressEvent) => void
  /** `send`: called with the plan before anything is sent, so progress can show real totals (optional). */
  readonly onPlanned?: (plan: Plan) => void
}

/** What `press send` did. */
export interface SendResult {
  readonly plan: Plan
  readonly enqueued: EnqueueResult
  readonly run: RunReport
}

/** What `press schedule` did. */
export interface ScheduleResult {
  readonly plan: Plan
  readonly enqueued: EnqueueResult
}

/** The dry-run table: the plan and the transport that would be used. */
export interface DryRunResult {
  readonly plan: Plan
  /** e.g. `outbox` or `smtps://user:****@host:465`. */
  readonly transport: string
}

/** One copy sent by `press send --test`. */
export interface TestSend {
  readonly lng: string
  readonly subjectVariant: { readonly embargoed: boolean; readonly test: true }
  readonly messageId: string
  readonly receipt: Receipt
}

/** What `press status` shows. */
export interface StatusResult extends LedgerStats {
  /** Failed rows (up to 100), with the server's text. */
  readonly failures: readonly LedgerRow[]
  /** Rows waiting for a retry or resent after a crash (up to 100). */
  readonly retrying: readonly LedgerRow[]
}

/** Options of `worker`. */
export interface WorkerOptions extends SendOptions {
  /** Stops the worker (after the current message). */
  readonly signal: AbortSignal
  /** Called at each embargo lift crossed while running, before that lift's mail goes out (e.g. rebuild the public site). */
  readonly onLift?: (slug: string, lift: number) => void | Promise<void>
  /** Called once before the first round: publish what is due now (a worker started after a lift). */
  readonly onStart?: () => void | Promise<void>
  /** Called when `ctx.refresh` found the office changed (e.g. rebuild the public site). */
  readonly onChange?: () => void | Promise<void>
  /** Subscribe to file changes: `wake` ends the current sleep early; returns an unsubscribe function (optional). */
  readonly watch?: (wake: () => void) => () => void
  /** Called after each dispatch round (awaited: e.g. the inbox is read here). */
  readonly onRun?: (report: RunReport) => void | Promise<void>
  /** Longest sleep between rounds, ms (default 60,000). */
  readonly maxSleepMs?: number
  /** Called once per lift, `prepareAheadMs` before it (or at once when it is closer), in the background: e.g. build the public site ahead for onLift to swap in (optional). */
  readonly prepareLift?: (slug: string, lift: number) => Promise<unknown>
  /** How long before a lift prepareLift is called, ms (default 60,000). */
  readonly prepareAheadMs?: number
}

/** What `worker` did before it stopped. */
export interface WorkerReport {
  readonly rounds: number
  readonly sent: number
  readonly failed: number
  readonly lifts: ReadonlyArray<{ readonly slug: string; readonly lift: number }>
}

async function findRelease(ctx: DistributeContext, slug: string): Promise<Release> {
  const release = await ctx.releases(slug)
  if (release === undefined)
    throw new ReleaseNotFoundError(
      slug,
      ((await ctx.listReleases?.()) ?? []).map((r) => r.slug),
    )
  return release
}

async function loadRecipients(ctx: DistributeContext): Promise<Iterable<Recipient>> {
  return typeof ctx.recipients === 'function' ? await ctx.recipients() : ctx.recipients
}

async function makePlan(ctx: DistributeContext, release: Release, at?: number): Promise<Plan> {
  const suppressed = await loadSuppressions(ctx.suppressionsPath)
  return planSends(release, await loadRecipients(ctx), {
    now: ctx.now(),
    ...(at === undefined ? {} : { at }),
    suppressed,
    locales: ctx.locales ?? Object.keys(release.texts),
    translations: ctx.mail.translations,
  })
}

/** Open the context's ledger (or the SQLite queue in the state folder; `readOnly` for status). */
export function openContextLedger(
  ctx: DistributeContext,
  options: { readOnly?: boolean } = {},
): { ledger: Ledger; close: () => Promise<void> } {
  if (ctx.ledger) return { ledger: ctx.ledger, close: async () => {} }
  const ledger = openSqliteLedger(join(ctx.statePath, 'queue.db'), options)
  return { ledger, close: () => ledger.close() }
}

/** Open the context's mailer. */
export function openMailer(ctx: DistributeContext): { mailer: Mailer; close: () => Promise<void> } {
  if (ctx.mailer) return { mailer: ctx.mailer, close: async () => {} }
  const mailer = createMailer(ctx.mail.transport, {
    statePath: ctx.statePath,
    maxConnections: ctx.mail.maxConnections,
    ...(ctx.mail.rate ? { rate: ctx.mail.rate } : {}),
    ...(ctx.mail.dkim ? { dkim: ctx.mail.dkim } : {}),
    ...(ctx.smtpTimeouts?.socket === undefined ? {} : { socketTimeout: ctx.smtpTimeouts.socket }),
    ...(ctx.smtpTimeouts?.connection === undefined ? {} : { connectionTimeout: ctx.smtpTimeouts.connection }),
  })
  return { mailer, close: () => mailer.close() }
}

function checkPlan(release: Release, plan: Plan): void {
  if (release.status === 'draft') throw new DraftReleaseError(release.slug)
  if (plan.errors.length > 0) throw new StrictTranslationError(release.slug, plan.errors)
}

/**
 * Reconcile one release's queue with the office now (see reconcile.ts).
 *
 * @param ctx Office context.
 * @param ledger The open ledger.
 * @param release The release as its files say now.
 * @param record Its plan record.
 * @param force Re-plan even when nothing changed.
 * @returns What changed.
 */
export async function reconcileWith(
  ctx: DistributeContext,
  ledger: PlanStore,
  release: Release,
  record: PlanRecord,
  force = false,
): Promise<ReconcileResult> {
  const recipients = [...(await loadRecipients(ctx))]
  return reconcileRelease({
    ledger,
    release,
    record,
    recipients,
    suppressed: await loadSuppressions(ctx.suppressionsPath),
    locales: ctx.locales ?? Object.keys(release.texts),
    translations: ctx.mail.translations,
    deliveriesPath: ctx.deliveriesPath,
    domain: parseFrom(ctx.mail.from).domain,
    now: ctx.now(),
    force,
  })
}

/** What a plan was last re-made from, cheaply: the release and the stamp of the list files. */
function inputsKey(ctx: DistributeContext, release: Release, record: PlanRecord): string | undefined {
  const stamp = ctx.inputsStamp?.()
  if (stamp === undefined) return undefined
  return hashOf(
    release.inputHash,
    release.status,
    String(release.embargo?.lift ?? ''),
    stamp,
    (ctx.locales ?? []).join(','),
    ctx.mail.translations,
    String(record.at ?? ''),
    String(record.withdrawnAt ?? ''),
  )
}

/**
 * Reconcile every planned release whose inputs changed since the last time.
 *
 * @returns What each re-plan did, and whether the rows may differ from the
 *   press list as it is now (false only when every plan was made from the
 *   list files as they are: then the list need not be read at all).
 */
async function reconcileAll(
  ctx: DistributeContext,
  ledger: PlanStore,
  slug?: string,
): Promise<{ results: ReconcileResult[]; listNeeded: boolean }> {
  const results: ReconcileResult[] = []
  let listNeeded = ctx.inputsStamp === undefined
  for (const { slug: s, plan } of await ledger.plans()) {
    if (slug !== undefined && s !== slug) continue
    const release = await ctx.releases(s)
    // A release that is gone: its rows are cancelled at hand-over.
    if (release === undefined) continue
    const key = inputsKey(ctx, release, plan)
    if (key !== undefined && plan.inputs === key) continue
    const result = await reconcileWith(ctx, ledger, release, plan)
    results.push(result)
    if (key !== undefined) await ledger.setPlan(s, { ...((await ledger.plan(s)) ?? plan), inputs: key })
    listNeeded = true
  }
  return { results, listNeeded }
}

/** Plan (or re-plan) a release into the queue, as `press send` and `press schedule` do. */
async function planInto(
  ctx: DistributeContext,
  ledger: PlanStore,
  release: Release,
  at: number | undefined,
): Promise<{ result: ReconcileResult; enqueued: EnqueueResult }> {
  const previous = await ledger.plan(release.slug)
  const record: PlanRecord = { plannedAt: previous?.plannedAt ?? ctx.now(), ...(at === undefined ? {} : { at }) }
  const result = await reconcileWith(ctx, ledger, release, record, true)
  const key = inputsKey(ctx, release, record)
  if (key !== undefined) await ledger.setPlan(release.slug, { ...((await ledger.plan(release.slug)) ?? record), inputs: key })
  return { result, enqueued: result.enqueued ?? { added: 0, updated: 0, kept: 0, cancelled: 0 } }
}

/** What the delivery record says, read once per release per run. */
function recordLookup(ctx: DistributeContext): (slug: string, email: string) => Holding | undefined {
  const cache = new Map<string, Map<string, Holding>>()
  return (slug, email) => {
    if (ctx.deliveriesPath === undefined) return undefined
    let map = cache.get(slug)
    if (map === undefined) {
      map = holdings(loadDeliveries(ctx.deliveriesPath, slug))
      cache.set(slug, map)
    }
    return map.get(email)
  }
}

/** Dispatch under the lock with an open ledger and mailer, checking every message against the office now. */
export async function dispatchWith(
  ctx: DistributeContext,
  ledger: PlanStore & SendQueue & SendRights,
  mailer: Mailer,
  options: SendOptions & { slug?: string },
): Promise<RunReport> {
  const { listNeeded } = await reconcileAll(ctx, ledger, options.slug)
  const lock = await ledger.session({
    now: ctx.now(),
    ...(options.wait ? { wait: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onWait ? { onWait: options.onWait } : {}),
  })
  const writer = ctx.deliveriesPath === undefined ? undefined : createDeliveryWriter(ctx.deliveriesPath)
  let failed = false
  try {
    const suppressed = await loadSuppressions(ctx.suppressionsPath)
    // Rows planned from the list files as they are now need no second look at the list.
    const list = listNeeded ? new Map<string, Recipient>() : undefined
    if (list) for (const r of await loadRecipients(ctx)) if (!list.has(normalizeEmail(r.email))) list.set(normalizeEmail(r.email), r)
    return await runDue({
      ledger,
      lock,
      mailer,
      content: ctx.content,
      compose: { from: ctx.mail.from, unsubscribe: ctx.mail.unsubscribe },
      releases: ctx.releases,
      now: ctx.now,
      suppressed,
      ...(list ? { recipient: (email: string) => list.get(email) } : {}),
      holding: recordLookup(ctx),
      ...(writer ? { onDelivered: (delivery, slug) => writer.write(delivery, slug) } : {}),
      ...(ctx.locales ? { locales: ctx.locales } : {}),
      translations: ctx.mail.translations,
      onHardBounce: (email, reason, at) => addSuppression(ctx.suppressionsPath, email, reason, new Date(at)),
      ...(options.slug === undefined ? {} : { slug: options.slug }),
      ...(ctx.retry ? { retry: ctx.retry } : {}),
      ...(ctx.mail.failureThreshold === undefined ? {} : { failureThreshold: ctx.mail.failureThreshold }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })
  } catch (error) {
    failed = true
    throw error
  } finally {
    writer?.close()
    // When the run failed because the queue cannot be written, releasing the lock may fail
    // too; the first error is the one to report (a dead holder's lock is taken over).
    await lock.release().catch((error: unknown) => {
      if (!failed) throw error
    })
  }
}

/**
 * `press send <slug> --dry-run`: the plan only. Reads the press list and the
 * suppression file; opens no connection and no queue.
 *
 * @param ctx
 *   Office context.
 * @param slug
 *   Release.
 * @param options
 *   `at`: plan as `press schedule --at` would (optional).
 * @returns
 *   The plan (who, language, when, why, fallback/stale flags, skipped, counts) and the transport.
 * @throws {ReleaseNotFoundError}
 */
export async function dryRun(ctx: DistributeContext, slug: string, options: { at?: number } = {}): Promise<DryRunResult> {
  const release = await findRelease(ctx, slug)
  const plan = await makePlan(ctx, release, options.at)
  const transport = ctx.mailer?.description ?? redactUrl(ctx.mail.transport)
  return { plan, transport }
}

/**
 * `press send <slug>`: plan the distribution into the queue, then send what
 * is due now (vetted recipients under embargo, or everyone without one).
 * Re-running it never sends a message twice.
 *
 * @param ctx
 *   Office context.
 * @param slug
 *   Release.
 * @param options
 *   Lock waiting, abort signal, progress callback (optional).
 * @returns
 *   The plan, what the queue did with it, and the run report.
 * @throws {ReleaseNotFoundError | DraftReleaseError | StrictTranslationError | LockedError}
 */
export async function planAndSend(ctx: DistributeContext, slug: string, options: SendOptions = {}): Promise<SendResult> {
  const release = await findRelease(ctx, slug)
  const plan = await makePlan(ctx, release)
  checkPlan(release, plan)
  options.onPlanned?.(plan)
  const { ledger, close } = openContextLedger(ctx)
  try {
    const { enqueued } = await planInto(ctx, ledger, release, undefined)
    const { mailer, close: closeMailer } = openMailer(ctx)
    try {
      const run = await dispatchWith(ctx, ledger, mailer, { ...options, slug })
      return { plan, enqueued, run }
    } finally {
      await closeMailer()
    }
  } finally {
    await close()
  }
}

/**
 * `press schedule <slug> --at <instant>`: plan the distribution for later.
 * Unvetted recipients are never planned before the lift, whatever `at` says.
 *
 * @param ctx
 *   Office context.
 * @param slug
 *   Release.
 * @param at
 *   Send no earlier than this, epoch ms.
 * @returns
 *   The plan and what the queue did with it.
 * @throws {ReleaseNotFoundError | DraftReleaseError | StrictTranslationError}
 */
export async function schedule(ctx: DistributeContext, slug: string, at: number): Promise<ScheduleResult> {
  const release = await findRelease(ctx, slug)
  const plan = await makePlan(ctx, release, at)
  checkPlan(release, plan)
  const { ledger, close } = openContextLedger(ctx)
  try {
    return { plan, enqueued: (await planInto(ctx, ledger, release, at)).enqueued }
  } finally {
    await close()
  }
}

/**
 * `press dispatch`: send everything due and return (for cron).
 *
 * @param ctx
 *   Office context.
 * @param options
 *   Lock waiting, abort signal, progress callback (optional).
 * @returns
 *   The run report.
 * @throws {LockedError}
 *   When another dispatch holds the queue and `wait` is not set (exit 75).
 */
export async function dispatch(ctx: DistributeContext, options: SendOptions = {}): Promise<RunReport> {
  const { ledger, close } = openContextLedger(ctx)
  try {
    const { mailer, close: closeMailer } = openMailer(ctx)
    try {
      return await dispatchWith(ctx, ledger, mailer, options)
    } finally {
      await closeMailer()
    }
  } finally {
    await close()
  }
}

/**
 * `press send <slug> --test <address>`: one copy per language to one
 * address, subject marked TEST (content variant `test: true`). The queue is
 * not touched; each copy gets its own Message-ID.
 *
 * @param ctx
 *   Office context.
 * @param slug
 *   Release.
 * @param address
 *   Where to send the copies.
 * @returns
 *   One entry per language.
 * @throws {ReleaseNotFoundError | ComposeError | SendError}
 */
export async function sendTest(ctx: DistributeContext, slug: string, address: string): Promise<TestSend[]> {
  const release = await findRelease(ctx, slug)
  const to = checkAddress(address, '--test')
  const { domain } = parseFrom(ctx.mail.from)
  const { mailer, close } = openMailer(ctx)
  const sent: TestSend[] = []
  try {
    const languages = Object.keys(release.texts).filter(
      (lng) => ctx.locales === undefined || ctx.locales.includes(lng) || lng === release.source,
    )
    for (const lng of languages) {
      const now = ctx.now()
      const variant = { embargoed: isUnderEmbargo(release, now), test: true } as const
      const content = await ctx.content(slug, lng, variant)
      const replyTo = release.contacts.find((c) => c.email)?.email
      const base = await composeBase(slug, lng, variant, content, replyTo, { from: ctx.mail.from, unsubscribe: ctx.mail.unsubscribe })
      const messageId = messageIdFor(`${slug}\0test\0${lng}\0${now}`, normalizeEmail(to), domain)
      const message = {
        ...composeMessage(base, { key: `${slug}/test/${lng}`, email: to, name: '', messageId }, now),
        label: `test-${lng}-`,
      }
      sent.push({ lng, subjectVariant: variant, messageId, receipt: await mailer.send(message) })
    }
    return sent
  } finally {
    await close()
  }
}

/**
 * `press status [<slug>]`: counts per state, next due, failures and retries.
 * Creates nothing when no queue exists yet.
 *
 * @param ctx
 *   Office context.
 * @param slug
 *   One release (optional).
 * @returns
 *   Counts, per-release counts, next due, failed and retrying rows.
 */
export async function status(ctx: DistributeContext, slug?: string): Promise<StatusResult> {
  if (!ctx.ledger && !existsSync(join(ctx.statePath, 'queue.db'))) {
    return { counts: emptyCounts(), bySlug: {}, nextDue: undefined, failures: [], retrying: [] }
  }
  // Read-only: status works on a queue file this user may not write.
  const { ledger, close } = openContextLedger(ctx, { readOnly: true })
  try {
    const filter = slug === undefined ? {} : { slug }
    const stats = await ledger.stats(slug)
    const failures = await ledger.rows({ ...filter, states: ['failed'], limit: 100 })
    const retrying = await ledger.rows({ ...filter, states: ['deferred', 'unknown'], limit: 100 })
    return { ...stats, failures, retrying }
  } finally {
    await close()
  }
}

/**
 * `press worker`: dispatch what is due, sleep until the next due message or
 * embargo lift, repeat until `signal` aborts. At each lift crossed while
 * running, `onLift` runs first (so the CLI rebuilds the public site), then
 * that release's general mail goes out. The queue lock is taken per round,
 * so a cron `press dispatch` can share the queue.
 *
 * @param ctx
 *   Office context.
 * @param options
 *   Signal, lift callback, round callback, longest sleep.
 * @returns
 *   Totals once stopped.
 */
export async function worker(ctx: DistributeContext, options: WorkerOptions): Promise<WorkerReport> {
  const { signal } = options
  const maxSleep = options.maxSleepMs ?? 60_000
  const { ledger, close } = openContextLedger(ctx)
  const { mailer, close: closeMailer } = openMailer(ctx)
  const fired = new Set<string>()
  const lifts: Array<{ slug: string; lift: number }> = []
  let rounds = 0
  let sent = 0
  let failed = 0
  let lastCheck = ctx.now()
  // prepareLift: lifts prepared (slug@lift), and the preparations still running.
  const prepareAhead = options.prepareAheadMs ?? 60_000
  const prepared = new Set<string>()
  const preparing: Array<Promise<unknown>> = []

  // Lifts come from the office as it is now (a moved embargo moves them);
  // the queue's rows are asked only when the releases cannot be listed.
  const upcomingLifts = async (after: number): Promise<Array<{ slug: string; lift: number }>> => {
    const found = new Map<string, number>()
    if (!ctx.listReleases) for (const l of await ledger.lifts(after)) found.set(`${l.slug}@${l.lift}`, l.lift)
    if (ctx.listReleases) {
      for (const r of await ctx.listReleases()) {
        if (r.embargo !== undefined && r.embargo.lift > after && r.status === 'ready')
          found.set(`${r.slug}@${r.embargo.lift}`, r.embargo.lift)
      }
    }
    return [...found].map(([k, lift]) => ({ slug: k.slice(0, k.lastIndexOf('@')), lift })).sort((a, b) => a.lift - b.lift)
  }

  const wakeUp: WakeUp = { wake: undefined }
  let dirty = false
  const unwatch = options.watch?.(() => {
    dirty = true
    wakeUp.wake?.()
  })
  try {
    await options.onStart?.()
    while (!signal.aborted) {
      // The office is the truth: read it again when its files changed.
      if (ctx.refresh !== undefined && (dirty || options.watch === undefined)) {
        dirty = false
        if (await ctx.refresh()) await options.onChange?.()
      }
      const t = ctx.now()
      for (const l of await upcomingLifts(lastCheck)) {
        const id = `${l.slug}@${l.lift}`
        if (l.lift > t || fired.has(id)) continue
        fired.add(id)
        lifts.push(l)
        await options.onLift?.(l.slug, l.lift)
      }
      lastCheck = t
      if (signal.aborted) break
      // Lifts coming within prepareAhead: prepared once each, without holding up sending.
      for (const l of options.prepareLift ? await upcomingLifts(t) : []) {
        if (l.lift - t > prepareAhead || prepared.has(`${l.slug}@${l.lift}`)) continue
        prepared.add(`${l.slug}@${l.lift}`)
        preparing.push(options.prepareLift!(l.slug, l.lift).catch(() => undefined))
      }
      // This round's clock stops just short of the next lift not yet handled,
      // so mail due at that lift waits for the next round, after onLift (the
      // site rebuild) has run. A slow round can no longer cross a lift.
      const cap = (await upcomingLifts(t))[0]?.lift
      const roundCtx: DistributeContext = cap === undefined ? ctx : { ...ctx, now: () => Math.min(ctx.now(), cap - 1) }
      let report: RunReport
      try {
        report = await dispatchWith(roundCtx, ledger, mailer, {
          wait: true,
          signal,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        })
      } catch (error) {
        // Stopped while queued behind another run's lock: not an error.
        if (signal.aborted && error instanceof LockedError) break
        throw error
      }
      rounds++
      sent += report.sent
      failed += report.failed
      await options.onRun?.(report)
      const now = ctx.now()
      const nextLift = (await upcomingLifts(now))[0]?.lift
      // Wake up in time to prepare the next lift not prepared yet.
      const toPrepare = options.prepareLift ? (await upcomingLifts(now)).find((l) => !prepared.has(`${l.slug}@${l.lift}`)) : undefined
      const candidates = [report.nextDue, nextLift, toPrepare && Math.max(now + 1, toPrepare.lift - prepareAhead)].filter(
        (x): x is number => x !== undefined,
      )
      const next = candidates.length === 0 ? now + maxSleep : Math.min(...candidates)
      // A row still due now (a draft, a paused run) would spin; wait a little.
      const wait = next <= now ? Math.min(5_000, maxSleep) : Math.min(next - now, maxSleep)
      if (!dirty) await sleep(wait, signal, wakeUp)
    }
  } finally {
    unwatch?.()
    await Promise.all(preparing)
    await closeMailer()
    await close()
  }
  return { rounds, sent, failed, lifts }
}
