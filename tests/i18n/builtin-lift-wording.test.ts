/**
 * An office whose catalogs predate the `embargo.*` keys (every office made
 * before the lift wording moved to the catalogs) must not mail a bare key:
 * English and Russian get Pressroom's built-in wording, key by key, and the
 * office's own keys still win.
 */
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import type { VFileMessage } from 'vfile-message'
import { formatLift } from '../../src/embargo/time.js'
import { loadCatalogs, type Catalogs, type CatalogTree } from '../../src/i18n/catalogs.js'
import { checkLiftWording } from '../../src/i18n/check-lift-wording.js'
import { createTranslator } from '../../src/i18n/localize.js'
import type { Embargo } from '../../src/types.js'
import { repoRoot } from '../helpers/office.js'

const embargo: Embargo = { lift: Date.parse('2031-06-10T03:00:00Z'), zone: 'America/New_York', written: '2031-06-09T23:00:00-04:00' }
const zones = ['UTC', 'Europe/Moscow']

/** The sample's catalogs with `common.embargo` (or only some of its keys) removed. */
function without(catalogs: Catalogs, drop: (lng: string, key: string) => boolean): Catalogs {
  const resources: Record<string, Record<string, CatalogTree>> = {}
  for (const [lng, byNs] of Object.entries(catalogs.resources)) {
    const common = { ...(byNs['common'] ?? {}) }
    const embargoTree = common['embargo'] as Record<string, string>
    common['embargo'] = Object.fromEntries(Object.entries(embargoTree).filter(([key]) => !drop(lng, key)))
    resources[lng] = { ...byNs, common }
  }
  return { ...catalogs, resources }
}

describe('the lift wording of an office whose catalogs lack it', () => {
  test('English and Russian read exactly as with the sample catalogs; an office key still wins', async () => {
    const { catalogs } = await loadCatalogs(path.join(repoRoot, 'locales'), 'locales', ['en', 'ru'])
    const full = createTranslator(catalogs, ['en', 'ru'], 'en')
    const bare = createTranslator(
      without(catalogs, () => true),
      ['en', 'ru'],
      'en',
    )
    for (const lng of ['en', 'ru']) {
      const expected = formatLift(embargo, lng, zones, full.forLng(lng))
      expect(formatLift(embargo, lng, zones, bare.forLng(lng))).toBe(expected)
      expect(expected).not.toContain('embargo.')
    }
    expect(formatLift(embargo, 'ru', zones, bare.forLng('ru'))).toContain('МСК')

    // Only some keys missing: the built-ins fill just those.
    const partial = createTranslator(
      without(catalogs, (lng, key) => lng === 'en' && key !== 'zoneNames'),
      ['en', 'ru'],
      'en',
    )
    expect(formatLift(embargo, 'en', zones, partial.forLng('en'))).toBe(formatLift(embargo, 'en', zones, full.forLng('en')))
    // The office's own wording wins over the built-in.
    const ownEn = {
      ...catalogs.resources['en']!,
      common: { ...catalogs.resources['en']!['common']!, embargo: { zoneNames: 'Europe/Moscow +03:00 Moscow time' } },
    }
    const overridden = createTranslator({ ...catalogs, resources: { ...catalogs.resources, en: ownEn } }, ['en', 'ru'], 'en')
    expect(formatLift(embargo, 'en', zones, overridden.forLng('en'))).toContain('Moscow time')
  })

  test('press check does not call the keys missing when the built-in wording covers the languages', async () => {
    const { catalogs } = await loadCatalogs(path.join(repoRoot, 'locales'), 'locales', ['en', 'ru'])
    const bare = without(catalogs, () => true)
    expect(checkLiftWording(bare, ['en', 'ru'], 'locales').map(String)).toEqual([])
    const german: VFileMessage[] = checkLiftWording({ ...bare, resources: { de: { common: {} } } }, ['de'], 'locales')
    expect(german.map((m) => m.reason)).toContain(
      'key `common:embargo.lift` is missing in every language; the embargo notice prints it (add it to common.json of each language, see docs/templates.md)',
    )
  })
})
