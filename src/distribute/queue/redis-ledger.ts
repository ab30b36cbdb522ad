/**
 * The shared ledger: Redis, so several dispatchers on several machines send
 * one distribution together (`--queue redis://…`).
 *
 * Same rows, states, guarantees and lock as the SQLite ledger; what it adds
 * is sessions. `lock()` is the exclusive lock, as in SQLite (a `:lock` key
 * with a lease, `PX`, refreshed by a heartbeat; a second live holder gets
 * `LockedError`). `session()` opens a session (a key with a lease): any
 * number may be open at once, but none while the lock is held, and each row
 * is claimed on its own, the claim recording the session as the row's
 * owner. A session whose lease ran out (its process died or froze) owns
 * nothing any more: the next `lock()` or `session()`, by any dispatcher,
 * turns its `sending` rows into `unknown`, and they are resent with the same
 * Message-ID. A run that lost its lease cannot claim again (its lock reads
 * `lost`), and its late `markSent`/`markDeferred` no longer touch a row.
 *
 * Why Lua on ioredis and not BullMQ jobs: BullMQ's delayed jobs become due by
 * Redis's clock, while the ledger compares due times with the caller's `now`
 * (`--now` rehearses a lift years ahead); its job states have no `unknown`,
 * `cancelled`, hold or re-plan-in-place; and its stalled-job checker re-runs
 * a stalled job instead of recording that it may have been sent. Above all,
 * a BullMQ job plus a ledger row would be two records that no single Redis
 * step updates together, which is the window the ledger exists to close. So
 * every state change is one Lua script (redis-scripts.ts), due times and
 * timestamps come from the caller, and only lease ages use Redis's own clock
 * (`PX` expiry, `TIME`), as SQLite's lock uses SQLite's clock.
 *
 * Keys share the hash tag `{prefix}` (default `press`; `?prefix=` in the URL
 * to keep several offices apart), so a Redis Cluster keeps them in one slot,
 * and every script declares each key it touches.
 */
import { randomBytes } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import { PressError } from '../../errors.js'
import { redactUrl } from '../../secrets.js'
import { clampSendAt } from './clamp-send-at.js'
import { isReleaseKey, slugOfKey } from './keys.js'
import { emptyCounts } from './ledger.js'
import type { EnqueueResult, Ledger, LedgerLock, LedgerRow, LedgerStats, LockOptions, PlanRecord, RowKind, SendState } from './ledger.js'
import { redisKeys, redisScripts, type ScriptName } from './redis-scripts.js'
import { holderIsDead, holdLock, lockHost, takeLock, type HeldLock, type LockAttempt } from './queue-lock.js'

/** Options of `openRedisLedger`. */
export interface RedisLedgerOptions {
  /** Key namespace (default: the URL's `?prefix=`, else `press`). */
  readonly prefix?: string
  /** A session (lock) not refreshed for this long loses its claims, ms (default 30,000). */
  readonly leaseMs?: number
  /** How often a session refreshes its lease, ms (default leaseMs / 3). */
  readonly heartbeatMs?: number
  /** Extra ioredis options (optional). */
  readonly redis?: RedisOptions
}

/** The queue server cannot be reached. */
export class QueueUnavailableError extends PressError {
  override readonly code = 'PRESS_QUEUE_UNAVAILABLE'
}

/** Jobs per upsert script call: one call is atomic, and short enough not to stall Redis. */
const upsertChunk = 200
/** Index entries read per round trip while walking an index. */
const scanBatch = 500
/** Row versions remembered for stale-claim checks (oldest forgotten first). */
const seenLimit = 50_000

/** A row's hash, from HGETALL's flat field/value list. */
function toFields(flat: readonly string[]): Map<string, string> {
  const h = new Map<string, string>()
  for (let i = 0; i + 1 < flat.length; i += 2) h.set(flat[i]!, flat[i + 1]!)
  return h
}

function toRow(h: ReadonlyMap<string, string>): LedgerRow {
  const str = (name: string): string => h.get(name) ?? ''
  const num = (name: string): number => Number(h.get(name) ?? 0)
  const opt = (name: string): string | undefined => h.get(name)
  const response = opt('response')
  const responseCode = opt('responseCode')
  const error = opt('error')
  const lift = opt('lift')
  const sentAt = opt('sentAt')
  return {
    seq: num('seq'),
    key: str('key'),
    slug: str('slug'),
    email: str('email'),
    name: str('name'),
    lng: str('lng'),
    wanted: str('wanted'),
    vetted: str('vetted') === '1',
    ...(lift === undefined ? {} : { lift: Number(lift) }),
    sendAt: num('sendAt'),
    dueAt: num('dueAt'),
    state: str('state') as SendState,
    attempts: num('attempts'),
    recoveries: num('recoveries'),
    messageId: str('messageId'),
    ...(response === undefined ? {} : { response }),
    ...(responseCode === undefined ? {} : { responseCode: Number(responseCode) }),
    ...(error === undefined ? {} : { error }),
    plannedAt: num('plannedAt'),
    updatedAt: num('updatedAt'),
    ...(sentAt === undefined ? {} : { sentAt: Number(sentAt) }),
    kind: (opt('kind') ?? 'release') as RowKind,
    change: opt('change') ?? '',
    ...(opt('payload') === undefined ? {} : { payload: opt('payload')! }),
    ...(opt('version') === undefined ? {} : { version: opt('version')! }),
  }
}

/**
 * Split a queue URL into what ioredis takes and the key prefix.
 *
 * @param url
 *   `redis://[user:pass@]host[:port][/db][?prefix=name]` (or `rediss://`).
 * @returns
 *   The URL without `prefix`, and the prefix (undefined when absent).
 */
export function parseQueueUrl(url: string): { url: string; prefix: string | undefined } {
  const parsed = new URL(url)
  const prefix = parsed.searchParams.get('prefix') ?? undefined
  parsed.searchParams.delete('prefix')
  return { url: parsed.toString(), prefix: prefix === '' ? undefined : prefix }
}

/**
 * Open the Redis ledger and check that the server answers.
 *
 * @param url
 *   `redis://host:port[/db][?prefix=name]`; credentials in it never appear in errors.
 * @param options
 *   Key prefix, lease timings, extra ioredis options (optional).
 * @returns
 *   The ledger; `close()` it when done (it releases this process's sessions and quits).
 * @throws {QueueUnavailableError}
 *   When the server cannot be reached.
 */
export async function openRedisLedger(url: string, options: RedisLedgerOptions = {}): Promise<Ledger> {
  const { url: cleanUrl, prefix: urlPrefix } = parseQueueUrl(url)
  const prefix = options.prefix ?? urlPrefix ?? 'press'
  if (/[{}]/.test(prefix))
    throw new QueueUnavailableError(`The queue prefix "${prefix}" may not contain { or }; choose a plain name, e.g. ?prefix=office-a.`)
  const P = `{${prefix}}`
  const leaseMs = Math.max(1, Math.round(options.leaseMs ?? 30_000))
  const heartbeatMs = Math.max(10, Math.round(options.heartbeatMs ?? leaseMs / 3))
  const where = redactUrl(url)

  const redis = new Redis(cleanUrl, { lazyConnect: true, connectTimeout: 5_000, ...options.redis })
  // ioredis reports connection errors as events too; the failing command carries the error.
  redis.on('error', () => {})
  // No fixed key count: each call passes how many keys it declares first.
  for (const [name, lua] of Object.entries(redisScripts)) redis.defineCommand(name, { lua })
  let policy: string | undefined
  try {
    await redis.connect()
    policy = /^maxmemory_policy:(\S+)/m.exec(await redis.info('memory'))?.[1]
  } catch (error) {
    redis.disconnect()
    const reason = error instanceof Error ? error.message.replaceAll(url, where) : String(error)
    throw new QueueUnavailableError(
      `Cannot reach the queue at ${where} (${reason}). Start Redis or fix the --queue URL; without --queue the embedded SQLite queue in .press/ is used.`,
      { cause: error },
    )
  }

  // A server that may evict any key under memory pressure could drop ledger rows: a lost or repeated message.
  if (policy?.startsWith('allkeys')) {
    redis.disconnect()
    throw new QueueUnavailableError(
      `The Redis server at ${where} uses maxmemory-policy ${policy}, which can evict queue rows under memory pressure. Set \`maxmemory-policy noeviction\` (as BullMQ also requires) or use another Redis database.`,
    )
  }

  /** Run a script with the keys it touches declared. */
  const run = async (name: ScriptName, keys: readonly string[], ...args: Array<string | number>): Promise<unknown> => {
    const fn = (redis as unknown as Record<ScriptName, (...a: Array<string | number>) => Promise<unknown>>)[name]
    return fn.call(redis, keys.length, ...keys, P, ...args)
  }
  const mark = async (key: string, now: number, op: string, owner: string, ...args: string[]): Promise<unknown> =>
    run('pressMark', redisKeys.rows(P, slugOfKey(key), [key]), String(now), op, key, owner, ...args)

  // Which session claimed a row in this process, so a late report of a session that lost it is ignored.
  const claimedBy = new Map<string, string>()
  // The row version this process last read (due/get), so a claim on a row another dispatcher changed since is refused.
  const seen = new Map<string, string>()
  const remember = (fields: ReadonlyMap<string, string>): LedgerRow => {
    const row = toRow(fields)
    const ver = fields.get('ver')
    seen.delete(row.key)
    if (ver !== undefined) seen.set(row.key, ver)
    if (seen.size > seenLimit) seen.delete(seen.keys().next().value!)
    return row
  }

  // A refused report keeps the entry, so a second late report of the same lost claim is refused too.
  const settle = (key: string, changed: unknown): void => {
    if (changed === 1) claimedBy.delete(key)
  }

  /**
   * Walk an index by seq after `after`, returning up to `limit` rows that
   * match (`due`: claimable and due at `arg`; `states`: in the comma list
   * `arg`, any when empty): the index a batch a round trip, the rows of
   * that batch filtered in one read-only script that declares them.
   */
  const scan = async (
    index: string,
    after: string,
    limit: number,
    mode: 'due' | 'states',
    arg: string,
  ): Promise<{ cursor: string; done: boolean; rows: Array<Map<string, string>> }> => {
    const rows: Array<Map<string, string>> = []
    let cursor = after
    for (;;) {
      const batch = await redis.zrangebyscore(`${P}${index}`, `(${cursor}`, '+inf', 'WITHSCORES', 'LIMIT', 0, scanBatch)
      if (batch.length === 0) return { cursor, done: true, rows }
      const keys: string[] = []
      for (let i = 0; i + 1 < batch.length; i += 2) keys.push(batch[i]!)
      const [scanned, found] = (await run('pressRead', redisKeys.read(P, keys), limit - rows.length, mode, arg, ...keys)) as [
        number,
        string[][],
      ]
      cursor = batch[2 * scanned - 1] ?? cursor
      for (const flat of found) rows.push(toFields(flat))
      if (rows.length >= limit) return { cursor, done: false, rows }
    }
  }

  /** The locks and sessions this ledger holds, by owner, with what only the ledger may do: mark them lost. */
  const held = new Map<string, HeldLock>()
  const host = lockHost

  /** The rows now in flight, with their release and session, to declare to the open script. */
  const inFlight = async (): Promise<Array<{ key: string; slug: string; owner: string }>> => {
    const keys = await redis.smembers(`${P}:sending`)
    const heads = await redis.pipeline(keys.map((key) => ['hmget', `${P}:r:${key}`, 'owner', 'slug'])).exec()
    return keys.map((key, i) => {
      const [owner, slug] = (heads?.[i]?.[1] ?? [null, null]) as [string | null, string | null]
      return { key, slug: slug ?? slugOfKey(key), owner: owner ?? '' }
    })
  }

  /** The Redis clock, epoch ms. */
  const clock = async (): Promise<number> => {
    const [seconds, micros] = await redis.time()
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
  }

  /** Hold `owner`'s lease (and the lock's) with a heartbeat until released or lost. */
  const startHeartbeat = (owner: string, info: string, recovered: number, holdsLock: boolean): LedgerLock => {
    const keys = redisKeys.session(P, owner)
    const handle = holdLock({
      owner,
      recovered,
      heartbeatMs,
      beat: async () => (await run('pressBeat', keys, owner, String(leaseMs), holdsLock ? '1' : '0')) === 1,
      async drop() {
        held.delete(owner)
        if (redis.status !== 'ready') return
        // Ending the session frees anything it left in flight for the next lock to recover.
        if (holdsLock) await run('pressUnlock', keys, info, owner).catch(() => {})
        await redis.del(`${P}:o:${owner}`).catch(() => {})
      },
    })
    held.set(owner, handle)
    return handle.lock
  }

  /** Take the lock (`lock`) or open a session (`session`), as SQLite's lock: the same error and waiting. */
  const open = (mode: 'lock' | 'session', opts: LockOptions): Promise<LedgerLock> => {
    const owner = randomBytes(12).toString('hex')
    const attempt = async (): Promise<LockAttempt<LedgerLock>> => {
      const info = JSON.stringify({ owner, host, pid: process.pid, since: await clock() })
      const rows = await inFlight()
      const args = rows.flatMap((row) => [row.key, row.slug, row.owner])
      const [ok, value] = (await run(
        'pressOpen',
        redisKeys.open(P, owner, rows),
        String(opts.now),
        owner,
        String(leaseMs),
        info,
        mode,
        ...args,
      )) as [number, number | string]
      if (ok === 1) return { ok: true, lock: startHeartbeat(owner, info, Number(value), mode === 'lock') }
      const holder = JSON.parse(String(value)) as { owner: string; host: string; pid: number; since: number }
      // A holder that died on this machine is taken over at once; elsewhere its lease runs out.
      if (holderIsDead(holder) && (await run('pressUnlock', redisKeys.session(P, holder.owner), String(value), holder.owner)) === 1)
        return attempt()
      return { ok: false, holder }
    }
    return takeLock<LedgerLock>({ where, staleMs: leaseMs, clock, attempt }, opts)
  }

  const ledger: Ledger = {
    async enqueue(slug, jobs, now, opts = {}) {
      const list = [...jobs]
      for (const job of list) if (job.slug !== slug) throw new Error(`enqueue: job ${job.key} is not of release ${slug}`)
      let added = 0
      let updated = 0
      let kept = 0
      for (let i = 0; i < list.length; i += upsertChunk) {
        const chunk = list.slice(i, i + upsertChunk)
        const args: string[] = []
        for (const job of chunk) {
          args.push(
            job.key,
            job.slug,
            job.email,
            job.name,
            job.lng,
            job.wanted,
            job.vetted ? '1' : '0',
            job.lift === undefined ? '' : String(job.lift),
            String(clampSendAt(job)),
            job.messageId,
            job.kind ?? 'release',
            job.change ?? '',
            job.payload ?? '',
          )
        }
        const keys = redisKeys.upsert(
          P,
          slug,
          chunk.map((job) => job.key),
        )
        const [a, u, k] = (await run('pressUpsert', keys, String(now), opts.retryFailed ? '1' : '0', ...args)) as [number, number, number]
        added += a
        updated += u
        kept += k
      }
      let cancelled = 0
      if (opts.cancelMissing) {
        const inPlan = new Set(list.map((j) => j.key))
        const gone = (await redis.zrange(`${P}:c:${slug}`, 0, -1)).filter((key) => isReleaseKey(key) && !inPlan.has(key))
        for (let i = 0; i < gone.length; i += upsertChunk) {
          const chunk = gone.slice(i, i + upsertChunk)
          cancelled += (await run(
            'pressCancel',
            redisKeys.rows(P, slug, chunk),
            String(now),
            'no longer in the plan (suppressed, removed from the list or its lists)',
            '1',
            ...chunk,
          )) as number
        }
      }
      const result: EnqueueResult = { added, updated, kept, cancelled }
      return result
    },

    lock(opts) {
      return open('lock', opts)
    },

    session(opts) {
      return open('session', opts)
    },

    async *due(now, opts = {}) {
      const pageSize = Math.max(1, opts.pageSize ?? 500)
      const index = opts.slug === undefined ? ':c' : `:c:${opts.slug}`
      let after = '0'
      for (;;) {
        const page = await scan(index, after, pageSize, 'due', String(now()))
        after = page.cursor
        for (const fields of page.rows) yield remember(fields)
        if (page.done) return
      }
    },

    async get(key) {
      const flat = await redis.hgetall(`${P}:r:${key}`)
      if (Object.keys(flat).length === 0) return undefined
      return remember(new Map(Object.entries(flat)))
    },

    async claim(key, lock, now) {
      const mine = held.get(lock.owner)
      if (lock.lost) return false
      const result = (await run(
        'pressClaim',
        redisKeys.claim(P, key, lock.owner),
        String(now),
        key,
        lock.owner,
        seen.get(key) ?? '',
      )) as number
      if (result === -1) {
        // The session's lease ran out: the lock is lost, for this claim and every later one.
        mine?.markLost()
        return false
      }
      if (result === 1) claimedBy.set(key, lock.owner)
      return result === 1
    },

    async markSent(key, receipt, now) {
      settle(key, await mark(key, now, 'sent', claimedBy.get(key) ?? '', receipt.response, receipt.version ?? ''))
    },

    async markDeferred(key, failure, nextAt, now, opts = {}) {
      const code = failure.responseCode === undefined ? '' : String(failure.responseCode)
      settle(
        key,
        await mark(key, now, 'deferred', claimedBy.get(key) ?? '', failure.error, code, String(nextAt), opts.uncertain ? '1' : '0'),
      )
    },

    async markFailed(key, failure, now) {
      settle(
        key,
        await mark(
          key,
          now,
          'failed',
          claimedBy.get(key) ?? '',
          failure.error,
          failure.responseCode === undefined ? '' : String(failure.responseCode),
        ),
      )
    },

    async hold(key, until, now) {
      await mark(key, now, 'hold', '', String(until))
    },

    async cancel(key, reason, now) {
      await run('pressCancel', redisKeys.rows(P, slugOfKey(key), [key]), String(now), reason, '0', key)
    },

    async stats(slug) {
      const counts = emptyCounts()
      const bySlug: Record<string, Record<SendState, number>> = {}
      for (const [field, value] of Object.entries(await redis.hgetall(`${P}:n`))) {
        const tab = field.lastIndexOf('\t')
        const sl = field.slice(0, tab)
        const state = field.slice(tab + 1) as SendState
        const n = Number(value)
        if (n === 0 || (slug !== undefined && sl !== slug) || !(state in counts)) continue
        counts[state] += n
        const per = (bySlug[sl] ??= emptyCounts())
        per[state] += n
      }
      const first = await redis.zrange(slug === undefined ? `${P}:d` : `${P}:d:${slug}`, 0, 0, 'WITHSCORES')
      const stats: LedgerStats = { counts, bySlug, nextDue: first[1] === undefined ? undefined : Number(first[1]) }
      return stats
    },

    async rows(filter = {}) {
      const limit = filter.limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(filter.limit))
      const out: LedgerRow[] = []
      if (limit === 0 || filter.states?.length === 0) return out
      const index = filter.slug === undefined ? ':all' : `:s:${filter.slug}`
      const states = filter.states?.join(',') ?? ''
      let after = '0'
      for (;;) {
        const page = await scan(index, after, Math.min(500, limit - out.length), 'states', states)
        after = page.cursor
        for (const fields of page.rows) out.push(toRow(fields))
        if (page.done || out.length >= limit) return out
      }
    },

    async lifts(after) {
      const members = await redis.zrangebyscore(`${P}:l`, `(${after}`, '+inf', 'WITHSCORES')
      const found = new Map<string, number>()
      for (let i = 0; i + 1 < members.length; i += 2) {
        const member = members[i]!
        const slug = member.slice(0, member.lastIndexOf('\t'))
        if (!found.has(slug)) found.set(slug, Number(members[i + 1]))
      }
      return [...found].map(([slug, lift]) => ({ slug, lift }))
    },

    async requeue(slug, states, now, filter) {
      const wanted = states.filter((st) => st === 'failed' || st === 'deferred')
      if (wanted.length === 0) return []
      const keys: string[] = []
      for (const row of await ledger.rows({ slug, states: wanted })) {
        if (filter !== undefined && !filter(row)) continue
        if ((await mark(row.key, now, 'requeue', '')) === 1) keys.push(row.key)
      }
      return keys
    },

    async plan(slug) {
      const json = await redis.hget(`${P}:plans`, slug)
      return json === null ? undefined : (JSON.parse(json) as PlanRecord)
    },

    async plans() {
      const all = await redis.hgetall(`${P}:plans`)
      return Object.keys(all)
        .sort()
        .map((slug) => ({ slug, plan: JSON.parse(all[slug]!) as PlanRecord }))
    },

    async setPlan(slug, plan) {
      await redis.hset(`${P}:plans`, slug, JSON.stringify(plan))
    },

    async close() {
      for (const { lock } of [...held.values()]) await lock.release()
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect())
      else redis.disconnect()
    },
  }
  return ledger
}
