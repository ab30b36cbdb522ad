/**
 * The shared ledger: Redis, so several dispatchers on several machines send
 * one distribution together (`--queue redis://…`).
 *
 * Same rows, states and guarantees as the SQLite ledger; the difference is
 * the lock. SQLite lets one run send at a time. Here `lock()` opens a
 * *session* (a key with a lease, `PX`, refreshed by a heartbeat), any number
 * of sessions may be open at once, and each row is claimed on its own: the
 * claim records the session as the row's owner. A session whose lease ran
 * out (its process died or froze) owns nothing any more: the next `lock()`,
 * by any dispatcher, turns its `sending` rows into `unknown`, and they are
 * resent with the same Message-ID. A run that lost its lease cannot claim
 * again, and its late `markSent`/`markDeferred` no longer touch a row.
 *
 * Why Lua on ioredis and not BullMQ jobs: BullMQ's delayed jobs become due by
 * Redis's clock, while the ledger compares due times with the caller's `now`
 * (`--now` rehearses a lift years ahead); its job states have no `unknown`,
 * `cancelled`, hold or re-plan-in-place; and its stalled-job checker re-runs
 * a stalled job instead of recording that it may have been sent. Above all,
 * a BullMQ job plus a ledger row would be two records that no single Redis
 * step updates together, which is the window the ledger exists to close. So
 * every state change is one Lua script (atomic in Redis), due times and
 * timestamps come from the caller, and only lease ages use Redis's own clock
 * (`PX` expiry), as SQLite's lock uses SQLite's clock. The client is ioredis,
 * the one BullMQ ships with.
 *
 * Keys share the hash tag `{prefix}` (default `press`; `?prefix=` in the URL
 * to keep several offices apart), so a Redis Cluster keeps them in one slot.
 * Every script is safe to replay (ioredis resends a command whose reply was
 * lost in a reconnect): each one checks the row's state first.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { Redis, type RedisOptions } from 'ioredis'
import { PressError } from '../../errors.js'
import { redactUrl } from '../../secrets.js'
import {
  sendStates,
  type EnqueueResult,
  type Ledger,
  type LedgerLock,
  type LedgerRow,
  type LedgerStats,
  type PlanRecord,
  type QueuedJob,
  type RowKind,
  type SendState,
} from './ledger.js'
import { isReleaseKey } from './keys.js'

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

/**
 * Shared Lua: key names and the bookkeeping every state change needs. The
 * indexes: `:all` and `:s:<slug>` (every row by seq), `:c`/`:c:<slug>`
 * (claimable rows by seq: what `due()` walks), `:d`/`:d:<slug>` (claimable
 * rows by due time: next due), `:sending` (rows in flight), `:n` (counts per
 * slug and state), `:l`/`:ln` (lifts with reference counts), `:o:<owner>`
 * (sessions, with a lease). Numbers are passed and stored as strings, so Lua
 * never formats a 13-digit epoch itself.
 */
const prelude = `
local P = ARGV[1]
local CLAIMABLE = { planned = true, deferred = true, unknown = true }
local function rk(key) return P .. ':r:' .. key end
local function reindex(key, slug, seq, old, new, due)
  if old ~= new then
    if old then redis.call('HINCRBY', P .. ':n', slug .. '\\t' .. old, -1) end
    redis.call('HINCRBY', P .. ':n', slug .. '\\t' .. new, 1)
    if old == 'sending' then redis.call('SREM', P .. ':sending', key) end
    if new == 'sending' then redis.call('SADD', P .. ':sending', key) end
  end
  if CLAIMABLE[new] then
    redis.call('ZADD', P .. ':c', seq, key)
    redis.call('ZADD', P .. ':c:' .. slug, seq, key)
    redis.call('ZADD', P .. ':d', due, key)
    redis.call('ZADD', P .. ':d:' .. slug, due, key)
  elseif old == nil or CLAIMABLE[old] then
    redis.call('ZREM', P .. ':c', key)
    redis.call('ZREM', P .. ':c:' .. slug, key)
    redis.call('ZREM', P .. ':d', key)
    redis.call('ZREM', P .. ':d:' .. slug, key)
  end
end
local function liftAdd(slug, lift)
  if not lift or lift == '' then return end
  local m = slug .. '\\t' .. lift
  if redis.call('HINCRBY', P .. ':ln', m, 1) == 1 then redis.call('ZADD', P .. ':l', lift, m) end
end
local function liftDel(slug, lift)
  if not lift or lift == '' then return end
  local m = slug .. '\\t' .. lift
  if redis.call('HINCRBY', P .. ':ln', m, -1) <= 0 then
    redis.call('HDEL', P .. ':ln', m)
    redis.call('ZREM', P .. ':l', m)
  end
end
local function later(a, b) if tonumber(a) >= tonumber(b) then return a end return b end
local function setCode(r, code) if code == '' then redis.call('HDEL', r, 'responseCode') else redis.call('HSET', r, 'responseCode', code) end end
`

/** ARGV: P, now, retryFailed, then 13 per job. Returns {added, updated, kept}. */
const upsertLua = `${prelude}
local now, retry = ARGV[2], ARGV[3] == '1'
local added, updated, kept = 0, 0, 0
for i = 4, #ARGV, 13 do
  local key, slug, email, name, lng, wanted, vetted, lift, sendAt, mid, kind, change, payload =
    ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6], ARGV[i+7], ARGV[i+8], ARGV[i+9], ARGV[i+10], ARGV[i+11], ARGV[i+12]
  -- The rule SQLite states as a CHECK: an unvetted row is never due before its lift.
  if vetted == '0' and lift ~= '' then sendAt = later(sendAt, lift) end
  local r = rk(key)
  local h = redis.call('HMGET', r, 'state', 'email', 'name', 'lng', 'wanted', 'vetted', 'lift', 'sendAt', 'dueAt', 'seq', 'payload')
  local state = h[1]
  if not state then
    local seq = redis.call('INCR', P .. ':seq')
    redis.call('HSET', r, 'seq', seq, 'key', key, 'slug', slug, 'email', email, 'name', name, 'lng', lng, 'wanted', wanted,
      'vetted', vetted, 'sendAt', sendAt, 'dueAt', sendAt, 'state', 'planned', 'attempts', 0, 'recoveries', 0,
      'messageId', mid, 'plannedAt', now, 'updatedAt', now, 'ver', 1, 'kind', kind, 'change', change)
    if lift ~= '' then redis.call('HSET', r, 'lift', lift) end
    if payload ~= '' then redis.call('HSET', r, 'payload', payload) end
    redis.call('ZADD', P .. ':all', seq, key)
    redis.call('ZADD', P .. ':s:' .. slug, seq, key)
    reindex(key, slug, seq, nil, 'planned', sendAt)
    liftAdd(slug, lift)
    added = added + 1
  elseif not (retry and state == 'failed') and state ~= 'planned' and state ~= 'deferred' and state ~= 'cancelled' then
    kept = kept + 1
  else
    -- A deferred row keeps its retry time unless the plan asks for later.
    local new = 'planned'
    local due = sendAt
    if state == 'deferred' then new = 'deferred'; due = later(h[9], sendAt) end
    local oldLift = h[7] or ''
    if state == new and h[2] == email and h[3] == name and h[4] == lng and h[5] == wanted and h[6] == vetted
      and oldLift == lift and h[8] == sendAt and h[9] == due and (h[11] or '') == payload then
      kept = kept + 1
    else
      redis.call('HSET', r, 'email', email, 'name', name, 'lng', lng, 'wanted', wanted, 'vetted', vetted,
        'sendAt', sendAt, 'dueAt', due, 'state', new, 'updatedAt', now)
      if lift == '' then redis.call('HDEL', r, 'lift') else redis.call('HSET', r, 'lift', lift) end
      if payload == '' then redis.call('HDEL', r, 'payload') else redis.call('HSET', r, 'payload', payload) end
      if new == 'planned' then redis.call('HDEL', r, 'error') end
      redis.call('HINCRBY', r, 'ver', 1)
      reindex(key, slug, h[10], state, new, due)
      if oldLift ~= lift then liftDel(slug, oldLift); liftAdd(slug, lift) end
      updated = updated + 1
    end
  end
end
return { added, updated, kept }
`

/**
 * ARGV: P, now, reason, onlyActive ('1': planned/deferred only, as re-planning
 * cancels; '0': any claimable state), keys… Returns how many were cancelled.
 */
const cancelLua = `${prelude}
local now, reason, onlyActive = ARGV[2], ARGV[3], ARGV[4] == '1'
local n = 0
for i = 5, #ARGV do
  local key = ARGV[i]
  local r = rk(key)
  local h = redis.call('HMGET', r, 'state', 'slug', 'seq', 'dueAt')
  local ok = CLAIMABLE[h[1] or ''] and (not onlyActive or h[1] ~= 'unknown')
  if ok then
    redis.call('HSET', r, 'state', 'cancelled', 'error', reason, 'updatedAt', now)
    redis.call('HINCRBY', r, 'ver', 1)
    reindex(key, h[2], h[3], h[1], 'cancelled', h[4])
    n = n + 1
  end
end
return n
`

/** Rows in flight whose session is gone become `unknown`. ARGV: P, now. */
const recoverBody = `
local function recover(now)
  local n = 0
  for _, key in ipairs(redis.call('SMEMBERS', P .. ':sending')) do
    local r = rk(key)
    local h = redis.call('HMGET', r, 'state', 'owner', 'slug', 'seq', 'dueAt')
    if h[1] ~= 'sending' then
      redis.call('SREM', P .. ':sending', key)
    elseif not h[2] or redis.call('EXISTS', P .. ':o:' .. h[2]) == 0 then
      redis.call('HSET', r, 'state', 'unknown', 'updatedAt', now)
      redis.call('HINCRBY', r, 'recoveries', 1)
      redis.call('HINCRBY', r, 'ver', 1)
      reindex(key, h[3], h[4], 'sending', 'unknown', h[5])
      n = n + 1
    end
  end
  return n
end
`

/** Open a session and recover dead ones' rows. ARGV: P, now, owner, leaseMs, info. Returns recovered. */
const lockLua = `${prelude}${recoverBody}
redis.call('SET', P .. ':o:' .. ARGV[3], ARGV[5], 'PX', ARGV[4])
return recover(ARGV[2])
`

/** ARGV: P, now, key, owner, expectedVer (or ''). Returns 1 claimed, 0 not claimable or changed, -1 session gone. */
const claimLua = `${prelude}
local now, key, owner, ver = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('EXISTS', P .. ':o:' .. owner) == 0 then return -1 end
local r = rk(key)
local h = redis.call('HMGET', r, 'state', 'ver', 'slug', 'seq', 'dueAt')
if not CLAIMABLE[h[1] or ''] then return 0 end
-- Another dispatcher changed the row since this one read it (sent, deferred, held): its view is stale.
if ver ~= '' and h[2] ~= ver then return 0 end
redis.call('HSET', r, 'state', 'sending', 'owner', owner, 'claimedAt', now, 'updatedAt', now)
redis.call('HINCRBY', r, 'attempts', 1)
redis.call('HINCRBY', r, 'ver', 1)
reindex(key, h[3], h[4], h[1], 'sending', h[5])
return 1
`

/**
 * Outcome of a send or a decision about a row. ARGV: P, now, op, key, owner
 * (the claiming session, or '' when unknown), then per op:
 * sent: response, version; deferred: error, code, nextAt, uncertain ('1':
 * the row becomes `unknown`); failed: error, code; hold: until; requeue
 * (failed/deferred → planned, due now or at the lift, attempts 0). Returns 1
 * when the row changed.
 */
const markLua = `${prelude}
local now, op, key, owner = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local r = rk(key)
local h = redis.call('HMGET', r, 'state', 'owner', 'slug', 'seq', 'dueAt', 'vetted', 'lift')
local state = h[1]
if not state then return 0 end
-- A late report from a session that lost the row (it was recovered and maybe reclaimed) changes nothing.
local mine = state == 'sending' and (owner == '' or h[2] == owner)
local new, due
if op == 'sent' then
  if not mine then return 0 end
  new, due = 'sent', h[5]
  redis.call('HSET', r, 'response', ARGV[6], 'sentAt', now)
  if ARGV[7] and ARGV[7] ~= '' then redis.call('HSET', r, 'version', ARGV[7]) end
  redis.call('HDEL', r, 'responseCode', 'error')
elseif op == 'deferred' then
  if not mine then return 0 end
  new, due = 'deferred', ARGV[8]
  if ARGV[9] == '1' then
    new = 'unknown'
    redis.call('HINCRBY', r, 'recoveries', 1)
  end
  if h[6] == '0' and h[7] then due = later(due, h[7]) end
  redis.call('HSET', r, 'error', ARGV[6], 'dueAt', due)
  setCode(r, ARGV[7])
elseif op == 'failed' then
  if not mine and not CLAIMABLE[state] then return 0 end
  new, due = 'failed', h[5]
  redis.call('HSET', r, 'error', ARGV[6])
  setCode(r, ARGV[7])
elseif op == 'requeue' then
  if state ~= 'failed' and state ~= 'deferred' then return 0 end
  new, due = 'planned', now
  if h[6] == '0' and h[7] then due = later(due, h[7]) end
  redis.call('HSET', r, 'dueAt', due, 'attempts', 0)
  redis.call('HDEL', r, 'error', 'responseCode')
elseif op == 'hold' then
  if not CLAIMABLE[state] then return 0 end
  new, due = state, later(h[5], ARGV[6])
  redis.call('HSET', r, 'dueAt', due)
else
  return redis.error_reply('unknown op ' .. op)
end
redis.call('HSET', r, 'state', new, 'updatedAt', now)
redis.call('HINCRBY', r, 'ver', 1)
reindex(key, h[3], h[4], state, new, due)
return 1
`

/**
 * Walk an index by seq from `after`, returning matching rows. ARGV: P,
 * index, after, limit, budget, mode ('due': dueAt <= arg; 'states': state in
 * the comma list, or any when empty), arg. Returns {cursor, done, rows}, each
 * row a flat HGETALL. The budget bounds the work of one call, so a long list
 * never blocks Redis; the caller continues from the cursor.
 */
const scanLua = `${prelude}
local idx, cursor, limit, budget, mode, arg = P .. ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], ARGV[7]
local wanted = {}
local any = true
if mode == 'states' then
  for s in string.gmatch(arg, '[^,]+') do wanted[s] = true; any = false end
end
local out, scanned, done = {}, 0, 0
while #out < limit and scanned < budget do
  local batch = redis.call('ZRANGEBYSCORE', idx, '(' .. cursor, '+inf', 'WITHSCORES', 'LIMIT', 0, 200)
  if #batch == 0 then done = 1; break end
  for i = 1, #batch, 2 do
    local key = batch[i]
    cursor = batch[i + 1]
    scanned = scanned + 1
    local r = rk(key)
    local h = redis.call('HMGET', r, 'state', 'dueAt')
    local match
    if mode == 'due' then match = CLAIMABLE[h[1] or ''] and tonumber(h[2]) <= tonumber(arg)
    else match = h[1] and (any or wanted[h[1]]) end
    if match then
      out[#out + 1] = redis.call('HGETALL', r)
      if #out >= limit then break end
    end
    if scanned >= budget then break end
  end
end
return { cursor, done, out }
`

const scripts = { pressUpsert: upsertLua, pressCancel: cancelLua, pressLock: lockLua, pressClaim: claimLua, pressMark: markLua, pressScan: scanLua }
type ScriptName = keyof typeof scripts

/** Jobs per upsert script call: one call is atomic, and short enough not to stall Redis. */
const upsertChunk = 200
/** Rows one scan call may look at. */
const scanBudget = 2_000
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

/** The earliest time a job may go: an unvetted row never before the lift. */
function clampSendAt(job: Pick<QueuedJob, 'vetted' | 'lift' | 'sendAt'>): number {
  return !job.vetted && job.lift !== undefined ? Math.max(job.sendAt, job.lift) : job.sendAt
}

const emptyCounts = (): Record<SendState, number> => Object.fromEntries(sendStates.map((s) => [s, 0])) as Record<SendState, number>

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
  if (/[{}]/.test(prefix)) throw new QueueUnavailableError(`The queue prefix "${prefix}" may not contain { or }; choose a plain name, e.g. ?prefix=office-a.`)
  const P = `{${prefix}}`
  const routeKey = `${P}:seq`
  const leaseMs = Math.max(1, Math.round(options.leaseMs ?? 30_000))
  const heartbeatMs = Math.max(10, Math.round(options.heartbeatMs ?? leaseMs / 3))
  const where = redactUrl(url)

  const redis = new Redis(cleanUrl, { lazyConnect: true, connectTimeout: 5_000, ...options.redis })
  // ioredis reports connection errors as events too; the failing command carries the error.
  redis.on('error', () => {})
  for (const [name, lua] of Object.entries(scripts)) redis.defineCommand(name, { lua, numberOfKeys: 1 })
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

  const run = async (name: ScriptName, ...args: Array<string | number>): Promise<unknown> => {
    const fn = (redis as unknown as Record<ScriptName, (...a: Array<string | number>) => Promise<unknown>>)[name]
    return fn.call(redis, routeKey, P, ...args)
  }

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

  const scan = async (index: string, after: string, limit: number, mode: 'due' | 'states', arg: string): Promise<{ cursor: string; done: boolean; rows: string[][] }> => {
    const [cursor, done, rows] = (await run('pressScan', index, after, limit, scanBudget, mode, arg)) as [string, number, string[][]]
    return { cursor: String(cursor), done: done === 1, rows }
  }

  const held = new Set<LedgerLock>()
  const host = hostname()

  const ledger: Ledger = {
    async enqueue(slug, jobs, now, opts = {}) {
      const list = [...jobs]
      for (const job of list) if (job.slug !== slug) throw new Error(`enqueue: job ${job.key} is not of release ${slug}`)
      let added = 0
      let updated = 0
      let kept = 0
      for (let i = 0; i < list.length; i += upsertChunk) {
        const args: string[] = []
        for (const job of list.slice(i, i + upsertChunk)) {
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
        const [a, u, k] = (await run('pressUpsert', String(now), opts.retryFailed ? '1' : '0', ...args)) as [number, number, number]
        added += a
        updated += u
        kept += k
      }
      let cancelled = 0
      if (opts.cancelMissing) {
        const inPlan = new Set(list.map((j) => j.key))
        const gone = (await redis.zrange(`${P}:c:${slug}`, 0, -1)).filter((key) => isReleaseKey(key) && !inPlan.has(key))
        for (let i = 0; i < gone.length; i += upsertChunk) {
          cancelled += (await run('pressCancel', String(now), 'no longer in the plan (suppressed, removed from the list or its lists)', '1', ...gone.slice(i, i + upsertChunk))) as number
        }
      }
      const result: EnqueueResult = { added, updated, kept, cancelled }
      return result
    },

    async lock(opts) {
      const owner = randomBytes(12).toString('hex')
      const recovered = (await run('pressLock', String(opts.now), owner, String(leaseMs), JSON.stringify({ host, pid: process.pid }))) as number
      let lost = false
      let released = false
      const timer = setInterval(() => {
        if (released || lost) return
        redis
          .set(`${P}:o:${owner}`, JSON.stringify({ host, pid: process.pid }), 'PX', leaseMs, 'XX')
          .then((ok) => {
            // The lease ran out before this beat: other dispatchers may already have taken the rows over.
            if (ok === null && !released) lost = true
          })
          .catch(() => {
            // A dropped connection skips a beat; the lease covers a few.
          })
      }, heartbeatMs)
      timer.unref()
      const lock: LedgerLock & { markLost(): void } = {
        owner,
        recovered,
        get lost() {
          return lost
        },
        markLost() {
          if (!released) lost = true
        },
        async release() {
          if (released) return
          released = true
          clearInterval(timer)
          held.delete(lock)
          // Ending the session frees anything it left in flight for the next lock to recover.
          if (redis.status === 'ready') await redis.del(`${P}:o:${owner}`).catch(() => {})
        },
      }
      held.add(lock)
      return lock
    },

    async *due(now, opts = {}) {
      const pageSize = Math.max(1, opts.pageSize ?? 500)
      const index = opts.slug === undefined ? ':c' : `:c:${opts.slug}`
      let after = '0'
      for (;;) {
        const page = await scan(index, after, pageSize, 'due', String(now()))
        after = page.cursor
        for (const flat of page.rows) yield remember(toFields(flat))
        if (page.done) return
      }
    },

    async get(key) {
      const flat = await redis.hgetall(`${P}:r:${key}`)
      if (Object.keys(flat).length === 0) return undefined
      return remember(new Map(Object.entries(flat)))
    },

    async claim(key, lock, now) {
      if (lock.lost) return false
      const result = (await run('pressClaim', String(now), key, lock.owner, seen.get(key) ?? '')) as number
      if (result === -1) {
        ;(lock as Partial<{ markLost(): void }>).markLost?.()
        return false
      }
      if (result === 1) claimedBy.set(key, lock.owner)
      return result === 1
    },

    async markSent(key, receipt, now) {
      settle(key, await run('pressMark', String(now), 'sent', key, claimedBy.get(key) ?? '', receipt.response, receipt.version ?? ''))
    },

    async markDeferred(key, failure, nextAt, now, opts = {}) {
      const code = failure.responseCode === undefined ? '' : String(failure.responseCode)
      settle(key, await run('pressMark', String(now), 'deferred', key, claimedBy.get(key) ?? '', failure.error, code, String(nextAt), opts.uncertain ? '1' : '0'))
    },

    async markFailed(key, failure, now) {
      settle(key, await run('pressMark', String(now), 'failed', key, claimedBy.get(key) ?? '', failure.error, failure.responseCode === undefined ? '' : String(failure.responseCode)))
    },

    async hold(key, until, now) {
      await run('pressMark', String(now), 'hold', key, '', String(until))
    },

    async cancel(key, reason, now) {
      await run('pressCancel', String(now), reason, '0', key)
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
        for (const flat of page.rows) out.push(toRow(toFields(flat)))
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
        if ((await run('pressMark', String(now), 'requeue', row.key, '')) === 1) keys.push(row.key)
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
      for (const lock of [...held]) await lock.release()
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect())
      else redis.disconnect()
    },
  }
  return ledger
}
