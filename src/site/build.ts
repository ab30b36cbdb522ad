/**
 * Plan the public site in memory (STYLE §2 "build in memory, write
 * separately"): every output file of dist/ with a cache key and a producer.
 * Nothing is rendered here; the writer calls a producer only when the key
 * changed since the last build, which makes builds incremental.
 */
import path from 'node:path'
import type { VFileMessage } from 'vfile-message'
import type { Office } from '../office.js'
import { releaseDir } from '../office.js'
import { diagnostic } from '../diagnostics.js'
import { isPublic } from '../embargo/policy.js'
import { formatDate } from '../embargo/time.js'
import { hashOf } from '../hash.js'
import { isLocal, renderMarkdown, type FootnoteLabels, type RenderedBody } from '../render/markdown.js'
import type { Translate } from '../i18n/localize.js'
import type { PdfJob } from '../render/pdf.js'
import type { Release, ReleaseText } from '../types.js'
import { releaseFiles, templateAssets, type Asset } from './assets.js'
import { renderFeed, type FeedEntry } from './feed.js'
import { renderSitemap, type SitemapUrl } from './sitemap.js'
import {
  absoluteUrl,
  commonData,
  indexLocation,
  languageName,
  printData,
  releaseData,
  typesetHeadings,
  releaseLocation,
  type PageLocation,
} from './view-model.js'

/** Bump when a change to Pressroom itself changes rendered output. */
export const rendererVersion = '2'

/** What a build should produce. */
export interface BuildOptions {
  /** The instant treated as now (embargo decisions). */
  readonly now: number
  /** Include `status: draft` releases. */
  readonly drafts?: boolean
  /** Render PDFs (default true). */
  readonly pdf?: boolean
  /** Re-render only this release; other releases' files are carried over from the previous dist/ as they are. */
  readonly only?: string
}

/** An output file: its path in dist/, a key, and how to make it. */
export type PlannedOutput =
  | { readonly kind: 'copy'; readonly path: string; readonly key: string; readonly from: string }
  | {
      readonly kind: 'text'
      readonly path: string
      readonly key: string
      readonly group: OutputGroup
      readonly produce: () => string
      readonly keep?: boolean
      /** Release pages: what {@link renderReleasePage} needs (structured-clonable, so a worker thread can render it). */
      readonly page?: ReleasePageInput
      /** Release pages: take a page rendered elsewhere (a worker) as this output, reporting what it removed. */
      readonly adopt?: (rendered: RenderedPage) => string
    }
  | {
      readonly kind: 'pdf'
      readonly path: string
      readonly key: string
      readonly job: () => PdfJob
      readonly release: string
      readonly keep?: boolean
      /** Where a URL the PDF refused to load is written in the release, for the warning. */
      readonly locate?: (url: string) => { line: number; column: number } | undefined
    }

/** What kind of rendered file an output is, for the summary. */
export type OutputGroup = 'page' | 'index' | 'feed' | 'sitemap' | 'chooser' | 'asset'

/** A release held back from the public site and why. */
export interface HeldRelease {
  readonly slug: string
  readonly reason: 'embargo' | 'draft'
  readonly lift?: number
}

/** The planned site. */
export interface SitePlan {
  readonly outputs: readonly PlannedOutput[]
  readonly published: ReadonlyArray<{ slug: string; languages: readonly string[] }>
  readonly held: readonly HeldRelease[]
  readonly messages: readonly VFileMessage[]
}

/** What {@link scanSite} read and sorted: the input of {@link planScanned}. */
export interface ScannedSite {
  /** Releases on the public site, newest first. */
  readonly visible: readonly Release[]
  readonly held: readonly HeldRelease[]
  /** Template assets by name (content-hashed paths). */
  readonly assets: ReadonlyMap<string, Asset>
  /** Per visible release (by slug): the files of its folder it references, by name. */
  readonly files: ReadonlyMap<string, ReadonlyMap<string, Asset>>
}

/**
 * Plan dist/ for `now`: {@link scanSite}, then {@link planScanned}.
 *
 * @param office The loaded office.
 * @param options Now, drafts and PDF switches.
 * @returns The outputs and what was published or held.
 */
export async function planSite(office: Office, options: BuildOptions): Promise<SitePlan> {
  return planScanned(office, await scanSite(office, options), options)
}

/**
 * The reading half of planning: which releases are public at `now` (sorted
 * newest first) and which are held, the template assets and the release
 * files (read to hash them), each read once.
 *
 * @param office The loaded office.
 * @param options `now` and `drafts`.
 * @returns The scanned site.
 */
export async function scanSite(office: Office, options: Pick<BuildOptions, 'now' | 'drafts'>): Promise<ScannedSite> {
  const { templates } = office
  const held: HeldRelease[] = []
  const visible: Release[] = []
  for (const release of office.releases) {
    if (release.status === 'draft' && !options.drafts) held.push({ slug: release.slug, reason: 'draft' })
    else if (isPublic({ status: 'ready', ...(release.embargo ? { embargo: release.embargo } : {}) }, options.now)) visible.push(release)
    else held.push({ slug: release.slug, reason: 'embargo', lift: release.embargo!.lift })
  }
  // Newest first: by date, then by lift time, then slug.
  visible.sort((a, b) => b.date.localeCompare(a.date) || (b.embargo?.lift ?? 0) - (a.embargo?.lift ?? 0) || a.slug.localeCompare(b.slug))
  const assets = await templateAssets(path.join(templates.dir, 'assets'), templates.assets)
  const files = new Map<string, ReadonlyMap<string, Asset>>()
  // One release at a time: an office with many attachments must not open them all at once.
  for (const release of visible) files.set(release.slug, await scanRelease(office, release))
  return { visible, held, assets, files }
}

/**
 * The files of a release's folder that it references (attachments, local
 * links and images), read to hash them: {@link scanSite} for one release,
 * for callers that re-plan one edited release (the preview).
 *
 * @param office The loaded office.
 * @param release The release.
 * @returns Its files by name.
 */
export function scanRelease(office: Office, release: Release): Promise<Map<string, Asset>> {
  return releaseFiles(releaseDir(office.config, release), [...release.attachments, ...localRefsOf(release)])
}

/**
 * The pure half of planning: every output of dist/ from a scanned site,
 * with its key and producer. Reads no files.
 *
 * @param office The loaded office.
 * @param scanned What {@link scanSite} returned for the same office.
 * @param options PDF switch and `only`.
 * @returns The outputs and what was published or held.
 */
export function planScanned(office: Office, scanned: ScannedSite, options: Pick<BuildOptions, 'pdf' | 'only'>): SitePlan {
  const { config, templates, translator, catalogs } = office
  const withPdf = options.pdf !== false
  const messages: VFileMessage[] = []
  const outputs: PlannedOutput[] = []
  const held = [...scanned.held]
  const { visible, assets } = scanned
  for (const asset of assets.values()) pushAsset(outputs, asset)

  const baseKey = hashOf(rendererVersion, config.renderHash, catalogs.hash, templates.hash, withPdf ? 'pdf' : 'no-pdf')
  const assetPaths: Readonly<Record<string, string>> = Object.fromEntries([...assets].map(([name, asset]) => [name, asset.path]))
  const assetUrl = (location: PageLocation) => assetUrlFor(location, assetPaths)

  const published: Array<{ slug: string; languages: string[] }> = []
  for (const release of visible) {
    const files = scanned.files.get(release.slug) ?? new Map<string, Asset>()
    for (const asset of files.values()) pushAsset(outputs, asset)
    const languages = config.locales.filter((lng) => release.texts[lng] !== undefined)
    published.push({ slug: release.slug, languages })
    for (const lng of languages) {
      const text = release.texts[lng]!
      const location = releaseLocation(lng, release.slug)
      const key = hashOf(baseKey, release.inputHash, lng)
      const keep = options.only !== undefined && options.only !== release.slug
      const pdfName = `${release.slug}.${lng}.pdf`
      const attachments = release.attachments.flatMap((name) => {
        const file = files.get(name)
        return file ? [{ name, url: `${location.root}${file.path}` }] : []
      })
      const page: ReleasePageInput = {
        lng,
        release,
        location,
        alternates: alternatesFor(office, release, lng, location),
        attachments,
        files: Object.fromEntries([...files].map(([name, file]) => [name, file.path])),
        assets: assetPaths,
        ...(withPdf ? { pdf: { url: pdfName, name: pdfName } } : {}),
      }
      const adopt = (rendered: RenderedPage): string => {
        reportRemoved(messages, text, rendered.removed)
        return rendered.html
      }
      outputs.push({
        kind: 'text',
        group: 'page',
        path: location.path,
        key,
        ...(keep ? { keep } : {}),
        page,
        adopt,
        produce: () => adopt(renderReleasePage(page, { config, templates, t: translator.forLng(lng) })),
      })
      if (withPdf) {
        outputs.push({
          kind: 'pdf',
          path: `${lng}/${release.slug}/${pdfName}`,
          key: pdfCacheKey(office, release, lng, false),
          release: release.slug,
          ...(keep ? { keep } : {}),
          job: () => printJob(office, release, lng, { embargoed: false }),
          locate: (url) => locateInBody(text, url),
        })
      }
    }
  }

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
      const alternates = locales.map((l) => ({ lang: l.lang, langName: l.langName, url: l.url, absUrl: l.absUrl, current: false, fallback: false }))
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

  return { outputs: dedupe(outputs), published, held, messages }
}

/**
 * Everything a release page needs besides the office's config, templates and
 * catalogs. Plain data (structured-clonable): worker threads render pages
 * from it (see render-pool.ts).
 */
export interface ReleasePageInput {
  readonly lng: string
  readonly release: Release
  readonly location: PageLocation
  readonly alternates: ReturnType<typeof alternatesFor>
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
 * Render a release page (Markdown body + page template). Pure given its
 * inputs; the same code runs on the main thread and in render workers, so
 * their output is byte-identical.
 *
 * @param input The page (see {@link ReleasePageInput}).
 * @param deps The office's config, templates and the page language's translate function.
 * @returns The HTML and what was removed from the body.
 */
export function renderReleasePage(input: ReleasePageInput, deps: { config: Office['config']; templates: Office['templates']; t: Translate }): RenderedPage {
  const { lng, release, location, files } = input
  const { config, templates, t } = deps
  const text = release.texts[lng]!
  const body = renderMarkdown(text.body, (url) => {
    if (!isLocal(url)) return undefined
    const name = url.split(/[?#]/)[0]!
    const file = Object.hasOwn(files, name) ? files[name] : undefined
    return file !== undefined ? `${location.root}${file}` : undefined
  }, footnoteLabels(t), { lng: text.lng, typography: config.typography })
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

/** The template's `asset` filter for a page: the content-hashed path of a known asset, else `assets/<name>`. */
function assetUrlFor(location: PageLocation, assets: Readonly<Record<string, string>>): (name: string) => string {
  return (name) => {
    const found = Object.hasOwn(assets, name) ? assets[name] : undefined
    return found !== undefined ? `${location.root}${found}` : `${location.root}assets/${name}`
  }
}

/** Where rendered PDFs are kept by {@link pdfCacheKey}: `<state>/cache/pdf/`. */
export function pdfCacheDir(stateDir: string): string {
  return path.join(stateDir, 'cache', 'pdf')
}

/**
 * The cache key of a release's PDF in one language: everything that affects
 * the print output (release files, catalogs, templates, config, variant).
 * Builds and distribution share `.press/cache/pdf/<key>.pdf`.
 */
export function pdfCacheKey(office: Office, release: Release, lng: string, embargoed: boolean): string {
  const { config, catalogs, templates } = office
  const base = hashOf(rendererVersion, config.renderHash, catalogs.hash, templates.hash, 'pdf')
  return hashOf(hashOf(base, release.inputHash, lng), 'pdf', config.pdf.format, embargoed ? 'embargoed' : 'public')
}

/**
 * A feed summary from Markdown without rendering it: the first paragraph
 * with link targets and emphasis marks dropped, at most 280 characters.
 */
export function plainSummary(markdown: string): string {
  const first = markdown.trim().split(/\n\s*\n/).find((p) => !/^\s*(#|\||<|!\[)/.test(p)) ?? ''
  const text = first
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    // Inline raw HTML is not text (and must not reach the feed as markup).
    .replace(/<script\b[\s\S]*?<\/script\s*>|<style\b[\s\S]*?<\/style\s*>/gi, '')
    .replace(/<\/?[a-z][^>]*>/gi, '')
    .replace(/[*_`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
  return text.length <= 280 ? text : `${text.slice(0, text.lastIndexOf(' ', 279))}…`
}

/** Footnote labels from the catalogs (`release.footnotes`, `release.footnoteBack`). */
export function footnoteLabels(t: Translate): FootnoteLabels {
  return { footnotes: t('release.footnotes'), back: t('release.footnoteBack') }
}

/** Line and column of `url` in a release text's body (file coordinates), if written there. */
export function locateInBody(text: ReleaseText, url: string): { line: number; column: number } | undefined {
  const lines = text.body.split('\n')
  for (const [index, line] of lines.entries()) {
    const column = line.indexOf(url)
    if (column !== -1) return { line: text.bodyLine + index, column: column + 1 }
  }
  return undefined
}

function pushAsset(outputs: PlannedOutput[], asset: Asset): void {
  if (asset.from) outputs.push({ kind: 'copy', path: asset.path, key: asset.path, from: asset.from })
  else {
    const text = new TextDecoder().decode(asset.data)
    outputs.push({ kind: 'text', group: 'asset', path: asset.path, key: asset.path, produce: () => text })
  }
}

function dedupe(outputs: PlannedOutput[]): PlannedOutput[] {
  const seen = new Set<string>()
  return outputs.filter((o) => (seen.has(o.path) ? false : (seen.add(o.path), true)))
}

function localRefsOf(release: Release): string[] {
  const refs: string[] = []
  for (const text of Object.values(release.texts)) {
    for (const match of text.body.matchAll(/(?:\]\(|src=["']|href=["'])([^)"'\s]+)/g)) {
      const ref = match[1]!
      if (isLocal(ref)) refs.push(ref.split(/[?#]/)[0]!)
    }
  }
  return refs
}

function reportRemoved(messages: VFileMessage[], text: ReleaseText, removedItems: RenderedBody['removed']): void {
  for (const removed of removedItems) {
    messages.push(
      diagnostic(text.path, { line: text.bodyLine + removed.line - 1, column: removed.column }, 'warning', `removed ${removed.what}: raw HTML may not run scripts, embed frames or carry event handlers`, 'unsafe-html', 'press:render'),
    )
  }
}

/**
 * The language switch of a release page: every office language; a language
 * without a translation links to the source-language page and is marked.
 */
export function alternatesFor(office: Office, release: Release, lng: string, location: PageLocation) {
  const { config, translator } = office
  return config.locales.map((other) => {
    const has = release.texts[other] !== undefined
    const target = has ? other : release.source
    return {
      lang: other,
      langName: translator.forLng(other)('lang.name'),
      url: `${location.root}${target}/${release.slug}/`,
      absUrl: absoluteUrl(config, releaseLocation(target, release.slug)),
      current: other === lng,
      fallback: !has,
    }
  })
}

/**
 * The PDF job of a release in one language: the print template's HTML and
 * the folders Chromium may read (the release folder and templates/assets).
 *
 * @param office The office.
 * @param release The release.
 * @param lng Language of the PDF (the source language's text is used when the translation is missing).
 * @param variant `embargoed: true` adds the embargo notice to every page.
 * @returns A job for the PDF renderer.
 */
export function printJob(office: Office, release: Release, lng: string, variant: { embargoed: boolean }): PdfJob {
  const { config, templates, translator } = office
  const text = release.texts[lng] ?? release.texts[release.source]!
  const pageLng = text.lng
  const t = translator.forLng(pageLng)
  const location: PageLocation = { path: 'print.html', root: '/' }
  const body = renderMarkdown(text.body, (url) => (isLocal(url) ? `/release/${url}` : undefined), footnoteLabels(t), {
    lng: pageLng,
    typography: config.typography,
    hyphenate: config.hyphenation,
  })
  const data = releaseData({ config, release, text, lng: pageLng, t, body, embargoed: variant.embargoed, attachments: release.attachments.map((name) => ({ name, url: `/release/${name}` })) })
  const orgName = t('org.name') === 'org.name' ? config.organisation.name : t('org.name')
  const header = variant.embargoed && release.embargo ? String(data['embargoNotice']) : orgName
  const html = templates.render(
    'print',
    {
      ...commonData({ config, lng: pageLng, t, location, alternates: [], preview: false }),
      release: data,
      print: printData(t, header, config.pdf.format),
    },
    { t, asset: (name) => `/assets/${name}` },
  )
  const headings = typesetHeadings(config, text)
  return {
    html,
    mounts: { '/assets/': path.join(templates.dir, 'assets'), '/release/': releaseDir(config, release) },
    format: config.pdf.format,
    metadata: {
      title: headings.title,
      author: orgName,
      subject: headings.subtitle || headings.title,
      lang: pageLng,
      keywords: release.tags,
    },
    label: text.path,
  }
}
