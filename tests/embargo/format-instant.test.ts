import { describe, expect, test } from 'vitest'
import { formatInstant, reportZone } from '../../src/embargo/format-instant.js'
import { parseEmbargo } from '../../src/embargo/time.js'

const LIFT = Date.UTC(2031, 5, 10, 13, 0) // 09:00 EDT, 16:00 MSK

describe('formatInstant: the zone people use, UTC beside it', () => {
  test.each([
    [LIFT, 'America/New_York', '2031-06-10 09:00 EDT (13:00 UTC)'],
    [LIFT, 'Europe/Moscow', '2031-06-10 16:00 MSK (13:00 UTC)'],
    [Date.UTC(2031, 5, 10, 21, 30), 'Europe/Moscow', '2031-06-11 00:30 MSK (2031-06-10 21:30 UTC)'],
    [LIFT + 30_000, 'Europe/Moscow', '2031-06-10 16:00:30 MSK (13:00:30 UTC)'],
    [LIFT, 'UTC-4', '2031-06-10 09:00 UTC−04:00 (13:00 UTC)'],
    [LIFT, 'UTC', '2031-06-10 13:00 UTC'],
    [LIFT, 'Europe/London', '2031-06-10 14:00 BST (13:00 UTC)'],
    [Date.UTC(2031, 0, 10, 13, 0), 'Europe/London', '2031-01-10 13:00 UTC'],
    [LIFT, undefined, '2031-06-10 13:00 UTC'],
  ])('%s in %s', (ms, zone, text) => {
    expect(formatInstant(ms, zone)).toBe(text)
  })
})

describe('reportZone', () => {
  test("the embargo's own zone, else the office's first place, else UTC", () => {
    const r = parseEmbargo('2031-06-10T09:00 America/New_York', undefined)
    expect(r.ok && reportZone(['UTC', 'Europe/Moscow'], r.embargo)).toBe('America/New_York')
    expect(reportZone(['UTC', 'Europe/Moscow'])).toBe('Europe/Moscow')
    expect(reportZone(['UTC'])).toBeUndefined()
  })
})
