/**
 * Catalog look-ups of an office's languages, for tests of what the code
 * prints from catalogs (the embargo notice's lift time): by default the
 * sample office's locales/ (en, ru).
 */
import path from 'node:path'
import { loadCatalogs } from '../../src/i18n/catalogs.js'
import { createTranslator, type Translate } from '../../src/i18n/localize.js'
import { repoRoot } from './office.js'

/**
 * Load catalogs and make one `Translate` per language.
 *
 * @param locales Languages (optional; default en, ru).
 * @param dir The locales/ folder (optional; default the sample office's).
 * @returns A look-up per language; throws when the catalogs have load errors.
 */
export async function catalogWords(
  locales: readonly string[] = ['en', 'ru'],
  dir = path.join(repoRoot, 'locales'),
): Promise<Record<string, Translate>> {
  const { catalogs, messages } = await loadCatalogs(dir, 'locales', locales)
  if (messages.length > 0) throw new Error(messages.map(String).join('\n'))
  const translator = createTranslator(catalogs, locales, locales[0]!)
  return Object.fromEntries(locales.map((lng) => [lng, translator.forLng(lng)]))
}
