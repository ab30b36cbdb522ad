/**
 * The send ledger: the durable record of every (release, recipient) message
 * and its state. It, not the mail server and not memory, is what prevents a
 * message from being lost or sent twice across crashes and concurrent runs.
 *
 * States:
 *
 * ```
 * planned ──claim──▶ sending ──▶ sent
 *    ▲                  │  ├───▶ failed    (5xx, or retries exhausted)
 *    │                  │  └───▶ deferred  (4xx, dropped connection) ──claim──▶ sending
 *    │                  └─(crash; found at the next lock)──▶ unknown ──claim──▶ sending
 *    └── re-planning updates planned/deferred rows only; any planned/deferred row
 *        may become cancelled (recipient suppressed or gone from the plan)
 * ```
 */
import type { Lng } from '../../types.js'

/** Where a message is in its life. */
export type SendState = 'planned' | 'sending' | 'sent' | 'deferred' | 'failed' | 'unknown' | 'cancelled'

/** Every state, in display order. */
export const sendStates: readonly SendState[] = ['planned', 'sending', 'deferred', 'unknown', 'sent', 'failed', 'cancelled']

/** A count of zero for every state. */
export function emptyCounts(): Record<SendState, number> {
  return Object.fromEntries(sendStates.map((s) => [s, 0])) as Record<SendState, number>
}

/** States a row may be claimed from. */
export const claimableStates: readonly SendState[] = ['planned', 'deferred', 'unknown']

/**
 * What a row carries: the release itself, a short notice about it (embargo
 * moved or lifted early, release withdrawn) or a corrected copy. Notices
 * and corrections are rows like any other, with the same crash guarantees.
 */
export type RowKind = 'release' | 'notice' | 'correction'

/** What the planner hands the ledger for one message. */
export interface QueuedJob {
  /** One row per key, ever: `slug/address` for the release, `slug#change/address` for a notice or correction (keys.ts). */
  readonly key: string
  /** Default `release`. */
  readonly kind?: RowKind
  /** The change a notice or correction is about, e.g. `moved-2031-03-15T13:00:00.000Z` (empty for the release). */
  readonly change?: string
  /** JSON details of a notice (old and new lift…), optional. */
  readonly payload?: string
  readonly slug: string
  /** Address as written in the press list (trimmed). */
  readonly email: string
  readonly name: string
  /** Language of the content sent. */
  readonly lng: Lng
  /** Language the recipient asked for. */
  readonly wanted: Lng
  /** The recipient agreed to embargo terms. */
  readonly vetted: boolean
  /** Epoch ms. The ledger raises it to `lift` for an unvetted row. */
  readonly sendAt: number
  /** The embargo lift, epoch ms, when the release has one. */
  readonly lift?: number | undefined
  /** The stable Message-ID (with angle brackets). */
  readonly messageId: string
}

/** One row of the ledger. */
export interface LedgerRow extends QueuedJob {
  /** Monotonic row number (insertion order). */
  readonly seq: number
  readonly state: SendState
  /** When the row is next due: `sendAt`, a retry time, or the lift after a hold. */
  readonly dueAt: number
  /** SMTP hand-overs so far (claims). */
  readonly attempts: number
  /** Times the row was found `sending` after a crash. */
  readonly recoveries: number
  readonly response?: string
  readonly responseCode?: number
  readonly error?: string
  readonly plannedAt: number
  readonly updatedAt: number
  readonly sentAt?: number
  /** Which version went out (set when sent), e.g. `embargoed@2031-…Z`, `public`, or the change id. */
  readonly version?: string
}

/** What is remembered of a release's plan, shared by every dispatcher of the queue. */
export interface PlanRecord {
  /** `press schedule --at`, epoch ms (optional). */
  readonly at?: number
  /** When the distribution was first planned, epoch ms. */
  readonly plannedAt: number
  /** Set by `press withdraw`: the office's later edits no longer re-plan it until `press send`. */
  readonly withdrawnAt?: number
  /** Fingerprint of the office inputs the plan was last reconciled with. */
  readonly fingerprint?: string
  /** A cheap key of the same (the release and a stamp of the list files), to skip reading the list when nothing changed. */
  readonly inputs?: string
}

/** What re-planning did. */
export interface EnqueueResult {
  /** New rows. */
  readonly added: number
  /** planned/deferred rows whose details or time changed. */
  readonly updated: number
  /** Rows left alone: already sent, failed, in flight or unchanged. */
  readonly kept: number
  /** planned/deferred rows of the release no longer in the plan. */
  readonly cancelled: number
}

/** A failure as the ledger records it. */
export interface RecordedFailure {
  readonly error: string
  readonly responseCode?: number | undefined
}

/** Options of `SendRights.lock` and `SendRights.session`. */
export interface LockOptions {
  /** Wait for the other run to finish instead of failing (default false). */
  readonly wait?: boolean
  /** Give up waiting after this many ms (default: forever). */
  readonly timeoutMs?: number
  /** Poll interval while waiting, ms (default 250). */
  readonly pollMs?: number
  /** Stop waiting when aborted. */
  readonly signal?: AbortSignal
  /** Called once, when `wait` is on and another run has the lock: who it is (for a "waiting for …" line). */
  readonly onWait?: (holder: { readonly pid: number; readonly host: string; readonly since: number }) => void
  /** The (possibly simulated) current time, for row timestamps. */
  readonly now: number
}

/**
 * The right to claim rows, held by one run until released or lost. The
 * ledger that issued it sets `lost` itself, from its heartbeat or from a
 * claim that found the right gone; a lost lock never claims again.
 */
export interface LedgerLock {
  /** Random token identifying the holder. */
  readonly owner: string
  /** Rows found `sending` (a crashed run) and turned `unknown` when the lock was taken. */
  readonly recovered: number
  /** True once this run lost the right: another run took the lock over, or its lease ran out (it stalled past the stale limit). */
  readonly lost: boolean
  /** Release the lock (idempotent). */
  release(): Promise<void>
}

/** Counts and next due time. */
export interface LedgerStats {
  readonly counts: Readonly<Record<SendState, number>>
  /** Per release slug. */
  readonly bySlug: Readonly<Record<string, Readonly<Record<SendState, number>>>>
  /** Earliest `dueAt` of a claimable row, epoch ms. */
  readonly nextDue: number | undefined
}

/** What status and the planners read: rows, counts, lifts. */
export interface QueueReader {
  get(key: string): Promise<LedgerRow | undefined>
  /** Rows, optionally of one release and/or in some states, in row order. */
  rows(filter?: { slug?: string; states?: readonly SendState[]; limit?: number }): Promise<LedgerRow[]>
  stats(slug?: string): Promise<LedgerStats>
  /** Distinct embargo lifts after `after` of releases with rows, earliest first. */
  lifts(after: number): Promise<Array<{ slug: string; lift: number }>>
}

/** The plan records of the releases, shared by every dispatcher of the queue. */
export interface PlanBook {
  /** The plan record of a release, if it was ever planned. */
  plan(slug: string): Promise<PlanRecord | undefined>
  /** Every plan record. */
  plans(): Promise<Array<{ slug: string; plan: PlanRecord }>>
  /** Write (replace) a plan record. */
  setPlan(slug: string, plan: PlanRecord): Promise<void>
}

/** The planners' writes: rows in, rows out, rows back. */
export interface QueuePlanner {
  /**
   * Insert or update the rows of a plan. Idempotent: sent, sending, unknown
   * and failed rows are never touched; planned/deferred rows take the new
   * details, but an unvetted row's time is never set before its lift.
   */
  enqueue(
    slug: string,
    jobs: Iterable<QueuedJob>,
    now: number,
    options?: { cancelMissing?: boolean; retryFailed?: boolean },
  ): Promise<EnqueueResult>
  /** claimable → cancelled (e.g. suppressed since planning). */
  cancel(key: string, reason: string, now: number): Promise<void>
  /**
   * `press retry`: failed and/or deferred rows of a release → planned, due
   * at `now` (an unvetted row still not before its lift), attempts from 0.
   * Returns the keys requeued.
   */
  requeue(slug: string, states: readonly SendState[], now: number, filter?: (row: LedgerRow) => boolean): Promise<string[]>
}

/** What the dispatcher does with rows: read what is due, claim one, record its outcome. */
export interface SendQueue {
  /** Stream claimable rows due at `now()`, in row order, a page at a time. */
  due(now: () => number, options?: { slug?: string; pageSize?: number }): AsyncIterable<LedgerRow>
  get(key: string): Promise<LedgerRow | undefined>
  /**
   * planned/deferred/unknown → sending, attempts + 1; false when the row is
   * not claimable or `lock` is no longer held (then `lock.lost` is true).
   */
  claim(key: string, lock: LedgerLock, now: number): Promise<boolean>
  /** sending → sent, recording which version went out. */
  markSent(key: string, receipt: { response: string; version?: string }, now: number): Promise<void>
  /**
   * sending → deferred until `nextAt`; with `uncertain` (the connection was
   * lost after the whole message was handed over, so the server may have
   * taken it) → `unknown`, resent with the same Message-ID.
   */
  markDeferred(key: string, failure: RecordedFailure, nextAt: number, now: number, options?: { uncertain?: boolean }): Promise<void>
  /** sending (or claimable) → failed. */
  markFailed(key: string, failure: RecordedFailure, now: number): Promise<void>
  /** Postpone a claimable row without an attempt (embargo not lifted yet). */
  hold(key: string, until: number, now: number): Promise<void>
  /** claimable → cancelled (e.g. suppressed since planning). */
  cancel(key: string, reason: string, now: number): Promise<void>
  stats(slug?: string): Promise<LedgerStats>
}

/**
 * Who may claim rows. Both take over what a dead holder left: rows found
 * `sending` become `unknown` (counted in `recovered`).
 */
export interface SendRights {
  /**
   * The exclusive lock: one live holder per queue, in every backend. While
   * another live run holds it (or, in a shared queue, while it is held and
   * a session is asked for), this fails with `LockedError` (exit 75), or
   * waits with `wait`. A holder that died is taken over at once on its own
   * machine, and after the stale limit without a heartbeat elsewhere.
   */
  lock(options: LockOptions): Promise<LedgerLock>
  /**
   * A sending session, what a dispatcher takes. A shared queue (Redis) lets
   * any number of sessions send beside each other, each row claimed by one
   * of them, but none while `lock()` is held; a queue that cannot share
   * (SQLite) makes the session its exclusive lock.
   */
  session(options: LockOptions): Promise<LedgerLock>
}

/** Planning: reading rows and plan records, writing rows and plan records. */
export type PlanStore = QueueReader & QueuePlanner & PlanBook

/** The ledger: every role, so SQLite and Redis can both back it; callers take the role they use. */
export interface Ledger extends QueueReader, PlanBook, QueuePlanner, SendQueue, SendRights {
  close(): Promise<void>
}
