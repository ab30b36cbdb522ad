import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, test } from 'vitest'
import { deadPid } from '../helpers/dead-pid.js'
import { LockedError } from '../../src/errors.js'
import type { Ledger } from '../../src/distribute/queue/ledger.js'
import { openSqliteLedger } from '../../src/distribute/queue/sqlite-ledger.js'
import { LIFT, makeOffice } from './fixtures/office.js'
import { job } from './ledger-contract.js'

const open: Ledger[] = []
function ledgerAt(path: string, options = {}): Ledger {
  const l = openSqliteLedger(path, options)
  open.push(l)
  return l
}
afterEach(async () => {
  for (const l of open.splice(0)) await l.close()
})

describe('sqlite ledger', () => {
  test('planning is idempotent, never resets sent rows, never moves an unvetted row before the lift', async () => {
    const path = join(makeOffice().statePath, 'queue.db')
    const ledger = ledgerAt(path)
    const now = LIFT - 1000
    expect(await ledger.enqueue('s', [job('a@x.com', true, now), job('b@x.com', false, now)], now)).toEqual({
      added: 2,
      updated: 0,
      kept: 0,
      cancelled: 0,
    })
    const b = await ledger.get('s/b@x.com')
    expect(b).toMatchObject({ state: 'planned', sendAt: LIFT, dueAt: LIFT, vetted: false })

    const lock = await ledger.lock({ now })
    expect(await ledger.claim('s/a@x.com', lock, now)).toBe(true)
    await ledger.markSent('s/a@x.com', { response: '250 OK' }, now)
    // Re-plan: the sent row is kept, the planned one unchanged, nothing duplicated.
    expect(await ledger.enqueue('s', [job('a@x.com', true, now), job('b@x.com', false, now)], now)).toEqual({
      added: 0,
      updated: 0,
      kept: 2,
      cancelled: 0,
    })
    // An --at before the lift for an unvetted row is clamped to the lift.
    expect(await ledger.enqueue('s', [job('b@x.com', false, LIFT - 5000)], now)).toMatchObject({ kept: 1 })
    expect((await ledger.get('s/b@x.com'))!.dueAt).toBe(LIFT)
    // A later --at moves it later; the sent row stays sent.
    await ledger.enqueue('s', [job('a@x.com', true, LIFT + 5000), job('b@x.com', false, LIFT + 5000)], now)
    expect(await ledger.get('s/a@x.com')).toMatchObject({ state: 'sent', attempts: 1, response: '250 OK' })
    expect((await ledger.get('s/b@x.com'))!.dueAt).toBe(LIFT + 5000)
    // Dropped from the plan (e.g. suppressed since): cancelled.
    expect(await ledger.enqueue('s', [job('a@x.com', true, now)], now, { cancelMissing: true })).toMatchObject({ cancelled: 1 })
    expect((await ledger.get('s/b@x.com'))!.state).toBe('cancelled')
    expect((await ledger.rows()).length).toBe(2)
    await lock.release()

    // The database itself refuses an unvetted row due before its lift.
    const db = new Database(path)
    expect(() => db.prepare("UPDATE sends SET state = 'planned', due_at = ? WHERE key = 's/b@x.com'").run(LIFT - 1)).toThrow(/CHECK/)
    db.close()
  })

  test('state machine: claim needs the lock; deferred, failed, hold; stats and next due', async () => {
    const ledger = ledgerAt(join(makeOffice().statePath, 'queue.db'))
    const now = LIFT + 1000
    await ledger.enqueue(
      's',
      ['a', 'b', 'c', 'd'].map((n) => job(`${n}@x.com`, false, now)),
      now,
    )
    const lock = await ledger.lock({ now })
    for (const k of ['a', 'b', 'c']) expect(await ledger.claim(`s/${k}@x.com`, lock, now)).toBe(true)
    expect(await ledger.claim('s/a@x.com', lock, now)).toBe(false) // already sending
    await ledger.markSent('s/a@x.com', { response: '250' }, now)
    await ledger.markDeferred('s/b@x.com', { error: '451 later', responseCode: 451 }, now + 60_000, now)
    await ledger.markFailed('s/c@x.com', { error: '550 no such user', responseCode: 550 }, now)
    const stats = await ledger.stats()
    expect(stats.counts).toMatchObject({ sent: 1, deferred: 1, failed: 1, planned: 1, sending: 0 })
    expect(stats.nextDue).toBe(now)
    const due = []
    for await (const row of ledger.due(() => now, { pageSize: 1 })) due.push(row.key)
    expect(due).toEqual(['s/d@x.com'])
    const later = []
    for await (const row of ledger.due(() => now + 60_000, { pageSize: 1 })) later.push(row.key)
    expect(later).toEqual(['s/b@x.com', 's/d@x.com'])
    await ledger.hold('s/d@x.com', now + 5000, now)
    expect((await ledger.get('s/d@x.com'))!.dueAt).toBe(now + 5000)
    expect(await ledger.get('s/c@x.com')).toMatchObject({ state: 'failed', error: '550 no such user', responseCode: 550 })
    await lock.release()
    // Without the lock, nothing can be claimed.
    expect(await ledger.claim('s/d@x.com', lock, now)).toBe(false)
  })

  test('a second lock fails with LockedError (exit 75) or waits', async () => {
    const path = join(makeOffice().statePath, 'queue.db')
    const one = ledgerAt(path)
    const two = ledgerAt(path)
    const lock = await one.lock({ now: 0 })
    const error = await two.lock({ now: 0 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LockedError)
    expect((error as LockedError).exitCode).toBe(75)
    expect((error as Error).message).toMatch(/Another dispatch is already sending .*pid \d+.*--wait/)
    const waiting = two.lock({ now: 0, wait: true, pollMs: 20 })
    setTimeout(() => void lock.release(), 100)
    const second = await waiting
    expect(second.owner).not.toBe(lock.owner)
    await second.release()
    await expect(two.lock({ now: 0, wait: true, timeoutMs: 0 })).resolves.toBeDefined()
  })

  test('a lock left by a dead process is taken over and its in-flight rows become unknown', async () => {
    const path = join(makeOffice().statePath, 'queue.db')
    const ledger = ledgerAt(path)
    await ledger.enqueue('s', [job('a@x.com', true, 0), job('b@x.com', true, 0)], 0)
    const db = new Database(path)
    db.prepare("INSERT INTO locks VALUES ('dispatch', 'ghost', ?, ?, 0, 1e15)").run(
      deadPid(),
      (await import('../../src/distribute/queue/queue-lock.js')).lockHost,
    )
    db.prepare("UPDATE sends SET state = 'sending', attempts = 1 WHERE key = 's/a@x.com'").run()
    db.close()
    const lock = await ledger.lock({ now: 5 })
    expect(lock.recovered).toBe(1)
    expect(await ledger.get('s/a@x.com')).toMatchObject({ state: 'unknown', recoveries: 1, attempts: 1, messageId: '<a@x.com@x>' })
    expect(await ledger.claim('s/a@x.com', lock, 6)).toBe(true)
    await lock.release()
  })

  test('a stale heartbeat is taken over; a fresh one from another host is not; a run that lost its lock cannot claim', async () => {
    const path = join(makeOffice().statePath, 'queue.db')
    const ledger = ledgerAt(path, { staleLockMs: 1000, heartbeatMs: 50 })
    await ledger.enqueue('s', [job('a@x.com', true, 0)], 0)
    const db = new Database(path)
    db.prepare(
      "INSERT INTO locks VALUES ('dispatch', 'other', 1, 'elsewhere', 0, CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER))",
    ).run()
    await expect(ledger.lock({ now: 0 })).rejects.toThrow(LockedError)
    db.prepare('UPDATE locks SET heartbeat_at = heartbeat_at - 5000').run()
    const lock = await ledger.lock({ now: 0 })
    // Someone else takes it over behind our back: the claim refuses, and the heartbeat notices.
    db.prepare("UPDATE locks SET owner = 'thief'").run()
    expect(await ledger.claim('s/a@x.com', lock, 0)).toBe(false)
    // The next heartbeat (every 50 ms) notices; however late it comes under load, wait for it.
    while (!lock.lost) await new Promise((r) => setTimeout(r, 10))
    expect(lock.lost).toBe(true)
    db.close()
  })

  test('group commit: concurrent sends share transactions; a settled write is committed, seen by another connection', async () => {
    const path = join(makeOffice().statePath, 'queue.db')
    const batches: number[] = []
    const ledger = ledgerAt(path, { onCommit: (writes: number) => batches.push(writes) })
    const other = ledgerAt(path)
    const now = LIFT + 1
    const emails = Array.from({ length: 200 }, (_, i) => `p${i}@x.com`)
    await ledger.enqueue(
      's',
      emails.map((e) => job(e, true, now)),
      now,
    )
    const lock = await ledger.lock({ now })
    let checked = 0
    await Promise.all(
      emails.map(async (email, i) => {
        expect(await ledger.claim(`s/${email}`, lock, now)).toBe(true)
        // Handed to SMTP only now: the claim is committed, another process sees `sending`.
        if (i % 20 === 0) expect((await other.get(`s/${email}`))!.state).toBe('sending')
        await new Promise((r) => setTimeout(r, i % 7))
        if (i % 3 === 0) await ledger.markSent(`s/${email}`, { response: '250 OK' }, now)
        else if (i % 3 === 1) await ledger.markDeferred(`s/${email}`, { error: '451 later', responseCode: 451 }, now + 1000, now)
        else await ledger.markFailed(`s/${email}`, { error: '550 no', responseCode: 550 }, now)
        // Reported sent only once `sent` is committed: a crash from here on cannot undo it.
        if (i % 30 === 0) {
          expect((await other.get(`s/${email}`))!.state).toBe('sent')
          checked++
        }
      }),
    )
    expect(checked).toBe(7)
    const writes = batches.reduce((a, b) => a + b, 0)
    expect(writes).toBe(400)
    expect(batches.length).toBeLessThan(100)
    expect((await other.stats()).counts).toMatchObject({ sent: 67, deferred: 67, failed: 66, sending: 0 })
    // A claim queued with a lost lock's token is refused inside the batch, like a single commit.
    await lock.release()
    expect(await ledger.claim('s/p1@x.com', lock, now + 2000)).toBe(false)
  })

  test('group commit: writes a few turns apart share the wait; a full batch does not wait', async () => {
    const path = join(makeOffice().statePath, 'queue.db')
    const batches: number[] = []
    const emails = Array.from({ length: 70 }, (_, i) => `q${i}@x.com`)
    const waiting = ledgerAt(path, { groupCommitMs: 200, onCommit: (writes: number) => batches.push(writes) })
    await waiting.enqueue(
      's',
      emails.map((e) => job(e, true, LIFT)),
      LIFT,
    )
    const lock = await waiting.lock({ now: LIFT })
    const first = waiting.claim('s/q0@x.com', lock, LIFT)
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setTimeout(r, 5))
    const second = waiting.claim('s/q1@x.com', lock, LIFT)
    expect(await Promise.all([first, second])).toEqual([true, true])
    expect(batches).toEqual([2])
    // 64 queued writes are committed at the next turn of the event loop, not after the 200 ms:
    // counted in turns, not in milliseconds, so a slow machine cannot make it pass or fail.
    const many = emails.slice(2, 66).map((email) => waiting.claim(`s/${email}`, lock, LIFT))
    const committed = Promise.all(many).then(() => 'committed')
    const turns = async (n: number): Promise<string> => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
      return 'still waiting after 3 turns'
    }
    expect(await Promise.race([committed, turns(3)])).toBe('committed')
    expect(await Promise.all(many)).toEqual(many.map(() => true))
    expect(batches).toEqual([2, 64])
    await lock.release()
  })

  test('indexes: an older file is migrated; sending and sent rows leave both indexes; due skips the sent history', async () => {
    const path = join(makeOffice().statePath, 'queue.db')
    // A queue as an older Pressroom left it: the same table, indexes on (state, due_at) and (slug, state).
    const first = ledgerAt(path)
    const now = LIFT + 1
    await first.enqueue(
      's',
      ['a', 'b', 'c', 'd'].map((n) => job(`${n}@x.com`, true, now)),
      now,
    )
    await first.enqueue(
      't',
      ['e', 'f'].map((n) => job(`${n}@x.com`, true, now, { key: `t/${n}@x.com`, slug: 't' })),
      now,
    )
    await first.close()
    const db = new Database(path)
    db.exec(
      'DROP INDEX sends_due; DROP INDEX sends_slug; CREATE INDEX sends_due ON sends(state, due_at); CREATE INDEX sends_slug ON sends(slug, state);',
    )
    db.close()

    const ledger = ledgerAt(path)
    const check = new Database(path, { readonly: true })
    const indexSql = (): Record<string, string> =>
      Object.fromEntries(
        check
          .prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
          .all()
          .map((r) => [r.name, r.sql]),
      )
    expect(indexSql()).toEqual({
      sends_due: "CREATE INDEX sends_due ON sends(due_at) WHERE state IN ('planned','deferred','unknown')",
      sends_slug: 'CREATE INDEX sends_slug ON sends(slug)',
    })
    // Opening again changes nothing.
    ledgerAt(path)
    expect(Object.keys(indexSql())).toEqual(['sends_due', 'sends_slug'])

    const lock = await ledger.lock({ now })
    for (const k of ['a', 'b', 'c']) expect(await ledger.claim(`s/${k}@x.com`, lock, now)).toBe(true)
    await ledger.markSent('s/a@x.com', { response: '250' }, now)
    await ledger.markDeferred('s/b@x.com', { error: '451', responseCode: 451 }, now + 10, now)
    // In the partial index: planned and deferred rows only (c is sending, a sent).
    const indexed = check.prepare<[], { key: string }>(
      `SELECT key FROM sends INDEXED BY sends_due WHERE state IN ('planned','deferred','unknown') AND due_at >= 0 ORDER BY key`,
    )
    expect(indexed.all().map((r) => r.key)).toEqual(['s/b@x.com', 's/d@x.com', 't/e@x.com', 't/f@x.com'])
    const keys = async (t: number, opts: { slug?: string; pageSize?: number } = {}): Promise<string[]> => {
      const out = []
      for await (const row of ledger.due(() => t, opts)) out.push(row.key)
      return out
    }
    expect(await keys(now, { pageSize: 1 })).toEqual(['s/d@x.com', 't/e@x.com', 't/f@x.com'])
    expect(await keys(now + 10, { pageSize: 2 })).toEqual(['s/b@x.com', 's/d@x.com', 't/e@x.com', 't/f@x.com'])
    expect(await keys(now + 10, { slug: 't' })).toEqual(['t/e@x.com', 't/f@x.com'])
    expect(await keys(now - 1)).toEqual([])
    expect((await ledger.stats('s')).counts).toMatchObject({ sent: 1, deferred: 1, sending: 1, planned: 1 })
    expect((await ledger.stats()).nextDue).toBe(now)
    check.close()
    await lock.release()
  })

  test('group commit: writes still queued at close are committed', async () => {
    const path = join(makeOffice().statePath, 'queue.db')
    const ledger = openSqliteLedger(path)
    await ledger.enqueue('s', [job('a@x.com', true, LIFT)], LIFT)
    const lock = await ledger.lock({ now: LIFT })
    expect(await ledger.claim('s/a@x.com', lock, LIFT)).toBe(true)
    const pending = ledger.markSent('s/a@x.com', { response: '250' }, LIFT)
    await ledger.close()
    await pending
    const again = ledgerAt(path)
    expect((await again.get('s/a@x.com'))!.state).toBe('sent')
  })
})
