/**
 * Translation state per release and language (pure): the source itself, up
 * to date (its `source_hash` matches the source's content), stale (the source
 * changed since), unknown (no `source_hash` recorded) or missing.
 */
import type { Release } from '../types.js'

/** One language of one release. */
export interface TranslationState {
  readonly lng: string
  readonly state: 'source' | 'up-to-date' | 'stale' | 'unrecorded' | 'draft' | 'missing'
  readonly path?: string
  /** The `source_hash` the translation recorded. */
  readonly recorded?: string
  /** The source's current content hash (what `source_hash` should be). */
  readonly current: string
}

/**
 * The translation state of every office language of a release.
 *
 * @param release The release.
 * @param locales The office's languages.
 * @returns One state per language, in `locales` order.
 */
export function translationStates(release: Release, locales: readonly string[]): TranslationState[] {
  const current = release.texts[release.source]!.contentHash
  return locales.map((lng) => {
    const text = release.texts[lng]
    if (!text) return { lng, state: release.draftTranslations?.includes(lng) ? 'draft' : 'missing', current }
    if (lng === release.source) return { lng, state: 'source', path: text.path, current }
    if (text.sourceHash === undefined) return { lng, state: 'unrecorded', path: text.path, current }
    return {
      lng,
      state: text.sourceHash === current ? 'up-to-date' : 'stale',
      path: text.path,
      recorded: text.sourceHash,
      current,
    }
  })
}
