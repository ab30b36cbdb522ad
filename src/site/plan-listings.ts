/**
 * The outputs of dist/ that list every public release: each language's
 * index and Atom feed, the language chooser and the sitemap (pure). Each is
 * keyed by what it prints.
 */
import type { Office } from '../office.js'
import { formatDate } from '../embargo/time.js'
import { hashOf } from '../hash.js'
import {
  absoluteUrl,
  commonData,
  indexLocation,
  languageName,
  releaseLocation,
  typesetHeadings,
  type PageLocation,
} from '../render/view-model.js'
import type { Release } from '../types.js'
import { renderFeed, type FeedEntry } from './feed.js'
import { plainSummary } from './plain-summary.js'
import type { PlannedOutput } from './planned-output.js'
import { renderSitemap, type SitemapUrl } from './sitemap.js'

/**
 * Plan the indexes, feeds, chooser and sitemap of the public releases.
 *
 * @param office The loaded office.
 * @param visible The public releases, newest first.
 * @param baseKey The key every output of this build starts from.
 * @param assetUrl The template's `asset` filter for a page location.
 * @returns The outputs, in plan order.
 */
export function planListings(
  office: Office,
  visible: readonly Release[],
  baseKey: string,
  assetUrl: (location: PageLocation) => (name: string) => string,
): PlannedOutput[] {
  const { config, templates, translator } = office
  const outputs: PlannedOutput[] = []
  for (const lng of config.locales) {
    const t = translator.forLng(lng)
    const location = indexLocation(lng)
    const entries = visible.map((release) => {
      const text = release.texts[lng] ?? release.texts[release.source]!
      const fallback = text.lng !== lng
      const { title, subtitle } = typesetHeadings(config, text)
      return {
        slug: release.slug,
        title,
        subtitle,
        date: release.date,
        dateText: formatDate(release.date, lng),
        url: `../${text.lng}/${release.slug}/`,
        contentLang: text.lng,
        contentLangName: languageName(text.lng, lng),
        fallback,
        published: release.embargo?.lift ?? Date.parse(`${release.date}T00:00:00Z`),
        body: text.body,
        inputHash: release.inputHash,
      }
    })
    // The index and the feed are keyed by what they show, not by the
    // releases' inputs: editing a release's body (below its summary) leaves
    // both as they are, so an incremental build renders that release only.
    const indexEntries = entries.map(({ body: _b, inputHash: _h, published: _p, ...entry }) => entry)
    const feedEntries: FeedEntry[] = entries.map((entry) => ({
      title: entry.fallback ? `${entry.title} (${entry.contentLangName})` : entry.title,
      url: absoluteUrl(config, releaseLocation(entry.contentLang, entry.slug)),
      id: absoluteUrl(config, releaseLocation(entry.contentLang, entry.slug)),
      summary: entry.subtitle || plainSummary(entry.body),
      published: entry.published,
      contentLang: entry.contentLang,
    }))
    const alternates = config.locales.map((other) => ({
      lang: other,
      langName: translator.forLng(other)('lang.name'),
      url: `../${other}/`,
      absUrl: absoluteUrl(config, indexLocation(other)),
      current: other === lng,
      fallback: false,
    }))
    outputs.push({
      kind: 'text',
      group: 'index',
      path: location.path,
      key: hashOf(baseKey, lng, 'index', JSON.stringify(indexEntries)),
      produce: () =>
        templates.render(
          'index',
          {
            ...commonData({ config, lng, t, location, alternates, preview: false }),
            releases: indexEntries,
            feedUrl: 'feed.xml',
          },
          { t, asset: assetUrl(location) },
        ),
    })
    outputs.push({
      kind: 'text',
      group: 'feed',
      path: `${lng}/feed.xml`,
      key: hashOf(baseKey, lng, 'feed', JSON.stringify(feedEntries)),
      produce: () => {
        const orgName = t('org.name')
        return renderFeed({
          title: t('feed.title'),
          subtitle: t('feed.subtitle'),
          lng,
          siteUrl: config.site.url,
          feedUrl: `${config.site.url}/${lng}/feed.xml`,
          indexUrl: absoluteUrl(config, location),
          author: orgName === 'org.name' ? config.organisation.name : orgName,
          entries: feedEntries,
        })
      },
    })
  }

  const chooserLocation: PageLocation = { path: 'index.html', root: '' }
  const chooserKey = hashOf(baseKey, 'chooser')
  outputs.push({
    kind: 'text',
    group: 'chooser',
    path: 'index.html',
    key: chooserKey,
    produce: () => {
      const t = translator.forLng(config.defaultLocale)
      const locales = config.locales.map((lng) => {
        const tl = translator.forLng(lng)
        return {
          lang: lng,
          langName: tl('lang.name'),
          url: `${lng}/`,
          absUrl: absoluteUrl(config, indexLocation(lng)),
          siteTitle: tl('site.title'),
          prompt: tl('chooser.prompt'),
        }
      })
      const alternates = locales.map((l) => ({
        lang: l.lang,
        langName: l.langName,
        url: l.url,
        absUrl: l.absUrl,
        current: false,
        fallback: false,
      }))
      return templates.render(
        'chooser',
        { ...commonData({ config, lng: config.defaultLocale, t, location: chooserLocation, alternates, preview: false }), locales },
        { t, asset: assetUrl(chooserLocation) },
      )
    },
  })

  const sitemapUrls: SitemapUrl[] = [
    ...config.locales.map((lng) => ({
      loc: absoluteUrl(config, indexLocation(lng)),
      alternates: config.locales.map((other) => ({ lang: other, href: absoluteUrl(config, indexLocation(other)) })),
    })),
    ...visible.flatMap((release) => {
      const languages = config.locales.filter((lng) => release.texts[lng] !== undefined)
      const alternates = languages.map((lng) => ({ lang: lng, href: absoluteUrl(config, releaseLocation(lng, release.slug)) }))
      return languages.map((lng) => ({ loc: absoluteUrl(config, releaseLocation(lng, release.slug)), lastmod: release.date, alternates }))
    }),
  ]
  outputs.push({
    kind: 'text',
    group: 'sitemap',
    path: 'sitemap.xml',
    // Keyed on everything it prints: a changed release date must refresh <lastmod>.
    key: hashOf(baseKey, 'sitemap', JSON.stringify(sitemapUrls)),
    produce: () => renderSitemap(sitemapUrls),
  })

  return outputs
}
