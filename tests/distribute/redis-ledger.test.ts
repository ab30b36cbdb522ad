/**
 * The Redis ledger against a real redis-server on loopback: the ledger
 * contract (also run against SQLite, so both stay alike), then what only a
 * shared queue has: several dispatchers (runDue) sending one distribution
 * exactly once, a dispatcher frozen mid-run whose in-flight rows another one
 * resends as `unknown` with the same Message-ID, late reports of a session
 * that lost its rows, stale claims, and openQueueLedger.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, test } from 'vitest'
import { deadPid } from '../helpers/dead-pid.js'
import { lockHost } from '../../src/distribute/queue/queue-lock.js'
import { UsageError } from '../../src/errors.js'
import { schedule } from '../../src/distribute/commands.js'
import { LockLostError, runDue, type RunDueDeps, type RunReport } from '../../src/distribute/dispatch.js'
import type { Mailer, Receipt } from '../../src/distribute/mailer.js'
import type { OutgoingMessage } from '../../src/distribute/compose.js'
import type { Ledger, LedgerLock } from '../../src/distribute/queue/ledger.js'
import { openQueueLedger } from '../../src/distribute/queue/open-queue-ledger.js'
import { openRedisLedger, QueueUnavailableError, type RedisLedgerOptions } from '../../src/distribute/queue/redis-ledger.js'
import { openSqliteLedger } from '../../src/distribute/queue/sqlite-ledger.js'
import { useRedisServer } from '../helpers/redis-server.js'
import { crowd, fakeContent, LIFT, makeContext, makeOffice, makeRelease, mailConfig } from './fixtures/office.js'
import { job, ledgerContract, type LedgerHarness } from './ledger-contract.js'

const redisServer = useRedisServer()
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

let prefixes = 0
/** A key prefix no other test uses: one fresh store per test on the one server. */
const freshPrefix = (): string => `t${process.pid}-${++prefixes}`

const opened: Ledger[] = []
async function closeOpened(): Promise<void> {
  for (const l of opened.splice(0)) await l.close()
}
afterEach(closeOpened)

async function redisHandle(prefix: string, options: RedisLedgerOptions = {}): Promise<Ledger> {
  const ledger = await openRedisLedger(`${redisServer().url}?prefix=${prefix}`, options)
  opened.push(ledger)
  return ledger
}

/** A ledger whose dispatcher froze: no heartbeat, so its lease runs out after `leaseMs`. */
const frozen = (leaseMs: number): RedisLedgerOptions => ({ leaseMs, heartbeatMs: 3_600_000 })

/** Wait until Redis expired the session of `lock` (its lease ran out), polling its key. */
async function leaseGone(prefix: string, lock: LedgerLock): Promise<void> {
  const raw = new Redis(redisServer().url)
  try {
    for (let i = 0; i < 500; i++) {
      if ((await raw.exists(`{${prefix}}:o:${lock.owner}`)) === 0) return
      await sleep(20)
    }
    throw new Error('the lease never ran out')
  } finally {
    raw.disconnect()
  }
}

const redisHarness: LedgerHarness = {
  name: 'redis',
  sharedSessions: true,
  async fresh() {
    const prefix = freshPrefix()
    return {
      open: () => redisHandle(prefix),
      async leaveInFlight(keys) {
        const ghost = await redisHandle(prefix, frozen(400))
        const lock = await ghost.lock({ now: 0 })
        for (const key of keys) expect(await ghost.claim(key, lock, 0)).toBe(true)
        await leaseGone(prefix, lock)
      },
      async lostLock() {
        const ledger = await redisHandle(prefix, frozen(200))
        const lock = await ledger.lock({ now: 0 })
        await leaseGone(prefix, lock)
        return { ledger, lock }
      },
    }
  },
  cleanup: closeOpened,
}

const sqliteHarness: LedgerHarness = {
  name: 'sqlite',
  sharedSessions: false,
  async fresh() {
    const path = join(makeOffice().statePath, 'queue.db')
    const open = (options = {}): Ledger => {
      const ledger = openSqliteLedger(path, options)
      opened.push(ledger)
      return ledger
    }
    return {
      open: async () => open(),
      async leaveInFlight(keys) {
        const db = new Database(path)
        db.prepare("INSERT OR REPLACE INTO locks VALUES ('dispatch', 'ghost', ?, ?, 0, 1e15)").run(deadPid(), lockHost)
        for (const key of keys) db.prepare("UPDATE sends SET state = 'sending', attempts = attempts + 1 WHERE key = ?").run(key)
        db.close()
      },
      async lostLock() {
        // No heartbeat in the test's time: only the refused claim can tell the lock is lost.
        const ledger = open({ staleLockMs: 1000, heartbeatMs: 3_600_000 })
        const lock = await ledger.lock({ now: 0 })
        const db = new Database(path)
        db.prepare("UPDATE locks SET owner = 'thief'").run()
        db.close()
        return { ledger, lock }
      },
    }
  },
  cleanup: closeOpened,
}

ledgerContract(sqliteHarness)
ledgerContract(redisHarness)

const slug = '2031-03-14-water-report'

interface Delivery {
  readonly to: string
  readonly messageId: string
  readonly by: string
}

/** An in-memory transport; from message `hangFrom` on it takes the message and never answers until `wake()`. */
function memoryMailer(
  log: Delivery[],
  by: string,
  options: { delayMs?: number; hangFrom?: number } = {},
): Mailer & { hung: number; wake(): void } {
  let count = 0
  const waiting: Array<() => void> = []
  return {
    concurrency: 3,
    description: `memory:${by}`,
    get hung() {
      return waiting.length
    },
    wake() {
      for (const w of waiting.splice(0)) w()
    },
    async send(msg: OutgoingMessage): Promise<Receipt> {
      count++
      if (options.delayMs) await sleep(options.delayMs)
      log.push({ to: msg.to, messageId: msg.messageId, by })
      // The server has the message; the reply is lost in a frozen process.
      if (options.hangFrom !== undefined && count >= options.hangFrom) await new Promise<void>((r) => waiting.push(r))
      return { messageId: msg.messageId, response: `250 accepted by ${by}` }
    },
    async close() {},
  }
}

/** Plan the release for `people` into `ledger`, as `press schedule` does. */
async function planInto(
  ledger: Ledger,
  n: number,
  domain: string,
): Promise<{ office: ReturnType<typeof makeOffice>; deps: Omit<RunDueDeps, 'ledger' | 'lock' | 'mailer'> }> {
  const office = makeOffice()
  const release = makeRelease({ embargo: false })
  const ctx = makeContext(office, [release], crowd(n, domain), 'json', { clock: { t: LIFT }, ledger })
  expect((await schedule(ctx, slug, LIFT)).enqueued.added).toBe(n)
  const config = mailConfig('json')
  return {
    office,
    deps: {
      content: fakeContent(office.files),
      compose: { from: config.from, unsubscribe: config.unsubscribe },
      releases: (s) => (s === slug ? release : undefined),
      now: () => LIFT,
      concurrency: 3,
    },
  }
}

function byRecipient(log: readonly Delivery[]): Map<string, Delivery[]> {
  const map = new Map<string, Delivery[]>()
  for (const d of log) map.set(d.to, [...(map.get(d.to) ?? []), d])
  return map
}

describe('redis ledger: several dispatchers on one queue', () => {
  test('three dispatchers (runDue, own connections) send every message exactly once', async () => {
    const prefix = freshPrefix()
    const handles = [await redisHandle(prefix), await redisHandle(prefix), await redisHandle(prefix)]
    const n = 90
    const { deps } = await planInto(handles[0]!, n, 'many.example')
    const log: Delivery[] = []
    const locks = await Promise.all(handles.map((l) => l.session({ now: LIFT })))
    const reports: RunReport[] = await Promise.all(
      handles.map((ledger, i) => runDue({ ...deps, ledger, lock: locks[i]!, mailer: memoryMailer(log, `d${i}`, { delayMs: 3 }) })),
    )
    for (const lock of locks) await lock.release()

    expect(log).toHaveLength(n)
    expect(new Set(log.map((d) => d.to)).size).toBe(n)
    expect(reports.reduce((sum, r) => sum + r.sent, 0)).toBe(n)
    expect(reports.reduce((sum, r) => sum + r.attempted, 0)).toBe(n)
    // They really shared the work.
    expect(reports.filter((r) => r.sent > 0).length).toBeGreaterThanOrEqual(2)
    const rows = await handles[1]!.rows()
    expect(rows).toHaveLength(n)
    for (const row of rows) expect(row).toMatchObject({ state: 'sent', attempts: 1, recoveries: 0 })
    const stats = await handles[2]!.stats(slug)
    expect(stats.counts).toMatchObject({ sent: n, planned: 0, sending: 0 })
    expect(stats.nextDue).toBeUndefined()
    for (const r of reports) expect(r.nextDue).toBeUndefined()
  })

  test('a dispatcher frozen mid-run loses its lease; another resends its in-flight rows as unknown with the same Message-ID, nothing else twice', async () => {
    const prefix = freshPrefix()
    const a = await redisHandle(prefix, frozen(1_200))
    const b = await redisHandle(prefix)
    const n = 30
    const { deps } = await planInto(b, n, 'crash.example')
    const log: Delivery[] = []
    const mailerA = memoryMailer(log, 'A', { hangFrom: 6 })

    const lockA = await a.session({ now: LIFT })
    const runA = runDue({ ...deps, ledger: a, lock: lockA, mailer: mailerA })
    for (let i = 0; i < 500 && mailerA.hung < 3; i++) await sleep(10)
    expect(mailerA.hung).toBe(3) // A's pool is full of sends whose replies never come
    expect((await b.stats(slug)).counts).toMatchObject({ sent: 5, sending: 3 })

    // A is frozen: no heartbeat. Until its lease runs out, B sees A's rows as in flight and leaves them.
    expect(await b.session({ now: LIFT }).then((l) => l.release().then(() => l.recovered))).toBe(0)
    await leaseGone(prefix, lockA)
    const lockB = await b.session({ now: LIFT })
    expect(lockB.recovered).toBe(3)
    const reportB = await runDue({ ...deps, ledger: b, lock: lockB, mailer: memoryMailer(log, 'B') })
    await lockB.release()
    expect(reportB).toMatchObject({ recovered: 3, sent: n - 5, failed: 0 })

    // A wakes up: its late replies must not change rows B now owns, and it stops claiming.
    mailerA.wake()
    const [settled] = await Promise.allSettled([runA])
    if (settled!.status === 'rejected') expect(settled!.reason).toBeInstanceOf(LockLostError)
    expect(lockA.lost).toBe(true)

    const deliveries = byRecipient(log)
    expect(deliveries.size).toBe(n)
    const twice = [...deliveries].filter(([, d]) => d.length > 1)
    expect(twice).toHaveLength(3)
    for (const [to, d] of twice) {
      expect(
        d.map((x) => x.by),
        to,
      ).toEqual(['A', 'B'])
      expect(d[0]!.messageId, to).toBe(d[1]!.messageId)
    }
    const rows = await b.rows()
    expect(rows.every((r) => r.state === 'sent')).toBe(true)
    const recovered = rows.filter((r) => r.recoveries > 0)
    expect(recovered.map((r) => r.email).sort()).toEqual(twice.map(([to]) => to).sort())
    for (const r of recovered) expect(r).toMatchObject({ attempts: 2, recoveries: 1, response: '250 accepted by B' })
    for (const r of rows.filter((x) => x.recoveries === 0)) expect(r.attempts).toBe(1)
  })

  test('a late report from a session that lost its row does not touch the row another session reclaimed', async () => {
    const prefix = freshPrefix()
    const a = await redisHandle(prefix, frozen(400))
    const b = await redisHandle(prefix)
    await b.enqueue('s', [job('a@x.com', true, LIFT), job('b@x.com', true, LIFT)], LIFT)
    const lockA = await a.session({ now: LIFT })
    expect(await a.claim('s/a@x.com', lockA, LIFT)).toBe(true)
    await leaseGone(prefix, lockA)
    const lockB = await b.session({ now: LIFT })
    expect(lockB.recovered).toBe(1)
    expect(await b.claim('s/a@x.com', lockB, LIFT + 1)).toBe(true)
    await a.markSent('s/a@x.com', { response: '250 late from A' }, LIFT + 2)
    await a.markDeferred('s/a@x.com', { error: '451 late from A' }, LIFT + 60_000, LIFT + 2)
    expect(await b.get('s/a@x.com')).toMatchObject({ state: 'sending', attempts: 2, recoveries: 1 })
    expect(await a.claim('s/b@x.com', lockA, LIFT)).toBe(false)
    expect(lockA.lost).toBe(true)
    await b.markSent('s/a@x.com', { response: '250 B' }, LIFT + 3)
    expect(await b.get('s/a@x.com')).toMatchObject({ state: 'sent', response: '250 B', sentAt: LIFT + 3 })
    await lockB.release()
  })

  test('a claim on a row another dispatcher changed since this one read it is refused (no retry before its backoff)', async () => {
    const prefix = freshPrefix()
    const a = await redisHandle(prefix)
    const b = await redisHandle(prefix)
    await a.enqueue('s', [job('a@x.com', true, LIFT)], LIFT)
    const [lockA, lockB] = [await a.session({ now: LIFT }), await b.session({ now: LIFT })]
    const seenByA: string[] = []
    for await (const row of a.due(() => LIFT)) seenByA.push(row.key)
    expect(seenByA).toEqual(['s/a@x.com'])
    expect(await b.claim('s/a@x.com', lockB, LIFT)).toBe(true)
    await b.markDeferred('s/a@x.com', { error: '451' }, LIFT + 60_000, LIFT)
    expect(await a.claim('s/a@x.com', lockA, LIFT)).toBe(false)
    // Read again (as runDue's in-run retry does), the row may be claimed.
    expect((await a.get('s/a@x.com'))!.state).toBe('deferred')
    expect(await a.claim('s/a@x.com', lockA, LIFT + 60_000)).toBe(true)
    expect(lockA.lost).toBe(false)
    await lockA.release()
    await lockB.release()
  })

  test('the simulated clock decides what is due; leases run on Redis time', async () => {
    const prefix = freshPrefix()
    const ledger = await redisHandle(prefix, { leaseMs: 500, heartbeatMs: 50 })
    await ledger.enqueue('s', [job('a@x.com', false, 0)], 0)
    const lock = await ledger.session({ now: LIFT - 1 })
    // Years from real time either way: only the caller's now counts for due.
    expect((await ledger.stats()).nextDue).toBe(LIFT)
    const at = async (t: number): Promise<number> => {
      let n = 0
      for await (const _ of ledger.due(() => t)) n++
      return n
    }
    expect(await at(LIFT - 1)).toBe(0)
    expect(await at(LIFT)).toBe(1)
    // The heartbeat keeps a live session's lease well past leaseMs.
    await sleep(900)
    expect(lock.lost).toBe(false)
    expect(await ledger.claim('s/a@x.com', lock, LIFT)).toBe(true)
    await lock.release()
  })
})

describe('openQueueLedger', () => {
  test('refuses a server that may evict any key (allkeys-*), as rows could vanish', async () => {
    const raw = new Redis(redisServer().url)
    try {
      await raw.config('SET', 'maxmemory-policy', 'allkeys-lru')
      await expect(openQueueLedger({ statePath: '/nonexistent', queueUrl: redisServer().url })).rejects.toThrow(
        /maxmemory-policy allkeys-lru.*noeviction/,
      )
    } finally {
      await raw.config('SET', 'maxmemory-policy', 'noeviction')
      raw.disconnect()
    }
  })

  test('SQLite in the state folder by default; Redis for a redis:// URL, shared between handles', async () => {
    const office = makeOffice()
    const local = await openQueueLedger({ statePath: office.statePath })
    await local.ledger.enqueue('s', [job('a@x.com', true, 0)], 0)
    await local.close()
    expect(existsSync(join(office.statePath, 'queue.db'))).toBe(true)
    const blank = await openQueueLedger({ statePath: office.statePath, queueUrl: '' })
    expect((await blank.ledger.rows()).map((r) => r.key)).toEqual(['s/a@x.com'])
    await blank.close()

    const url = `${redisServer().url}/0?prefix=${freshPrefix()}`
    const one = await openQueueLedger({ statePath: office.statePath, queueUrl: url })
    const two = await openQueueLedger({ statePath: office.statePath, queueUrl: url })
    try {
      await one.ledger.enqueue('s', [job('b@x.com', true, 0)], 0)
      expect((await two.ledger.rows()).map((r) => r.key)).toEqual(['s/b@x.com'])
    } finally {
      await one.close()
      await two.close()
    }
  })

  test('an unknown scheme is a usage error; an unreachable server fails fast without showing the password', async () => {
    await expect(openQueueLedger({ statePath: '/nonexistent', queueUrl: 'amqp://u:secret@host/q' })).rejects.toThrow(UsageError)
    await expect(openQueueLedger({ statePath: '/nonexistent', queueUrl: 'amqp://u:secret@host/q' })).rejects.toThrow(/u:\*\*\*\*@host/)
    const { createServer } = await import('node:net')
    const port = await new Promise<number>((resolve) => {
      const s = createServer()
      s.listen(0, '127.0.0.1', () => {
        const address = s.address()
        s.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
      })
    })
    // Fails rather than retrying forever (a hang would be the test's timeout), without the password.
    const error = await openQueueLedger({ statePath: '/nonexistent', queueUrl: `redis://user:hunter2@127.0.0.1:${port}` }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(QueueUnavailableError)
    expect((error as Error).message).toMatch(/Cannot reach the queue at redis:\/\/user:\*\*\*\*@127\.0\.0\.1/)
    expect((error as Error).message).not.toContain('hunter2')
  })
})
