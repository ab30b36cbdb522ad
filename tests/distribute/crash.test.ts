/**
 * Kill and restart: a child process running the compiled library dispatches
 * to the sink and is SIGKILLed at seeded random points (after the sink took
 * a message but before the client read the 250, at the start of DATA, right
 * after a claim, right after a mark-sent, or after a random delay); further
 * runs finish the job. Every planned message must arrive; a message may
 * arrive twice only if its row was found in flight (`unknown`), and then
 * with the same Message-ID. Also: two processes dispatching at once.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { planAndSend, schedule } from '../../src/distribute/commands.js'
import { changeJob } from '../../src/distribute/reconcile.js'
import { openSqliteLedger } from '../../src/distribute/queue/sqlite-ledger.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js'
import { crowd, HOUR, LIFT, makeContext, makeOffice, makeRelease } from './fixtures/office.js'
import { prng } from '../../bench/lib/prng.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = resolve(here, '../..')
const buildDir = join(root, 'build/.distribute-crash')
const childEntry = join(here, 'fixtures/crash-child.mjs')
const slug = '2031-03-14-water-report'

/** Newest mtime of the TypeScript sources under src/. */
function newestSource(dir = join(root, 'src')): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

beforeAll(() => {
  const stamp = join(buildDir, '.stamp')
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < newestSource()) {
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(here, 'fixtures/tsconfig.crash.json')], {
        stdio: 'pipe',
      })
    } catch (error) {
      // Type errors elsewhere in src/ do not stop the emit; a missing output does.
      if (!existsSync(join(buildDir, 'src/distribute/commands.js'))) throw error
    }
    writeFileSync(stamp, '')
  }
}, 120_000)

type KillKind = 'sink-accepted' | 'sink-data-start' | 'after-claim' | 'after-sent' | 'timer'
const kinds: KillKind[] = ['sink-accepted', 'sink-data-start', 'after-claim', 'after-sent', 'timer']

interface ChildResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

function runChild(input: object, onSpawn?: (child: ChildProcess) => void): Promise<ChildResult> {
  return new Promise((resolveRun, reject) => {
    const paused = (input as { pauseAfterFirstClaim?: boolean }).pauseAfterFirstClaim === true
    const child = spawn(process.execPath, [childEntry], {
      env: { ...process.env, CRASH_CHILD: JSON.stringify({ buildDir, ...input }) },
      stdio: [paused ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => resolveRun({ code, signal, stdout, stderr }))
    onSpawn?.(child)
  })
}

const seeds = [11, 23, 37, 41, 59, 73]
let totalKills = 0
let totalDuplicates = 0
let scenariosDone = 0
afterAll(() => {
  // The suite promises at least 20 kill points and that the in-flight case was really hit
  // (checked when every scenario ran, not under a `-t` filter).
  if (scenariosDone < seeds.length) return
  expect(totalKills).toBeGreaterThanOrEqual(20)
  expect(totalDuplicates).toBeGreaterThanOrEqual(1)
})

async function scenario(seed: number, killsWanted: number): Promise<void> {
  const random = prng(seed)
  const sink: SmtpSink = await startSmtpSink()
  try {
    const office = makeOffice()
    const release = makeRelease({ embargo: false })
    const people = crowd(40, `s${seed}.example`)
    const ctx = makeContext(office, [release], people, sink.url, { clock: { t: LIFT } })
    await schedule(ctx, slug, LIFT)
    const input = {
      statePath: office.statePath,
      suppressionsPath: office.suppressionsPath,
      transport: sink.url,
      now: LIFT,
      release,
      recipients: people,
      files: office.files,
    }

    let kills = 0
    const log: string[] = []
    for (let run = 0; run < killsWanted + 5; run++) {
      const remaining = people.length - new Set(sink.messages.map((m) => m.to[0])).size
      const kind = kills < killsWanted ? kinds[Math.floor(random() * kinds.length)]! : undefined
      const n = 1 + Math.floor(random() * Math.max(1, Math.min(remaining, 5)))
      const delayMs = 150 + Math.floor(random() * 600)
      let child: ChildProcess | undefined
      let seen = 0
      let dataStarts = 0
      let killedBySink = false
      sink.hooks.beforeReply = async () => {
        if (kind === 'sink-accepted' && ++seen === n && child) {
          killedBySink = child.kill('SIGKILL')
          // Let the kill land before the 250 goes out: this message's row stays `sending`.
          await new Promise((r) => setTimeout(r, 30))
        }
      }
      sink.hooks.onDataStart = () => {
        if (kind === 'sink-data-start' && ++dataStarts === n && child) killedBySink = child.kill('SIGKILL')
      }
      let timer: NodeJS.Timeout | undefined
      const result = await runChild(
        { ...input, ...(kind === 'after-claim' || kind === 'after-sent' ? { kill: { kind, n } } : {}) },
        (c) => {
          child = c
          if (kind === 'timer') timer = setTimeout(() => c.kill('SIGKILL'), delayMs)
        },
      )
      clearTimeout(timer)
      sink.hooks.beforeReply = undefined
      sink.hooks.onDataStart = undefined
      log.push(`${kind ?? 'final'}:${n}:${result.signal ?? result.code}${killedBySink ? '*' : ''}`)
      if (result.signal === 'SIGKILL') {
        kills++
        continue
      }
      expect(result.code, `${log.join(' ')}\n${result.stderr}`).toBe(0)
      if (kills >= killsWanted) break
    }
    totalKills += kills
    scenariosDone++
    if (process.env.CRASH_LOG) console.log(`seed ${seed}: ${log.join(' ')}`)

    const ledger = openSqliteLedger(join(office.statePath, 'queue.db'))
    try {
      const rows = await ledger.rows()
      expect(
        rows.map((r) => r.state).filter((s) => s !== 'sent'),
        log.join(' '),
      ).toEqual([])
      for (const row of rows) {
        const copies = sink.to(row.email)
        expect(copies.length, `${row.email} (${log.join(' ')})`).toBeGreaterThanOrEqual(1)
        expect(new Set(copies.map((m) => m.messageId))).toEqual(new Set([row.messageId]))
        if (copies.length > 1) {
          // Only a row found in flight after a crash may be sent again, once per such crash.
          expect(row.recoveries, `${row.email} duplicated without being unknown (${log.join(' ')})`).toBeGreaterThanOrEqual(
            copies.length - 1,
          )
          totalDuplicates += copies.length - 1
        }
      }
      expect(rows).toHaveLength(people.length)
    } finally {
      await ledger.close()
    }
  } finally {
    await sink.close()
  }
}

describe.concurrent('kill and restart', () => {
  for (const seed of seeds) {
    test(`seed ${seed}: 4 kills, then a clean run; every message once, or twice with one Message-ID if it was in flight`, async () => {
      await scenario(seed, 4)
    }, 60_000)
  }
})

describe('two processes', () => {
  test('dispatching at once: one exits 75 (locked), or waits with --wait; nothing is sent twice', async () => {
    const sink = await startSmtpSink({ faults: [{ stage: 'data', delayMs: 25 }] })
    try {
      for (const wait of [false, true]) {
        const office = makeOffice()
        const release = makeRelease({ embargo: false })
        const people = crowd(45, wait ? 'wait.example' : 'nowait.example')
        await schedule(makeContext(office, [release], people, sink.url, { clock: { t: LIFT } }), slug, LIFT)
        const input = {
          statePath: office.statePath,
          suppressionsPath: office.suppressionsPath,
          transport: sink.url,
          now: LIFT,
          release,
          recipients: people,
          files: office.files,
          wait,
        }
        // The first holds the lock (it says so, and waits) while the second starts: they overlap on every machine.
        let first: ChildProcess | undefined
        let onHolding: () => void = () => {}
        const holding = new Promise<void>((r) => (onHolding = r))
        const firstResult = runChild({ ...input, pauseAfterFirstClaim: true }, (child) => {
          first = child
          child.stderr!.on('data', (d: Buffer) => {
            if (d.toString().includes('holding the lock')) onHolding()
          })
        })
        const ended = await Promise.race([holding.then(() => undefined), firstResult])
        if (ended !== undefined)
          throw new Error(`the first dispatcher ended before it held the lock (exit ${String(ended.code)}): ${ended.stderr}`)
        const second = runChild(input)
        // Without --wait the second is refused while the first holds the lock; with it, it queues behind it.
        if (!wait) await second
        first!.stdin!.end('go')
        const results = await Promise.all([firstResult, second])
        const codes = results.map((r) => r.code).sort()
        if (wait) {
          expect(codes).toEqual([0, 0])
        } else {
          expect(codes).toEqual([0, 75])
          expect(results.find((r) => r.code === 75)!.stderr).toMatch(/Another dispatch is already sending/)
        }
        const mine = sink.messages.filter((m) => m.to[0]!.endsWith(wait ? '@wait.example' : '@nowait.example'))
        expect(mine).toHaveLength(45)
        expect(new Set(mine.map((m) => m.to[0])).size).toBe(45)
      }
    } finally {
      await sink.close()
    }
  }, 60_000)
})

/**
 * Notices and corrections ride the same queue with the same guarantees: each
 * goes to each holder exactly once across a SIGKILL of the dispatcher (or
 * twice with one Message-ID when it was in flight).
 */
describe('notices across a SIGKILL', () => {
  const kindsOfChange = ['moved', 'lifted', 'withdrawn', 'correction'] as const
  for (const [index, change] of kindsOfChange.entries()) {
    test(`${change}: every holder gets it once, or twice with one Message-ID if it was in flight`, async () => {
      const sink = await startSmtpSink()
      try {
        const office = makeOffice()
        const deliveriesPath = join(office.root, 'deliveries')
        const release = makeRelease()
        const people = crowd(15, `${change}.example`)
        const vetted = people.filter((p) => p.embargo)
        const ctx = makeContext(office, [release], people, sink.url, { clock: { t: LIFT - 2 * HOUR }, deliveriesPath })
        await planAndSend(ctx, slug)
        expect(sink.messages).toHaveLength(vetted.length)
        const before = sink.messages.length

        // The office as the child sees it, and the rows a command queued.
        const now = LIFT - HOUR
        let changed = release
        const ledger = openSqliteLedger(join(office.statePath, 'queue.db'))
        try {
          if (change === 'moved') changed = makeRelease({ embargo: LIFT + HOUR })
          if (change === 'lifted') changed = makeRelease({ embargo: now - 60_000 })
          if (change === 'withdrawn' || change === 'correction') {
            const id = change === 'withdrawn' ? `withdrawn-${new Date(now).toISOString()}` : 'correction-1'
            if (change === 'withdrawn') {
              changed = { ...release, status: 'draft' }
              await ledger.setPlan(slug, { plannedAt: now, withdrawnAt: now })
            } else {
              changed = {
                ...release,
                texts: Object.fromEntries(
                  Object.entries(release.texts).map(([lng, t]) => [lng, { ...t, corrections: [{ at: now, note: `note ${lng}` }] }]),
                ),
              }
            }
            const jobs = vetted.map((p) =>
              changeJob({
                slug,
                change: id,
                kind: change === 'withdrawn' ? 'notice' : 'correction',
                email: p.email,
                name: p.name,
                lng: p.lng,
                now,
                domain: 'example.org',
                vetted: true,
              }),
            )
            await ledger.enqueue(slug, jobs, now)
          }
        } finally {
          await ledger.close()
        }

        const input = {
          statePath: office.statePath,
          suppressionsPath: office.suppressionsPath,
          transport: sink.url,
          now,
          release: changed,
          recipients: people,
          files: office.files,
          deliveriesPath,
        }
        const random = prng(101 + index)
        const log: string[] = []
        for (let run = 0; run < 6; run++) {
          const kill = run < 2 ? { kind: random() < 0.5 ? 'after-claim' : 'after-sent', n: 1 + Math.floor(random() * 3) } : undefined
          const result = await runChild({ ...input, ...(kill ? { kill } : {}) })
          log.push(`${kill ? `${kill.kind}:${kill.n}` : 'final'}:${result.signal ?? result.code}`)
          if (result.signal !== 'SIGKILL') {
            expect(result.code, `${log.join(' ')}\n${result.stderr}`).toBe(0)
            if (!kill) break
          }
        }
        expect(
          log.filter((l) => l.endsWith('SIGKILL')),
          log.join(' '),
        ).toHaveLength(2)
        const after = sink.messages.slice(before)
        const expected = change === 'lifted' ? people : vetted
        const check = openSqliteLedger(join(office.statePath, 'queue.db'))
        try {
          const rows = await check.rows({ slug })
          for (const p of expected) {
            const copies = after.filter((m) => m.to[0] === p.email)
            expect(copies.length, `${p.email} (${log.join(' ')})`).toBeGreaterThanOrEqual(1)
            expect(new Set(copies.map((m) => m.messageId)).size, `${p.email}: one Message-ID`).toBe(1)
            const row = rows.find((r) => r.messageId === copies[0]!.messageId)!
            expect(row.state).toBe('sent')
            if (p.embargo) expect(row.kind, p.email).toBe(change === 'correction' ? 'correction' : 'notice')
            if (copies.length > 1)
              expect(row.recoveries, `${p.email} sent twice without being unknown (${log.join(' ')})`).toBeGreaterThanOrEqual(
                copies.length - 1,
              )
          }
          // Nobody else got anything, and no notice is left unsent.
          expect(new Set(after.map((m) => m.to[0]))).toEqual(new Set(expected.map((p) => p.email)))
          expect(rows.filter((r) => r.kind !== 'release' && r.state !== 'sent')).toEqual([])
        } finally {
          await check.close()
        }
      } finally {
        await sink.close()
      }
    }, 60_000)
  }
})
