/**
 * The catalog keys the embargo notice's lift time is worded with
 * (`common:embargo.*`, see src/embargo/lift-wording.ts) are printed by code,
 * not by a template: check that the office's catalogs have them and that
 * the zone names and locales read. A key missing in only some languages is
 * reported by `checkCatalogs`. Pure.
 */
import type { VFileMessage } from 'vfile-message'
import { diagnostic, type Place } from '../diagnostics.js'
import { builtinLiftWording, liftWordingKeys, parseZoneNameLocales, parseZoneNames } from '../embargo/lift-wording.js'
import { flattenCatalog, type Catalogs } from './catalogs.js'

const source = 'press:i18n'

/**
 * Check the lift wording of every language.
 *
 * @param catalogs Loaded catalogs.
 * @param locales Languages of the office.
 * @param shownDir locales/ as shown in messages.
 * @returns Errors: a key no language has (at the first language's common.json), a zone name or locale that does not read (at its key).
 */
export function checkLiftWording(catalogs: Catalogs, locales: readonly string[], shownDir: string): VFileMessage[] {
  const messages: VFileMessage[] = []
  const flat = new Map(locales.map((lng) => [lng, flattenCatalog(catalogs.resources[lng]?.['common'] ?? {})]))
  for (const key of liftWordingKeys) {
    // English and Russian have Pressroom's built-in wording under what the catalogs leave out.
    if (locales.some((lng) => flat.get(lng)!.has(key) || Object.hasOwn(builtinLiftWording, lng))) continue
    const first = locales[0]
    if (first === undefined) break
    messages.push(
      diagnostic(
        `${shownDir}/${first}/common.json`,
        undefined,
        'error',
        `key \`common:${key}\` is missing in every language; the embargo notice prints it (add it to common.json of each language, see docs/templates.md)`,
        'catalog-missing-key',
        source,
      ),
    )
  }
  for (const lng of locales) {
    const texts = flat.get(lng)!
    const at = (key: string): { file: string; place: Place | undefined } => placeOf(catalogs, lng, key, `${shownDir}/${lng}/common.json`)
    const names = texts.get('embargo.zoneNames')
    if (names !== undefined) {
      for (const problem of parseZoneNames(names).problems) {
        const where = at('embargo.zoneNames')
        messages.push(diagnostic(where.file, where.place, 'error', `embargo.zoneNames: ${problem}`, 'catalog-zone-names', source))
      }
    }
    const zoneLocales = texts.get('embargo.zoneNameLocales')
    if (zoneLocales !== undefined) {
      for (const problem of parseZoneNameLocales(zoneLocales).problems) {
        const where = at('embargo.zoneNameLocales')
        messages.push(diagnostic(where.file, where.place, 'error', `embargo.zoneNameLocales: ${problem}`, 'catalog-zone-names', source))
      }
    }
  }
  return messages
}

function placeOf(catalogs: Catalogs, lng: string, key: string, fallback: string): { file: string; place: Place | undefined } {
  const found = catalogs.places.get(lng)?.get(`common:${key}`)
  return found ? { file: found.file, place: found.place } : { file: fallback, place: undefined }
}
