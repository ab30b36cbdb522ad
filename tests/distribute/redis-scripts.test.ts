/**
 * Every key a Redis ledger script touches is declared in KEYS (cluster-safe).
 * Checked twice: at run time, by watching a real redis-server (MONITOR
 * shows each script call with its declared keys, then each command the
 * script ran) through a workload that takes every script down its paths;
 * and by the scripts' own guard, which refuses a key that was not declared.
 */
import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, test } from 'vitest'
import { deadPid } from '../helpers/dead-pid.js'
import { lockHost } from '../../src/distribute/queue/queue-lock.js'
import type { Ledger } from '../../src/distribute/queue/ledger.js'
import { openRedisLedger, type RedisLedgerOptions } from '../../src/distribute/queue/redis-ledger.js'
import { redisKeys, redisScripts } from '../../src/distribute/queue/redis-scripts.js'
import { useRedisServer } from '../helpers/redis-server.js'
import { LIFT } from './fixtures/office.js'
import { job } from './ledger-contract.js'

const redisServer = useRedisServer()
const opened: Ledger[] = []
afterEach(async () => {
  for (const l of opened.splice(0)) await l.close()
})

async function handle(prefix: string, options: RedisLedgerOptions = {}): Promise<Ledger> {
  const ledger = await openRedisLedger(`${redisServer().url}?prefix=${prefix}`, options)
  opened.push(ledger)
  return ledger
}

/** Where each command a script may run keeps its keys. */
const keyArgs: Record<string, (args: readonly string[]) => string[]> = {
  del: (args) => args.slice(1),
}
const firstKey = (args: readonly string[]): string[] => [args[1]!]

/** The script name of an EVALSHA call, and of an EVAL call (whose text MONITOR shows with backslashes and line ends escaped). */
const bySha = new Map(Object.entries(redisScripts).map(([name, lua]) => [createHash('sha1').update(lua).digest('hex'), name]))
const escaped = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
const byText = new Map(Object.entries(redisScripts).map(([name, lua]) => [escaped(lua), name]))

describe('redis ledger scripts', () => {
  test('touch only the keys they declare, on every path of a full workload', async () => {
    const prefix = `keys${process.pid}`
    const P = `{${prefix}}`
    const monitor = await new Redis(redisServer().url).monitor()
    const calls: Array<{ script: string; declared: Set<string>; touched: string[] }> = []
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const command = args[0]!.toLowerCase()
      if (source !== 'lua') {
        if (command !== 'evalsha' && command !== 'eval') return
        const script = (command === 'evalsha' ? bySha.get(args[1]!) : byText.get(args[1]!)) ?? 'unknown'
        const n = Number(args[2])
        calls.push({ script, declared: new Set(args.slice(3, 3 + n)), touched: [] })
        return
      }
      calls.at(-1)?.touched.push(...(keyArgs[command] ?? firstKey)(args))
    })
    try {
      const now = LIFT - 1000
      const a = await handle(prefix, { leaseMs: 2_000, heartbeatMs: 20 })
      // Upsert (insert, update with a moved lift), re-plan with cancelMissing.
      await a.enqueue(
        's',
        ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => job(`${n}@x.com`, n !== 'f', now)),
        now,
      )
      await a.enqueue('s', [job('a@x.com', true, now, { lift: LIFT + 1 })], now)
      await a.enqueue(
        's',
        ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => job(`${n}@x.com`, n !== 'f', now)),
        now,
        { cancelMissing: false },
      )
      await a.enqueue('t', [job('z@x.com', true, now, { slug: 't' })], now)
      await a.enqueue('t', [], now, { cancelMissing: true })
      // A session: claims, every outcome, hold, cancel, requeue; heartbeats.
      const session = await a.session({ now })
      for (const n of ['a', 'b', 'c', 'd']) expect(await a.claim(`s/${n}@x.com`, session, now)).toBe(true)
      await a.markSent('s/a@x.com', { response: '250', version: 'public' }, now)
      await a.markDeferred('s/b@x.com', { error: '451', responseCode: 451 }, now + 1, now)
      await a.markDeferred('s/c@x.com', { error: 'lost' }, now + 1, now, { uncertain: true })
      await a.markFailed('s/d@x.com', { error: '550', responseCode: 550 }, now)
      await a.hold('s/e@x.com', now + 5, now)
      await a.cancel('s/f@x.com', 'suppressed', now)
      expect(await a.requeue('s', ['failed', 'deferred'], now)).toEqual(['s/b@x.com', 's/d@x.com'])
      await new Promise((r) => setTimeout(r, 100))
      await session.release()
      // The exclusive lock: refused while held, taken over when its holder died on this machine, recovery of a dead session's rows.
      const frozen = await handle(prefix, { leaseMs: 150, heartbeatMs: 3_600_000 })
      const ghost = await frozen.session({ now })
      expect(await frozen.claim('s/b@x.com', ghost, now)).toBe(true)
      await new Promise((r) => setTimeout(r, 400))
      const lock = await a.lock({ now })
      expect(lock.recovered).toBe(1)
      await expect(a.session({ now })).rejects.toThrow(/Another dispatch is already sending/)
      await lock.release()
      const raw = new Redis(redisServer().url)
      await raw.set(`${P}:lock`, JSON.stringify({ owner: 'dead', host: lockHost, pid: deadPid(), since: 0 }), 'PX', 60_000)
      raw.disconnect()
      const taken = await a.lock({ now })
      await taken.release()
      // Late claim by a session whose lease ran out.
      const late = await frozen.session({ now })
      await new Promise((r) => setTimeout(r, 400))
      expect(await frozen.claim('s/e@x.com', late, now)).toBe(false)
      expect(late.lost).toBe(true)
    } finally {
      monitor.disconnect()
    }
    await new Promise((r) => setTimeout(r, 50))
    const seen = new Set(calls.map((c) => c.script))
    expect([...seen].sort()).toEqual(Object.keys(redisScripts).sort())
    let touched = 0
    for (const call of calls) {
      for (const key of call.touched) {
        touched++
        expect(call.declared.has(key), `${call.script} touched ${key} without declaring it`).toBe(true)
        expect(key.startsWith(`${P}:`), key).toBe(true)
      }
    }
    expect(touched).toBeGreaterThan(100)
  })

  test('a script refuses a key it was not given', async () => {
    const prefix = `guard${process.pid}`
    const P = `{${prefix}}`
    const ledger = await handle(prefix)
    await ledger.enqueue('s', [job('a@x.com', true, 0)], 0)
    const raw = new Redis(redisServer().url)
    try {
      // The row's own key left out of the declared keys.
      const keys = redisKeys.rows(P, 's', [])
      await expect(raw.eval(redisScripts.pressMark, keys.length, ...keys, P, '1', 'hold', 's/a@x.com', '', '5')).rejects.toThrow(
        /press: undeclared key \{guard\d+\}:r:s\/a@x\.com/,
      )
      // The release's indexes left out.
      const claimKeys = redisKeys.claim(P, 's/a@x.com', 'o').filter((k) => !k.endsWith(':c:s'))
      await raw.set(`${P}:o:o`, '{}')
      await expect(raw.eval(redisScripts.pressClaim, claimKeys.length, ...claimKeys, P, '1', 's/a@x.com', 'o', '')).rejects.toThrow(
        /press: undeclared key \{guard\d+\}:c:s/,
      )
      // Refused before anything was written: the row is as it was, its indexes too.
      expect(await raw.hmget(`${P}:r:s/a@x.com`, 'state', 'attempts', 'ver')).toEqual(['planned', '0', '1'])
      expect(await raw.scard(`${P}:sending`)).toBe(0)
    } finally {
      raw.disconnect()
    }
  })

  test('a key name is built in one place only: the guard', () => {
    for (const [name, lua] of Object.entries(redisScripts)) {
      expect(lua.match(/\bP \.\./g), name).toHaveLength(1)
      expect(lua, name).toContain('local name = P .. suffix')
      expect(lua.match(/KEYS/g), name).toHaveLength(1)
    }
  })
})
