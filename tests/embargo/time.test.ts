import { beforeAll, describe, expect, test } from 'vitest'
import { DateTime } from 'luxon'
import { toolWords, zoneNamesOf, type Words } from '../../src/embargo/lift-wording.js'
import {
  clockMismatchWarning,
  formatDate,
  formatInstantUtc,
  formatLift,
  isIsoDate,
  parseEmbargo,
  parseInstantText,
  zoneLabel,
} from '../../src/embargo/time.js'
import { isValidZone } from '../../src/embargo/zones.js'
import type { Embargo } from '../../src/types.js'
import { catalogWords } from '../helpers/catalog-words.js'

// The sample office's catalogs (locales/en, locales/ru) word the lift.
let words: Record<string, Words> = {}
beforeAll(async () => {
  words = await catalogWords()
})

const LIFT = Date.UTC(2031, 2, 14, 13, 0) // 2031-03-14T13:00Z = 09:00 EDT = 16:00 MSK

function lift(value: string, zone?: string): Embargo {
  const r = parseEmbargo(value, zone)
  if (!r.ok) throw new Error(`expected ${value} to parse: ${r.reason}`)
  return r.embargo
}

function failure(value: string, zone?: string): { reason: string; ruleId: string } {
  const r = parseEmbargo(value, zone)
  if (r.ok) throw new Error(`expected ${value} to fail, got ${JSON.stringify(r.embargo)}`)
  return { reason: r.reason, ruleId: r.ruleId }
}

describe('parseEmbargo: accepted values', () => {
  test.each([
    // value, embargo_zone, lift, display zone
    ['2031-03-14T09:00:00-04:00', undefined, LIFT, 'UTC-4'],
    ['2031-03-14T09:00-04:00', undefined, LIFT, 'UTC-4'],
    ['2031-03-14 09:00:00-04:00', undefined, LIFT, 'UTC-4'],
    ['2031-03-14T09:00:00-0400', undefined, LIFT, 'UTC-4'],
    ['2031-03-14T16:00:00+03:00', undefined, LIFT, 'UTC+3'],
    ['2031-03-14T13:00Z', undefined, LIFT, 'UTC'],
    ['2031-03-14T13:00:00Z', undefined, LIFT, 'UTC'],
    ['2031-03-14T13:00:00+00:00', undefined, LIFT, 'UTC'],
    ['2031-03-14t13:00z', undefined, LIFT, 'UTC'],
    ['2031-03-14T18:30+05:30', undefined, LIFT, 'UTC+5:30'],
    ['2031-03-14T13:00:00.500Z', undefined, LIFT + 500, 'UTC'],
    ['2031-03-14T09:00', 'America/New_York', LIFT, 'America/New_York'],
    ['2031-03-14 09:00', 'America/New_York', LIFT, 'America/New_York'],
    ['2031-03-14T09:00', 'america/new_york', LIFT, 'America/New_York'],
    ['2031-03-14T16:00', 'Europe/Moscow', LIFT, 'Europe/Moscow'],
    ['2031-03-14T13:00', 'UTC', LIFT, 'UTC'],
    ['2031-03-14T09:00:00-04:00', 'America/New_York', LIFT, 'America/New_York'],
    ['2031-03-14T13:00Z', 'Europe/London', LIFT, 'Europe/London'],
    ['  2031-03-14T13:00Z  ', undefined, LIFT, 'UTC'],
  ])('%s (zone %s)', (value, zone, expectedLift, expectedZone) => {
    expect(parseEmbargo(value, zone)).toEqual({ ok: true, embargo: { lift: expectedLift, zone: expectedZone, written: value } })
  })

  test('+03:00 and Z name the same instant', () => {
    expect(lift('2031-03-14T16:00:00+03:00').lift).toBe(lift('2031-03-14T13:00:00Z').lift)
  })

  test('the fall-back hour is fine once the offset is written', () => {
    expect(lift('2031-11-02T01:30:00-04:00', 'America/New_York').lift).toBe(Date.UTC(2031, 10, 2, 5, 30))
    expect(lift('2031-11-02T01:30:00-05:00', 'America/New_York').lift).toBe(Date.UTC(2031, 10, 2, 6, 30))
  })
})

describe('parseEmbargo: errors', () => {
  test("a local date-time with no zone: the exact message, with the user's own date and time", () => {
    expect(failure('2031-03-14 09:00')).toEqual({
      ruleId: 'embargo-no-zone',
      reason: 'embargo "2031-03-14 09:00" has no time zone (write 2031-03-14T09:00:00-04:00 or add embargo_zone: America/New_York)',
    })
    expect(failure('2031-12-01T17:45:30').reason).toBe(
      'embargo "2031-12-01T17:45:30" has no time zone (write 2031-12-01T17:45:30-04:00 or add embargo_zone: America/New_York)',
    )
  })

  test('a nonexistent local time (spring forward) names the gap', () => {
    expect(failure('2031-03-09T02:30', 'America/New_York')).toEqual({
      ruleId: 'embargo-nonexistent-time',
      reason:
        'embargo "2031-03-09T02:30" does not exist in America/New_York: the clocks jump from 02:00 to 03:00 on 9 March 2031 ' +
        '(write a time before 02:00 or from 03:00 on, or give the offset explicitly)',
    })
    expect(failure('2031-03-30T01:30', 'Europe/London').reason).toContain('the clocks jump from 01:00 to 02:00 on 30 March 2031')
  })

  test('an ambiguous local time (fall back) lists both offsets', () => {
    expect(failure('2031-11-02T01:30', 'America/New_York')).toEqual({
      ruleId: 'embargo-ambiguous-time',
      reason:
        'embargo "2031-11-02T01:30" happens twice in America/New_York (the clocks go back that night); ' +
        'write the offset explicitly: 2031-11-02T01:30:00-04:00 (EDT) or 2031-11-02T01:30:00-05:00 (EST)',
    })
  })

  test('an offset that disagrees with embargo_zone says both offsets and the fix', () => {
    expect(failure('2031-03-14T09:00:00-05:00', 'America/New_York')).toEqual({
      ruleId: 'embargo-zone-mismatch',
      reason:
        'embargo "2031-03-14T09:00:00-05:00" has offset UTC−05:00 but embargo_zone America/New_York is UTC−04:00 at that time ' +
        '(write 2031-03-14T09:00:00-04:00 if you meant America/New_York time, ' +
        'or drop the offset and write 2031-03-14T09:00:00 to use America/New_York, or fix embargo_zone)',
    })
    expect(failure('2031-07-01T09:00Z', 'Europe/London').ruleId).toBe('embargo-zone-mismatch')
  })

  test.each([
    ['Europe/Moskow', 'embargo_zone "Europe/Moskow" is not a known time zone; did you mean Europe/Moscow?'],
    ['New York', 'embargo_zone "New York" is not a known time zone; did you mean America/New_York?'],
    ['Mars/Olympus_Mons', 'embargo_zone "Mars/Olympus_Mons" is not a known time zone (write an IANA'],
    ['MSK', 'embargo_zone "MSK" is not a known time zone (write an IANA'],
    ['BST', 'embargo_zone "BST" is an abbreviation or legacy name, not a place'],
    ['EST', 'embargo_zone "EST" is an abbreviation or legacy name, not a place'],
    ['', 'embargo_zone is empty'],
  ])('bad zone %j', (zone, start) => {
    const r = failure('2031-03-14T09:00', zone)
    expect(r.ruleId).toBe('embargo-bad-zone')
    expect(r.reason.startsWith(start)).toBe(true)
  })

  test('a bad zone is reported even when the value has an offset', () => {
    expect(failure('2031-03-14T09:00:00-04:00', 'America/Nowhere').ruleId).toBe('embargo-bad-zone')
  })

  test.each([
    [
      '2031-03-14',
      'embargo "2031-03-14" is a date, not an instant; an embargo lifts at a time (write 2031-03-14T09:00:00-04:00, or 2031-03-14T09:00 with embargo_zone: America/New_York)',
    ],
    [
      'tomorrow 9am',
      'embargo "tomorrow 9am" is not a date-time (expected an ISO 8601 date-time with an offset, such as 2031-03-14T09:00:00-04:00 or 2031-03-14T13:00Z, or a local date-time such as 2031-03-14T09:00 plus embargo_zone, or a local date-time followed by an IANA zone such as 2031-03-14 09:00 America/New_York)',
    ],
    ['2031-02-30T09:00Z', 'embargo "2031-02-30T09:00Z" is not a real date (2031-02-30 does not exist)'],
  ])('invalid %j', (value, reason) => {
    expect(failure(value)).toEqual({ ruleId: 'embargo-invalid', reason })
  })

  test.each(['', '14/03/2031 09:00', '2031-03-14T24:00Z', '2031-03-14T09:60Z', '2031-3-14T09:00Z', '2031-03-14T09Z'])(
    'invalid %j',
    (value) => {
      expect(failure(value).ruleId).toBe('embargo-invalid')
    },
  )

  test('a date only is an error even with a zone', () => {
    expect(failure('2031-03-14', 'America/New_York').ruleId).toBe('embargo-invalid')
  })
})

describe('formatLift', () => {
  const extras = ['UTC', 'Europe/Moscow'] as const

  test.each([
    ['2031-03-14T09:00', 'America/New_York', 'en', '09:00 EDT, 14 March 2031 (13:00 UTC, 16:00 MSK)'],
    ['2031-03-14T09:00', 'America/New_York', 'ru', '09:00 (EDT), 14 марта 2031 г. (13:00 UTC, 16:00 МСК)'],
    ['2031-01-14T09:00', 'America/New_York', 'en', '09:00 EST, 14 January 2031 (14:00 UTC, 17:00 MSK)'],
    ['2031-01-14T09:00', 'America/New_York', 'ru', '09:00 (EST), 14 января 2031 г. (14:00 UTC, 17:00 МСК)'],
    ['2031-03-14T09:00:00-04:00', undefined, 'en', '09:00 UTC−04:00, 14 March 2031 (13:00 UTC, 16:00 MSK)'],
    ['2031-03-14T09:00:00-04:00', undefined, 'ru', '09:00 (UTC−04:00), 14 марта 2031 г. (13:00 UTC, 16:00 МСК)'],
    ['2031-03-14T18:30+05:30', undefined, 'en', '18:30 UTC+05:30, 14 March 2031 (13:00 UTC, 16:00 MSK)'],
    // the primary zone is not repeated among the extras
    ['2031-03-14T13:00Z', undefined, 'en', '13:00 UTC, 14 March 2031 (16:00 MSK)'],
    // plain spaces even where Luxon formats through formatToParts (UTC, half-hour offsets)
    ['2031-03-14T13:00Z', undefined, 'ru', '13:00 (UTC), 14 марта 2031 г. (16:00 МСК)'],
    ['2031-03-14T18:30+05:30', undefined, 'ru', '18:30 (UTC+05:30), 14 марта 2031 г. (13:00 UTC, 16:00 МСК)'],
    ['2031-03-14T16:00', 'Europe/Moscow', 'ru', '16:00 (МСК), 14 марта 2031 г. (13:00 UTC)'],
    // another calendar day in an extra zone gets its date
    ['2031-03-14T23:00', 'America/New_York', 'en', '23:00 EDT, 14 March 2031 (03:00 UTC on 15 March, 06:00 MSK on 15 March)'],
    ['2031-03-14T23:00', 'America/New_York', 'ru', '23:00 (EDT), 14 марта 2031 г. (03:00 UTC 15 марта, 06:00 МСК 15 марта)'],
    [
      '2031-12-31T23:00',
      'America/New_York',
      'en',
      '23:00 EST, 31 December 2031 (04:00 UTC on 1 January 2032, 07:00 MSK on 1 January 2032)',
    ],
    ['2031-03-14T09:00:30', 'America/New_York', 'en', '09:00:30 EDT, 14 March 2031 (13:00:30 UTC, 16:00:30 MSK)'],
  ])('%s %s %s', (value, zone, lng, expected) => {
    expect(formatLift(lift(value, zone), lng, extras, words[lng]!)).toBe(expected)
  })

  test('no extra zones', () => {
    expect(formatLift(lift('2031-03-14T09:00', 'America/New_York'), 'en', [], words['en']!)).toBe('09:00 EDT, 14 March 2031')
    expect(formatLift(lift('2031-03-14T09:00', 'America/New_York'), 'ru', [], words['ru']!)).toBe('09:00 (EDT), 14 марта 2031 г.')
  })

  test('European zones use their abbreviations; zones without one show the offset', () => {
    const e = lift('2031-07-01T09:00', 'Europe/London')
    expect(formatLift(e, 'en', ['Europe/Berlin', 'Asia/Tokyo', 'Etc/UTC'], words['en']!)).toBe(
      '09:00 BST, 1 July 2031 (10:00 CEST, 17:00 UTC+09:00, 08:00 UTC)',
    )
  })

  test('duplicate extra zones are shown once', () => {
    expect(formatLift(lift('2031-03-14T13:00Z'), 'en', ['Etc/UTC', 'UTC', 'Europe/Moscow', 'Europe/Moscow'], words['en']!)).toBe(
      '13:00 UTC, 14 March 2031 (16:00 MSK)',
    )
  })

  test('an unknown extra zone is a RangeError', () => {
    expect(() => formatLift(lift('2031-03-14T13:00Z'), 'en', ['Mars/Base'], words['en']!)).toThrow(RangeError)
  })
})

describe('zoneLabel', () => {
  test.each([
    [LIFT, 'America/New_York', 'en', 'EDT'],
    [LIFT, 'America/Los_Angeles', 'en', 'PDT'],
    [LIFT, 'Europe/London', 'en', 'GMT'],
    [LIFT, 'Europe/Berlin', 'en', 'CET'],
    [LIFT, 'Europe/Moscow', 'en', 'MSK'],
    [LIFT, 'Europe/Moscow', 'ru', 'МСК'],
    [LIFT, 'Asia/Tokyo', 'ru', 'UTC+09:00'],
    [LIFT, 'UTC-4', 'en', 'UTC−04:00'],
    [LIFT, 'UTC', 'ru', 'UTC'],
  ])('%i %s %s', (ms, zone, lng, expected) => {
    expect(zoneLabel(ms, zone, zoneNamesOf(words[lng]!))).toBe(expected)
  })
})

describe('formatDate', () => {
  test.each([
    ['2031-03-14', 'en', '14 March 2031'],
    ['2031-03-14', 'ru', '14 марта 2031 г.'],
    ['2012-06-05', 'ru', '5 июня 2012 г.'],
    ['2012-06-05', 'en', '5 June 2012'],
    ['2031-01-01', 'en', '1 January 2031'],
    ['2031-12-31', 'ru', '31 декабря 2031 г.'],
  ])('%s %s', (iso, lng, expected) => {
    expect(formatDate(iso, lng)).toBe(expected)
  })

  test('an impossible date is a RangeError', () => {
    expect(() => formatDate('2031-02-30', 'en')).toThrow(RangeError)
  })

  test('says what luxon says, for every week of 1995–2045 in five languages', () => {
    for (const lng of ['en', 'ru', 'de', 'uk', 'ja']) {
      for (let t = Date.UTC(1995, 0, 1); t < Date.UTC(2045, 0, 1); t += 7 * 86_400_000) {
        const iso = new Date(t).toISOString().slice(0, 10)
        const luxon = DateTime.fromISO(iso, { zone: 'UTC' })
          .setLocale(lng === 'en' ? 'en-GB' : lng)
          .toLocaleString({ day: 'numeric', month: 'long', year: 'numeric' })
          .replace(/[\u00a0\u202f]/g, ' ')
        expect(formatDate(iso, lng), `${lng} ${iso}`).toBe(luxon)
      }
    }
  })
})

test.each([
  [LIFT, '2031-03-14 13:00 UTC'],
  [Date.UTC(2031, 0, 1, 0, 0), '2031-01-01 00:00 UTC'],
  [LIFT + 30_000, '2031-03-14 13:00:30 UTC'],
])('formatInstantUtc(%i)', (ms, expected) => {
  expect(formatInstantUtc(ms)).toBe(expected)
})

describe('clockMismatchWarning', () => {
  const warning =
    'the lift falls in the weeks when US and European daylight-saving time differ ' +
    '(New York is 4 h behind London, not 5); check the time you gave'
  test.each([
    ['2031-03-20T13:00Z', warning],
    ['2031-10-30T13:00Z', warning],
    ['2031-01-15T13:00Z', undefined],
    ['2031-07-01T13:00Z', undefined],
    ['2031-12-01T13:00Z', undefined],
  ])('%s', (value, expected) => {
    expect(clockMismatchWarning(lift(value).lift)).toBe(expected)
  })
})

describe('isValidZone', () => {
  test.each([
    ['America/New_York', true],
    ['america/new_york', true],
    ['Europe/Moscow', true],
    ['UTC', true],
    ['Etc/GMT-3', true],
    ['US/Eastern', true],
    ['Europe/Moskow', false],
    ['BST', false],
    ['EST', false],
    ['MSK', false],
    ['UTC-4', false],
    [' Europe/Moscow', false],
    ['', false],
  ])('%j → %s', (zone, expected) => {
    expect(isValidZone(zone)).toBe(expected)
  })
})

describe('isIsoDate', () => {
  test.each([
    ['2031-03-14', true],
    ['2032-02-29', true],
    ['2031-02-29', false],
    ['2031-02-30', false],
    ['2031-13-01', false],
    ['2031-00-10', false],
    ['2031-04-00', false],
    ['2031-04-31', false],
    ['2031-12-31', true],
    ['2000-02-29', true],
    ['2100-02-29', false],
    ['2031-3-14', false],
    ['2031-03-14T00:00', false],
    ['14.03.2031', false],
    ['', false],
  ])('%j → %s', (value, expected) => {
    expect(isIsoDate(value)).toBe(expected)
  })

  test('agrees with the calendar on every day of a leap and a common year', () => {
    for (const year of [2031, 2032]) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 32; day++) {
          const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
          const real = new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10) === text
          expect(isIsoDate(text), text).toBe(real)
        }
      }
    }
  })
})

describe('one way to write an instant: frontmatter, --now, --at', () => {
  test('a local time followed by an IANA zone', () => {
    expect(lift('2031-03-14 16:00 Europe/Moscow')).toEqual({ lift: LIFT, zone: 'Europe/Moscow', written: '2031-03-14 16:00 Europe/Moscow' })
    expect(lift('2031-03-14T09:00 america/new_york').zone).toBe('America/New_York')
    expect(lift('2031-03-14 13:00 UTC').lift).toBe(LIFT)
  })

  test('an offset of hours only, as +03', () => {
    expect(lift('2031-03-14T16:00+03').lift).toBe(LIFT)
    const at = parseInstantText('2031-03-14 16:00+03', undefined, { name: '--now' })
    expect(at).toEqual({ ok: true, ms: LIFT, zone: 'UTC+3' })
  })

  test('an abbreviation after the time is refused with the reason', () => {
    const r = failure('2031-03-14T09:00 EST')
    expect(r.ruleId).toBe('embargo-bad-zone')
    expect(r.reason).toMatch(/^embargo "2031-03-14T09:00 EST" ends in "EST", which is an abbreviation or legacy name, not a place/)
    expect(failure('2031-03-14T09:00 EDT').reason).toMatch(/^embargo "2031-03-14T09:00 EDT" ends in "EDT", which is not a known time zone/)
  })

  test('a zone after the time and a different embargo_zone disagree', () => {
    expect(failure('2031-03-14 16:00 Europe/Moscow', 'Europe/Berlin').ruleId).toBe('embargo-zone-mismatch')
    expect(lift('2031-03-14 16:00 Europe/Moscow', 'Europe/Moscow').lift).toBe(LIFT)
  })

  test('an offset that disagrees with the zone after it', () => {
    const r = failure('2031-03-14T16:00+02:00 Europe/Moscow')
    expect(r.ruleId).toBe('embargo-zone-mismatch')
    expect(r.reason).toContain('write 2031-03-14T16:00:00 Europe/Moscow to use Europe/Moscow')
  })

  test("a missing zone suggests the office's own zone first", () => {
    const r = parseEmbargo('2031-03-14 09:00', undefined, ['UTC', 'Europe/Moscow'])
    expect(r).toEqual({
      ok: false,
      ruleId: 'embargo-no-zone',
      reason: 'embargo "2031-03-14 09:00" has no time zone (write 2031-03-14T09:00:00+03:00 or add embargo_zone: Europe/Moscow)',
    })
    // Without zones of its own, New York (as SPEC §2.1 words it).
    expect(failure('2031-03-14 09:00').reason).toBe(
      'embargo "2031-03-14 09:00" has no time zone (write 2031-03-14T09:00:00-04:00 or add embargo_zone: America/New_York)',
    )
  })

  test('a flag is told to add the zone after the time', () => {
    const r = parseInstantText('2031-03-14 09:00', undefined, { name: '--at', zones: ['Europe/Moscow'] })
    expect(r).toEqual({
      ok: false,
      ruleId: 'embargo-no-zone',
      reason: '--at "2031-03-14 09:00" has no time zone (write 2031-03-14T09:00:00+03:00 or 2031-03-14 09:00 Europe/Moscow)',
    })
    const gap = parseInstantText('2031-03-30 02:30 Europe/Berlin', undefined, { name: '--now' })
    expect(gap.ok === false && gap.reason).toMatch(
      /^--now "2031-03-30 02:30 Europe\/Berlin" does not exist in Europe\/Berlin: the clocks jump from 02:00 to 03:00/,
    )
  })
})

describe('the wording of a lift comes from the catalogs', () => {
  test("the tool's own English (reports, the preview) reads as the sample office's English catalog", () => {
    for (const [value, zone] of [
      ['2031-03-14T09:00', 'America/New_York'],
      ['2031-03-14T23:00', 'America/New_York'],
      ['2031-12-31T23:00', 'America/New_York'],
      ['2031-03-14T18:30+05:30', undefined],
      ['2031-07-01T09:00', 'Europe/London'],
    ] as const) {
      const e = lift(value, zone)
      const zones = ['UTC', 'Europe/Moscow', 'Europe/Berlin', 'Asia/Tokyo']
      expect(formatLift(e, 'en', zones, toolWords)).toBe(formatLift(e, 'en', zones, words['en']!))
    }
  })

  test('a catalog zone name holds only at its offset (Moscow was +04:00 in 2012)', () => {
    expect(zoneLabel(Date.UTC(2012, 5, 1, 12), 'Europe/Moscow', zoneNamesOf(words['ru']!))).toBe('UTC+04:00')
    expect(zoneLabel(Date.UTC(2031, 5, 1, 12), 'Europe/Moscow', zoneNamesOf(words['ru']!))).toBe('МСК')
  })

  test("every word is the catalog's: a made-up language changes each one", () => {
    const catalog: Record<string, string> = {
      'embargo.lift': '<{{date}}|{{time}}|{{zone}}>',
      'embargo.liftInZones': '{{lift}} [{{zones}}]',
      'embargo.inZone': '{{zone}}={{time}}',
      'embargo.inZoneOnDate': '{{zone}}={{time}}@{{date}}',
      'embargo.zoneSeparator': ' / ',
      'embargo.zoneNameLocales': 'de',
      'embargo.zoneNames': 'Europe/Moscow +03:00 Moskau; Asia/Tokyo +09:00 JST',
    }
    const made: Words = (key, values = {}) => catalog[key]!.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(values[name]))
    expect(formatLift(lift('2031-03-14T23:00', 'Europe/Berlin'), 'de', ['UTC', 'Europe/Moscow', 'Asia/Tokyo'], made)).toBe(
      '<14. März 2031|23:00|MEZ> [UTC=22:00 / Moskau=01:00@15. März / JST=07:00@15. März]',
    )
  })
})

describe('parseZoneNames / parseZoneNameLocales (checked by press check)', () => {
  test('entries, and what is not one', async () => {
    const { parseZoneNames, parseZoneNameLocales } = await import('../../src/embargo/lift-wording.js')
    const parsed = parseZoneNames('Europe/Moscow +03:00 MSK; Asia/Kolkata +05:30 IST;; America/St_Johns −03:30 NST')
    expect(parsed.problems).toEqual([])
    expect([...parsed.byZone].map(([zone, names]) => [zone, [...names]])).toEqual([
      ['Europe/Moscow', [[180, 'MSK']]],
      ['Asia/Kolkata', [[330, 'IST']]],
      ['America/St_Johns', [[-210, 'NST']]],
    ])
    expect(parseZoneNames('MSK Europe/Moscow; Mars/Base +01:00 MBT').problems).toEqual([
      '`MSK Europe/Moscow` is not `<IANA zone> <offset> <name>`, e.g. `Europe/Moscow +03:00 MSK`',
      '`Mars/Base` is not an IANA time zone such as Europe/Moscow',
    ])
    expect(parseZoneNameLocales('en-US  en-GB')).toEqual({ locales: ['en-US', 'en-GB'], problems: [] })
    expect(parseZoneNameLocales('de en_GB').problems).toEqual([
      '`en_GB` is not a language tag (write Intl locales such as `en-US en-GB` or `de`)',
    ])
  })
})
