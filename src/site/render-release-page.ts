/** A release page: its Markdown body inside the page template (pure given its inputs). */
import type { Office } from '../office.js'
import { footnoteLabels } from '../render/footnote-labels.js'
import type { Translate } from '../i18n/localize.js'
import { isLocal, renderMarkdown, type RenderedBody } from '../render/markdown.js'
import { commonData, releaseData, type CommonInput, type PageLocation } from '../render/view-model.js'
import type { Release } from '../types.js'

/** Everything a release page needs besides the office's config, templates and catalogs. */
export interface ReleasePageInput {
  readonly lng: string
  readonly release: Release
  readonly location: PageLocation
  readonly alternates: CommonInput['alternates']
  readonly attachments: ReadonlyArray<{ name: string; url: string }>
  /** Release folder files by name (as written in the Markdown) → path in dist/. */
  readonly files: Readonly<Record<string, string>>
  /** Template assets by name → path in dist/ (content-hashed). */
  readonly assets: Readonly<Record<string, string>>
  readonly pdf?: { url: string; name: string }
}

/** A rendered release page and the unsafe HTML its body lost. */
export interface RenderedPage {
  readonly html: string
  readonly removed: RenderedBody['removed']
}

/**
 * Render a release page (Markdown body + page template).
 *
 * @param input The page (see {@link ReleasePageInput}).
 * @param deps The office's config, templates and the page language's translate function.
 * @returns The HTML and what was removed from the body.
 */
export function renderReleasePage(
  input: ReleasePageInput,
  deps: { config: Office['config']; templates: Office['templates']; t: Translate },
): RenderedPage {
  const { lng, release, location, files } = input
  const { config, templates, t } = deps
  const text = release.texts[lng]!
  const body = renderMarkdown(
    text.body,
    (url) => {
      if (!isLocal(url)) return undefined
      const name = url.split(/[?#]/)[0]!
      const file = Object.hasOwn(files, name) ? files[name] : undefined
      return file !== undefined ? `${location.root}${file}` : undefined
    },
    footnoteLabels(t),
    { lng: text.lng, typography: config.typography },
  )
  const html = templates.render(
    'page',
    {
      ...commonData({ config, lng, t, location, alternates: input.alternates, preview: false }),
      release: releaseData({
        config,
        release,
        text,
        lng,
        t,
        body,
        embargoed: false,
        ...(input.pdf ? { pdf: input.pdf } : {}),
        attachments: input.attachments,
      }),
    },
    { t, asset: assetUrlFor(location, input.assets) },
  )
  return { html, removed: body.removed }
}

/**
 * The template's `asset` filter for a page: the content-hashed path of a known asset, else `assets/<name>`.
 *
 * @param location The page.
 * @param assets Template assets by name → path in dist/.
 * @returns The filter.
 */
export function assetUrlFor(location: PageLocation, assets: Readonly<Record<string, string>>): (name: string) => string {
  return (name) => {
    const found = Object.hasOwn(assets, name) ? assets[name] : undefined
    return found !== undefined ? `${location.root}${found}` : `${location.root}assets/${name}`
  }
}
