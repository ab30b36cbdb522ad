/**
 * The ledger contract: what every Ledger (SQLite, Redis) must do, as one
 * suite run against each. A harness opens a fresh store and simulates what
 * only the store itself can (a run that died mid-send, a lock lost).
 */
import { hostname } from 'node:os'
import { shownHost } from '../../src/distribute/queue/queue-lock.js'
import { afterEach, describe, expect, test } from 'vitest'
import { LockedError } from '../../src/errors.js'
import type { Ledger, LedgerLock, LedgerRow, QueuedJob } from '../../src/distribute/queue/ledger.js'
import { HOUR, LIFT } from './fixtures/office.js'

/** One empty store and ways to reach it. */
export interface LedgerStore {
  /** Another handle on the same store, as another process (or machine) would open it. */
  open(): Promise<Ledger>
  /** Leave these rows `sending` under a run that died without releasing anything. */
  leaveInFlight(keys: readonly string[]): Promise<void>
  /** A handle and a lock it no longer holds (taken over, or its lease ran out). */
  lostLock(): Promise<{ ledger: Ledger; lock: LedgerLock }>
}

/** How to run the contract against one ledger implementation. */
export interface LedgerHarness {
  readonly name: string
  /** True when several sessions may send at once, claiming rows one by one (Redis); false when a session is the exclusive lock (SQLite). */
  readonly sharedSessions: boolean
  /** A fresh, empty store. */
  fresh(): Promise<LedgerStore>
  /** Close every handle the harness opened (after each test). */
  cleanup(): Promise<void>
}

/** A job of release `s` (or `extra.slug`). */
export function job(email: string, vetted: boolean, sendAt: number, extra: Partial<QueuedJob> = {}): QueuedJob {
  const slug = extra.slug ?? 's'
  return {
    key: `${slug}/${email}`,
    slug,
    email,
    name: email,
    lng: 'en',
    wanted: 'en',
    vetted,
    sendAt,
    lift: LIFT,
    messageId: `<${email}@x>`,
    ...extra,
  }
}

async function collect(rows: AsyncIterable<LedgerRow>): Promise<string[]> {
  const keys: string[] = []
  for await (const row of rows) keys.push(row.key)
  return keys
}

/** The rule SQLite enforces with a CHECK and Redis in every script. */
function expectNoUnvettedBeforeLift(rows: readonly LedgerRow[]): void {
  for (const row of rows) {
    if (!row.vetted && row.lift !== undefined && !['sent', 'failed', 'cancelled'].includes(row.state))
      expect(row.dueAt, row.key).toBeGreaterThanOrEqual(row.lift)
  }
}

/**
 * Define the contract tests for one implementation.
 *
 * @param h
 *   The harness.
 */
export function ledgerContract(h: LedgerHarness): void {
  describe(`ledger contract: ${h.name}`, () => {
    afterEach(async () => {
      await h.cleanup()
    })

    test('planning is idempotent, never resets sent rows, never moves an unvetted row before the lift', async () => {
      const ledger = await (await h.fresh()).open()
      const now = LIFT - 1000
      expect(await ledger.enqueue('s', [job('a@x.com', true, now), job('b@x.com', false, now)], now)).toEqual({
        added: 2,
        updated: 0,
        kept: 0,
        cancelled: 0,
      })
      expect(await ledger.get('s/b@x.com')).toMatchObject({
        state: 'planned',
        sendAt: LIFT,
        dueAt: LIFT,
        vetted: false,
        lift: LIFT,
        attempts: 0,
        recoveries: 0,
        plannedAt: now,
      })
      expect(await ledger.get('s/nobody@x.com')).toBeUndefined()

      const lock = await ledger.lock({ now })
      expect(await ledger.claim('s/a@x.com', lock, now)).toBe(true)
      await ledger.markSent('s/a@x.com', { response: '250 OK' }, now)
      expect(await ledger.enqueue('s', [job('a@x.com', true, now), job('b@x.com', false, now)], now)).toEqual({
        added: 0,
        updated: 0,
        kept: 2,
        cancelled: 0,
      })
      expect(await ledger.enqueue('s', [job('b@x.com', false, LIFT - 5000)], now)).toMatchObject({ kept: 1 })
      expect((await ledger.get('s/b@x.com'))!.dueAt).toBe(LIFT)
      await ledger.enqueue('s', [job('a@x.com', true, LIFT + 5000), job('b@x.com', false, LIFT + 5000)], now)
      expect(await ledger.get('s/a@x.com')).toMatchObject({ state: 'sent', attempts: 1, response: '250 OK', sentAt: now })
      expect((await ledger.get('s/b@x.com'))!.dueAt).toBe(LIFT + 5000)
      expect(await ledger.enqueue('s', [job('a@x.com', true, now)], now, { cancelMissing: true })).toMatchObject({ cancelled: 1 })
      expect((await ledger.get('s/b@x.com'))!.state).toBe('cancelled')
      expect((await ledger.rows()).length).toBe(2)
      await expect(ledger.enqueue('s', [job('c@x.com', true, now, { slug: 't' })], now)).rejects.toThrow(/not of release s/)
      expectNoUnvettedBeforeLift(await ledger.rows())
      await lock.release()
    })

    test('state machine: claim needs the lock; deferred, failed, hold; stats and next due', async () => {
      const ledger = await (await h.fresh()).open()
      const now = LIFT + 1000
      await ledger.enqueue(
        's',
        ['a', 'b', 'c', 'd'].map((n) => job(`${n}@x.com`, false, now)),
        now,
      )
      const lock = await ledger.lock({ now })
      expect(lock.recovered).toBe(0)
      for (const k of ['a', 'b', 'c']) expect(await ledger.claim(`s/${k}@x.com`, lock, now)).toBe(true)
      expect(await ledger.claim('s/a@x.com', lock, now)).toBe(false)
      expect(await ledger.get('s/a@x.com')).toMatchObject({ state: 'sending', attempts: 1 })
      await ledger.markSent('s/a@x.com', { response: '250' }, now)
      await ledger.markDeferred('s/b@x.com', { error: '451 later', responseCode: 451 }, now + 60_000, now)
      await ledger.markFailed('s/c@x.com', { error: '550 no such user', responseCode: 550 }, now)
      const stats = await ledger.stats()
      expect(stats.counts).toMatchObject({ sent: 1, deferred: 1, failed: 1, planned: 1, sending: 0, unknown: 0, cancelled: 0 })
      expect(stats.bySlug).toEqual({ s: { planned: 1, sending: 0, deferred: 1, unknown: 0, sent: 1, failed: 1, cancelled: 0 } })
      expect(stats.nextDue).toBe(now)
      expect(await collect(ledger.due(() => now, { pageSize: 1 }))).toEqual(['s/d@x.com'])
      expect(await collect(ledger.due(() => now + 60_000, { pageSize: 1 }))).toEqual(['s/b@x.com', 's/d@x.com'])
      await ledger.hold('s/d@x.com', now + 5000, now)
      expect((await ledger.get('s/d@x.com'))!.dueAt).toBe(now + 5000)
      expect(await ledger.get('s/b@x.com')).toMatchObject({ state: 'deferred', dueAt: now + 60_000, error: '451 later', responseCode: 451 })
      expect(await ledger.get('s/c@x.com')).toMatchObject({ state: 'failed', error: '550 no such user', responseCode: 550 })
      // Outcomes only apply to rows in flight: a sent row cannot be deferred or failed afterwards.
      await ledger.markDeferred('s/a@x.com', { error: 'late' }, now, now)
      await ledger.markFailed('s/a@x.com', { error: 'late' }, now)
      expect(await ledger.get('s/a@x.com')).toMatchObject({ state: 'sent', response: '250' })
      expect((await ledger.get('s/a@x.com'))!.error).toBeUndefined()
      await lock.release()
      expect(await ledger.claim('s/d@x.com', lock, now)).toBe(false)
    })

    test('re-planning: cancelled rows come back, failed ones only with retryFailed, deferred keep their retry time, Message-IDs stay', async () => {
      const ledger = await (await h.fresh()).open()
      const now = LIFT + 1000
      const plan = (sendAt: number, extra: Partial<QueuedJob> = {}): QueuedJob[] =>
        ['a', 'b', 'c'].map((n) => job(`${n}@x.com`, false, sendAt, extra))
      await ledger.enqueue('s', plan(now), now)
      const lock = await ledger.lock({ now })
      await ledger.claim('s/a@x.com', lock, now)
      await ledger.markFailed('s/a@x.com', { error: '550 gone', responseCode: 550 }, now)
      await ledger.claim('s/b@x.com', lock, now)
      await ledger.markDeferred('s/b@x.com', { error: '451' }, now + 60_000, now)
      await ledger.cancel('s/c@x.com', 'suppressed', now)
      expect(await ledger.get('s/c@x.com')).toMatchObject({ state: 'cancelled', error: 'suppressed' })
      expect(await ledger.enqueue('s', plan(now, { messageId: '<other@x>' }), now + 1)).toEqual({
        added: 0,
        updated: 1,
        kept: 2,
        cancelled: 0,
      })
      expect(await ledger.get('s/c@x.com')).toMatchObject({ state: 'planned', messageId: '<c@x.com@x>', updatedAt: now + 1 })
      expect((await ledger.get('s/c@x.com'))!.error).toBeUndefined()
      expect(await ledger.get('s/b@x.com')).toMatchObject({ state: 'deferred', dueAt: now + 60_000 })
      expect(await ledger.enqueue('s', plan(now + 120_000), now)).toMatchObject({ updated: 2, kept: 1 })
      expect(await ledger.get('s/b@x.com')).toMatchObject({ state: 'deferred', dueAt: now + 120_000 })
      expect(await ledger.enqueue('s', plan(now), now, { retryFailed: true })).toMatchObject({ updated: 3 })
      expect(await ledger.get('s/a@x.com')).toMatchObject({ state: 'planned', attempts: 1, dueAt: now })
      expect((await ledger.get('s/a@x.com'))!.error).toBeUndefined()
      // cancelMissing leaves in-flight and unknown rows alone.
      await ledger.claim('s/a@x.com', lock, now)
      expect(await ledger.enqueue('s', [], now, { cancelMissing: true })).toEqual({ added: 0, updated: 0, kept: 0, cancelled: 2 })
      expect((await ledger.get('s/a@x.com'))!.state).toBe('sending')
      await lock.release()
    })

    test('after the plan: versions, a lost 250 is unknown, requeue, notice rows beside release rows, plan records', async () => {
      const ledger = await (await h.fresh()).open()
      const now = LIFT - HOUR
      await ledger.enqueue(
        's',
        [job('a@x.com', true, now), job('b@x.com', true, now), job('c@x.com', false, now), job('d@x.com', true, now)],
        now,
      )
      const lock = await ledger.lock({ now })
      for (const k of ['a', 'b', 'd']) expect(await ledger.claim(`s/${k}@x.com`, lock, now)).toBe(true)
      await ledger.markSent('s/a@x.com', { response: '250', version: `embargoed@${new Date(LIFT).toISOString()}` }, now)
      // The connection dropped after the whole message went out: unknown, due again, with the same Message-ID.
      await ledger.markDeferred('s/b@x.com', { error: 'Connection closed' }, now + 1000, now, { uncertain: true })
      await ledger.markFailed('s/d@x.com', { error: 'gave up after 8 attempts' }, now)
      expect(await ledger.get('s/a@x.com')).toMatchObject({
        state: 'sent',
        version: `embargoed@${new Date(LIFT).toISOString()}`,
        kind: 'release',
        change: '',
      })
      expect(await ledger.get('s/b@x.com')).toMatchObject({ state: 'unknown', recoveries: 1, dueAt: now + 1000, messageId: '<b@x.com@x>' })
      // requeue: failed (and deferred) rows back to planned, due now, attempts from 0; an unvetted row not before its lift.
      expect(await ledger.requeue('s', ['failed'], now + 5)).toEqual(['s/d@x.com'])
      expect(await ledger.get('s/d@x.com')).toMatchObject({ state: 'planned', attempts: 0, dueAt: now + 5 })
      expect((await ledger.get('s/d@x.com'))!.error).toBeUndefined()
      // A notice row of the same release is not cancelled by re-planning the release's own rows.
      await ledger.enqueue(
        's',
        [
          job('a@x.com', true, now, {
            key: 's#moved-x/a@x.com',
            kind: 'notice',
            change: 'moved-x',
            payload: '{"old":1}',
            lift: undefined,
            messageId: '<n@x>',
          }),
        ],
        now,
      )
      await ledger.enqueue('s', [job('c@x.com', false, now)], now, { cancelMissing: true })
      expect(await ledger.get('s#moved-x/a@x.com')).toMatchObject({
        state: 'planned',
        kind: 'notice',
        change: 'moved-x',
        payload: '{"old":1}',
      })
      expect((await ledger.get('s/d@x.com'))!.state).toBe('cancelled')
      // Plan records.
      expect(await ledger.plan('s')).toBeUndefined()
      await ledger.setPlan('s', { plannedAt: now, at: LIFT })
      await ledger.setPlan('t', { plannedAt: now, withdrawnAt: now })
      expect(await ledger.plan('s')).toEqual({ plannedAt: now, at: LIFT })
      expect(await ledger.plans()).toEqual([
        { slug: 's', plan: { plannedAt: now, at: LIFT } },
        { slug: 't', plan: { plannedAt: now, withdrawnAt: now } },
      ])
      await lock.release()
    })

    test('an unvetted row is never due before its lift: deferral and hold cannot pull it earlier', async () => {
      const ledger = await (await h.fresh()).open()
      await ledger.enqueue('s', [job('x@x.com', false, LIFT - 5000)], LIFT - 10_000)
      expect((await ledger.get('s/x@x.com'))!.dueAt).toBe(LIFT)
      expect(await collect(ledger.due(() => LIFT - 1))).toEqual([])
      const lock = await ledger.lock({ now: LIFT })
      expect(await ledger.claim('s/x@x.com', lock, LIFT)).toBe(true)
      await ledger.markDeferred('s/x@x.com', { error: '451' }, LIFT - 1000, LIFT)
      expect((await ledger.get('s/x@x.com'))!.dueAt).toBe(LIFT)
      await ledger.hold('s/x@x.com', LIFT - 9999, LIFT)
      expect((await ledger.get('s/x@x.com'))!.dueAt).toBe(LIFT)
      await ledger.hold('s/x@x.com', LIFT + 5, LIFT)
      expect(await collect(ledger.due(() => LIFT))).toEqual([])
      expect(await collect(ledger.due(() => LIFT + 5))).toEqual(['s/x@x.com'])
      expectNoUnvettedBeforeLift(await ledger.rows())
      await lock.release()
    })

    test('rows, per-release stats and due, lifts', async () => {
      const ledger = await (await h.fresh()).open()
      const now = LIFT - HOUR
      await ledger.enqueue('s', [job('a@x.com', true, now), job('b@x.com', true, now)], now)
      await ledger.enqueue('t', [job('c@x.com', false, 0, { slug: 't', lift: LIFT + HOUR })], now)
      expect((await ledger.rows()).map((r) => r.key)).toEqual(['s/a@x.com', 's/b@x.com', 't/c@x.com'])
      expect((await ledger.rows()).map((r) => r.seq)).toEqual([...(await ledger.rows()).map((r) => r.seq)].sort((x, y) => x - y))
      expect((await ledger.rows({ slug: 't' })).map((r) => r.key)).toEqual(['t/c@x.com'])
      expect((await ledger.rows({ states: ['planned'], limit: 2 })).map((r) => r.key)).toEqual(['s/a@x.com', 's/b@x.com'])
      expect(await ledger.rows({ states: [] })).toEqual([])
      expect(await ledger.rows({ limit: 0 })).toEqual([])
      const lock = await ledger.lock({ now })
      await ledger.claim('s/a@x.com', lock, now)
      await ledger.markSent('s/a@x.com', { response: '250' }, now)
      expect((await ledger.rows({ states: ['sent', 'failed'] })).map((r) => r.key)).toEqual(['s/a@x.com'])
      expect((await ledger.rows({ slug: 's', states: ['planned'] })).map((r) => r.key)).toEqual(['s/b@x.com'])
      const s = await ledger.stats('s')
      expect(s.counts).toMatchObject({ sent: 1, planned: 1 })
      expect(Object.keys(s.bySlug)).toEqual(['s'])
      expect(s.nextDue).toBe(now)
      expect((await ledger.stats('t')).nextDue).toBe(LIFT + HOUR)
      expect((await ledger.stats('nothing')).nextDue).toBeUndefined()
      expect(Object.keys((await ledger.stats()).bySlug).sort()).toEqual(['s', 't'])
      expect(await ledger.lifts(0)).toEqual([
        { slug: 's', lift: LIFT },
        { slug: 't', lift: LIFT + HOUR },
      ])
      expect(await ledger.lifts(LIFT)).toEqual([{ slug: 't', lift: LIFT + HOUR }])
      expect(await collect(ledger.due(() => LIFT, { slug: 't' }))).toEqual([])
      expect(await collect(ledger.due(() => LIFT + HOUR, { slug: 't' }))).toEqual(['t/c@x.com'])
      expect(await collect(ledger.due(() => LIFT + HOUR))).toEqual(['s/b@x.com', 't/c@x.com'])
      await lock.release()
    })

    test('due() streams a long list a page at a time, in row order, skipping long runs of rows not due yet', async () => {
      const ledger = await (await h.fresh()).open()
      const now = LIFT - HOUR
      // Unvetted rows wait for the lift; a vetted one every 50 rows, then a vetted tail.
      const jobs = Array.from({ length: 2200 }, (_, i) => job(`r${i}@x.com`, i % 50 === 0 || i >= 2100, now))
      expect(await ledger.enqueue('s', jobs, now)).toMatchObject({ added: 2200 })
      const due = await collect(ledger.due(() => now, { pageSize: 30 }))
      expect(due).toEqual(jobs.filter((j) => j.vetted).map((j) => j.key))
      expect(await collect(ledger.due(() => LIFT))).toHaveLength(2200)
    })

    test('lock() is exclusive: a second lock while the first is live fails with LockedError (exit 75), and is free again once released', async () => {
      const store = await h.fresh()
      const one = await store.open()
      const two = await store.open()
      const lock = await one.lock({ now: 0 })
      const error = await two.lock({ now: 0 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(LockedError)
      expect((error as LockedError).code).toBe('PRESS_LOCKED')
      expect((error as LockedError).exitCode).toBe(75)
      expect((error as LockedError).message).toMatch(
        /^Another dispatch is already sending from .* \(pid \d+ on .*, since \d{4}-\d\d-\d\dT.*Z\)\. Wait for it to finish, or run with `--wait` to queue behind it\./,
      )
      await expect(two.session({ now: 0 })).rejects.toBeInstanceOf(LockedError)
      // With `wait`, the second is told once who has it, and gets it when it is released.
      const told: Array<{ pid: number; host: string }> = []
      let isWaiting!: () => void
      const waitBegan = new Promise<void>((resolve) => (isWaiting = resolve))
      const waiting = two.lock({ now: 0, wait: true, pollMs: 20, onWait: (holder) => (told.push(holder), isWaiting()) })
      await waitBegan
      await new Promise((resolve) => setTimeout(resolve, 100)) // several more polls: still told only once
      await lock.release()
      const next = await waiting
      expect(told).toEqual([expect.objectContaining({ pid: process.pid })])
      expect(shownHost(told[0]!.host)).toBe(hostname())
      expect(next.lost).toBe(false)
      await next.release()
    })

    if (h.sharedSessions) {
      test('several sessions at once: every row is claimed by exactly one of them', async () => {
        const store = await h.fresh()
        const handles = await Promise.all([store.open(), store.open(), store.open()])
        const now = LIFT
        const keys = Array.from({ length: 60 }, (_, i) => `s/r${i}@x.com`)
        await handles[0]!.enqueue(
          's',
          keys.map((_, i) => job(`r${i}@x.com`, true, now)),
          now,
        )
        const locks = await Promise.all(handles.map((l) => l.session({ now })))
        expect(new Set(locks.map((l) => l.owner)).size).toBe(3)
        const wins = await Promise.all(handles.map((l, i) => Promise.all(keys.map((k) => l.claim(k, locks[i]!, now)))))
        for (let k = 0; k < keys.length; k++) expect(wins.filter((w) => w[k]).length, keys[k]).toBe(1)
        for (const row of await handles[0]!.rows()) expect(row).toMatchObject({ state: 'sending', attempts: 1 })
        await expect(handles[0]!.lock({ now })).resolves.toBeDefined()
        for (const lock of locks) await lock.release()
      })
    } else {
      test('one session at a time: a session is the exclusive lock', async () => {
        const store = await h.fresh()
        const one = await store.open()
        const two = await store.open()
        const session = await one.session({ now: 0 })
        await expect(two.session({ now: 0 })).rejects.toBeInstanceOf(LockedError)
        await expect(two.lock({ now: 0 })).rejects.toBeInstanceOf(LockedError)
        await session.release()
      })
    }

    test('rows left in flight by a run that died become unknown at the next lock and are claimable again, same Message-ID', async () => {
      const store = await h.fresh()
      const ledger = await store.open()
      await ledger.enqueue('s', [job('a@x.com', true, 0), job('b@x.com', true, 0)], 0)
      await store.leaveInFlight(['s/a@x.com'])
      expect(await ledger.get('s/a@x.com')).toMatchObject({ state: 'sending', attempts: 1 })
      const lock = await ledger.lock({ now: 5 })
      expect(lock.recovered).toBe(1)
      expect(await ledger.get('s/a@x.com')).toMatchObject({
        state: 'unknown',
        recoveries: 1,
        attempts: 1,
        messageId: '<a@x.com@x>',
        updatedAt: 5,
      })
      expect(await ledger.get('s/b@x.com')).toMatchObject({ state: 'planned', recoveries: 0 })
      expect((await ledger.stats()).counts).toMatchObject({ unknown: 1, planned: 1, sending: 0 })
      expect(await collect(ledger.due(() => 5))).toEqual(['s/a@x.com', 's/b@x.com'])
      expect(await ledger.claim('s/a@x.com', lock, 6)).toBe(true)
      await ledger.markSent('s/a@x.com', { response: '250' }, 6)
      expect(await ledger.get('s/a@x.com')).toMatchObject({ state: 'sent', attempts: 2, recoveries: 1 })
      await lock.release()
    })

    test('a run that lost its lock cannot claim, and finds out', async () => {
      const store = await h.fresh()
      const ledger = await store.open()
      await ledger.enqueue('s', [job('a@x.com', true, 0)], 0)
      const lost = await store.lostLock()
      expect(await lost.ledger.claim('s/a@x.com', lost.lock, 0)).toBe(false)
      // The refused claim itself tells: no heartbeat needed.
      expect(lost.lock.lost).toBe(true)
      expect(await lost.ledger.claim('s/a@x.com', lost.lock, 0)).toBe(false)
      expect((await ledger.get('s/a@x.com'))!.state).toBe('planned')
    })
  })
}
