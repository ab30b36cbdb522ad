/**
 * Template data (pure): what page.liquid, index.liquid, chooser.liquid,
 * print.liquid and email.liquid receive. See docs/templates.md for the
 * contract a designer relies on.
 */
import type { Config } from '../config.js'
import { formatDate, formatLift } from '../embargo/time.js'
import type { Translate } from '../i18n/localize.js'
import type { RenderedBody } from './markdown.js'
import { escapeHtml } from './escape-html.js'
import { SafeHtml } from './template.js'
import { typesetText } from './typography.js'
import { contactsFor } from '../release/contacts.js'
import type { Release, ReleaseText } from '../types.js'

/** Where a page sits in dist/: its path and the way back to the root. */
export interface PageLocation {
  /** Path inside dist/, e.g. `ru/2031-x/index.html`. */
  readonly path: string
  /** Relative path to the site root, e.g. `../../`. */
  readonly root: string
}

/** Location of a release page. */
export function releaseLocation(lng: string, slug: string): PageLocation {
  return { path: `${lng}/${slug}/index.html`, root: '../../' }
}

/** Location of a language's index. */
export function indexLocation(lng: string): PageLocation {
  return { path: `${lng}/index.html`, root: '../' }
}

/** The public URL of a location (directory URL for index.html files). */
export function absoluteUrl(config: Pick<Config, 'site'>, location: Pick<PageLocation, 'path'>): string {
  return `${config.site.url}/${location.path.replace(/index\.html$/, '')}`
}

/** Name of a language in another language, e.g. `en` in `ru` → `английский`. */
export function languageName(lng: string, inLng: string): string {
  const key = `${lng}\0${inLng}`
  let name = languageNames.get(key)
  if (name === undefined) {
    try {
      name = new Intl.DisplayNames([inLng], { type: 'language' }).of(lng) ?? lng
    } catch {
      name = lng
    }
    languageNames.set(key, name)
  }
  return name
}

// Intl.DisplayNames is slow to construct; a build asks for the same few names thousands of times.
const languageNames = new Map<string, string>()

/** Everything that varies per language for common template variables. */
export interface CommonInput {
  readonly config: Config
  readonly lng: string
  readonly t: Translate
  readonly location: PageLocation
  readonly alternates: ReadonlyArray<{ lang: string; langName: string; url: string; absUrl: string; current: boolean; fallback: boolean }>
  readonly preview: boolean
}

/** Variables every template gets. */
export function commonData(input: CommonInput): Record<string, unknown> {
  const { config, lng, t, location } = input
  const orgName = t('org.name')
  return {
    lang: lng,
    langName: t('lang.name'),
    dir: 'ltr',
    defaultLang: config.defaultLocale,
    org: {
      name: orgName && orgName !== 'org.name' ? orgName : config.organisation.name,
      url: config.organisation.url ?? '',
      logo: config.organisation.logo ?? '',
    },
    site: { url: config.site.url, title: t('site.title') },
    page: { url: absoluteUrl(config, location), path: location.path, root: location.root },
    alternates: input.alternates,
    preview: input.preview,
  }
}

/** Inputs for a release's view. */
export interface ReleaseViewInput {
  readonly config: Config
  readonly release: Release
  /** The text to show (the page language's, or the source's as a fallback). */
  readonly text: ReleaseText
  /** Page language. */
  readonly lng: string
  readonly t: Translate
  readonly body: RenderedBody
  /** Show the embargo notice (embargoed renders only). */
  readonly embargoed: boolean
  readonly pdf?: { url: string; name: string }
  readonly attachments: ReadonlyArray<{ name: string; url: string }>
}

/** The `release` variable of page, print and email templates. */
export function releaseData(input: ReleaseViewInput): Record<string, unknown> {
  const { release, text, lng, t, config } = input
  const embargoNotice =
    input.embargoed && release.embargo
      ? t('release.embargoNotice', { lift: formatLift(release.embargo, lng, config.embargo.zones, t) })
      : ''
  const about = t(`boilerplate:${release.boilerplate}`)
  return {
    slug: release.slug,
    ...typesetHeadings(config, text),
    date: release.date,
    dateText: formatDate(release.date, lng),
    bodyHtml: new SafeHtml(input.body.html),
    summary: summaryOf(input.body.html),
    contacts: contactsFor(config, release, text),
    tags: release.tags.map((tag) => tagLabel(t, tag)),
    tagKeys: release.tags,
    embargoed: input.embargoed && release.embargo !== undefined,
    embargoNotice,
    contentLang: text.lng,
    contentLangName: languageName(text.lng, lng),
    fallback: text.lng !== lng,
    pdf: input.pdf ?? '',
    attachments: input.attachments,
    boilerplateHtml: new SafeHtml(paragraphs(about)),
    corrections: correctionsOf(release, text, lng, t),
  }
}

/**
 * The release's corrections in the page language, oldest first: the note
 * from this language's file, else the source's.
 */
function correctionsOf(
  release: Release,
  text: ReleaseText,
  lng: string,
  t: Translate,
): Array<{ dateText: string; note: string; text: string }> {
  const source = release.texts[release.source]?.corrections ?? []
  const own = text.corrections ?? []
  return source.map((c, i) => {
    const note = own[i]?.note ?? c.note
    const dateText = formatDate(new Date(c.at).toISOString().slice(0, 10), lng)
    return { dateText, note, text: t('release.correction', { date: dateText, note }) }
  })
}

/**
 * A text's title, subtitle and dateline with the office's typography, as
 * every output prints them (page, PDF, email, subject, index, feed).
 *
 * @param config The office's config (`typography`).
 * @param text The language version.
 * @returns Title, subtitle and dateline ('' when not written).
 */
export function typesetHeadings(
  config: Pick<Config, 'typography'>,
  text: ReleaseText,
): { title: string; subtitle: string; dateline: string } {
  const set = (value: string | undefined) => (value === undefined ? '' : typesetText(value, text.lng, config.typography))
  return { title: set(text.title), subtitle: set(text.subtitle), dateline: set(text.dateline) }
}

/**
 * A tag as the page's language says it: `tags:<tag>` from the catalogs
 * (locales/<lng>/tags.json), else the tag as written with spaces for hyphens.
 *
 * @param t The page language's translate function.
 * @param tag The tag as written in the release.
 * @returns The label.
 */
export function tagLabel(t: Translate, tag: string): string {
  const label = t(`tags:${tag}`)
  return label === tag || label === `tags:${tag}` || label === '' ? tag.replace(/-/g, ' ') : label
}

/** The `print` variable: CSS strings for the page margin boxes. */
export function printData(t: Translate, header: string, size: 'A4' | 'Letter'): Record<string, unknown> {
  const marker = '\u0000'
  const text = t('print.page', { page: `${marker}page${marker}`, total: `${marker}pages${marker}` })
  const parts = text.split(marker)
  const css = parts
    .map((part, index) => (index % 2 === 1 ? `counter(${part})` : part === '' ? '' : cssString(part)))
    .filter((part) => part !== '')
    .join(' ')
  return { pageCounter: new SafeHtml(css), header: new SafeHtml(cssString(header)), size }
}

/** Quote text as a CSS string literal. */
export function cssString(text: string): string {
  return `"${text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '\\3c ')}"`
}

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeHtml(p)}</p>`)
    .join('\n')
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: '\u00a0' }

/** Plain-text summary: the first paragraph of the body, at most ~200 characters. */
export function summaryOf(html: string): string {
  const first = /<p>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? ''
  const text = first
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x?[0-9a-f]+|\w+);/gi, (all, name: string) => {
      if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16))
      if (name.startsWith('#') && name !== '#39') return String.fromCodePoint(parseInt(name.slice(1), 10))
      return entities[name] ?? all
    })
    .replace(/\s+/g, ' ')
    .trim()
  if (text.length <= 200) return text
  const cut = text.slice(0, 200)
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 150))}…`
}
