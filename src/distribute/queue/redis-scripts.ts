/**
 * The Lua scripts of the Redis ledger, and the keys each call declares.
 *
 * Every state change is one script, so it is atomic in Redis. Every key a
 * script touches is declared in KEYS (so a cluster, a proxy or a managed
 * Redis that routes or checks by the declared keys sees them all): the
 * caller lists them with the `*Keys` functions below, and the scripts reach
 * a key only through `K(name)`, which raises `press: undeclared key …` for
 * a name not in KEYS. Rows found through data are read first by the caller
 * and declared: the rows in flight a lock recovers (the script checks they
 * are still what was read and leaves any other alone), and the rows of an
 * index batch `due()` and `rows()` filter.
 *
 * Key layout, all under the hash tag `{prefix}` (one cluster slot):
 * `:r:<key>` a row (hash); `:all` and `:s:<slug>` every row by seq;
 * `:c`/`:c:<slug>` claimable rows by seq (what `due()` walks); `:d`/`:d:<slug>`
 * claimable rows by due time (next due); `:sending` rows in flight; `:n`
 * counts per slug and state; `:l`/`:ln` lifts with reference counts;
 * `:seq` the row counter; `:plans` plan records; `:o:<owner>` a session,
 * with a lease; `:lock` the exclusive lock, with a lease.
 *
 * Numbers are passed and stored as strings, so Lua never formats a 13-digit
 * epoch itself. Every script is safe to replay (ioredis resends a command
 * whose reply was lost in a reconnect): each one checks the row's state first.
 */
import { slugOfKey } from './keys.js'

/**
 * Shared Lua: the declared-key guard and the bookkeeping every state change
 * needs. ARGV[1] is the prefix `{name}` every key name starts with.
 */
const prelude = `
local P = ARGV[1]
local DECLARED = {}
for _, name in ipairs(KEYS) do DECLARED[name] = true end
local function K(suffix)
  local name = P .. suffix
  if not DECLARED[name] then error('press: undeclared key ' .. name) end
  return name
end
local CLAIMABLE = { planned = true, deferred = true, unknown = true }
local function rk(key) return K(':r:' .. key) end
-- Every index a row of \`slug\` may touch, checked before the row is written:
-- the guard must refuse before a write, never half-way through one.
local function indexes(slug)
  for _, suffix in ipairs({ ':n', ':sending', ':c', ':d', ':c:' .. slug, ':d:' .. slug }) do K(suffix) end
end
local function reindex(key, slug, seq, old, new, due)
  if old ~= new then
    if old then redis.call('HINCRBY', K(':n'), slug .. '\\t' .. old, -1) end
    redis.call('HINCRBY', K(':n'), slug .. '\\t' .. new, 1)
    if old == 'sending' then redis.call('SREM', K(':sending'), key) end
    if new == 'sending' then redis.call('SADD', K(':sending'), key) end
  end
  if CLAIMABLE[new] then
    redis.call('ZADD', K(':c'), seq, key)
    redis.call('ZADD', K(':c:' .. slug), seq, key)
    redis.call('ZADD', K(':d'), due, key)
    redis.call('ZADD', K(':d:' .. slug), due, key)
  elseif old == nil or CLAIMABLE[old] then
    redis.call('ZREM', K(':c'), key)
    redis.call('ZREM', K(':c:' .. slug), key)
    redis.call('ZREM', K(':d'), key)
    redis.call('ZREM', K(':d:' .. slug), key)
  end
end
local function liftAdd(slug, lift)
  if not lift or lift == '' then return end
  local m = slug .. '\\t' .. lift
  if redis.call('HINCRBY', K(':ln'), m, 1) == 1 then redis.call('ZADD', K(':l'), lift, m) end
end
local function liftDel(slug, lift)
  if not lift or lift == '' then return end
  local m = slug .. '\\t' .. lift
  if redis.call('HINCRBY', K(':ln'), m, -1) <= 0 then
    redis.call('HDEL', K(':ln'), m)
    redis.call('ZREM', K(':l'), m)
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
    local seq = redis.call('INCR', K(':seq'))
    redis.call('HSET', r, 'seq', seq, 'key', key, 'slug', slug, 'email', email, 'name', name, 'lng', lng, 'wanted', wanted,
      'vetted', vetted, 'sendAt', sendAt, 'dueAt', sendAt, 'state', 'planned', 'attempts', 0, 'recoveries', 0,
      'messageId', mid, 'plannedAt', now, 'updatedAt', now, 'ver', 1, 'kind', kind, 'change', change)
    if lift ~= '' then redis.call('HSET', r, 'lift', lift) end
    if payload ~= '' then redis.call('HSET', r, 'payload', payload) end
    redis.call('ZADD', K(':all'), seq, key)
    redis.call('ZADD', K(':s:' .. slug), seq, key)
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
    indexes(h[2])
    redis.call('HSET', r, 'state', 'cancelled', 'error', reason, 'updatedAt', now)
    redis.call('HINCRBY', r, 'ver', 1)
    reindex(key, h[2], h[3], h[1], 'cancelled', h[4])
    n = n + 1
  end
end
return n
`

/**
 * Open a session, or take the exclusive lock and open its session, and turn
 * the rows in flight whose session is gone into `unknown`. ARGV: P, now,
 * owner, leaseMs, info (the holder as JSON), mode ('lock' or 'session'),
 * then per row read in flight: key, slug, owner. Returns {0, holder info}
 * while another run holds the lock, else {1, recovered}.
 */
const openLua = `${prelude}
local now, owner, lease, info, mode = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local holder = redis.call('GET', K(':lock'))
if holder then return { 0, holder } end
if mode == 'lock' then redis.call('SET', K(':lock'), info, 'PX', lease) end
redis.call('SET', K(':o:' .. owner), info, 'PX', lease)
local n = 0
for i = 7, #ARGV, 3 do
  local key, slug, was = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local r = rk(key)
  local h = redis.call('HMGET', r, 'state', 'owner', 'slug', 'seq', 'dueAt')
  if h[1] ~= 'sending' then
    redis.call('SREM', K(':sending'), key)
  elseif (h[2] or '') == was and h[3] == slug and (was == '' or redis.call('EXISTS', K(':o:' .. was)) == 0) then
    -- Claimed by a session that is gone (a row claimed again since it was read belongs to a live session: left alone).
    redis.call('HSET', r, 'state', 'unknown', 'updatedAt', now)
    redis.call('HINCRBY', r, 'recoveries', 1)
    redis.call('HINCRBY', r, 'ver', 1)
    reindex(key, slug, h[4], 'sending', 'unknown', h[5])
    n = n + 1
  end
end
return { 1, n }
`

/**
 * Refresh a session's lease, and the lock's when it holds it. ARGV: P, owner,
 * leaseMs, holdsLock ('1'). Returns 1, or 0 when the lease already ran out
 * (or the lock is someone else's now): the holder lost its right.
 */
const beatLua = `${prelude}
local owner, lease, holds = ARGV[2], ARGV[3], ARGV[4] == '1'
if redis.call('PEXPIRE', K(':o:' .. owner), lease) == 0 then return 0 end
if holds then
  local info = redis.call('GET', K(':lock'))
  if not info or not string.find(info, '"owner":"' .. owner .. '"', 1, true) then return 0 end
  redis.call('PEXPIRE', K(':lock'), lease)
end
return 1
`

/**
 * Drop the lock if it is still `info` (release, or the takeover of a holder
 * that died on this machine), and end its session. ARGV: P, info, owner.
 * Returns 1 when dropped.
 */
const unlockLua = `${prelude}
if redis.call('GET', K(':lock')) ~= ARGV[2] then return 0 end
redis.call('DEL', K(':lock'), K(':o:' .. ARGV[3]))
return 1
`

/** ARGV: P, now, key, owner, expectedVer (or ''). Returns 1 claimed, 0 not claimable or changed, -1 session gone. */
const claimLua = `${prelude}
local now, key, owner, ver = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('EXISTS', K(':o:' .. owner)) == 0 then return -1 end
local r = rk(key)
local h = redis.call('HMGET', r, 'state', 'ver', 'slug', 'seq', 'dueAt')
if not CLAIMABLE[h[1] or ''] then return 0 end
indexes(h[3])
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
indexes(h[3])
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
 * Read rows a caller found in an index, filtered. ARGV: P, limit, mode
 * ('due': claimable with dueAt <= arg; 'states': state in the comma list,
 * or any when empty), arg, then the row keys in index order. Returns
 * {scanned, rows}: how many keys it looked at (it stops at the limit-th
 * match) and each matching row as a flat HGETALL. Writes nothing.
 */
const readLua = `${prelude}
local limit, mode, arg = tonumber(ARGV[2]), ARGV[3], ARGV[4]
local wanted, any = {}, true
if mode == 'states' then
  for st in string.gmatch(arg, '[^,]+') do wanted[st] = true; any = false end
end
local out, scanned = {}, 0
for i = 5, #ARGV do
  if #out >= limit then break end
  scanned = scanned + 1
  local r = rk(ARGV[i])
  local h = redis.call('HMGET', r, 'state', 'dueAt')
  local match
  if mode == 'due' then match = CLAIMABLE[h[1] or ''] and tonumber(h[2]) <= tonumber(arg)
  else match = h[1] and (any or wanted[h[1]]) end
  if match then out[#out + 1] = redis.call('HGETALL', r) end
end
return { scanned, out }
`

/** Every script, by the command name ioredis defines for it. */
export const redisScripts = {
  pressUpsert: upsertLua,
  pressCancel: cancelLua,
  pressOpen: openLua,
  pressBeat: beatLua,
  pressUnlock: unlockLua,
  pressClaim: claimLua,
  pressMark: markLua,
  pressRead: readLua,
} as const

/** A script's command name. */
export type ScriptName = keyof typeof redisScripts

/** The indexes and counts a state change of a row of `slug` updates. */
function rowIndexKeys(P: string, slug: string): string[] {
  return [`${P}:n`, `${P}:sending`, `${P}:c`, `${P}:d`, `${P}:c:${slug}`, `${P}:d:${slug}`]
}

/**
 * The keys a script touches, to declare in KEYS. Each takes the prefix `P`
 * (`{name}`) and what the call is about.
 */
export const redisKeys = {
  /** `pressUpsert` of rows of one release. */
  upsert: (P: string, slug: string, keys: readonly string[]): string[] => [
    ...rowIndexKeys(P, slug),
    `${P}:seq`,
    `${P}:all`,
    `${P}:s:${slug}`,
    `${P}:l`,
    `${P}:ln`,
    ...keys.map((key) => `${P}:r:${key}`),
  ],
  /** `pressRead` of rows found in an index. */
  read: (P: string, keys: readonly string[]): string[] => keys.map((key) => `${P}:r:${key}`),
  /** `pressCancel` and `pressMark` of rows of one release. */
  rows: (P: string, slug: string, keys: readonly string[]): string[] => [...rowIndexKeys(P, slug), ...keys.map((key) => `${P}:r:${key}`)],
  /** `pressClaim` of one row by a session. */
  claim: (P: string, key: string, owner: string): string[] => [...rowIndexKeys(P, slugOfKey(key)), `${P}:o:${owner}`, `${P}:r:${key}`],
  /** `pressOpen`: the lock, the new session, and each row read in flight with its release's indexes and its session. */
  open: (P: string, owner: string, inFlight: ReadonlyArray<{ key: string; slug: string; owner: string }>): string[] => [
    `${P}:lock`,
    `${P}:o:${owner}`,
    `${P}:n`,
    `${P}:sending`,
    `${P}:c`,
    `${P}:d`,
    ...inFlight.flatMap((row) => [
      `${P}:r:${row.key}`,
      `${P}:c:${row.slug}`,
      `${P}:d:${row.slug}`,
      ...(row.owner === '' ? [] : [`${P}:o:${row.owner}`]),
    ]),
  ],
  /** `pressBeat` and `pressUnlock` of a session (and the lock). */
  session: (P: string, owner: string): string[] => [`${P}:o:${owner}`, `${P}:lock`],
}
