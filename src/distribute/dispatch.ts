/**
 * Send every due message of the ledger. Each message goes through the same
 * steps: ask the embargo policy at this instant, compose (the body is built
 * once per release, language and variant), claim the row (`sending`, a
 * committed write), hand it to the transport, record the outcome. A crash
 * between claim and record leaves the row `sending`, which the next run's
 * lock turns into `unknown` and resends with the same Message-ID.
 */
import PQueue from 'p-queue'
import { PressError } from '../errors.js'
import { sleep } from '../sleep.js'
import type { Lng, Recipient, Release } from '../types.js'
import {
  composeBase,
  composeMessage,
  ComposeError,
  variantKey,
  type ComposeOptions,
  type ContentFor,
  type ContentVariant,
  type MessageBase,
} from './compose.js'
import { decide, type HandOver } from './decide.js'
import type { Delivery, Holding } from './deliveries.js'
import { classifySendError, type Mailer } from './mailer.js'
import type { LedgerLock, LedgerRow, SendQueue } from './queue/ledger.js'

/** Backoff for temporary failures. */
export interface RetryOptions {
  /** First retry delay, ms (default 2,000). */
  readonly baseMs?: number
  /** Growth per attempt (default 2). */
  readonly factor?: number
  /** Longest delay, ms (default 1 hour). */
  readonly maxMs?: number
  /** Attempts before a temporary failure becomes permanent (default 8). */
  readonly maxAttempts?: number
  /** Retry within this run when the wait is at most this, ms (default 30,000); longer waits are left for a later run. */
  readonly inRunMaxWaitMs?: number
  /** Waits between tries of a queue write after the server accepted a message, ms (default 50 ms … 5 s, five tries). */
  readonly ledgerRetryMs?: readonly number[]
}

/** Looks a release up by slug; undefined when it no longer exists. */
export type ReleaseLookup = (slug: string) => Release | undefined | Promise<Release | undefined>

/** Something that happened to one message during a run. */
export interface ProgressEvent {
  readonly type: 'claim' | 'sent' | 'deferred' | 'failed' | 'held' | 'cancelled'
  readonly key: string
  readonly slug: string
  readonly email: string
  /** Attempt number (claims so far, this one included). */
  readonly attempt?: number
  /** Failure text (never a password). */
  readonly error?: string
  /** For `held` and `deferred`: when the row is next due, epoch ms. */
  readonly until?: number
}

/** What `runDue` needs. */
export interface RunDueDeps {
  readonly ledger: SendQueue
  /** The lock or session this run holds (from `ledger.session` or `ledger.lock`). */
  readonly lock: LedgerLock
  readonly mailer: Mailer
  readonly content: ContentFor
  readonly compose: ComposeOptions
  readonly releases: ReleaseLookup
  /** The clock, asked again right before every send. */
  readonly now: () => number
  /** Only this release (optional). */
  readonly slug?: string
  /** Normalised suppressed addresses: such rows are cancelled, not sent (optional). */
  readonly suppressed?: ReadonlySet<string>
  /** The press list now, by normalised address (optional; without it the list is not checked). */
  readonly recipient?: (normalizedEmail: string) => Recipient | undefined
  /** What the delivery record says an address holds of a release (optional). */
  readonly holding?: (slug: string, normalizedEmail: string) => Holding | undefined
  /** Called once the server accepted a message, before its row is marked sent (write the delivery record). */
  readonly onDelivered?: (delivery: Delivery, slug: string) => void
  /** The office's languages (default: the release's). */
  readonly locales?: readonly string[]
  /** `strict`: a missing or stale translation holds the message (default lenient). */
  readonly translations?: 'lenient' | 'strict'
  /** Called for a hard bounce (5xx on RCPT), e.g. to add a suppression (optional). */
  readonly onHardBounce?: (email: string, reason: string, at: number) => Promise<void>
  readonly retry?: RetryOptions
  /** Pause the run once this share (0–1) of at least 10 attempts failed (optional). */
  readonly failureThreshold?: number
  /**
   * Sends in flight at once (default four times the mailer's pool size, so no
   * connection idles while the next message's claim waits for its group
   * commit; bench/notes/mail.md has the measurements).
   */
  readonly concurrency?: number
  readonly onProgress?: (event: ProgressEvent) => void
  /** Stop taking new messages when aborted; in-flight ones finish. */
  readonly signal?: AbortSignal
}

/** One failed or deferred message, for the report. */
export interface RunFailure {
  readonly key: string
  readonly email: string
  readonly kind: 'temporary' | 'permanent'
  readonly error: string
  readonly responseCode?: number
  /** Still deferred at the end of the run (will be retried later). */
  readonly deferred: boolean
}

/** What a run did. */
export interface RunReport {
  /** SMTP hand-overs (claims), retries included. */
  readonly attempted: number
  readonly sent: number
  /** Permanently failed this run. */
  readonly failed: number
  /** Left deferred for a later run. */
  readonly deferred: number
  /** Retries done within the run. */
  readonly retried: number
  /** Not sent yet: embargo (unvetted before the lift) or the release is a draft again. */
  readonly held: number
  /** Cancelled: suppressed, removed from the list, superseded, or the release is gone. */
  readonly cancelled: number
  /** Found in the delivery record as already accepted (after a crash or a lost queue) and recorded sent without sending. */
  readonly recorded: number
  /** Rows a crashed run left in flight, resent as `unknown` (from the lock). */
  readonly recovered: number
  /** Addresses added to the suppression file (hard bounces). */
  readonly suppressed: readonly string[]
  /** Set when the failure threshold paused the run. */
  readonly paused?: { readonly reason: string }
  /** True when the signal stopped the run early. */
  readonly aborted: boolean
  readonly failures: readonly RunFailure[]
  /** Problems that did not stop the run (e.g. the suppression file could not be written). */
  readonly warnings: readonly string[]
  /** Earliest due time of what is left, epoch ms. */
  readonly nextDue: number | undefined
}

/** Another run took the lock over while this one was sending. */
export class LockLostError extends PressError {
  override readonly code = 'PRESS_LOCK_LOST'
  override readonly exitCode = 75
  constructor() {
    super(
      'This run lost the queue lock (it stalled longer than the stale-lock limit and another run took over); it stopped sending. Nothing was sent twice; run `press status` to check.',
    )
  }
}

const retryDefaults = {
  baseMs: 2_000,
  factor: 2,
  maxMs: 3_600_000,
  maxAttempts: 8,
  inRunMaxWaitMs: 30_000,
  ledgerRetryMs: [50, 200, 1_000, 3_000, 5_000] as readonly number[],
}

/** The server accepted a message but the queue could not record it. */
export class LedgerWriteError extends PressError {
  override readonly code = 'PRESS_QUEUE_WRITE'
  constructor(row: Pick<LedgerRow, 'email' | 'slug'>, cause: unknown) {
    super(
      `The mail server accepted the message to ${row.email} (${row.slug}), but the queue could not record it (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'The run stopped; the delivery record has it, so the next `press dispatch` records it as sent without sending it again.',
      { cause },
    )
  }
}

/**
 * The delay before retry number `attempt` (1 = after the first failure).
 *
 * @param attempt
 *   Attempts made so far.
 * @param retry
 *   Backoff options (optional).
 * @returns
 *   Milliseconds.
 */
export function backoffDelay(attempt: number, retry: RetryOptions = {}): number {
  const { baseMs, factor, maxMs } = { ...retryDefaults, ...retry }
  return Math.min(maxMs, Math.round(baseMs * factor ** Math.max(0, attempt - 1)))
}

/** What a run counts as it goes. */
interface Tally {
  /** SMTP hand-overs (claims). */
  readonly attempted: number
  readonly sent: number
  readonly failed: number
  readonly retried: number
  readonly held: number
  readonly cancelled: number
  readonly recorded: number
  /** Hand-overs that failed, temporary or not (for the failure threshold). */
  readonly failedAttempts: number
}

const noTally: Tally = { attempted: 0, sent: 0, failed: 0, retried: 0, held: 0, cancelled: 0, recorded: 0, failedAttempts: 0 }

/** What happened to one row, as the tally counts it. */
type Counted = 'claimed' | 'retry-claimed' | 'sent' | 'recorded' | 'held' | 'cancelled' | 'failed' | 'failed-attempt'

/** The counts each event adds one to. */
const countedIn: Readonly<Record<Counted, ReadonlyArray<keyof Tally>>> = {
  claimed: ['attempted'],
  'retry-claimed': ['attempted', 'retried'],
  sent: ['sent'],
  recorded: ['recorded'],
  held: ['held'],
  cancelled: ['cancelled'],
  failed: ['failed'],
  'failed-attempt': ['failedAttempts'],
}

/**
 * The tally after one more event (pure).
 *
 * @param tally The counts so far.
 * @param event What happened.
 * @returns The new counts.
 */
function count(tally: Tally, event: Counted): Tally {
  const next = { ...tally }
  for (const name of countedIn[event]) next[name] = tally[name] + 1
  return next
}

/** One run: its dependencies, caches, queue and what it has found so far. */
interface Run {
  readonly deps: RunDueDeps
  readonly retry: typeof retryDefaults
  readonly concurrency: number
  readonly queue: PQueue
  readonly releases: Map<string, Promise<Release | undefined>>
  readonly bases: Map<string, Promise<MessageBase>>
  /** Failed or deferred rows by key (a later success removes one). */
  readonly failures: Map<string, RunFailure>
  readonly suppressedNow: string[]
  readonly warnings: string[]
  readonly retryTimers: Set<NodeJS.Timeout>
  tally: Tally
  pendingRetries: number
  finished: boolean
  paused: { reason: string } | undefined
  /** The first error that stops the run (rethrown at the end). */
  fatal: unknown
  lockLost: boolean
}

/** The send decided on for a row, and the message body it goes with. */
interface Prepared {
  readonly base: MessageBase
  readonly chosen: Extract<HandOver, { action: 'send' }>
}

function tally(run: Run, event: Counted): void {
  run.tally = count(run.tally, event)
}

function stopped(run: Run): boolean {
  return run.finished || run.paused !== undefined || run.fatal !== undefined || run.lockLost || run.deps.signal?.aborted === true
}

function emit(run: Run, event: ProgressEvent): void {
  run.deps.onProgress?.(event)
}

/** The release of a slug, looked up once per run. */
function releaseOf(run: Run, slug: string): Promise<Release | undefined> {
  let found = run.releases.get(slug)
  if (found === undefined) {
    found = Promise.resolve(run.deps.releases(slug))
    run.releases.set(slug, found)
  }
  return found
}

/** The message body of a release, language and variant, composed once per run. */
function baseOf(run: Run, rel: Release, lng: Lng, variant: ContentVariant): Promise<MessageBase> {
  const key = `${rel.slug}\0${lng}\0${variantKey(variant)}`
  let found = run.bases.get(key)
  if (found === undefined) {
    const replyTo = rel.contacts.find((c) => c.email)?.email
    found = run.deps
      .content(rel.slug, lng, variant)
      .then((content) => composeBase(rel.slug, lng, variant, content, replyTo, run.deps.compose))
    run.bases.set(key, found)
  }
  return found
}

/** Pause the run once the failure threshold is reached (after at least 10 attempts). */
function checkThreshold(run: Run): void {
  const threshold = run.deps.failureThreshold
  const { attempted, failedAttempts } = run.tally
  if (threshold === undefined || run.paused !== undefined || attempted < 10) return
  if (failedAttempts / attempted >= threshold) {
    run.paused = {
      reason: `${failedAttempts} of ${attempted} attempts failed (threshold ${Math.round(threshold * 100)}%); the run was paused. Check the failures, then run \`press dispatch\` again.`,
    }
  }
}

/** The row's decision at `at`, against the office as it is now. */
function decideNow(run: Run, row: LedgerRow, rel: Release | undefined, at: number): HandOver {
  const { deps } = run
  return decide(
    row,
    {
      release: () => rel,
      recipient: deps.recipient,
      suppressed: (email) => deps.suppressed?.has(email) ?? false,
      holding: deps.holding,
      locales: deps.locales ?? (rel ? Object.keys(rel.texts) : []),
      translations: deps.translations ?? 'lenient',
    },
    at,
  )
}

/** `markSent`, retried while the queue is briefly unwritable (locked, reconnecting). */
async function markSentDurably(run: Run, row: LedgerRow, response: string, version: string): Promise<void> {
  const delays = run.retry.ledgerRetryMs
  for (let i = 0; ; i++) {
    try {
      await run.deps.ledger.markSent(row.key, { response, version }, run.deps.now())
      return
    } catch (error) {
      if (i >= delays.length) throw new LedgerWriteError(row, error)
      await sleep(delays[i]!)
    }
  }
}

/** Claim the row; a refused claim of a lock that is gone stops the run. */
async function claimRow(run: Run, row: LedgerRow): Promise<boolean> {
  const { ledger, lock, now } = run.deps
  if (await ledger.claim(row.key, lock, now())) return true
  if (lock.lost) run.lockLost = true
  return false
}

/**
 * Decide, compose (may await a render), then decide again with a fresh
 * clock: the answer that counts is the one right before the send. A row
 * cancelled, held or settled from the delivery record is dealt with here.
 *
 * @returns What to send, or undefined when there is nothing to send.
 */
async function prepare(run: Run, row: LedgerRow, rel: Release | undefined): Promise<Prepared | undefined> {
  const { ledger, now } = run.deps
  let messageBase: MessageBase | undefined
  let chosen: Extract<HandOver, { action: 'send' }> | undefined
  for (let round = 0; round < 3; round++) {
    const decision = decideNow(run, row, rel, now())
    if (decision.action === 'cancel') {
      await ledger.cancel(row.key, decision.reason, now())
      tally(run, 'cancelled')
      emit(run, { type: 'cancelled', key: row.key, slug: row.slug, email: row.email, error: decision.reason })
      return undefined
    }
    if (decision.action === 'hold') {
      if (decision.until !== undefined) await ledger.hold(row.key, decision.until, now())
      tally(run, 'held')
      emit(run, {
        type: 'held',
        key: row.key,
        slug: row.slug,
        email: row.email,
        error: decision.reason,
        ...(decision.until === undefined ? {} : { until: decision.until }),
      })
      return undefined
    }
    if (decision.action === 'recorded') {
      // The delivery record shows the server took this very message (a crash
      // or a failed queue write after the 250): record it, send nothing.
      if (!(await claimRow(run, row))) return undefined
      await markSentDurably(run, row, `already accepted ${new Date(decision.at).toISOString()} (delivery record)`, decision.version)
      tally(run, 'recorded')
      emit(run, { type: 'sent', key: row.key, slug: row.slug, email: row.email })
      return undefined
    }
    if (messageBase !== undefined && chosen?.lng === decision.lng && chosen.embargoed === decision.embargoed) break
    chosen = decision
    const variant: ContentVariant = {
      embargoed: decision.embargoed,
      test: false,
      ...(row.kind === 'notice' || row.kind === 'correction' ? { change: { id: row.change ?? '', payload: row.payload } } : {}),
    }
    try {
      messageBase = await baseOf(run, rel!, decision.lng, variant)
    } catch (error) {
      run.fatal ??= error
      return undefined
    }
  }
  if (messageBase === undefined || chosen === undefined || stopped(run)) return undefined
  return { base: messageBase, chosen }
}

/** A message that cannot be composed for this recipient: failed for good, no attempt. */
async function failUncomposable(run: Run, row: LedgerRow, error: ComposeError): Promise<void> {
  await run.deps.ledger.markFailed(row.key, { error: error.message }, run.deps.now())
  tally(run, 'failed')
  run.failures.set(row.key, { key: row.key, email: row.email, kind: 'permanent', error: error.message, deferred: false })
  emit(run, { type: 'failed', key: row.key, slug: row.slug, email: row.email, error: error.message })
}

/** The transport refused the message: deferred (retried in this run when soon enough) or failed. */
async function recordSendFailure(run: Run, row: LedgerRow, attemptNo: number, raw: unknown): Promise<void> {
  const { ledger, now } = run.deps
  const error = classifySendError(raw)
  tally(run, 'failed-attempt')
  const text = error.response ? `${error.response}` : error.message
  const code = error.responseCode
  if (error.kind === 'temporary' && attemptNo < run.retry.maxAttempts) {
    const delay = backoffDelay(attemptNo, run.retry)
    const nextAt = now() + delay
    // Connection lost after the whole message was handed over: the server may
    // have taken it, so the row is `unknown` (resent with the same Message-ID).
    await ledger.markDeferred(row.key, { error: text, responseCode: code }, nextAt, now(), { uncertain: error.uncertain })
    run.failures.set(row.key, {
      key: row.key,
      email: row.email,
      kind: 'temporary',
      error: text,
      ...(code === undefined ? {} : { responseCode: code }),
      deferred: true,
    })
    emit(run, { type: 'deferred', key: row.key, slug: row.slug, email: row.email, attempt: attemptNo, error: text, until: nextAt })
    if (delay <= run.retry.inRunMaxWaitMs) scheduleRetry(run, row.key, delay)
  } else {
    const reason =
      error.kind === 'temporary' ? `gave up after ${attemptNo} attempts: ${text}; \`press retry ${row.slug}\` sends it again` : text
    await ledger.markFailed(row.key, { error: reason, responseCode: code }, now())
    tally(run, 'failed')
    run.failures.set(row.key, {
      key: row.key,
      email: row.email,
      kind: 'permanent',
      error: reason,
      ...(code === undefined ? {} : { responseCode: code }),
      deferred: false,
    })
    emit(run, { type: 'failed', key: row.key, slug: row.slug, email: row.email, attempt: attemptNo, error: reason })
    if (error.hardBounce && run.deps.onHardBounce) {
      try {
        await run.deps.onHardBounce(row.email, `hard bounce: ${text}`, now())
        run.suppressedNow.push(row.email)
      } catch (e) {
        run.warnings.push(`Could not add ${row.email} to the suppression file: ${e instanceof Error ? e.message : String(e)}`)
      }
    }
  }
  checkThreshold(run)
}

/**
 * The server accepted the message. From here on it is never sent as a plain
 * retry: the delivery record is written first (so even a lost queue knows),
 * then the row; a queue write that keeps failing stops the run with the row
 * still `sending`, which the next run finds `unknown` and settles from the record.
 */
async function recordAccepted(run: Run, row: LedgerRow, chosen: Prepared['chosen'], response: string, attemptNo: number): Promise<void> {
  const sentAt = run.deps.now()
  try {
    run.deps.onDelivered?.(
      { sentAt, email: row.email, lng: chosen.lng, kind: row.kind ?? 'release', version: chosen.version, messageId: row.messageId },
      row.slug,
    )
  } catch (e) {
    run.warnings.push(`Could not write the delivery record of ${row.slug}: ${e instanceof Error ? e.message : String(e)}`)
  }
  try {
    await markSentDurably(run, row, response, chosen.version)
  } catch (error) {
    run.fatal ??= error
    return
  }
  tally(run, 'sent')
  run.failures.delete(row.key)
  emit(run, { type: 'sent', key: row.key, slug: row.slug, email: row.email, attempt: attemptNo })
}

/** One row through decide, compose, claim, send and record. */
async function attempt(run: Run, row: LedgerRow, isRetry: boolean): Promise<void> {
  if (stopped(run)) return
  const prepared = await prepare(run, row, await releaseOf(run, row.slug))
  if (prepared === undefined) return

  let message
  try {
    message = composeMessage(prepared.base, { key: row.key, email: row.email, name: row.name, messageId: row.messageId }, run.deps.now())
    // A notice or correction gets its own outbox file beside the release's (`moved-…-jane@….eml`).
    if (row.kind === 'notice' || row.kind === 'correction')
      message = { ...message, label: `${(row.change ?? '').replace(/[^a-z0-9-]/gi, '')}-` }
  } catch (error) {
    if (!(error instanceof ComposeError)) throw error
    return failUncomposable(run, row, error)
  }

  if (!(await claimRow(run, row))) return
  const attemptNo = row.attempts + 1
  tally(run, isRetry ? 'retry-claimed' : 'claimed')
  emit(run, { type: 'claim', key: row.key, slug: row.slug, email: row.email, attempt: attemptNo })

  let receipt
  try {
    receipt = await run.deps.mailer.send(message)
  } catch (raw) {
    return recordSendFailure(run, row, attemptNo, raw)
  }
  await recordAccepted(run, row, prepared.chosen, receipt.response, attemptNo)
}

/** Queue one row's attempt; its error, if any, stops the run. */
function enqueue(run: Run, row: LedgerRow, isRetry: boolean): void {
  void run.queue.add(() =>
    attempt(run, row, isRetry).catch((error: unknown) => {
      run.fatal ??= error
    }),
  )
}

/** Try a deferred row again after `delay`, within this run. */
function scheduleRetry(run: Run, key: string, delay: number): void {
  if (stopped(run)) return
  run.pendingRetries++
  const timer = setTimeout(() => {
    run.retryTimers.delete(timer)
    const requeue = async (): Promise<void> => {
      const row = stopped(run) ? undefined : await run.deps.ledger.get(key)
      if (row !== undefined && (row.state === 'deferred' || row.state === 'unknown')) enqueue(run, row, true)
    }
    requeue()
      .catch((error: unknown) => {
        run.fatal ??= error
      })
      .finally(() => {
        run.pendingRetries--
      })
  }, delay)
  run.retryTimers.add(timer)
}

/** Feed the due rows to the queue (a couple of pool-fulls at a time), then wait for sends and in-run retries. */
async function drain(run: Run): Promise<void> {
  const { deps, queue, concurrency } = run
  try {
    for await (const row of deps.ledger.due(deps.now, deps.slug === undefined ? {} : { slug: deps.slug })) {
      if (stopped(run)) break
      enqueue(run, row, false)
      // Keep only a couple of pool-fulls in memory, however long the list.
      if (queue.size >= concurrency * 2) await queue.onSizeLessThan(concurrency)
    }
    // Wait for in-flight sends and for in-run retries (a timer, then a send).
    for (;;) {
      await queue.onIdle()
      if (queue.size + queue.pending > 0) continue
      if (run.pendingRetries === 0 || (stopped(run) && run.retryTimers.size === run.pendingRetries)) break
      await sleep(10)
    }
  } finally {
    run.finished = true
    for (const timer of run.retryTimers) clearTimeout(timer)
    run.retryTimers.clear()
    await queue.onIdle()
  }
}

/**
 * Send every due row of the ledger (streamed a page at a time), with the
 * embargo checked again right before each message goes to the transport.
 * The caller holds the ledger lock and closes the mailer.
 *
 * @param deps
 *   Ledger and lock, mailer, content, clock, options.
 * @returns
 *   Counts, failures, whether the run was paused, and the next due time.
 * @throws {LockLostError}
 *   When another run took the lock over mid-run (after in-flight sends settle).
 */
export async function runDue(deps: RunDueDeps): Promise<RunReport> {
  const concurrency = Math.max(1, deps.concurrency ?? deps.mailer.concurrency * 4)
  const run: Run = {
    deps,
    retry: { ...retryDefaults, ...deps.retry },
    concurrency,
    queue: new PQueue({ concurrency }),
    releases: new Map(),
    bases: new Map(),
    failures: new Map(),
    suppressedNow: [],
    warnings: [],
    retryTimers: new Set(),
    tally: noTally,
    pendingRetries: 0,
    finished: false,
    paused: undefined,
    fatal: undefined,
    lockLost: false,
  }
  await drain(run)

  if (run.fatal !== undefined) throw run.fatal
  if (run.lockLost) throw new LockLostError()
  const stats = await deps.ledger.stats(deps.slug)
  const list = [...run.failures.values()]
  const { attempted, sent, failed, retried, held, cancelled, recorded } = run.tally
  return {
    attempted,
    sent,
    failed,
    deferred: list.filter((f) => f.deferred).length,
    retried,
    held,
    cancelled,
    recorded,
    recovered: deps.lock.recovered,
    suppressed: run.suppressedNow,
    ...(run.paused === undefined ? {} : { paused: run.paused }),
    aborted: deps.signal?.aborted === true,
    failures: list,
    warnings: run.warnings,
    nextDue: stats.nextDue,
  }
}
