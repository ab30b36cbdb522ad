/**
 * The frame of a page Pressroom serves itself (the preview dashboard, the
 * unsubscribe pages): doctype, language, viewport, kept out of search
 * engines, inline style. The newsroom's own pages come from the office's
 * templates, not from here.
 */
import { escapeHtml } from './escape-html.js'

/** What goes into the frame; `title` and `lang` are escaped here, `style`, `head` and `body` are markup. */
export interface HtmlDocument {
  readonly lang: string
  readonly title: string
  readonly style: string
  /** Extra `<meta>` lines after the robots line, each ending in a newline. */
  readonly head?: string
  readonly body: string
}

/**
 * Wrap a body in the frame.
 *
 * @returns The whole document, without a trailing newline.
 */
export function htmlDocument(doc: HtmlDocument): string {
  return `<!doctype html>
<html lang="${escapeHtml(doc.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
${doc.head ?? ''}<title>${escapeHtml(doc.title)}</title>
<style>${doc.style}</style>
</head>
<body>
${doc.body}
</body>
</html>`
}
