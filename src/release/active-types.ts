/**
 * File types a browser (or a web server) runs rather than shows. Published
 * in `dist/` they would run on the newsroom's own origin, around the
 * sanitizer: an `annex.html` with a script, an SVG with `onload`. They are
 * refused as attachments and as files a body links to — except an SVG
 * that holds nothing that can run (a map, a chart: no script, no event
 * handler, no foreign HTML, links only within the file or to embedded
 * images), which is published as it is.
 */
import path from 'node:path'

const active: Readonly<Record<string, string>> = {
  '.html': 'HTML',
  '.htm': 'HTML',
  '.xhtml': 'XHTML',
  '.xht': 'XHTML',
  '.shtml': 'HTML',
  '.mht': 'MHTML',
  '.mhtml': 'MHTML',
  '.svg': 'SVG',
  '.svgz': 'SVG',
  '.xml': 'XML',
  '.xsl': 'XSLT',
  '.xslt': 'XSLT',
  '.rss': 'XML',
  '.atom': 'XML',
  '.js': 'JavaScript',
  '.mjs': 'JavaScript',
  '.cjs': 'JavaScript',
  '.wasm': 'WebAssembly',
  '.swf': 'Flash',
  '.hta': 'HTML application',
  '.php': 'PHP',
  '.phtml': 'PHP',
  '.asp': 'ASP',
  '.aspx': 'ASP.NET',
  '.jsp': 'JSP',
  '.cgi': 'CGI',
}

/**
 * The kind of active content a file name says it holds.
 *
 * @param name A file name.
 * @returns e.g. `HTML`, `SVG`; undefined for a passive type (PDF, PNG, CSV…).
 */
export function activeTypeOf(name: string): string | undefined {
  return active[path.extname(name).toLowerCase()]
}

// What can run in an SVG opened on its own: scripts, handlers, foreign
// HTML, SMIL that rewrites a link, entities, and any link or reference
// other than to the file itself (`#id`) or an embedded raster image.
const svgActive: ReadonlyArray<[RegExp, string]> = [
  [/<\s*(?:[\w-]+:)?script\b/i, 'a <script> element'],
  [/\s(?:[\w-]+:)?on[a-z]+\s*=/i, 'an event handler attribute (on…=)'],
  [/<\s*(?:[\w-]+:)?(?:foreignObject|iframe|embed|object|handler|listener)\b/i, 'embedded HTML or an object'],
  [/<\s*(?:[\w-]+:)?(?:set|animate\w*)\b[^>]*attributeName\s*=\s*["']?(?:[\w-]+:)?href/i, 'an animation that changes a link'],
  [/<!ENTITY|<!DOCTYPE[^>]*\[/i, 'an entity declaration'],
  [/<\?xml-stylesheet/i, 'a style sheet instruction'],
  [/\s(?:[\w-]+:)?href\s*=\s*(["'])\s*(?!#|data:image\/(?:png|jpeg|gif|webp);)/i, 'a link or reference to outside the file'],
  [/\s(?:[\w-]+:)?href\s*=\s*(?!["'])/i, 'an unquoted link'],
  [/url\(\s*["']?\s*(?!#|data:image\/(?:png|jpeg|gif|webp);)/i, 'a url() to outside the file'],
  [/@import/i, 'a CSS @import'],
]

/**
 * What in an SVG could run, if anything (pure).
 *
 * @param text The SVG's text.
 * @returns A description of the first active part found, or undefined for a passive drawing.
 */
export function svgActiveContent(text: string): string | undefined {
  for (const [pattern, what] of svgActive) if (pattern.test(text)) return what
  return undefined
}

/**
 * Whether a release file may be published as it is.
 *
 * @param name Its file name.
 * @param bytes Its contents (SVGs are published when passive).
 * @returns The reason it may not (for {@link activeAttachmentMessage}), or undefined.
 */
export function activeContentOf(name: string, bytes: Uint8Array | undefined): string | undefined {
  const kind = activeTypeOf(name)
  if (kind === undefined) return undefined
  if (path.extname(name).toLowerCase() === '.svg' && bytes !== undefined) {
    const found = svgActiveContent(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
    return found === undefined ? undefined : `an SVG with ${found}`
  }
  return kind
}

/**
 * The error for publishing `name`, when it is an active type.
 *
 * @param name A file name in a release folder.
 * @param bytes Its contents (optional; an SVG without them counts as active).
 * @returns The sentence (what, why, how to ship it instead), or undefined.
 */
export function activeAttachmentMessage(name: string, bytes?: Uint8Array): string | undefined {
  const kind = activeContentOf(name, bytes)
  if (kind === undefined) return undefined
  const stem = name.slice(0, name.length - path.extname(name).length) || 'file'
  return `"${name}" is ${kind.startsWith('an SVG') ? kind : `${/^(?:[AEFHILMNORSX][A-Z]|[AEIOU])/.test(kind) ? 'an' : 'a'} ${kind} file`}, which a browser runs: published, it would run on the newsroom's own site. Ship it in a form that cannot run — zipped (${stem}.zip), as a PDF, or as an image (PNG)`
}
