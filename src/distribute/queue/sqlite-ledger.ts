/**
 * The embedded ledger: SQLite (better-sqlite3, WAL) in `.press/queue.db`.
 *
 * One row per (release, recipient) key. Every state change is one statement
 * in a committed transaction, so a SIGKILL at any moment leaves each row in a
 * state it really was in. A `locks` row names the one run allowed to send
 * (pid, host and a heartbeat read from SQLite's own clock); the claim
 * statement itself checks that row, so a run that lost its lock cannot send
 * another message.
 *
 * Group commit: the writes of a send (claim, sent, deferred, failed, hold,
 * cancel) are queued and committed together in one transaction a
 * millisecond later (at the next turn of the event loop when many are
 * queued), and each write's promise settles only once its transaction has
 * committed. So nothing a caller acts on is undone by a
 * crash: a message is handed to SMTP only after its claim (`sending`) is
 * committed, and reported sent only after `sent` is committed. A crash
 * after the server accepted a message and before the batch holding its
 * `sent` committed leaves the row `sending`, exactly as a crash between the
 * server's reply and a single-statement commit did: the next lock turns it
 * `unknown` and it is resent with the same Message-ID. Batching widens that
 * window by about a millisecond; it never lets a row be recorded
 * sent before the server accepted it. Reads, `enqueue`, `lock` and `close`
 * commit the queued writes first, so every read sees them.
 */
import { randomBytes } from 'node:crypto'
import { clampSendAt } from './clamp-send-at.js'
import { holderIsDead, holdLock, lockHost, takeLock, type HeldLock } from './queue-lock.js'
import { emptyCounts } from './ledger.js'
import { claimable, openQueueFile } from './sqlite-queue-file.js'
import type {
  EnqueueResult,
  Ledger,
  LedgerLock,
  LedgerRow,
  LedgerStats,
  LockOptions,
  PlanRecord,
  QueuedJob,
  RowKind,
  SendState,
} from './ledger.js'

/** Options of `openSqliteLedger`. */
export interface SqliteLedgerOptions {
  /** A lock whose heartbeat is older than this is taken over, ms (default 30,000). */
  readonly staleLockMs?: number
  /** How often the holder refreshes its heartbeat, ms (default staleLockMs / 3). */
  readonly heartbeatMs?: number
  /** How long a send write waits for others to share its commit, ms (default 1; 0 = the next turn of the event loop). */
  readonly groupCommitMs?: number
  /** How long a statement waits for another process's write lock before failing, ms (default 10,000). */
  readonly busyTimeoutMs?: number
  /** Called after each committed batch of send writes with the number of writes in it (diagnostics, tests; optional). */
  readonly onCommit?: (writes: number) => void
  /** Open for reading only (`press status`): works on a read-only file; nothing is created or migrated. */
  readonly readOnly?: boolean
}

/** Queued writes that are committed at the next turn without waiting. */
const groupCommitMax = 64

/** SQLite's wall clock in epoch ms: lock ages are real time even when `--now` simulates another instant. */
const dbClock = `CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)`

interface RawRow {
  seq: number
  key: string
  slug: string
  email: string
  name: string
  lng: string
  wanted: string
  vetted: number
  lift: number | null
  send_at: number
  due_at: number
  state: SendState
  attempts: number
  recoveries: number
  message_id: string
  response: string | null
  response_code: number | null
  error: string | null
  planned_at: number
  updated_at: number
  sent_at: number | null
  kind: string
  change: string
  payload: string | null
  version: string | null
}

interface LockRow {
  owner: string
  pid: number
  host: string
  acquired_at: number
  heartbeat_at: number
  clock: number
}

function toRow(r: RawRow): LedgerRow {
  return {
    seq: r.seq,
    key: r.key,
    slug: r.slug,
    email: r.email,
    name: r.name,
    lng: r.lng,
    wanted: r.wanted,
    vetted: r.vetted === 1,
    ...(r.lift === null ? {} : { lift: r.lift }),
    sendAt: r.send_at,
    dueAt: r.due_at,
    state: r.state,
    attempts: r.attempts,
    recoveries: r.recoveries,
    messageId: r.message_id,
    ...(r.response === null ? {} : { response: r.response }),
    ...(r.response_code === null ? {} : { responseCode: r.response_code }),
    ...(r.error === null ? {} : { error: r.error }),
    plannedAt: r.planned_at,
    updatedAt: r.updated_at,
    ...(r.sent_at === null ? {} : { sentAt: r.sent_at }),
    kind: r.kind as RowKind,
    change: r.change,
    ...(r.payload === null ? {} : { payload: r.payload }),
    ...(r.version === null ? {} : { version: r.version }),
  }
}

const lockName = 'dispatch'

/**
 * Open (or create) the SQLite ledger.
 *
 * @param path
 *   Database file, e.g. `.press/queue.db`; its folder is created.
 * @param options
 *   Lock timings (optional).
 * @returns
 *   The ledger; `close()` it when done.
 */
export function openSqliteLedger(path: string, options: SqliteLedgerOptions = {}): Ledger {
  const db = openQueueFile(path, options.readOnly === true, options.busyTimeoutMs)
  const staleLockMs = options.staleLockMs ?? 30_000
  const heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(staleLockMs / 3))
  const host = lockHost

  const s = {
    get: db.prepare<[string], RawRow>('SELECT * FROM sends WHERE key = ?'),
    insert: db.prepare(
      `INSERT INTO sends (key, slug, email, name, lng, wanted, vetted, lift, send_at, due_at, state, message_id, planned_at, updated_at, kind, change, payload)
       VALUES (@key, @slug, @email, @name, @lng, @wanted, @vetted, @lift, @sendAt, @sendAt, 'planned', @messageId, @now, @now, @kind, @change, @payload)`,
    ),
    update: db.prepare(
      `UPDATE sends SET email = @email, name = @name, lng = @lng, wanted = @wanted, vetted = @vetted, lift = @lift,
         send_at = @sendAt, due_at = @dueAt, state = @state, error = CASE WHEN @state = 'planned' THEN NULL ELSE error END, updated_at = @now,
         payload = @payload
       WHERE key = @key`,
    ),
    slugActive: db.prepare<[string], { key: string }>(
      `SELECT key FROM sends WHERE slug = ? AND kind = 'release' AND state IN ('planned','deferred')`,
    ),
    // Where the paged read starts: the partial index finds the first due row
    // at once, so a long history of sent rows before it is never scanned.
    firstDue: db.prepare<[number], { seq: number | null }>(
      `SELECT MIN(seq) AS seq FROM sends WHERE state IN (${claimable}) AND due_at <= ?`,
    ),
    firstDueSlug: db.prepare<[number, string], { seq: number | null }>(
      `SELECT MIN(seq) AS seq FROM sends WHERE state IN (${claimable}) AND due_at <= ? AND slug = ?`,
    ),
    due: db.prepare<[number, number, number], RawRow>(
      `SELECT * FROM sends WHERE state IN (${claimable}) AND due_at <= ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    dueSlug: db.prepare<[number, number, string, number], RawRow>(
      `SELECT * FROM sends WHERE state IN (${claimable}) AND due_at <= ? AND seq > ? AND slug = ? ORDER BY seq LIMIT ?`,
    ),
    claim: db.prepare(
      `UPDATE sends SET state = 'sending', attempts = attempts + 1, claimed_at = @now, updated_at = @now
       WHERE key = @key AND state IN (${claimable})
         AND EXISTS (SELECT 1 FROM locks WHERE name = '${lockName}' AND owner = @owner)`,
    ),
    sent: db.prepare(
      `UPDATE sends SET state = 'sent', response = @response, response_code = NULL, error = NULL, sent_at = @now, updated_at = @now, version = @version
       WHERE key = @key AND state = 'sending'`,
    ),
    deferred: db.prepare(
      `UPDATE sends SET state = 'deferred', error = @error, response_code = @code,
         due_at = CASE WHEN vetted = 0 AND lift IS NOT NULL AND @nextAt < lift THEN lift ELSE @nextAt END, updated_at = @now
       WHERE key = @key AND state = 'sending'`,
    ),
    uncertain: db.prepare(
      `UPDATE sends SET state = 'unknown', error = @error, response_code = @code, recoveries = recoveries + 1,
         due_at = CASE WHEN vetted = 0 AND lift IS NOT NULL AND @nextAt < lift THEN lift ELSE @nextAt END, updated_at = @now
       WHERE key = @key AND state = 'sending'`,
    ),
    requeue: db.prepare(
      `UPDATE sends SET state = 'planned', attempts = 0, error = NULL, response_code = NULL,
         due_at = CASE WHEN vetted = 0 AND lift IS NOT NULL AND @now < lift THEN lift ELSE @now END, updated_at = @now
       WHERE key = @key AND state IN ('failed','deferred')`,
    ),
    planGet: db.prepare<[string], { json: string }>('SELECT json FROM plans WHERE slug = ?'),
    planAll: db.prepare<[], { slug: string; json: string }>('SELECT slug, json FROM plans ORDER BY slug'),
    planPut: db.prepare('INSERT OR REPLACE INTO plans (slug, json) VALUES (?, ?)'),
    failed: db.prepare(
      `UPDATE sends SET state = 'failed', error = @error, response_code = @code, updated_at = @now
       WHERE key = @key AND state IN ('sending', ${claimable})`,
    ),
    hold: db.prepare(`UPDATE sends SET due_at = MAX(due_at, @until), updated_at = @now WHERE key = @key AND state IN (${claimable})`),
    cancel: db.prepare(
      `UPDATE sends SET state = 'cancelled', error = @reason, updated_at = @now WHERE key = @key AND state IN (${claimable})`,
    ),
    counts: db.prepare<[], { slug: string; state: SendState; n: number }>(
      'SELECT slug, state, COUNT(*) AS n FROM sends GROUP BY slug, state',
    ),
    countsSlug: db.prepare<[string], { slug: string; state: SendState; n: number }>(
      'SELECT slug, state, COUNT(*) AS n FROM sends WHERE slug = ? GROUP BY slug, state',
    ),
    nextDue: db.prepare<[], { t: number | null }>(`SELECT MIN(due_at) AS t FROM sends WHERE state IN (${claimable})`),
    nextDueSlug: db.prepare<[string], { t: number | null }>(
      `SELECT MIN(due_at) AS t FROM sends WHERE state IN (${claimable}) AND slug = ?`,
    ),
    lifts: db.prepare<[number], { slug: string; lift: number }>(
      'SELECT slug, MIN(lift) AS lift FROM sends WHERE lift IS NOT NULL AND lift > ? GROUP BY slug ORDER BY lift',
    ),
    lockGet: db.prepare<[], LockRow>(
      `SELECT owner, pid, host, acquired_at, heartbeat_at, ${dbClock} AS clock FROM locks WHERE name = '${lockName}'`,
    ),
    lockClock: db.prepare<[], { clock: number }>(`SELECT ${dbClock} AS clock`),
    lockPut: db.prepare(
      `INSERT OR REPLACE INTO locks (name, owner, pid, host, acquired_at, heartbeat_at)
       VALUES ('${lockName}', @owner, @pid, @host, ${dbClock}, ${dbClock})`,
    ),
    lockBeat: db.prepare(`UPDATE locks SET heartbeat_at = ${dbClock} WHERE name = '${lockName}' AND owner = ?`),
    lockDrop: db.prepare(`DELETE FROM locks WHERE name = '${lockName}' AND owner = ?`),
    recover: db.prepare(`UPDATE sends SET state = 'unknown', recoveries = recoveries + 1, updated_at = ? WHERE state = 'sending'`),
  }

  const enqueueTx = db.transaction(
    (slug: string, jobs: Iterable<QueuedJob>, now: number, cancelMissing: boolean, retryFailed: boolean): EnqueueResult => {
      let added = 0
      let updated = 0
      let kept = 0
      const inPlan = new Set<string>()
      for (const job of jobs) {
        if (job.slug !== slug) throw new Error(`enqueue: job ${job.key} is not of release ${slug}`)
        inPlan.add(job.key)
        const sendAt = clampSendAt(job)
        const existing = s.get.get(job.key)
        const params = {
          key: job.key,
          slug: job.slug,
          email: job.email,
          name: job.name,
          lng: job.lng,
          wanted: job.wanted,
          vetted: job.vetted ? 1 : 0,
          lift: job.lift ?? null,
          sendAt,
          messageId: job.messageId,
          now,
          kind: job.kind ?? 'release',
          change: job.change ?? '',
          payload: job.payload ?? null,
        }
        if (existing === undefined) {
          s.insert.run(params)
          added++
          continue
        }
        const reopen = retryFailed && existing.state === 'failed'
        if (!reopen && existing.state !== 'planned' && existing.state !== 'deferred' && existing.state !== 'cancelled') {
          kept++
          continue
        }
        // A deferred row keeps its retry time unless the plan asks for later.
        const state = existing.state === 'deferred' ? 'deferred' : 'planned'
        const dueAt = state === 'deferred' ? Math.max(existing.due_at, sendAt) : sendAt
        const same =
          existing.state === state &&
          existing.email === job.email &&
          existing.name === job.name &&
          existing.lng === job.lng &&
          existing.wanted === job.wanted &&
          existing.vetted === params.vetted &&
          existing.lift === params.lift &&
          existing.send_at === sendAt &&
          existing.due_at === dueAt &&
          existing.payload === params.payload
        if (same) {
          kept++
          continue
        }
        s.update.run({ ...params, dueAt, state })
        updated++
      }
      let cancelled = 0
      if (cancelMissing) {
        for (const { key } of s.slugActive.all(slug)) {
          if (!inPlan.has(key))
            cancelled += s.cancel.run({
              key,
              reason: 'no longer in the plan (suppressed, removed from the list or its lists)',
              now,
            }).changes
        }
      }
      return { added, updated, kept, cancelled }
    },
  )

  // Group commit (see the file comment): queued writes, committed together
  // after groupCommitMs, or at the next turn once groupCommitMax are queued.
  const groupCommitMs = options.groupCommitMs ?? 1
  interface QueuedWrite {
    readonly run: () => unknown
    readonly resolve: (value: unknown) => void
    readonly reject: (error: unknown) => void
  }
  let queued: QueuedWrite[] = []
  let flushTimer: NodeJS.Timeout | undefined
  let flushSoon: NodeJS.Immediate | undefined
  const commitBatch = db.transaction((writes: readonly QueuedWrite[]) =>
    writes.map((w): { ok: true; value: unknown } | { ok: false; error: unknown } => {
      try {
        return { ok: true, value: w.run() }
      } catch (error) {
        // A failed statement is undone on its own; if SQLite ended the whole transaction, give up on the batch.
        if (!db.inTransaction) throw error
        return { ok: false, error }
      }
    }),
  )
  /** Commit every queued write now (synchronously) and settle their promises. */
  function flushWrites(): void {
    if (queued.length === 0) return
    const writes = queued
    queued = []
    let results
    try {
      results = commitBatch.immediate(writes)
    } catch (error) {
      for (const w of writes) w.reject(error)
      return
    }
    options.onCommit?.(writes.length)
    results.forEach((r, i) => (r.ok ? writes[i]!.resolve(r.value) : writes[i]!.reject(r.error)))
  }
  const scheduledFlush = (): void => {
    clearTimeout(flushTimer)
    clearImmediate(flushSoon)
    flushTimer = undefined
    flushSoon = undefined
    if (db.open) flushWrites()
  }
  function write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queued.push({ run, resolve: resolve as (value: unknown) => void, reject })
      // Wait groupCommitMs for the writes of the other sends in flight to share
      // the commit (bench/notes/mail.md); a full batch goes at the next turn.
      if (queued.length >= groupCommitMax || groupCommitMs <= 0) flushSoon ??= setImmediate(scheduledFlush)
      else flushTimer ??= setTimeout(scheduledFlush, groupCommitMs)
    })
  }

  /** One attempt at taking the lock; returns the holder when someone else has it. */
  const tryLock = db.transaction((owner: string, now: number): { ok: true; recovered: number } | { ok: false; holder: LockRow } => {
    const holder = s.lockGet.get()
    if (holder !== undefined) {
      const dead = holderIsDead(holder)
      const stale = holder.clock - holder.heartbeat_at > staleLockMs
      if (!dead && !stale) return { ok: false, holder }
    }
    s.lockPut.run({ owner, pid: process.pid, host })
    // Whoever held the lock before us is gone: its in-flight rows are unknown.
    const recovered = s.recover.run(now).changes
    return { ok: true, recovered }
  })

  const ledger: Ledger = {
    async enqueue(slug, jobs, now, opts = {}) {
      flushWrites()
      return enqueueTx.immediate(slug, jobs, now, opts.cancelMissing ?? false, opts.retryFailed ?? false)
    },

    async lock(opts: LockOptions) {
      const owner = randomBytes(12).toString('hex')
      return takeLock<LedgerLock>(
        {
          where: path,
          staleMs: staleLockMs,
          clock: async () => s.lockClock.get()?.clock ?? 0,
          async attempt() {
            flushWrites()
            const result = tryLock.immediate(owner, opts.now)
            if (!result.ok)
              return { ok: false, holder: { pid: result.holder.pid, host: result.holder.host, since: result.holder.acquired_at } }
            return { ok: true, lock: startHeartbeat(owner, result.recovered) }
          },
        },
        opts,
      )
    },

    // One writer sends at a time here: a session is the exclusive lock.
    session(opts: LockOptions) {
      return ledger.lock(opts)
    },

    async *due(now, opts = {}) {
      const pageSize = opts.pageSize ?? 500
      let after: number | undefined
      for (;;) {
        flushWrites()
        const t = now()
        if (after === undefined) {
          const first = (opts.slug === undefined ? s.firstDue.get(t) : s.firstDueSlug.get(t, opts.slug))?.seq ?? null
          if (first === null) return
          after = first - 1
        }
        const page = opts.slug === undefined ? s.due.all(t, after, pageSize) : s.dueSlug.all(t, after, opts.slug, pageSize)
        for (const row of page) {
          after = row.seq
          yield toRow(row)
        }
        if (page.length < pageSize) return
      }
    },

    async get(key) {
      flushWrites()
      const row = s.get.get(key)
      return row === undefined ? undefined : toRow(row)
    },

    async claim(key, lock, now) {
      if (lock.lost) return false
      const claimed = await write(() => s.claim.run({ key, owner: lock.owner, now }).changes === 1)
      // Refused because another run holds the lock now: this one is lost, for this claim and every later one.
      if (!claimed && s.lockGet.get()?.owner !== lock.owner) held.get(lock.owner)?.markLost()
      return claimed
    },

    async markSent(key, receipt, now) {
      await write(() => s.sent.run({ key, response: receipt.response, version: receipt.version ?? null, now }))
    },

    async markDeferred(key, failure, nextAt, now, opts = {}) {
      const statement = opts.uncertain ? s.uncertain : s.deferred
      await write(() => statement.run({ key, error: failure.error, code: failure.responseCode ?? null, nextAt, now }))
    },

    async markFailed(key, failure, now) {
      await write(() => s.failed.run({ key, error: failure.error, code: failure.responseCode ?? null, now }))
    },

    async hold(key, until, now) {
      await write(() => s.hold.run({ key, until, now }))
    },

    async cancel(key, reason, now) {
      await write(() => s.cancel.run({ key, reason, now }))
    },

    async stats(slug) {
      flushWrites()
      const counts = emptyCounts()
      const bySlug: Record<string, Record<SendState, number>> = {}
      for (const { slug: sl, state, n } of slug === undefined ? s.counts.all() : s.countsSlug.all(slug)) {
        counts[state] += n
        const per = (bySlug[sl] ??= emptyCounts())
        per[state] += n
      }
      const next = slug === undefined ? s.nextDue.get() : s.nextDueSlug.get(slug)
      const stats: LedgerStats = { counts, bySlug, nextDue: next?.t ?? undefined }
      return stats
    },

    async rows(filter = {}) {
      flushWrites()
      const where: string[] = []
      const params: unknown[] = []
      if (filter.slug !== undefined) {
        where.push('slug = ?')
        params.push(filter.slug)
      }
      if (filter.states !== undefined) {
        where.push(`state IN (${filter.states.map(() => '?').join(',') || "''"})`)
        params.push(...filter.states)
      }
      const sql = `SELECT * FROM sends ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq${filter.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(filter.limit))}`}`
      return (db.prepare(sql).all(...params) as RawRow[]).map(toRow)
    },

    async lifts(after) {
      flushWrites()
      return s.lifts.all(after)
    },

    async requeue(slug, states, now, filter) {
      flushWrites()
      const wanted = states.filter((st) => st === 'failed' || st === 'deferred')
      if (wanted.length === 0) return []
      const rows = (
        db
          .prepare(`SELECT * FROM sends WHERE slug = ? AND state IN (${wanted.map(() => '?').join(',')}) ORDER BY seq`)
          .all(slug, ...wanted) as RawRow[]
      ).map(toRow)
      const keys = rows.filter((row) => filter === undefined || filter(row)).map((row) => row.key)
      db.transaction(() => {
        for (const key of keys) s.requeue.run({ key, now })
      }).immediate()
      return keys
    },

    async plan(slug) {
      const row = s.planGet.get(slug)
      return row === undefined ? undefined : (JSON.parse(row.json) as PlanRecord)
    },

    async plans() {
      return s.planAll.all().map((r) => ({ slug: r.slug, plan: JSON.parse(r.json) as PlanRecord }))
    },

    async setPlan(slug, plan) {
      flushWrites()
      s.planPut.run(slug, JSON.stringify(plan))
    },

    async close() {
      scheduledFlush()
      for (const { lock } of [...held.values()]) await lock.release()
      db.close()
    },
  }

  /** The locks this ledger holds, by owner, with what only the ledger may do: mark them lost. */
  const held = new Map<string, HeldLock>()

  function startHeartbeat(owner: string, recovered: number): LedgerLock {
    const handle = holdLock({
      owner,
      recovered,
      heartbeatMs,
      // A busy database skips one beat (a throw); the next one catches up.
      beat: () => (db.open ? s.lockBeat.run(owner).changes === 1 : undefined),
      async drop() {
        held.delete(owner)
        if (!db.open) return
        // This run's last outcomes are committed while it still holds the lock.
        flushWrites()
        s.lockDrop.run(owner)
      },
    })
    held.set(owner, handle)
    return handle.lock
  }

  return ledger
}
