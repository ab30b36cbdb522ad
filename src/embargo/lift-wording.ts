/**
 * The words of a lift time (`09:00 EDT, 10 June 2031 (13:00 UTC, 16:00 MSK)`)
 * come from the office's catalogs, one set per language, under
 * `common:embargo.*`: a third language needs a catalog, not code. The tool's
 * own English (CLI reports, the preview's chrome and dashboard) is the one
 * set written here. Pure.
 */
import { isValidZone } from './zones.js'

/** A catalog look-up for one language: the office's `Translate`, or {@link toolWords}. */
export type Words = (key: string, values?: Readonly<Record<string, unknown>>) => string

/**
 * The catalog keys of a lift time (namespace `common`), each printed by
 * {@link formatLift} in `src/embargo/time.ts`:
 *
 * - `lift`: the lift in the release's zone — `{{time}} {{zone}}, {{date}}`
 * - `liftInZones`: the lift followed by the other zones — `{{lift}} ({{zones}})`
 * - `inZone`: another zone on the same calendar day — `{{time}} {{zone}}`
 * - `inZoneOnDate`: another zone on another day — `{{time}} {{zone}} on {{date}}`
 * - `zoneSeparator`: between the other zones — `, `
 * - `zoneNameLocales`: Intl locales whose short zone names are printed, first
 *   that has one wins (`en-US en-GB`: EDT, BST, CEST; `de`: MESZ); a zone none
 *   of them names prints as its offset, `UTC+09:00`
 * - `zoneNames`: names for zones Intl does not name, each `<IANA zone>
 *   <offset> <name>`, separated by `;` (`Europe/Moscow +03:00 MSK`); a name
 *   is used only while the zone has that offset
 */
export const liftWordingKeys = [
  'embargo.lift',
  'embargo.liftInZones',
  'embargo.inZone',
  'embargo.inZoneOnDate',
  'embargo.zoneSeparator',
  'embargo.zoneNameLocales',
  'embargo.zoneNames',
] as const

/** How zones are named in one language: Intl locales to ask, then names by zone and offset (minutes). */
export interface ZoneNames {
  readonly locales: readonly string[]
  readonly byZone: ReadonlyMap<string, ReadonlyMap<number, string>>
}

/** Result of {@link parseZoneNames}: the names, and what could not be read (for `press check`). */
export interface ParsedZoneNames {
  readonly byZone: ReadonlyMap<string, ReadonlyMap<number, string>>
  readonly problems: readonly string[]
}

const ENTRY = /^(\S+)\s+([+\-−])(\d{2}):(\d{2})\s+(\S.*)$/

/**
 * Read `embargo.zoneNames`: `Europe/Moscow +03:00 MSK; Asia/Kolkata +05:30 IST`
 * (an empty text names nothing).
 *
 * @param text The catalog value.
 * @returns The names by zone and offset, and a reason for each entry that is not `<IANA zone> <±hh:mm> <name>`.
 */
export function parseZoneNames(text: string): ParsedZoneNames {
  const byZone = new Map<string, Map<number, string>>()
  const problems: string[] = []
  for (const raw of text.split(';')) {
    const entry = raw.trim()
    if (entry === '') continue
    const m = ENTRY.exec(entry)
    if (!m) {
      problems.push(`\`${entry}\` is not \`<IANA zone> <offset> <name>\`, e.g. \`Europe/Moscow +03:00 MSK\``)
      continue
    }
    const [, zone, sign, hh, mm, name] = m
    if (!isValidZone(zone!)) {
      problems.push(`\`${zone!}\` is not an IANA time zone such as Europe/Moscow`)
      continue
    }
    const minutes = (Number(hh) * 60 + Number(mm)) * (sign === '+' ? 1 : -1)
    let names = byZone.get(zone!)
    if (!names) byZone.set(zone!, (names = new Map()))
    names.set(minutes, name!.trim())
  }
  return { byZone, problems }
}

/**
 * Read `embargo.zoneNameLocales`: Intl locales separated by spaces.
 *
 * @param text The catalog value.
 * @returns The locales, and each word that is not a locale Intl accepts.
 */
export function parseZoneNameLocales(text: string): { locales: string[]; problems: string[] } {
  const locales: string[] = []
  const problems: string[] = []
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    try {
      locales.push(Intl.getCanonicalLocales(word)[0]!)
    } catch {
      problems.push(`\`${word}\` is not a language tag (write Intl locales such as \`en-US en-GB\` or \`de\`)`)
    }
  }
  return { locales, problems }
}

const zoneNamesCache = new Map<string, ZoneNames>()

/**
 * The zone names of a language, read from its catalog once per text.
 *
 * @param words The language's catalog look-up.
 * @returns Locales to ask Intl, and the catalog's own names.
 */
export function zoneNamesOf(words: Words): ZoneNames {
  const localesText = words('embargo.zoneNameLocales')
  const namesText = words('embargo.zoneNames')
  const key = `${localesText}\0${namesText}`
  let names = zoneNamesCache.get(key)
  if (names === undefined) {
    names = { locales: parseZoneNameLocales(localesText).locales, byZone: parseZoneNames(namesText).byZone }
    zoneNamesCache.set(key, names)
  }
  return names
}

/** One language's lift wording, by the part of the key after `embargo.`. */
export type LiftWording = Readonly<Record<(typeof liftWordingKeys)[number] extends `embargo.${infer K}` ? K : never, string>>

/**
 * The wording Pressroom printed before it came from the catalogs, in the two
 * languages it had: the default of an office whose catalogs predate the
 * `embargo.*` keys (an office's own keys always win, key by key), so an
 * upgrade never mails a bare key. Any other language takes its words from
 * its catalog, falling back to the office's default language like every key.
 */
export const builtinLiftWording: Readonly<Record<'en' | 'ru', LiftWording>> = {
  en: {
    lift: '{{time}} {{zone}}, {{date}}',
    liftInZones: '{{lift}} ({{zones}})',
    inZone: '{{time}} {{zone}}',
    inZoneOnDate: '{{time}} {{zone}} on {{date}}',
    zoneSeparator: ', ',
    zoneNameLocales: 'en-US en-GB',
    zoneNames: 'Europe/Moscow +03:00 MSK',
  },
  ru: {
    lift: '{{time}} ({{zone}}), {{date}}',
    liftInZones: '{{lift}} ({{zones}})',
    inZone: '{{time}} {{zone}}',
    inZoneOnDate: '{{time}} {{zone}} {{date}}',
    zoneSeparator: ', ',
    zoneNameLocales: 'en-US en-GB',
    zoneNames: 'Europe/Moscow +03:00 МСК',
  },
}

/**
 * The tool's own English, for instants in what Pressroom itself says (CLI
 * reports, diagnostics, the preview's banners and dashboard), whatever the
 * office's languages are: the built-in English.
 */
const toolEnglish: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(builtinLiftWording.en).map(([k, v]) => [`embargo.${k}`, v]),
)

/** {@link Words} over the tool's own English; the language to format its dates in is `en`. */
export const toolWords: Words = (key, values = {}) => {
  const text = toolEnglish[key]
  if (text === undefined) throw new RangeError(`no tool wording for ${key}`)
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name]
    return typeof value === 'string' || typeof value === 'number' ? String(value) : ''
  })
}
