/**
 * Instants as a person reads them in a report: in the release's or the
 * office's zone, with UTC beside it — `2031-06-10 09:00 EDT (13:00 UTC)` —
 * so that nobody has to convert from UTC in their head (which is where an
 * hour goes missing). Pure; zone names as the embargo notice prints them.
 */
import { DateTime } from 'luxon'
import type { Embargo } from '../types.js'
import { toolWords, zoneNamesOf } from './lift-wording.js'
import { formatInstantUtc, zoneLabel } from './time.js'
import { isValidZone } from './zones.js'

/**
 * An instant in a zone, then in UTC: `2031-06-10 09:00 EDT (13:00 UTC)`;
 * the UTC date is repeated when it differs (`2031-06-10 23:00 EDT
 * (2031-06-11 03:00 UTC)`). In UTC, or without a zone, only
 * `2031-06-10 13:00 UTC`. Seconds only when not zero.
 *
 * @param ms The instant, epoch milliseconds.
 * @param zone An IANA or fixed-offset zone (optional; default UTC).
 * @returns The text.
 */
export function formatInstant(ms: number, zone?: string): string {
  if (zone === undefined) return formatInstantUtc(ms)
  const local = DateTime.fromMillis(ms, { zone })
  if (!local.isValid || local.offset === 0) return formatInstantUtc(ms)
  const utc = DateTime.fromMillis(ms, { zone: 'UTC' })
  const clock = (dt: DateTime): string => (dt.second === 0 ? dt.toFormat('HH:mm') : dt.toFormat('HH:mm:ss'))
  const utcText = utc.toISODate() === local.toISODate() ? `${clock(utc)} UTC` : `${utc.toFormat('yyyy-MM-dd')} ${clock(utc)} UTC`
  return `${local.toFormat('yyyy-MM-dd')} ${clock(local)} ${zoneLabel(ms, zone, zoneNamesOf(toolWords))} (${utcText})`
}

/**
 * The zone a report states a release's instants in: the embargo's own zone,
 * else the office's (the first place among `embargo.zones`, e.g.
 * `Europe/Moscow`), else UTC.
 *
 * @param zones The office's `embargo.zones`.
 * @param embargo The release's embargo (optional).
 * @returns A zone for {@link formatInstant}, or undefined for UTC.
 */
export function reportZone(zones: readonly string[], embargo?: Embargo): string | undefined {
  if (embargo !== undefined) return embargo.zone
  return zones.find((z) => z.includes('/') && isValidZone(z))
}
