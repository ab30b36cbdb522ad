/**
 * Markdown body → sanitized HTML fragment (pure): CommonMark + GFM through
 * unified (remark-parse → remark-gfm → remark-rehype → rehype-raw →
 * rehype-sanitize → rehype-stringify). Raw HTML is parsed and then
 * sanitized with GitHub's schema: no script, no event handlers, no
 * `javascript:` URLs, no iframes. What was removed is reported with its line.
 *
 * The body is parsed by parse-markdown.ts, which gives remark-gfm's tree
 * with only the GFM extensions the body can use (most bodies need none, and
 * the unused ones cost nearly half of the parse); the rest of the pipeline
 * runs on that tree as it is.
 */
import { unified, type Processor } from 'unified'
import remarkParse from 'remark-parse'
import remarkGfm from 'remark-gfm'
import remarkRehype from 'remark-rehype'
import rehypeRaw from 'rehype-raw'
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize'
import rehypeStringify from 'rehype-stringify'
import type { Root, Element, Nodes } from 'hast'
import type { Root as MdastRoot } from 'mdast'
import { VFile } from 'vfile'
import { parseMarkdown } from './parse-markdown.js'
import { hyphenateTree } from './hyphenate.js'
import { typesetTree, type TypographySettings } from './typography.js'

/** Maps a URL written in the Markdown to the URL to print (or undefined to keep it). */
export type UrlResolver = (url: string, kind: 'image' | 'link') => string | undefined

/** A body rendered to HTML. */
export interface RenderedBody {
  readonly html: string
  /** Relative (local) URLs the body references, as written. */
  readonly localRefs: readonly string[]
  /** Removed unsafe content: 1-based line in the body and what was removed. */
  readonly removed: ReadonlyArray<{ line: number; column: number; what: string }>
}

/**
 * Every element of the tree in document order. A plain loop over an explicit
 * stack: unist-util-visit's recursive visitor (with its per-node closures and
 * test functions) costs several per cent of a page's render time.
 */
function elementsOf(tree: Root): Element[] {
  const out: Element[] = []
  const stack: Nodes[] = [tree]
  while (stack.length > 0) {
    const node = stack.pop()!
    if (node.type === 'element') out.push(node)
    if ('children' in node) {
      const children = node.children as Nodes[]
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!)
    }
  }
  return out
}

/** True when the tree has a `raw` node (HTML written in the Markdown). */
function hasRaw(tree: Root): boolean {
  const stack: Nodes[] = [tree]
  while (stack.length > 0) {
    const node = stack.pop()!
    if (node.type === 'raw') return true
    if ('children' in node) for (const child of node.children as Nodes[]) stack.push(child)
  }
  return false
}

const unsafeTags = new Set(['script', 'iframe', 'object', 'embed', 'style', 'frame', 'frameset', 'form', 'base', 'meta', 'link'])

function reportUnsafe() {
  return (tree: Root, file: VFile) => {
    const removed: Array<{ line: number; column: number; what: string }> = []
    for (const node of elementsOf(tree)) {
      const line = node.position?.start.line ?? 1
      const column = node.position?.start.column ?? 1
      if (unsafeTags.has(node.tagName)) removed.push({ line, column, what: `<${node.tagName}>` })
      for (const [name, value] of Object.entries(node.properties ?? {})) {
        if (/^on/i.test(name)) removed.push({ line, column, what: `the ${name.toLowerCase()} handler on <${node.tagName}>` })
        else if (typeof value === 'string' && /^\s*(javascript|vbscript|data:text\/html)/i.test(value))
          removed.push({ line, column, what: `a ${value.split(':')[0]?.trim().toLowerCase()}: URL on <${node.tagName}>` })
      }
    }
    file.data['removed'] = removed
  }
}

function resolveUrls() {
  return (tree: Root, file: VFile) => {
    // The resolver travels with the file so one frozen processor serves every page.
    const resolve = file.data['resolve'] as UrlResolver | undefined
    const local: string[] = []
    for (const node of elementsOf(tree)) {
      const attr = node.tagName === 'img' ? 'src' : node.tagName === 'a' ? 'href' : undefined
      if (!attr) continue
      const value = node.properties?.[attr]
      if (typeof value !== 'string') continue
      if (isLocal(value)) local.push(value)
      const next = resolve?.(value, node.tagName === 'img' ? 'image' : 'link')
      if (next !== undefined) node.properties[attr] = next
    }
    file.data['localRefs'] = local
  }
}

/** True for a relative URL that points into the release folder (no scheme, no `/`, no `#`). */
export function isLocal(url: string): boolean {
  return url !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith('/') && !url.startsWith('#') && !url.startsWith('//')
}

// Ids (footnotes, raw HTML anchors) get GitHub's `user-content-` prefix so
// body content cannot clobber page globals. remark-rehype is told not to add
// its own prefix (it would be doubled), and in-page `#fragment` links are
// rewritten to the prefixed id after sanitizing (see fixFragmentLinks), so
// footnote references and back-references keep working.
const clobberPrefix = 'user-content-'
const schema = { ...defaultSchema, clobberPrefix }

/**
 * Point `href="#x"` at `user-content-x` when the sanitizer prefixed that id.
 * Runs after rehype-sanitize; it only edits fragment links, so it cannot
 * introduce anything unsafe.
 */
function fixFragmentLinks() {
  return (tree: Root) => {
    const ids = new Set<string>()
    const elements = elementsOf(tree)
    for (const node of elements) {
      const id = node.properties?.['id']
      if (typeof id === 'string') ids.add(id)
    }
    for (const node of elements) {
      const href = node.properties?.['href']
      if (node.tagName !== 'a' || typeof href !== 'string' || !href.startsWith('#')) continue
      let target = href.slice(1)
      try {
        target = decodeURIComponent(target)
      } catch {
        // A malformed %-escape: compare the fragment as written.
      }
      if (!ids.has(target) && ids.has(clobberPrefix + target)) node.properties['href'] = `#${clobberPrefix}${href.slice(1)}`
    }
  }
}

/**
 * rehype-raw, but only for bodies that contain raw HTML: re-parsing the
 * whole tree through parse5 is a large share of a page's render time, and
 * most releases have no HTML in them.
 */
function rawWhenNeeded(this: Processor) {
  const transform = (rehypeRaw as unknown as (this: Processor) => (tree: Root, file: VFile) => Root).call(this)
  return (tree: Root, file: VFile): Root | undefined => {
    return hasRaw(tree) ? transform(tree, file) : undefined
  }
}

/** How the body's text is set: its language, typography, and (for print) hyphenation. */
export interface TextStyle {
  readonly lng: string
  readonly typography: TypographySettings
  /** Insert soft hyphens (print only: a page, an email and their copied text stay without them). */
  readonly hyphenate?: boolean
}

/** Typography (and, for print, hyphenation) on the sanitized tree's text nodes. */
function setText() {
  return (tree: Root, file: VFile) => {
    const style = file.data['style'] as TextStyle | undefined
    if (!style) return
    typesetTree(tree, style.lng, style.typography)
    if (style.hyphenate) hyphenateTree(tree, style.lng)
  }
}

/** Localized labels GFM footnotes print (remark-rehype's defaults are English). */
export interface FootnoteLabels {
  /** Heading of the footnotes section, e.g. `Примечания`. */
  readonly footnotes: string
  /** Label of the back-reference links, e.g. `Вернуться к тексту`. */
  readonly back: string
}

const processors = new Map<string, Processor<MdastRoot, MdastRoot, Root, Root, string>>()

/** The pipeline, built and frozen once per set of labels (building it costs more than rendering a page). */
function processor(labels: FootnoteLabels | undefined): Processor<MdastRoot, MdastRoot, Root, Root, string> {
  const key = labels ? `${labels.footnotes}\0${labels.back}` : ''
  const found = processors.get(key)
  if (found) return found
  const built = unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(remarkRehype, {
      allowDangerousHtml: true,
      clobberPrefix: '',
      ...(labels ? { footnoteLabel: labels.footnotes, footnoteBackLabel: labels.back } : {}),
    })
    .use(rawWhenNeeded)
    .use(reportUnsafe)
    .use(rehypeSanitize, schema)
    .use(fixFragmentLinks)
    .use(resolveUrls)
    .use(setText)
    .use(rehypeStringify)
    .freeze() as unknown as Processor<MdastRoot, MdastRoot, Root, Root, string>
  processors.set(key, built)
  return built
}

/**
 * Render a Markdown body to a sanitized HTML fragment.
 *
 * @param markdown The body.
 * @param resolve Rewrites image and link URLs (optional).
 * @param labels Footnote labels in the page's language (optional; English by default).
 * @param style Language, typography and hyphenation of the text (optional; none).
 * @returns The HTML, the local references and what was removed.
 */
export function renderMarkdown(markdown: string, resolve?: UrlResolver, labels?: FootnoteLabels, style?: TextStyle): RenderedBody {
  const file = new VFile({ value: markdown, data: { ...(resolve ? { resolve } : {}), ...(style ? { style } : {}) } })
  const proc = processor(labels)
  const tree = proc.runSync(parseMarkdown(file), file)
  const html = proc.stringify(tree, file)
  return {
    html: String(html).trim(),
    localRefs: (file.data['localRefs'] as string[] | undefined) ?? [],
    removed: (file.data['removed'] as Array<{ line: number; column: number; what: string }> | undefined) ?? [],
  }
}
