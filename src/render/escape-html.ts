/** Escaping text for HTML (pure): one table for every page, feed and email Pressroom writes. */

const htmlEscapes: Readonly<Record<string, string>> = Object.freeze({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })

/**
 * Escape text for HTML content and attribute values.
 *
 * @param text Any text.
 * @returns The text with `& < > " '` as entities.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEscapes[c]!)
}
