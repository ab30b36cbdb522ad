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
import type { Ledger, LedgerLock, LedgerRow } from './queue/ledger.js'

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
  readonly ledger: Ledger
  /** The lock this run holds (from `ledger.lock`). */
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
   * commit: twice the pool size left dispatch idle 40 % of the time, and
   * four times sent 4,120 messages/s instead of 2,810).
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
    super('This run lost the queue lock (it stalled longer than the stale-lock limit and another run took over); it stopped sending. Nothing was sent twice; run `press status` to check.')
  }
}

const retryDefaults = { baseMs: 2_000, factor: 2, maxMs: 3_600_000, maxAttempts: 8, inRunMaxWaitMs: 30_000, ledgerRetryMs: [50, 200, 1_000, 3_000, 5_000] as readonly number[] }

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
  const { ledger, lock, mailer, now } = deps
  const retry = { ...retryDefaults, ...deps.retry }
  const concurrency = Math.max(1, deps.concurrency ?? mailer.concurrency * 4)
  const queue = new PQueue({ concurrency })
  const releases = new Map<string, Promise<Release | undefined>>()
  const bases = new Map<string, Promise<MessageBase>>()
  const failures = new Map<string, RunFailure>()
  const suppressedNow: string[] = []
  const warnings: string[] = []
  const retryTimers = new Set<NodeJS.Timeout>()
  let pendingRetries = 0
  let finished = false
  let attempted = 0
  let sent = 0
  let failed = 0
  let retried = 0
  let held = 0
  let cancelled = 0
  let recorded = 0
  let failedAttempts = 0
  let paused: { reason: string } | undefined
  let fatal: unknown
  let lockLost = false

  const stopped = (): boolean => finished || paused !== undefined || fatal !== undefined || lockLost || deps.signal?.aborted === true
  const emit = (event: ProgressEvent): void => deps.onProgress?.(event)

  const release = (slug: string): Promise<Release | undefined> => {
    let found = releases.get(slug)
    if (found === undefined) {
      found = Promise.resolve(deps.releases(slug))
      releases.set(slug, found)
    }
    return found
  }

  const base = (rel: Release, lng: Lng, variant: ContentVariant): Promise<MessageBase> => {
    const key = `${rel.slug}\0${lng}\0${variantKey(variant)}`
    let found = bases.get(key)
    if (found === undefined) {
      const replyTo = rel.contacts.find((c) => c.email)?.email
      found = deps.content(rel.slug, lng, variant).then((content) => composeBase(rel.slug, lng, variant, content, replyTo, deps.compose))
      bases.set(key, found)
    }
    return found
  }

  const checkThreshold = (): void => {
    const threshold = deps.failureThreshold
    if (threshold === undefined || paused !== undefined || attempted < 10) return
    if (failedAttempts / attempted >= threshold) {
      paused = {
        reason: `${failedAttempts} of ${attempted} attempts failed (threshold ${Math.round(threshold * 100)}%); the run was paused. Check the failures, then run \`press dispatch\` again.`,
      }
    }
  }

  /** The row's decision at `at`, against the office as it is now. */
  const decideNow = (row: LedgerRow, rel: Release | undefined, at: number): HandOver =>
    decide(
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

  /** `markSent`, retried while the queue is briefly unwritable (locked, reconnecting). */
  const markSentDurably = async (row: LedgerRow, response: string, version: string): Promise<void> => {
    const delays = retry.ledgerRetryMs
    for (let i = 0; ; i++) {
      try {
        await ledger.markSent(row.key, { response, version }, now())
        return
      } catch (error) {
        if (i >= delays.length) throw new LedgerWriteError(row, error)
        await new Promise((resolve) => setTimeout(resolve, delays[i]))
      }
    }
  }

  const attempt = async (row: LedgerRow, isRetry: boolean): Promise<void> => {
    if (stopped()) return
    const rel = await release(row.slug)

    // Decide, compose (may await a render), then decide again with a fresh
    // clock: the answer that counts is the one right before the send.
    let messageBase: MessageBase | undefined
    let chosen: Extract<HandOver, { action: 'send' }> | undefined
    for (let round = 0; round < 3; round++) {
      const decision = decideNow(row, rel, now())
      if (decision.action === 'cancel') {
        await ledger.cancel(row.key, decision.reason, now())
        cancelled++
        emit({ type: 'cancelled', key: row.key, slug: row.slug, email: row.email, error: decision.reason })
        return
      }
      if (decision.action === 'hold') {
        if (decision.until !== undefined) await ledger.hold(row.key, decision.until, now())
        held++
        emit({ type: 'held', key: row.key, slug: row.slug, email: row.email, error: decision.reason, ...(decision.until === undefined ? {} : { until: decision.until }) })
        return
      }
      if (decision.action === 'recorded') {
        // The delivery record shows the server took this very message (a crash
        // or a failed queue write after the 250): record it, send nothing.
        if (!(await ledger.claim(row.key, lock, now()))) {
          if (lock.lost) lockLost = true
          return
        }
        await markSentDurably(row, `already accepted ${new Date(decision.at).toISOString()} (delivery record)`, decision.version)
        recorded++
        emit({ type: 'sent', key: row.key, slug: row.slug, email: row.email })
        return
      }
      if (messageBase !== undefined && chosen?.lng === decision.lng && chosen.embargoed === decision.embargoed) break
      chosen = decision
      const variant: ContentVariant = {
        embargoed: decision.embargoed,
        test: false,
        ...(row.kind === 'notice' || row.kind === 'correction' ? { change: { id: row.change ?? '', payload: row.payload } } : {}),
      }
      try {
        messageBase = await base(rel!, decision.lng, variant)
      } catch (error) {
        fatal ??= error
        return
      }
    }
    if (messageBase === undefined || chosen === undefined || stopped()) return

    let message
    try {
      message = composeMessage(messageBase, { key: row.key, email: row.email, name: row.name, messageId: row.messageId }, now())
      // A notice or correction gets its own outbox file beside the release's (`moved-…-jane@….eml`).
      if (row.kind === 'notice' || row.kind === 'correction') message = { ...message, label: `${(row.change ?? '').replace(/[^a-z0-9-]/gi, '')}-` }
    } catch (error) {
      if (!(error instanceof ComposeError)) throw error
      await ledger.markFailed(row.key, { error: error.message }, now())
      failed++
      failures.set(row.key, { key: row.key, email: row.email, kind: 'permanent', error: error.message, deferred: false })
      emit({ type: 'failed', key: row.key, slug: row.slug, email: row.email, error: error.message })
      return
    }

    if (!(await ledger.claim(row.key, lock, now()))) {
      if (lock.lost) lockLost = true
      return
    }
    const attemptNo = row.attempts + 1
    attempted++
    if (isRetry) retried++
    emit({ type: 'claim', key: row.key, slug: row.slug, email: row.email, attempt: attemptNo })

    let receipt
    try {
      receipt = await mailer.send(message)
    } catch (raw) {
      const error = classifySendError(raw)
      failedAttempts++
      const text = error.response ? `${error.response}` : error.message
      const code = error.responseCode
      if (error.kind === 'temporary' && attemptNo < retry.maxAttempts) {
        const delay = backoffDelay(attemptNo, retry)
        const nextAt = now() + delay
        // Connection lost after the whole message was handed over: the server may
        // have taken it, so the row is `unknown` (resent with the same Message-ID).
        await ledger.markDeferred(row.key, { error: text, responseCode: code }, nextAt, now(), { uncertain: error.uncertain })
        failures.set(row.key, { key: row.key, email: row.email, kind: 'temporary', error: text, ...(code === undefined ? {} : { responseCode: code }), deferred: true })
        emit({ type: 'deferred', key: row.key, slug: row.slug, email: row.email, attempt: attemptNo, error: text, until: nextAt })
        if (delay <= retry.inRunMaxWaitMs) scheduleRetry(row.key, delay)
      } else {
        const reason = error.kind === 'temporary' ? `gave up after ${attemptNo} attempts: ${text}; \`press retry ${row.slug}\` sends it again` : text
        await ledger.markFailed(row.key, { error: reason, responseCode: code }, now())
        failed++
        failures.set(row.key, { key: row.key, email: row.email, kind: 'permanent', error: reason, ...(code === undefined ? {} : { responseCode: code }), deferred: false })
        emit({ type: 'failed', key: row.key, slug: row.slug, email: row.email, attempt: attemptNo, error: reason })
        if (error.hardBounce && deps.onHardBounce) {
          try {
            await deps.onHardBounce(row.email, `hard bounce: ${text}`, now())
            suppressedNow.push(row.email)
          } catch (e) {
            warnings.push(`Could not add ${row.email} to the suppression file: ${e instanceof Error ? e.message : String(e)}`)
          }
        }
      }
      checkThreshold()
      return
    }

    // The server accepted the message. From here on it is never sent as a plain
    // retry: the delivery record is written first (so even a lost queue knows),
    // then the row; a queue write that keeps failing stops the run with the row
    // still `sending`, which the next run finds `unknown` and settles from the record.
    const sentAt = now()
    try {
      deps.onDelivered?.({ sentAt, email: row.email, lng: chosen.lng, kind: row.kind ?? 'release', version: chosen.version, messageId: row.messageId }, row.slug)
    } catch (e) {
      warnings.push(`Could not write the delivery record of ${row.slug}: ${e instanceof Error ? e.message : String(e)}`)
    }
    try {
      await markSentDurably(row, receipt.response, chosen.version)
    } catch (error) {
      fatal ??= error
      return
    }
    sent++
    failures.delete(row.key)
    emit({ type: 'sent', key: row.key, slug: row.slug, email: row.email, attempt: attemptNo })
  }
  const enqueue = (row: LedgerRow, isRetry: boolean): void => {
    void queue.add(() =>
      attempt(row, isRetry).catch((error: unknown) => {
        fatal ??= error
      }),
    )
  }

  function scheduleRetry(key: string, delay: number): void {
    if (stopped()) return
    pendingRetries++
    const timer = setTimeout(() => {
      retryTimers.delete(timer)
      const requeue = async (): Promise<void> => {
        const row = stopped() ? undefined : await ledger.get(key)
        if (row !== undefined && (row.state === 'deferred' || row.state === 'unknown')) enqueue(row, true)
      }
      requeue()
        .catch((error: unknown) => {
          fatal ??= error
        })
        .finally(() => {
          pendingRetries--
        })
    }, delay)
    retryTimers.add(timer)
  }

  try {
    for await (const row of ledger.due(now, deps.slug === undefined ? {} : { slug: deps.slug })) {
      if (stopped()) break
      enqueue(row, false)
      // Keep only a couple of pool-fulls in memory, however long the list.
      if (queue.size >= concurrency * 2) await queue.onSizeLessThan(concurrency)
    }
    // Wait for in-flight sends and for in-run retries (a timer, then a send).
    for (;;) {
      await queue.onIdle()
      if (queue.size + queue.pending > 0) continue
      if (pendingRetries === 0 || (stopped() && retryTimers.size === pendingRetries)) break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  } finally {
    finished = true
    for (const timer of retryTimers) clearTimeout(timer)
    retryTimers.clear()
    await queue.onIdle()
  }

  if (fatal !== undefined) throw fatal
  if (lockLost) throw new LockLostError()
  const stats = await ledger.stats(deps.slug)
  const list = [...failures.values()]
  return {
    attempted,
    sent,
    failed,
    deferred: list.filter((f) => f.deferred).length,
    retried,
    held,
    cancelled,
    recorded,
    recovered: lock.recovered,
    suppressed: suppressedNow,
    ...(paused === undefined ? {} : { paused }),
    aborted: deps.signal?.aborted === true,
    failures: list,
    warnings,
    nextDue: stats.nextDue,
  }
}
