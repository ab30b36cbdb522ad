import { describe, expect, test } from 'vitest'
import { earliestSend, embargoDecision, isPublic, isUnderEmbargo } from '../../src/embargo/policy.js'
import { parseEmbargo } from '../../src/embargo/time.js'
import type { Embargo, ReleaseStatus } from '../../src/types.js'

const LIFT = Date.UTC(2031, 2, 14, 13, 0) // 2031-03-14T13:00Z
const embargo: Embargo = { lift: LIFT, zone: 'America/New_York', written: '2031-03-14T09:00' }
const embargoed = { embargo }
const open = {}
const vetted = { embargo: true }
const unvetted = { embargo: false }

function release(status: ReleaseStatus, e?: Embargo): { status: ReleaseStatus; embargo?: Embargo } {
  return e === undefined ? { status } : { status, embargo: e }
}

describe('isUnderEmbargo / isPublic', () => {
  test.each([
    // status, embargo, now, under embargo, public
    ['ready', embargo, LIFT - 86_400_000, true, false],
    ['ready', embargo, LIFT - 1, true, false],
    ['ready', embargo, LIFT, false, true],
    ['ready', embargo, LIFT + 1, false, true],
    ['ready', undefined, LIFT - 1, false, true],
    ['draft', undefined, LIFT, false, false],
    ['draft', embargo, LIFT - 1, true, false],
    ['draft', embargo, LIFT + 1, false, false],
  ] as const)('%s, embargo %o, now %i', (status, e, now, under, pub) => {
    const r = release(status, e)
    expect(isUnderEmbargo(r, now)).toBe(under)
    expect(isPublic(r, now)).toBe(pub)
  })

  test('+03:00 and Z embargoes lift at the same instant', () => {
    const plus = parseEmbargo('2031-03-14T16:00:00+03:00', undefined)
    const zulu = parseEmbargo('2031-03-14T13:00:00Z', undefined)
    if (!plus.ok || !zulu.ok) throw new Error('fixtures must parse')
    for (const now of [LIFT - 1, LIFT, LIFT + 1]) {
      expect(isPublic(release('ready', plus.embargo), now)).toBe(isPublic(release('ready', zulu.embargo), now))
    }
    expect(isPublic(release('ready', plus.embargo), LIFT - 1)).toBe(false)
    expect(isPublic(release('ready', plus.embargo), LIFT)).toBe(true)
  })
})

describe('embargoDecision', () => {
  test.each([
    ['vetted, a day before', embargoed, vetted, LIFT - 86_400_000, { action: 'send-now', banner: 'embargoed' }],
    ['vetted, 1 ms before', embargoed, vetted, LIFT - 1, { action: 'send-now', banner: 'embargoed' }],
    ['vetted, at lift', embargoed, vetted, LIFT, { action: 'send-now', banner: 'none' }],
    ['vetted, 1 ms after', embargoed, vetted, LIFT + 1, { action: 'send-now', banner: 'none' }],
    ['unvetted, a day before', embargoed, unvetted, LIFT - 86_400_000, { action: 'hold', until: LIFT, reason: 'embargo' }],
    ['unvetted, 1 ms before', embargoed, unvetted, LIFT - 1, { action: 'hold', until: LIFT, reason: 'embargo' }],
    ['unvetted, at lift', embargoed, unvetted, LIFT, { action: 'send-now', banner: 'none' }],
    ['unvetted, 1 ms after', embargoed, unvetted, LIFT + 1, { action: 'send-now', banner: 'none' }],
    ['no embargo, vetted', open, vetted, LIFT - 1, { action: 'send-now', banner: 'none' }],
    ['no embargo, unvetted', open, unvetted, LIFT - 1, { action: 'send-now', banner: 'none' }],
  ] as const)('%s', (_name, r, to, now, expected) => {
    expect(embargoDecision(r, to, now)).toEqual(expected)
  })
})

describe('earliestSend', () => {
  test.each([
    ['unvetted, --at before lift → lift', embargoed, unvetted, LIFT - 3_600_000, LIFT],
    ['unvetted, --at 1 ms before lift → lift', embargoed, unvetted, LIFT - 1, LIFT],
    ['unvetted, --at lift → lift', embargoed, unvetted, LIFT, LIFT],
    ['unvetted, --at after lift → at', embargoed, unvetted, LIFT + 1, LIFT + 1],
    ['vetted, --at before lift → at', embargoed, vetted, LIFT - 3_600_000, LIFT - 3_600_000],
    ['vetted, --at after lift → at', embargoed, vetted, LIFT + 1, LIFT + 1],
    ['no embargo, unvetted → at', open, unvetted, LIFT - 1, LIFT - 1],
  ] as const)('%s', (_name, r, to, at, expected) => {
    expect(earliestSend(r, to, at)).toBe(expected)
  })

  test('never before the lift for an unvetted recipient, whatever --at says', () => {
    for (let at = LIFT - 5 * 86_400_000; at <= LIFT + 86_400_000; at += 3_600_000 + 7) {
      const sendAt = earliestSend(embargoed, unvetted, at)
      expect(sendAt).toBeGreaterThanOrEqual(LIFT)
      expect(sendAt).toBeGreaterThanOrEqual(at)
      expect(embargoDecision(embargoed, unvetted, sendAt).action).toBe('send-now')
    }
  })
})
