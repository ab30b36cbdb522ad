/** The Atom feed of one language (pure), through the `feed` package. */
import { Feed } from 'feed'
import { escapeHtml } from '../render/escape-html.js'

/** One entry of a language's feed. */
export interface FeedEntry {
  readonly title: string
  readonly url: string
  readonly id: string
  readonly summary: string
  /** When the release became public: its lift instant, or its date at 00:00 UTC. */
  readonly published: number
  readonly contentLang: string
}

/**
 * Render an Atom feed. `updated` is the newest entry's time (no build clock),
 * so an embargoed release leaves no trace in it.
 *
 * @returns Atom XML.
 */
export function renderFeed(options: {
  title: string
  subtitle: string
  lng: string
  siteUrl: string
  feedUrl: string
  indexUrl: string
  author: string
  entries: readonly FeedEntry[]
}): string {
  const updated = options.entries.reduce((max, e) => Math.max(max, e.published), 0)
  const feed = new Feed({
    title: options.title,
    description: options.subtitle,
    id: options.indexUrl,
    link: options.indexUrl,
    language: options.lng,
    copyright: options.author,
    updated: new Date(updated),
    generator: 'Pressroom',
    feedLinks: { atom: options.feedUrl },
    author: { name: options.author, link: options.siteUrl },
  })
  for (const entry of options.entries) {
    // The feed package writes entry titles and summaries as `type="html"`
    // (CDATA), so readers parse them as HTML: escape the plain text, or a
    // title with `<` or `&` loses words and raw markup would be live.
    feed.addItem({
      title: escapeHtml(entry.title),
      id: entry.id,
      link: entry.url,
      description: escapeHtml(entry.summary),
      date: new Date(entry.published),
      published: new Date(entry.published),
    })
  }
  // The feed package ignores `language` in Atom output; state it with
  // xml:lang on the feed, and on each entry written in another language
  // (an untranslated release listed in this language's feed).
  let index = 0
  return feed
    .atom1()
    .replace(
      '<feed xmlns="http://www.w3.org/2005/Atom">',
      `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeHtml(options.lng)}">`,
    )
    .replace(/<entry>/g, (tag) => {
      const lang = options.entries[index++]?.contentLang
      return lang !== undefined && lang !== options.lng ? `<entry xml:lang="${escapeHtml(lang)}">` : tag
    })
}
