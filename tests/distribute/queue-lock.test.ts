/**
 * Who counts as gone: a lock holder is taken over at once only when it ran
 * in this very process space (host name and PID namespace) and its pid is
 * not running; two containers sharing a host name never take each other's
 * lock by pid.
 */
import { hostname } from 'node:os'
import { describe, expect, test } from 'vitest'
import { deadPid } from '../helpers/dead-pid.js'
import { holderIsDead, lockHost, shownHost } from '../../src/distribute/queue/queue-lock.js'

describe('holderIsDead', () => {
  test('a dead pid here is gone; a live one is not', () => {
    expect(holderIsDead({ host: lockHost, pid: deadPid(), owner: 'ghost' })).toBe(true)
    expect(holderIsDead({ host: lockHost, pid: process.ppid, owner: 'parent' })).toBe(false)
  })

  test('the same host name in another PID namespace (a container) is never judged by pid', () => {
    expect(lockHost).toMatch(new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\d+$`))
    expect(holderIsDead({ host: `${hostname()}/1`, pid: deadPid(), owner: 'other-container' })).toBe(false)
    // A holder recorded by an older Pressroom (host name only) waits for its heartbeat to stop.
    expect(holderIsDead({ host: hostname(), pid: deadPid(), owner: 'old' })).toBe(false)
    expect(holderIsDead({ host: 'elsewhere', pid: deadPid(), owner: 'far' })).toBe(false)
  })

  test('people see the host name only', () => {
    expect(shownHost(lockHost)).toBe(hostname())
    expect(shownHost('press-1')).toBe('press-1')
  })
})
