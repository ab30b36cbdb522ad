/** The words a rendered body's footnotes print, from the catalogs. */
import type { Translate } from '../i18n/localize.js'
import type { FootnoteLabels } from './markdown.js'

/**
 * Footnote labels in the page's language (`release.footnotes`, `release.footnoteBack`).
 *
 * @param t The page language's translate function.
 * @returns The labels `renderMarkdown` takes.
 */
export function footnoteLabels(t: Translate): FootnoteLabels {
  return { footnotes: t('release.footnotes'), back: t('release.footnoteBack') }
}
