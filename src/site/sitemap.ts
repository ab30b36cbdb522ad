/** sitemap.xml with hreflang alternates (pure). */

/** One URL and its language alternates. */
export interface SitemapUrl {
  readonly loc: string
  readonly lastmod?: string
  readonly alternates: ReadonlyArray<{ lang: string; href: string }>
}

const xmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => xmlEscapes[c]!)

/**
 * Render a sitemap (sitemaps.org 0.9 with xhtml:link alternates).
 *
 * @param urls URLs in output order.
 * @returns XML.
 */
export function renderSitemap(urls: readonly SitemapUrl[]): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
  ]
  for (const url of urls) {
    lines.push('  <url>', `    <loc>${esc(url.loc)}</loc>`)
    if (url.lastmod) lines.push(`    <lastmod>${esc(url.lastmod)}</lastmod>`)
    for (const alt of url.alternates) {
      lines.push(`    <xhtml:link rel="alternate" hreflang="${esc(alt.lang)}" href="${esc(alt.href)}"/>`)
    }
    lines.push('  </url>')
  }
  lines.push('</urlset>', '')
  return lines.join('\n')
}
