/**
 * Embargo time: parsing the frontmatter `embargo` value into an instant, and
 * stating that instant for people (notices, dates, warnings).
 *
 * All zone knowledge comes from the tz database through Intl and Luxon; this
 * module never adds or subtracts offsets itself, because a hand-rolled offset
 * is exactly how an embargo lifts an hour early.
 */
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon'
import type { Embargo, Lng } from '../types.js'
import { toolWords, zoneNamesOf, type Words, type ZoneNames } from './lift-wording.js'
import { canonicalCase, isValidZone, suggestZone } from './zones.js'

/** Result of {@link parseEmbargo}: an embargo, or a reason with the diagnostic rule id. */
export type ParsedEmbargo = { ok: true; embargo: Embargo } | { ok: false; reason: string; ruleId: string }

/** Rule ids {@link parseEmbargo} reports, for diagnostics and tests. */
export const embargoRuleIds = [
  'embargo-invalid',
  'embargo-no-zone',
  'embargo-bad-zone',
  'embargo-zone-mismatch',
  'embargo-nonexistent-time',
  'embargo-ambiguous-time',
] as const

const EXPECTED_FORMAT =
  'expected an ISO 8601 date-time with an offset, such as 2031-03-14T09:00:00-04:00 or 2031-03-14T13:00Z, ' +
  'or a local date-time such as 2031-03-14T09:00 plus embargo_zone'

// Date, `T`/`t`/space, hh:mm, optional :ss(.fff), optional offset (Z, ±hh, ±hhmm, ±hh:mm).
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:[.,](\d{1,9}))?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

interface LocalParts {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly millisecond: number
}

/** How {@link parseInstantText} names the value in its messages. */
export interface InstantWording {
  /** The value's name at the start of a message: `embargo`, `--at`, `PRESS_NOW`. */
  readonly name: string
  /** The key that names a zone beside the value (`embargo_zone`), if there is one. */
  readonly zoneKey?: string
  /** The office's zones (`embargo.zones`), suggested first when a zone is missing. */
  readonly zones?: readonly string[]
}

/** Result of {@link parseInstantText}: the instant and the zone to state it in, or a reason. */
export type ParsedInstant = { ok: true; ms: number; zone: string } | { ok: false; reason: string; ruleId: string }

/**
 * Parse the frontmatter `embargo` value (with `embargo_zone`, if given) into an
 * {@link Embargo}: see {@link parseInstantText} for the forms accepted.
 *
 * @param value The value as written.
 * @param zone `embargo_zone` (optional).
 * @param zones The office's zones, suggested first when the value has no zone (optional).
 */
export function parseEmbargo(value: string, zone: string | undefined, zones: readonly string[] = []): ParsedEmbargo {
  const parsed = parseInstantText(value, zone, { name: 'embargo', zoneKey: 'embargo_zone', zones })
  return parsed.ok ? { ok: true, embargo: { lift: parsed.ms, zone: parsed.zone, written: value } } : parsed
}

/**
 * Parse an instant as people write it, the same way for the frontmatter,
 * `--now`, `--at` and `PRESS_NOW`: `2031-03-14T09:00:00-04:00`,
 * `2031-03-14T13:00Z`, `2031-03-14 16:00+03` (seconds optional, `T` or a
 * space, any case), or a local date-time followed by an IANA zone
 * (`2031-03-14 16:00 Europe/Moscow`), or a local date-time plus a zone given
 * beside it (`embargo_zone`). The zone to state it in is that IANA zone when
 * given, else Luxon's fixed-offset zone (`UTC-4`, `UTC+5:30`, or `UTC` for
 * `Z`). Everything else — no zone, a date only, an unknown zone, a local time
 * that does not exist or happens twice, an offset that disagrees with the
 * zone — is an error whose reason says how to fix it.
 *
 * @param value The text.
 * @param zone A zone given beside the value (`embargo_zone`; optional).
 * @param wording How to name the value in messages, and zones to suggest.
 */
export function parseInstantText(value: string, zone: string | undefined, wording: InstantWording): ParsedInstant {
  let text = value.trim()
  const quoted = JSON.stringify(value)
  const name = wording.name
  const zoneKey = wording.zoneKey ?? 'the zone'

  // `2031-03-14 09:00 Europe/Moscow`: a local time followed by a zone name.
  let inline: string | undefined
  if (!DATE_TIME.test(text)) {
    const split = /^(.*\d)\s+([A-Za-z][\w+\-/]*)$/.exec(text)
    if (split && DATE_TIME.test(split[1]!)) {
      text = split[1]!
      inline = split[2]!
    }
  }

  let ianaZone: string | undefined
  if (inline !== undefined) {
    const checked = checkZone(inline, `${name} ${quoted} ends in ${JSON.stringify(inline)}, which`)
    if (!checked.ok) return { ok: false, ruleId: 'embargo-bad-zone', reason: checked.reason }
    ianaZone = checked.zone
  }
  if (zone !== undefined) {
    const checked = checkZone(zone, `${zoneKey} ${JSON.stringify(zone)}`)
    if (!checked.ok) return { ok: false, ruleId: 'embargo-bad-zone', reason: checked.reason }
    if (ianaZone !== undefined && ianaZone !== checked.zone) {
      return {
        ok: false,
        ruleId: 'embargo-zone-mismatch',
        reason: `${name} ${quoted} names ${ianaZone} but ${zoneKey} is ${checked.zone}; keep one of them`,
      }
    }
    ianaZone = checked.zone
  }
  const hint = zoneHint(wording)

  if (DATE_ONLY.test(text)) {
    return {
      ok: false,
      ruleId: 'embargo-invalid',
      reason: `${name} ${quoted} is a date, not an instant; ${name === 'embargo' ? 'an embargo lifts at a time' : 'give a time too'} (${(({ offset, zone, spaced }) => (wording.zoneKey !== undefined ? `write ${offset}, or ${text}T09:00 with ${wording.zoneKey}: ${zone}` : `write ${offset} or ${spaced} ${zone}`))(hint(`${text}T09:00`))})`,
    }
  }

  const m = DATE_TIME.exec(text)
  if (!m) return { ok: false, ruleId: 'embargo-invalid', reason: `${name} ${quoted} is not a date-time (${expectedFormat(wording)})` }

  const [, y, mo, d, h, mi, s, frac, zulu, sign, oh, om] = m
  const local: LocalParts = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: s === undefined ? 0 : Number(s),
    millisecond: frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0')),
  }
  const timeText = `${h}:${mi}:${s ?? '00'}${frac === undefined ? '' : `.${frac}`}`
  const localIso = `${y}-${mo}-${d}T${timeText}`

  if (!DateTime.fromObject(local, { zone: 'UTC' }).isValid) {
    return { ok: false, ruleId: 'embargo-invalid', reason: `${name} ${quoted} is not a real date (${y}-${mo}-${d} does not exist)` }
  }

  const hasOffset = zulu !== undefined || sign !== undefined
  if (hasOffset) {
    const offsetText = zulu !== undefined ? 'Z' : `${sign}${oh}:${om ?? '00'}`
    const written = DateTime.fromISO(`${localIso}${offsetText}`, { setZone: true })
    if (!written.isValid) {
      return {
        ok: false,
        ruleId: 'embargo-invalid',
        reason: `${name} ${quoted} has an impossible offset ${offsetText} (${expectedFormat(wording)})`,
      }
    }
    const lift = written.toMillis()
    if (ianaZone === undefined) return { ok: true, ms: lift, zone: written.zoneName ?? 'UTC' }
    const inZone = DateTime.fromMillis(lift, { zone: ianaZone })
    if (inZone.offset !== written.offset) {
      const zoneOffset = inZone.toFormat('ZZ')
      const by = inline !== undefined ? 'the zone' : zoneKey
      return {
        ok: false,
        ruleId: 'embargo-zone-mismatch',
        reason:
          `${name} ${quoted} has offset ${offsetLabel(written.offset)} but ${by} ${ianaZone} is ` +
          `${offsetLabel(inZone.offset)} at that time (write ${localIso}${zoneOffset} if you meant ${ianaZone} time, ` +
          `or drop the offset and write ${inline !== undefined ? `${localIso} ${ianaZone}` : localIso} to use ${ianaZone}, or fix ${by})`,
      }
    }
    return { ok: true, ms: lift, zone: ianaZone }
  }

  if (ianaZone === undefined) {
    return {
      ok: false,
      ruleId: 'embargo-no-zone',
      reason: `${name} ${quoted} has no time zone (${(({ offset, zone, spaced }) => (wording.zoneKey !== undefined ? `write ${offset} or add ${wording.zoneKey}: ${zone}` : `write ${offset} or ${spaced} ${zone}`))(hint(localIso))})`,
    }
  }

  const inZone = DateTime.fromObject(local, { zone: ianaZone })
  if (!sameLocal(inZone, local))
    return { ok: false, ruleId: 'embargo-nonexistent-time', reason: gapReason(`${name} ${quoted}`, inZone, ianaZone) }

  const candidates = inZone.getPossibleOffsets()
  if (candidates.length > 1) {
    const options = candidates
      .map((c) => `${localIso}${c.toFormat('ZZ')} (${zoneLabel(c.toMillis(), ianaZone, zoneNamesOf(toolWords))})`)
      .join(' or ')
    return {
      ok: false,
      ruleId: 'embargo-ambiguous-time',
      reason:
        `${name} ${quoted} happens twice in ${ianaZone} (the clocks go back that night); ` + `write the offset explicitly: ${options}`,
    }
  }

  return { ok: true, ms: inZone.toMillis(), zone: ianaZone }
}

function expectedFormat(wording: InstantWording): string {
  return wording.zoneKey !== undefined
    ? `${EXPECTED_FORMAT}, or a local date-time followed by an IANA zone such as 2031-03-14 09:00 America/New_York`
    : 'expected an ISO 8601 date-time with an offset, such as 2031-03-14T09:00:00-04:00 or 2031-03-14T13:00Z, or a local date-time followed by an IANA zone, such as 2031-03-14 09:00 America/New_York'
}

/**
 * How to write a local time with a zone, in the office's own zone when it has
 * one (the first of `embargo.zones` that is a place), else New York's:
 * `2031-03-14T09:00:00+03:00`, the zone `Europe/Moscow`, and the local time
 * as people write it before a zone, `2031-03-14 09:00`.
 */
function zoneHint(wording: InstantWording): (localIso: string) => { offset: string; zone: string; spaced: string } {
  const place = (wording.zones ?? []).find((z) => z.includes('/') && isValidZone(z))
  return (localIso) => {
    const zone = place ?? 'America/New_York'
    const withSeconds = /T\d{2}:\d{2}$/.test(localIso) ? `${localIso}:00` : localIso
    let offset = '-04:00'
    if (place !== undefined) {
      const at = DateTime.fromISO(withSeconds, { zone: place })
      if (at.isValid) offset = at.toFormat('ZZ')
    }
    return { offset: `${withSeconds}${offset}`, zone, spaced: withSeconds.replace('T', ' ').replace(/(\d{2}:\d{2}):00$/, '$1') }
  }
}

/**
 * State the lift for a notice, in the embargo's own zone and then in each extra
 * zone (zones that would read the same as the primary, or as an earlier extra,
 * are skipped). 24-hour clock; seconds only when not zero. Every word and
 * mark comes from the language's catalog (`embargo.*`, see
 * `src/embargo/lift-wording.ts`); dates are Intl's in that language. With the
 * sample office's catalogs:
 *
 * - `en`: `09:00 EDT, 14 March 2031 (13:00 UTC, 16:00 MSK)`
 * - `ru`: `09:00 (EDT), 14 марта 2031 г. (13:00 UTC, 16:00 МСК)`
 * - An extra zone on another calendar day gets its date:
 *   `en` `23:00 EDT, 14 March 2031 (03:00 UTC on 15 March, 06:00 MSK on 15 March)`,
 *   `ru` `23:00 (EDT), 14 марта 2031 г. (03:00 UTC 15 марта, 06:00 МСК 15 марта)`;
 *   the year is added too when it differs.
 * - Zone names: see {@link zoneLabel}.
 *
 * Throws a RangeError for a zone Luxon does not know (validate config zones
 * with {@link isValidZone}).
 *
 * @param embargo The embargo.
 * @param lng The language, for Intl's dates.
 * @param extraZones The office's `embargo.zones`.
 * @param words The language's catalog look-up (a `Translate`), or `toolWords` for the tool's own English.
 */
export function formatLift(embargo: Embargo, lng: Lng, extraZones: readonly string[], words: Words): string {
  const names = zoneNamesOf(words)
  const primary = atZone(embargo.lift, embargo.zone)
  const primaryLabel = zoneLabel(embargo.lift, embargo.zone, names)
  const primaryDate = localDate(primary, lng, { day: 'numeric', month: 'long', year: 'numeric' })
  const head = words('embargo.lift', { time: clock(primary), zone: primaryLabel, date: primaryDate })

  const seen = new Set([`${clock(primary)} ${primaryLabel}|${primary.toISODate() ?? ''}`])
  const extras: string[] = []
  for (const z of extraZones) {
    const dt = atZone(embargo.lift, z)
    const label = zoneLabel(embargo.lift, z, names)
    const key = `${clock(dt)} ${label}|${dt.toISODate() ?? ''}`
    if (seen.has(key)) continue
    seen.add(key)
    if (dt.year === primary.year && dt.month === primary.month && dt.day === primary.day) {
      extras.push(words('embargo.inZone', { time: clock(dt), zone: label }))
    } else {
      const dateOpts: Intl.DateTimeFormatOptions =
        dt.year === primary.year ? { day: 'numeric', month: 'long' } : { day: 'numeric', month: 'long', year: 'numeric' }
      extras.push(words('embargo.inZoneOnDate', { time: clock(dt), zone: label, date: localDate(dt, lng, dateOpts) }))
    }
  }
  return extras.length === 0 ? head : words('embargo.liftInZones', { lift: head, zones: extras.join(words('embargo.zoneSeparator')) })
}

/**
 * Format a calendar date (`YYYY-MM-DD`) for a language with Intl:
 * `en` → `14 March 2031`, `ru` → `14 марта 2031 г.`; other languages get
 * Intl's long date for that language. Throws a RangeError for a date that
 * does not exist (validate with {@link isIsoDate}).
 */
export function formatDate(isoDate: string, lng: Lng): string {
  const key = `${lng}\0${isoDate}`
  const known = formattedDates.get(key)
  if (known !== undefined) return known
  if (!isIsoDate(isoDate)) throw new RangeError(`formatDate: ${JSON.stringify(isoDate)} is not a YYYY-MM-DD date`)
  // Calendar dates have no zone; UTC keeps Intl from moving them across midnight.
  // Intl directly, one formatter per language: the same text as luxon's
  // toLocaleString (checked for 8 languages over 70 years), at a tenth of the cost.
  let format = dateFormats.get(lng)
  if (format === undefined) {
    format = new Intl.DateTimeFormat(dateLocale(lng), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
    dateFormats.set(lng, format)
  }
  const utc = Date.UTC(Number(isoDate.slice(0, 4)), Number(isoDate.slice(5, 7)) - 1, Number(isoDate.slice(8, 10)))
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const instant = new Date(utc)
  instant.setUTCFullYear(Number(isoDate.slice(0, 4)))
  const text = format.format(instant).replace(/[\u00a0\u202f]/g, ' ')
  formattedDates.set(key, text)
  return text
}

/** Formatted dates by language and date: a build formats each date for every page and index entry. */
const formattedDates = new Map<string, string>()
const dateFormats = new Map<string, Intl.DateTimeFormat>()

/**
 * An instant in UTC for logs and plans: `2031-03-14 13:00 UTC`, or with
 * seconds when they are not zero: `2031-03-14 13:00:30 UTC`.
 */
export function formatInstantUtc(ms: number): string {
  const dt = DateTime.fromMillis(ms, { zone: 'UTC' })
  return `${dt.toFormat('yyyy-MM-dd')} ${clock(dt)} UTC`
}

/**
 * A warning when the lift falls in the weeks when the US and Europe are not
 * both on (or both off) daylight-saving time, judged by the gap between
 * America/New_York and Europe/London at that instant against the gap in
 * January of the same year: `the lift falls in the weeks when US and European
 * daylight-saving time differ (New York is 4 h behind London, not 5); check
 * the time you gave`. Otherwise undefined.
 */
export function clockMismatchWarning(ms: number): string | undefined {
  const gap = (t: DateTime): number => t.setZone('Europe/London').offset - t.setZone('America/New_York').offset
  const at = DateTime.fromMillis(ms, { zone: 'UTC' })
  const usual = gap(DateTime.fromObject({ year: at.year, month: 1, day: 15, hour: 12 }, { zone: 'UTC' }))
  const now = gap(at)
  if (now === usual) return undefined
  return (
    'the lift falls in the weeks when US and European daylight-saving time differ ' +
    `(New York is ${hours(now)} h behind London, not ${hours(usual)}); check the time you gave`
  )
}

/** True for a strict `YYYY-MM-DD` that exists on the calendar (`2031-02-30` is false). */
export function isIsoDate(value: string): boolean {
  if (!DATE_ONLY.test(value)) return false
  // Plain arithmetic: this runs for every date of every page and index entry.
  const year = Number(value.slice(0, 4))
  const month = Number(value.slice(5, 7))
  const day = Number(value.slice(8, 10))
  if (month < 1 || month > 12 || day < 1) return false
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!
  return day <= days
}

/**
 * The short name of a zone at an instant, as {@link formatLift} prints it:
 * the language's own name for the zone at that offset (`embargo.zoneNames`:
 * `MSK`, `МСК`), else the first short name Intl gives in the language's
 * `embargo.zoneNameLocales` that is not an offset (`EDT`, `GMT`, `CEST`;
 * `MESZ` in `de`), else the offset: `UTC`, `UTC+09:00`, `UTC−04:00` (with
 * U+2212 minus). A fixed-offset zone is always its offset.
 *
 * @param ms The instant, epoch ms.
 * @param zone An IANA or fixed-offset zone.
 * @param names The language's zone names ({@link zoneNamesOf}).
 */
export function zoneLabel(ms: number, zone: string, names: ZoneNames): string {
  const dt = atZone(ms, zone)
  if (dt.zone.type === 'fixed') return offsetLabel(dt.offset)
  const known = names.byZone.get(dt.zoneName ?? '')?.get(dt.offset)
  if (known !== undefined) return known
  // en-US knows the North American abbreviations, en-GB the European ones;
  // all fall back to "GMT+3"-style names, which we write as UTC offsets.
  for (const locale of names.locales) {
    const name = dt.setLocale(locale).offsetNameShort
    if (name && !/^(GMT|UTC)[+\-−]/.test(name)) return name
  }
  return offsetLabel(dt.offset)
}

type CheckedZone = { ok: true; zone: string } | { ok: false; reason: string }

function checkZone(zone: string, subject = `embargo_zone ${JSON.stringify(zone)}`): CheckedZone {
  const trimmed = zone.trim()
  if (trimmed === '') {
    return { ok: false, reason: `${subject.split(' ')[0]} is empty (write an IANA time zone such as America/New_York or Europe/Moscow)` }
  }
  if (isValidZone(trimmed)) return { ok: true, zone: canonicalCase(trimmed) }
  if (IANAZone.isValidZone(trimmed)) {
    return {
      ok: false,
      reason:
        `${subject} is an abbreviation or legacy name, not a place: abbreviations are ambiguous ` +
        '(BST, IST and CST each name several zones) and some ignore daylight saving ' +
        '(write an IANA time zone such as Europe/London, America/New_York or Europe/Moscow)',
    }
  }
  const suggestion = suggestZone(trimmed)
  return {
    ok: false,
    reason:
      `${subject} is not a known time zone` +
      (suggestion === undefined ? '' : `; did you mean ${suggestion}?`) +
      ' (write an IANA time zone such as America/New_York or Europe/Moscow)',
  }
}

function atZone(ms: number, zone: string): DateTime {
  const dt = DateTime.fromMillis(ms, { zone })
  if (!dt.isValid) throw new RangeError(`unknown time zone ${JSON.stringify(zone)} (use an IANA name such as Europe/Moscow)`)
  return dt
}

function clock(dt: DateTime): string {
  return dt.second === 0 ? dt.toFormat('HH:mm') : dt.toFormat('HH:mm:ss')
}

/** `UTC`, `UTC+03:00`, `UTC−04:00` (U+2212 minus, as typeset). */
function offsetLabel(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'UTC'
  return `UTC${FixedOffsetZone.instance(offsetMinutes).formatOffset(0, 'short').replace('-', '−')}`
}

function hours(minutes: number): string {
  const h = minutes / 60
  return Number.isInteger(h) ? String(h) : h.toFixed(1)
}

function sameLocal(dt: DateTime, local: LocalParts): boolean {
  return (
    dt.year === local.year &&
    dt.month === local.month &&
    dt.day === local.day &&
    dt.hour === local.hour &&
    dt.minute === local.minute &&
    dt.second === local.second
  )
}

function gapReason(subject: string, shifted: DateTime, zone: string): string {
  // Luxon moves a nonexistent local time forward past the gap; find the
  // transition by bisection on the zone's own offsets to name the gap.
  const after = shifted.offset
  const z = IANAZone.create(zone)
  let hi = shifted.toMillis()
  let lo = hi - 2 * 86_400_000
  if (z.offset(lo) === after)
    return `${subject} does not exist in ${zone}: the clocks skip that time (give the offset explicitly, or pick a time outside the gap)`
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (z.offset(mid) === after) hi = mid
    else lo = mid
  }
  const before = z.offset(lo)
  const from = DateTime.fromMillis(hi, { zone: FixedOffsetZone.instance(before) })
  const to = DateTime.fromMillis(hi, { zone: FixedOffsetZone.instance(after) })
  const day = localDate(from, 'en', { day: 'numeric', month: 'long', year: 'numeric' })
  return (
    `${subject} does not exist in ${zone}: the clocks jump from ${clock(from)} to ${clock(to)} on ${day} ` +
    `(write a time before ${clock(from)} or from ${clock(to)} on, or give the offset explicitly)`
  )
}

/**
 * A date in the language's form. V8's `format()` turns ICU's narrow no-break
 * space (U+202F, as in Russian "2031 г.") into a plain space but
 * `formatToParts()` — which Luxon uses for UTC and fixed offsets — does not,
 * so the same date came out two ways; we always write plain spaces.
 */
function localDate(dt: DateTime, lng: Lng, options: Intl.DateTimeFormatOptions): string {
  return dt
    .setLocale(dateLocale(lng))
    .toLocaleString(options)
    .replace(/[\u00a0\u202f]/g, ' ')
}

// English notices use day-month-year ("14 March 2031"), which en-GB gives.
function dateLocale(lng: Lng): string {
  return lng.toLowerCase() === 'en' ? 'en-GB' : lng
}
