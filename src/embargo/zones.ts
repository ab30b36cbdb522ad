/**
 * Which time zones exist: the IANA places Intl knows, checked and spelled
 * the way people expect, with a did-you-mean for a typo. The one list of
 * zone names for the release loader, `--now`/`--at` and pressroom.yaml.
 */
import { closest, distance } from 'fastest-levenshtein'
import { IANAZone } from 'luxon'

let zoneNames: readonly string[] | undefined
let spelledZones: readonly string[] | undefined

/** `UTC`, then every IANA zone name Intl knows (it lists UTC only as `Etc/UTC`): the names a did-you-mean offers. */
export function knownZones(): readonly string[] {
  zoneNames ??= ['UTC', ...Intl.supportedValuesOf('timeZone')]
  return zoneNames
}

/** {@link knownZones} and `GMT`, which {@link isValidZone} accepts too: the spellings to match (GMT is offered only to a typo of it of 4 letters or more). */
function acceptedZones(): readonly string[] {
  spelledZones ??= [...knownZones(), 'GMT']
  return spelledZones
}

/**
 * True for an IANA place name Intl knows (`Europe/Moscow`, `America/New_York`,
 * `Etc/GMT-3`; any case) or `UTC`/`GMT`. False for abbreviations and legacy
 * names even where ICU accepts them: ICU reads `BST` as Asia/Dhaka, `IST` as
 * Asia/Kolkata and `EST` as America/Panama (no daylight saving) — each a
 * plausible way to lift an embargo at the wrong hour.
 */
export function isValidZone(zone: string): boolean {
  if (zone.trim() !== zone || zone === '' || !IANAZone.isValidZone(zone)) return false
  return zone.includes('/') || /^(utc|gmt)$/i.test(zone)
}

/** Intl accepts any case (`europe/moscow`); the spelling people expect (`Europe/Moscow`). */
export function canonicalCase(zone: string): string {
  const lower = zone.toLowerCase()
  return acceptedZones().find((z) => z.toLowerCase() === lower) ?? zone
}

/**
 * The zone a mistyped name most likely means: one whose city is the input
 * (`new york` → `America/New_York`), else the closest name within a typo or
 * two. Undefined for short inputs (`PST` → `EST` helps nobody) and when
 * nothing is close.
 */
export function suggestZone(input: string): string | undefined {
  const norm = input.replace(/\s+/g, '_').toLowerCase()
  if (norm.length < 4) return undefined
  const zones = acceptedZones()
  const byCity = zones.find((z) => (z.split('/').pop() ?? '').toLowerCase() === norm)
  if (byCity) return byCity
  const lowered = zones.map((z) => z.toLowerCase())
  const best = closest(norm, lowered)
  const limit = Math.max(2, Math.floor(norm.length / 5))
  if (distance(norm, best) > limit) return undefined
  return zones[lowered.indexOf(best)]
}
