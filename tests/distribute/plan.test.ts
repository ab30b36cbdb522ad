import { describe, expect, test } from 'vitest'
import { planSends } from '../../src/distribute/plan.js'
import { HOUR, LIFT, makeRelease, person } from './fixtures/office.js'

const locales = ['en', 'ru']
const none = new Set<string>()

describe('planSends', () => {
  const list = [person('vet@example.com', 'en', true), person('gen@example.com', 'ru', false), person('Gen2@Example.com ', 'en', false)]

  test('under embargo: vetted now, everyone else at the lift', () => {
    const now = LIFT - 1000
    const plan = planSends(makeRelease(), list, { now, suppressed: none, locales })
    expect(plan.jobs.map((j) => [j.email, j.sendAt, j.why])).toEqual([
      ['vet@example.com', now, 'vetted-under-embargo'],
      ['gen@example.com', LIFT, 'general-at-lift'],
      ['Gen2@Example.com', LIFT, 'general-at-lift'],
    ])
    expect(plan.jobs[2]!.key).toBe('2031-03-14-water-report/gen2@example.com')
    expect(plan.counts).toMatchObject({ jobs: 3, due: 1, later: 2, vetted: 1 })
  })

  test('at the lift instant and without embargo everyone is due now', () => {
    for (const release of [makeRelease(), makeRelease({ embargo: false })]) {
      const plan = planSends(release, list, { now: LIFT, suppressed: none, locales })
      expect(plan.jobs.every((j) => j.sendAt === LIFT && j.why === 'no-embargo')).toBe(true)
    }
  })

  test('--at never brings an unvetted recipient before the lift, and moves everyone later', () => {
    const now = LIFT - 5 * HOUR
    const early = planSends(makeRelease(), list, { now, at: LIFT - 2 * HOUR, suppressed: none, locales })
    expect(early.jobs.map((j) => [j.vetted, j.sendAt, j.why])).toEqual([
      [true, LIFT - 2 * HOUR, 'scheduled'],
      [false, LIFT, 'general-at-lift'],
      [false, LIFT, 'general-at-lift'],
    ])
    const late = planSends(makeRelease(), list, { now, at: LIFT + HOUR, suppressed: none, locales })
    expect(late.jobs.every((j) => j.sendAt === LIFT + HOUR && j.why === 'scheduled')).toBe(true)
    const past = planSends(makeRelease({ embargo: false }), list, { now, at: now - HOUR, suppressed: none, locales })
    expect(past.jobs.every((j) => j.sendAt === now)).toBe(true)
  })

  test('suppressed, outside the lists, duplicates and drafts are skipped with their line', () => {
    const release = makeRelease({ lists: ['health'] })
    const people = [
      person('a@example.com', 'en', true, { lists: ['health'], line: 2 }),
      person('b@example.com', 'en', true, { lists: ['sports'], line: 3 }),
      person('C@example.com', 'en', true, { lists: ['health'], line: 4 }),
      person('a@example.com', 'en', true, { lists: ['health'], line: 5 }),
    ]
    const plan = planSends(release, people, { now: LIFT, suppressed: new Set(['c@example.com']), locales })
    expect(plan.jobs.map((j) => j.email)).toEqual(['a@example.com'])
    expect(plan.skipped).toEqual([
      { email: 'b@example.com', line: 3, reason: 'not-in-lists' },
      { email: 'C@example.com', line: 4, reason: 'suppressed' },
      { email: 'a@example.com', line: 5, reason: 'duplicate' },
    ])
    const draft = planSends(makeRelease({ status: 'draft' }), people.slice(0, 1), { now: LIFT, suppressed: none, locales })
    expect(draft.jobs).toEqual([])
    expect(draft.skipped[0]!.reason).toBe('draft')
  })

  test('language: fallback to the source, stale translations flagged; strict makes them errors', () => {
    const people = [person('de@example.com', 'de', false), person('ru@example.com', 'ru', false), person('en@example.com', 'en', false)]
    const missing = planSends(makeRelease({ texts: ['en'] }), people, { now: LIFT, suppressed: none, locales: ['en', 'ru', 'de'] })
    expect(missing.jobs.map((j) => [j.wanted, j.lng, j.fallback])).toEqual([
      ['de', 'en', true],
      ['ru', 'en', true],
      ['en', 'en', false],
    ])
    const stale = planSends(makeRelease({ staleRu: true }), people, { now: LIFT, suppressed: none, locales })
    expect(stale.jobs.map((j) => [j.lng, j.stale])).toEqual([
      ['en', false],
      ['ru', true],
      ['en', false],
    ])
    expect(stale.counts).toMatchObject({ fallback: 1, stale: 1 })
    const strict = planSends(makeRelease({ staleRu: true }), people, { now: LIFT, suppressed: none, locales, translations: 'strict' })
    expect(strict.jobs.map((j) => j.email)).toEqual(['en@example.com'])
    expect(strict.errors.map((e) => [e.email, e.reason])).toEqual([
      ['de@example.com', 'fallback'],
      ['ru@example.com', 'stale'],
    ])
    expect(strict.errors[1]!.message).toMatch(/stale.*translations: lenient/)
  })
})
