/**
 * The queue lock as both ledgers take and hold it: the loop that tries, and
 * while another live run holds the lock either fails with the same coded
 * `LockedError` or (with `wait`) polls until it is free, the wait timed out
 * or the signal aborted; who counts as gone; and the held lock with its
 * heartbeat, which only the ledger that issued it can mark lost.
 */
import { readlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import { LockedError } from '../../errors.js'
import { isPidAlive } from '../../is-pid-alive.js'
import { sleep } from '../../sleep.js'
import type { LedgerLock, LockOptions } from './ledger.js'

/** Who holds a queue lock, as its backend recorded it. */
export interface LockHolder {
  readonly pid: number
  readonly host: string
  /** When it was taken, epoch ms (the backend's own clock). */
  readonly since: number
}

/**
 * This process's machine as a lock records it: the host name and, on Linux,
 * the PID namespace (`/proc/self/ns/pid`). Two containers can share a host
 * name (host networking) while each has its own process ids, often the same
 * ones: a pid is only checked where it means the same process.
 */
export const lockHost: string = (() => {
  let namespace = ''
  try {
    namespace = /^pid:\[(\d+)\]$/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? ''
  } catch {
    // No /proc (not Linux): the host name alone.
  }
  return namespace === '' ? hostname() : `${hostname()}/${namespace}`
})()

/** The host name part of a recorded holder's host, for people. */
export function shownHost(host: string): string {
  return host.split('/')[0] ?? host
}

/** Lock owners held by this process, to tell our own live lock from one a dead process with a reused pid left. */
const ownersHere = new Set<string>()

/**
 * True when the holder of a lock is known to be gone: it ran on this machine
 * (and in this PID namespace, see {@link lockHost}) and its process is no longer there (or it is this process, which no longer
 * holds that lock). A holder on another machine is gone only when its
 * heartbeat stops.
 *
 * @param holder The recorded holder.
 * @returns Whether its lock may be taken over at once.
 */
export function holderIsDead(holder: Pick<LockHolder, 'pid' | 'host'> & { readonly owner: string }): boolean {
  if (holder.host !== lockHost) return false
  return holder.pid === process.pid ? !ownersHere.has(holder.owner) : !isPidAlive(holder.pid)
}

/** One attempt: the lock taken, or who has it. */
export type LockAttempt<T> = { readonly ok: true; readonly lock: T } | { readonly ok: false; readonly holder: LockHolder }

/** What `takeLock` needs of a backend. */
export interface LockBackend<T> {
  /** Where the queue is, for the message (a file path, or a URL without its password). */
  readonly where: string
  /** After how long without a heartbeat a holder on another machine is taken over, ms. */
  readonly staleMs: number
  /** Try once; a dead holder on this machine or a stale one is taken over by the attempt itself. */
  attempt(): Promise<LockAttempt<T>>
  /** The backend's clock, epoch ms (lock ages are real time even when `--now` simulates another instant). */
  clock(): Promise<number>
}

/**
 * The error a second run gets while `holder` has the lock.
 *
 * @param where Where the queue is.
 * @param holder Who has it.
 * @param staleMs The stale limit, ms.
 * @returns The coded error (exit 75).
 */
export function queueLockedError(where: string, holder: LockHolder, staleMs: number): LockedError {
  return new LockedError(
    `Another dispatch is already sending from ${where} (pid ${holder.pid} on ${shownHost(holder.host)}, since ${new Date(holder.since).toISOString()}). ` +
      'Wait for it to finish, or run with `--wait` to queue behind it. ' +
      `If that process is gone, the lock is taken over automatically (at once on this machine, after ${Math.round(staleMs / 1000)} s without a heartbeat elsewhere).`,
  )
}

/**
 * Take a lock through `backend`, as `options` say.
 *
 * @param backend How to try, and the clock that measures the wait.
 * @param options `wait`, `timeoutMs`, `pollMs` (default 250), `signal`, `onWait` (told once when the wait begins).
 * @returns The lock.
 * @throws {LockedError} When another live run holds it and waiting is off, timed out or aborted.
 */
export async function takeLock<T>(backend: LockBackend<T>, options: LockOptions): Promise<T> {
  const started = await backend.clock()
  for (let attempt = 0; ; attempt++) {
    const result = await backend.attempt()
    if (result.ok) return result.lock
    const waited = (await backend.clock()) - started
    const timedOut = options.timeoutMs !== undefined && waited >= options.timeoutMs
    if (!options.wait || timedOut || options.signal?.aborted) throw queueLockedError(backend.where, result.holder, backend.staleMs)
    if (attempt === 0) options.onWait?.(result.holder)
    await sleep(options.pollMs ?? 250, options.signal)
  }
}

/** A lock as its ledger holds it: the handle callers get, and the one thing only the ledger may do to it. */
export interface HeldLock {
  readonly lock: LedgerLock
  /** The backend found the right gone (a refused claim): `lock.lost` is true from now on. */
  markLost(): void
}

/** What `holdLock` needs of a backend. */
export interface HoldOptions {
  readonly owner: string
  readonly recovered: number
  readonly heartbeatMs: number
  /** Refresh the lease: false when it is gone (the lock is lost), undefined or a rejection when this beat was skipped (busy, reconnecting). */
  beat(): boolean | undefined | Promise<boolean | undefined>
  /** Give the lock up in the backend (called once, by the first `release`). */
  drop(): Promise<void>
}

/**
 * Hold a lock just taken: a heartbeat every `heartbeatMs` (unref'd, so it
 * never keeps the process alive) until released or lost.
 *
 * @param options Owner, recovered rows, heartbeat and how to drop it.
 * @returns The held lock.
 */
export function holdLock(options: HoldOptions): HeldLock {
  let lost = false
  let released = false
  ownersHere.add(options.owner)
  const timer = setInterval(() => {
    if (released || lost) return
    void Promise.resolve()
      .then(() => options.beat())
      .then(
        (alive) => {
          // The lease ran out before this beat: another run may already have taken the rows over.
          if (alive === false && !released) lost = true
        },
        () => {
          // A skipped beat; the lease covers a few.
        },
      )
  }, options.heartbeatMs)
  timer.unref()
  const lock: LedgerLock = {
    owner: options.owner,
    recovered: options.recovered,
    get lost() {
      return lost
    },
    async release() {
      if (released) return
      released = true
      clearInterval(timer)
      ownersHere.delete(options.owner)
      await options.drop()
    },
  }
  return {
    lock,
    markLost() {
      if (!released) lost = true
    },
  }
}
