/**
 * File types a browser (or a web server) runs rather than shows. Published
 * in `dist/` they would run on the newsroom's own origin, around the
 * sanitizer: an `annex.html` with a script, an SVG with `onload`. They are
 * refused as attachments and as files a body links to.
 */
import path from 'node:path'

const active: Readonly<Record<string, string>> = {
  '.html': 'HTML', '.htm': 'HTML', '.xhtml': 'XHTML', '.xht': 'XHTML', '.shtml': 'HTML', '.mht': 'MHTML', '.mhtml': 'MHTML',
  '.svg': 'SVG', '.svgz': 'SVG', '.xml': 'XML', '.xsl': 'XSLT', '.xslt': 'XSLT', '.rss': 'XML', '.atom': 'XML',
  '.js': 'JavaScript', '.mjs': 'JavaScript', '.cjs': 'JavaScript', '.wasm': 'WebAssembly', '.swf': 'Flash', '.hta': 'HTML application',
  '.php': 'PHP', '.phtml': 'PHP', '.asp': 'ASP', '.aspx': 'ASP.NET', '.jsp': 'JSP', '.cgi': 'CGI',
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

/**
 * The error for publishing `name`, when it is an active type.
 *
 * @param name A file name in a release folder.
 * @returns The sentence (what, why, how to ship it instead), or undefined.
 */
export function activeAttachmentMessage(name: string): string | undefined {
  const kind = activeTypeOf(name)
  if (kind === undefined) return undefined
  const stem = name.slice(0, name.length - path.extname(name).length) || 'file'
  return `"${name}" is ${kind}, which a browser runs: published, it would run on the newsroom's own site. Ship it in a form that cannot run — zipped (${stem}.zip), as a PDF, or as an image (PNG)`
}
