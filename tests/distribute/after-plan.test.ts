/**
 * After the plan, the office stays the truth (SPEC §6.1), through the
 * library with a real SMTP sink on 127.0.0.1: a recipient removed from the
 * press list (or from the release's lists) between plan and dispatch is
 * cancelled with the reason; given-up rows come back with `press retry`;
 * a queue write that fails after the server said 250 leaves the message
 * `unknown` (never a plain retry), and the delivery record then settles it
 * without a second copy; a moved embargo tells vetted holders once.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { retryRelease } from '../../src/distribute/changes.js'
import { dispatch, planAndSend, status } from '../../src/distribute/commands.js'
import { loadDeliveries } from '../../src/distribute/deliveries.js'
import { LedgerWriteError } from '../../src/distribute/dispatch.js'
import { openRedisLedger } from '../../src/distribute/queue/redis-ledger.js'
import { openSqliteLedger } from '../../src/distribute/queue/sqlite-ledger.js'
import type { Recipient } from '../../src/types.js'
import { useRedisServer } from '../helpers/redis-server.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js'
import { HOUR, LIFT, makeContext, makeOffice, makeRelease, person, write } from './fixtures/office.js'

const vetEn = person('vet.en@example.com', 'en', true, { lists: ['health'] })
const vetRu = person('vet.ru@example.com', 'ru', true, { lists: ['health'] })
const genEn = person('gen.en@example.com', 'en', false, { lists: ['health'] })
const genRu = person('gen.ru@example.com', 'ru', false, { lists: ['health'] })

/** A TCP proxy to a local port that can drop every connection and refuse new ones for a while. */
async function startProxy(target: number): Promise<{ port: number; cut(ms: number): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  let downUntil = 0
  const server: Server = createServer((client) => {
    if (Date.now() < downUntil) return client.destroy()
    const upstream = createConnection({ host: '127.0.0.1', port: target })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    cut(ms) {
      downUntil = Date.now() + ms
      for (const s of sockets) s.destroy()
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

let sink: SmtpSink
beforeAll(async () => {
  sink = await startSmtpSink()
})
afterAll(async () => {
  await sink.close()
})
afterEach(() => {
  sink.messages.length = 0
  sink.faults.length = 0
  sink.hooks.beforeReply = undefined
})

describe('the press list as it is now', () => {
  test('a recipient removed from the list, or from the release’s lists, after planning is cancelled with the reason', async () => {
    const office = makeOffice()
    const release = makeRelease({ lists: ['health'] })
    let list: Recipient[] = [vetEn, genEn, genRu]
    const ctx = makeContext(office, [release], [], sink.url, { clock: { t: LIFT - HOUR }, recipients: () => list })
    await planAndSend(ctx, release.slug)
    expect(sink.messages.map((m) => m.to[0])).toEqual(['vet.en@example.com'])

    // Between plan and lift: gen.en leaves the list, gen.ru leaves the release's lists.
    list = [vetEn, { ...genRu, lists: ['wire'] }]
    ctx.clock.t = LIFT
    const run = await dispatch(ctx)
    expect(run.sent).toBe(0)
    expect(sink.messages).toHaveLength(1)
    const rows = await status(ctx)
    expect(rows.counts).toMatchObject({ sent: 1, cancelled: 2, planned: 0 })
    const ledger = openSqliteLedger(join(office.statePath, 'queue.db'))
    try {
      const cancelled = await ledger.rows({ states: ['cancelled'] })
      expect(Object.fromEntries(cancelled.map((r) => [r.email, r.error]))).toEqual({
        'gen.en@example.com': 'removed from the press list',
        'gen.ru@example.com': "no longer in the release's lists (health)",
      })
    } finally {
      await ledger.close()
    }
  })

  test('an address suppressed after planning is cancelled, not sent, also for a vetted recipient under embargo', async () => {
    const office = makeOffice()
    const release = makeRelease()
    const ctx = makeContext(office, [release], [vetEn, vetRu, genEn], sink.url, { clock: { t: LIFT - HOUR } })
    await planAndSend(ctx, release.slug, {})
    expect(sink.messages).toHaveLength(2)
    write(office.suppressionsPath, 'gen.en@example.com # unsubscribed, 2031-03-14T12:00:00Z\n')
    ctx.clock.t = LIFT
    expect(await dispatch(ctx)).toMatchObject({ sent: 0 })
    expect(sink.messages).toHaveLength(2)
  })
})

describe('press retry', () => {
  test('after the retry budget is spent (every row failed), retry sends them; a hard-bounced address stays suppressed unless asked', async () => {
    const office = makeOffice()
    const release = makeRelease({ embargo: false })
    const ctx = makeContext(office, [release], [vetEn, genEn, genRu], sink.url, {
      clock: { t: LIFT },
      retry: { baseMs: 5, maxMs: 20, inRunMaxWaitMs: 1_000, maxAttempts: 3 },
    })
    // An outage longer than the budget: every attempt gets 421; gen.ru's mailbox is gone (550 on RCPT).
    sink.faults.push({ stage: 'rcpt', code: 550, message: 'No such user', to: 'gen.ru@example.com' })
    sink.faults.push({ stage: 'rcpt', code: 421, message: 'Service not available' })
    const first = await planAndSend(ctx, release.slug)
    expect(first.run.failed).toBe(3)
    expect(first.run.failures.find((f) => f.email === 'gen.en@example.com')?.error).toMatch(/gave up after 3 attempts.*press retry/)
    expect((await status(ctx)).counts).toMatchObject({ failed: 3, sent: 0 })
    // Before `press retry` there was no way back: a dispatch sends nothing.
    expect((await dispatch(ctx)).sent).toBe(0)

    sink.faults.splice(1)
    const retried = await retryRelease(ctx, release.slug)
    expect(retried).toMatchObject({ requeued: 2, stillSuppressed: ['gen.ru@example.com'] })
    expect(retried.run.sent).toBe(2)
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(['gen.en@example.com', 'vet.en@example.com'])

    sink.faults.length = 0
    const again = await retryRelease(ctx, release.slug, { includeSuppressed: true })
    expect(again).toMatchObject({ requeued: 1, unsuppressed: ['gen.ru@example.com'] })
    expect(again.run.sent).toBe(1)
    expect((await status(ctx)).counts).toMatchObject({ sent: 3, failed: 0 })
  })
})

describe('a queue write that fails after the server said 250', () => {
  for (const record of [true, false]) {
    test(`SQLite locked by another process during markSent: the copy is unknown, then ${record ? 'settled from the delivery record, not sent again' : 'resent once with the same Message-ID'}`, async () => {
      const office = makeOffice()
      const release = makeRelease({ embargo: false })
      const dbPath = join(office.statePath, 'queue.db')
      const ledger = openSqliteLedger(dbPath, { busyTimeoutMs: 100 })
      const deliveriesPath = join(office.root, 'deliveries')
      const ctx = makeContext(office, [release], [genEn], sink.url, {
        clock: { t: LIFT },
        ledger,
        ...(record ? { deliveriesPath } : {}),
        retry: { baseMs: 5, maxMs: 20, inRunMaxWaitMs: 1_000, maxAttempts: 3, ledgerRetryMs: [20, 20] },
      })
      let other: Database.Database | undefined
      // The sink has the message; before it answers 250, another process takes the write lock.
      sink.hooks.beforeReply = () => {
        other = new Database(dbPath)
        other.exec('BEGIN EXCLUSIVE')
      }
      await expect(planAndSend(ctx, release.slug)).rejects.toBeInstanceOf(LedgerWriteError)
      sink.hooks.beforeReply = undefined
      other!.exec('ROLLBACK')
      other!.close()
      expect(sink.messages).toHaveLength(1)
      // Never a plain retry: the row is still `sending`, which the next run finds `unknown`.
      expect((await ledger.get(`${release.slug}/gen.en@example.com`))?.state).toBe('sending')
      if (record) expect(loadDeliveries(deliveriesPath, release.slug).map((d) => d.email)).toEqual(['gen.en@example.com'])

      const run = await dispatch(ctx)
      expect(run.recovered).toBe(1)
      const row = await ledger.get(`${release.slug}/gen.en@example.com`)
      expect(row).toMatchObject({ state: 'sent', recoveries: 1 })
      if (record) {
        expect(run).toMatchObject({ recorded: 1, sent: 0 })
        expect(sink.messages).toHaveLength(1)
      } else {
        expect(run.sent).toBe(1)
        expect(sink.messages).toHaveLength(2)
        expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(1)
      }
      await ledger.close()
    })
  }

  const redis = useRedisServer()
  test('Redis unreachable for a second during markSent: the copy is unknown, then settled from the delivery record', async () => {
    const office = makeOffice()
    const release = makeRelease({ embargo: false })
    const prefix = `unknown-${Date.now()}`
    // The dispatcher reaches Redis through a loopback proxy the test can cut, as a network outage would.
    const proxy = await startProxy(redis().port)
    const ledger = await openRedisLedger(`redis://127.0.0.1:${proxy.port}?prefix=${prefix}`, {
      leaseMs: 600,
      redis: { maxRetriesPerRequest: 0, retryStrategy: () => 100 },
    })
    const admin = new Redis(redis().url)
    const deliveriesPath = join(office.root, 'deliveries')
    const ctx = makeContext(office, [release], [genEn, genRu], sink.url, {
      clock: { t: LIFT },
      ledger,
      deliveriesPath,
      mail: { ...makeContext(office, [], [], sink.url).mail, maxConnections: 1 },
      retry: { baseMs: 5, maxMs: 20, inRunMaxWaitMs: 1_000, maxAttempts: 3, ledgerRetryMs: [20, 20] },
    })
    let cut = false
    sink.hooks.beforeReply = () => {
      if (cut) return
      cut = true
      proxy.cut(1_000)
    }
    try {
      await expect(planAndSend(ctx, release.slug)).rejects.toBeInstanceOf(LedgerWriteError)
      sink.hooks.beforeReply = undefined
      const first = sink.messages.length
      expect(first).toBeGreaterThanOrEqual(1)
      // Wait for the pause and the dead run's lease to end.
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      const run = await dispatch(ctx)
      expect(run.recovered).toBeGreaterThanOrEqual(1)
      expect(run.recorded).toBeGreaterThanOrEqual(1)
      // Every recipient got exactly one copy.
      expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(['gen.en@example.com', 'gen.ru@example.com'])
      const rows = await ledger.rows({ slug: release.slug })
      expect(rows.map((r) => r.state)).toEqual(['sent', 'sent'])
      expect(rows.some((r) => r.recoveries > 0)).toBe(true)
    } finally {
      admin.disconnect()
      await ledger.close()
      await proxy.close()
    }
  }, 30_000)
})

describe('a lost 250', () => {
  test('the connection drops after the whole message went out and before the reply: the row is unknown, resent once with the same Message-ID', async () => {
    const office = makeOffice()
    const release = makeRelease({ embargo: false })
    const ctx = makeContext(office, [release], [genEn], sink.url, {
      clock: { t: LIFT },
      retry: { baseMs: 5, maxMs: 20, inRunMaxWaitMs: 0, maxAttempts: 5 },
    })
    let dropped = false
    sink.hooks.beforeReply = () => {
      if (dropped) return undefined
      dropped = true
      return 'drop'
    }
    const first = await planAndSend(ctx, release.slug)
    expect(first.run.sent).toBe(0)
    expect(sink.messages).toHaveLength(1)
    const ledger = openSqliteLedger(join(office.statePath, 'queue.db'))
    try {
      // Not a plain retry (deferred): the server may have it.
      expect(await ledger.get(`${release.slug}/gen.en@example.com`)).toMatchObject({ state: 'unknown', recoveries: 1 })
    } finally {
      await ledger.close()
    }
    ctx.clock.t = LIFT + 60_000
    expect((await dispatch(ctx)).sent).toBe(1)
    expect(sink.messages).toHaveLength(2)
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(1)
  })
})

describe('a moved embargo', () => {
  test('vetted holders get one notice per change; a second move supersedes an unsent one; the general list waits for the new lift', async () => {
    const office = makeOffice()
    let release = makeRelease()
    const ctx = makeContext(office, [], [vetEn, vetRu, genEn], sink.url, { clock: { t: LIFT - 2 * HOUR }, releases: () => release })
    await planAndSend(ctx, release.slug)
    expect(sink.messages).toHaveLength(2)

    release = makeRelease({ embargo: LIFT + HOUR })
    ctx.clock.t = LIFT - HOUR
    expect((await dispatch(ctx)).sent).toBe(2)
    const notices = await Promise.all(sink.messages.slice(2).map((m) => m.parse()))
    expect(notices.map((m) => m.subject).sort()).toEqual([
      'MOVED: EMBARGOED UNTIL 09:00 EDT: Water unsafe',
      'MOVED: ЭМБАРГО ДО 09:00 EDT: Вода небезопасна',
    ])
    // Again, nothing changed: no second notice.
    expect((await dispatch(ctx)).sent).toBe(0)
    // At the old lift, the general list gets nothing.
    ctx.clock.t = LIFT
    expect((await dispatch(ctx)).sent).toBe(0)
    expect(sink.messages.filter((m) => m.to[0] === 'gen.en@example.com')).toHaveLength(0)
    ctx.clock.t = LIFT + HOUR
    expect((await dispatch(ctx)).sent).toBe(1)
    expect(sink.messages.filter((m) => m.to[0] === 'gen.en@example.com')).toHaveLength(1)
  })
})
