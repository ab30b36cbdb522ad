/** A feed entry's summary, from a release body's Markdown (pure). */

/**
 * A feed summary from Markdown without rendering it: the first paragraph
 * with link targets and emphasis marks dropped, at most 280 characters.
 *
 * @param markdown A release body.
 * @returns Plain text.
 */
export function plainSummary(markdown: string): string {
  const first =
    markdown
      .trim()
      .split(/\n\s*\n/)
      .find((p) => !/^\s*(#|\||<|!\[)/.test(p)) ?? ''
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
