/**
 * Markdown body → mdast (pure), exactly as remark-parse + remark-gfm parse
 * it, but with only the GFM constructs the body can contain.
 *
 * remark-gfm adds five micromark extensions, and each costs time on bodies
 * that never use it: autolink literals are tried at the start of every
 * ASCII word (the e-mail form at every letter or digit after a non-word
 * character), the table construct at the start of every line. On the
 * benchmark's releases, which use none of GFM, parsing with all five took
 * 1.9 times as long as without them. So a body is parsed by a processor
 * (built once per set, frozen) with only the extensions whose constructs
 * can occur in it; the mdast is the one remark-gfm gives, positions
 * included (tests/render/parse-markdown.test.ts compares the two on
 * thousands of random and adversarial bodies).
 *
 * Which constructs can occur is decided conservatively from the source,
 * because a construct needs characters that nothing else can stand for
 * (character references and escapes never make GFM syntax):
 *
 * - strikethrough: a `~`;
 * - table: a `|`, or a `:` next to a `-` (a delimiter row such as `:-` makes
 *   `a` above it a one-column table without any pipe);
 * - footnote: `[^` (definitions and calls both start so; `[\^` too, to be safe);
 * - task list item: `[` followed by a space, tab, line ending, `x` or `X`.
 *
 * Autolink literals are decided from the tree instead, since their
 * trigger often sits where it cannot link (`https://` in every link
 * destination of a typical release): the body is parsed without them, and
 * parsed again with them only when a text node (or image alt) contains
 * `@`, `www.`, `http://` or `https://` (any case). That is sound: up to the
 * first place where remark-gfm would start a literal the two tokenizers are
 * in the same state (a literal that fails to match changes nothing); at
 * that place the one without literals reads the same letters as plain
 * text, so the trigger (`@`, `www.`, `http(s)://`, which no other construct
 * starts at) ends up in a text node; and remark-gfm's second pass, which
 * finds literals in text nodes (also those written with escapes or
 * character references), needs one of the same triggers in a text node.
 * A body with a bare address in its text (`press@example.org` after a
 * space) is parsed with autolink literals at once, rather than twice.
 */
import { unified, type Processor } from 'unified'
import remarkParse from 'remark-parse'
import remarkGfm from 'remark-gfm'
import { combineExtensions } from 'micromark-util-combine-extensions'
import { gfmAutolinkLiteral } from 'micromark-extension-gfm-autolink-literal'
import { gfmFootnote } from 'micromark-extension-gfm-footnote'
import { gfmStrikethrough } from 'micromark-extension-gfm-strikethrough'
import { gfmTable } from 'micromark-extension-gfm-table'
import { gfmTaskListItem } from 'micromark-extension-gfm-task-list-item'
import { gfmAutolinkLiteralFromMarkdown } from 'mdast-util-gfm-autolink-literal'
import { gfmFootnoteFromMarkdown } from 'mdast-util-gfm-footnote'
import { gfmStrikethroughFromMarkdown } from 'mdast-util-gfm-strikethrough'
import { gfmTableFromMarkdown } from 'mdast-util-gfm-table'
import { gfmTaskListItemFromMarkdown } from 'mdast-util-gfm-task-list-item'
import type { Nodes, Root } from 'mdast'
import type { VFile } from 'vfile'

/** One GFM construct: its micromark extension and its mdast half, as remark-gfm makes them. */
interface GfmPart {
  readonly syntax: () => ReturnType<typeof gfmTable>
  readonly fromMarkdown: () => ReturnType<typeof gfmTableFromMarkdown>
}

// In remark-gfm's order (micromark-extension-gfm's `gfm()` and
// mdast-util-gfm's `gfmFromMarkdown()`): the order decides which construct
// is tried first where two start at the same character, so every subset
// keeps it.
const parts: readonly GfmPart[] = [
  { syntax: gfmAutolinkLiteral, fromMarkdown: gfmAutolinkLiteralFromMarkdown },
  { syntax: gfmFootnote, fromMarkdown: gfmFootnoteFromMarkdown },
  { syntax: () => gfmStrikethrough(), fromMarkdown: gfmStrikethroughFromMarkdown },
  { syntax: gfmTable, fromMarkdown: gfmTableFromMarkdown },
  { syntax: gfmTaskListItem, fromMarkdown: gfmTaskListItemFromMarkdown },
]

/** Bit of each construct in a set of GFM constructs. */
export const gfm = { autolinkLiteral: 1, footnote: 2, strikethrough: 4, table: 8, taskListItem: 16 } as const

/** Every GFM construct: the set remark-gfm itself parses with. */
export const allGfm = 31

/**
 * The GFM constructs other than autolink literals that can occur in a body,
 * from its characters (see the module comment for why each test is enough).
 *
 * @param markdown The body.
 * @returns A set of {@link gfm} bits, never with `autolinkLiteral`.
 */
export function possibleGfm(markdown: string): number {
  let set = 0
  if (markdown.includes('~')) set |= gfm.strikethrough
  if (markdown.includes('|') || /:[ \t]*-|-[ \t]*:/.test(markdown)) set |= gfm.table
  if (/\[\\?\^/.test(markdown)) set |= gfm.footnote
  if (/\[[\t\n\r xX]/.test(markdown)) set |= gfm.taskListItem
  return set
}

type Parser = Processor<Root, undefined, undefined, undefined, undefined>

const parsers = new Map<number, Parser>()

/**
 * A frozen parser for a set of GFM constructs: remark-parse + remark-gfm for
 * the full set, remark-parse + the chosen extensions otherwise.
 *
 * @param set {@link gfm} bits.
 */
export function gfmParser(set: number): Parser {
  let parser = parsers.get(set)
  if (parser === undefined) {
    parser = (set === allGfm
      ? unified().use(remarkParse).use(remarkGfm)
      : unified().use(remarkParse).use(gfmSubset, set)
    ).freeze() as unknown as Parser
    parsers.set(set, parser)
  }
  return parser
}

/** remark-gfm with only the constructs in `set` (what remark-gfm does, for a subset). */
function gfmSubset(this: Processor, set: number): void {
  const chosen = parts.filter((_, index) => (set & (1 << index)) !== 0)
  if (chosen.length === 0) return
  const data = this.data()
  ;(data.micromarkExtensions ??= []).push(combineExtensions(chosen.map((part) => part.syntax())))
  ;(data.fromMarkdownExtensions ??= []).push(chosen.map((part) => part.fromMarkdown()))
}

const literalTrigger = /@|www\.|https?:\/\//i

/** True when a text node (or an image's alt) holds what an autolink literal starts with. */
function mayHoldAutolinkLiteral(tree: Root): boolean {
  const stack: Nodes[] = [tree]
  while (stack.length > 0) {
    const node = stack.pop()!
    if (node.type === 'text') {
      if (literalTrigger.test(node.value)) return true
    } else if (node.type === 'image' || node.type === 'imageReference') {
      if (node.alt && literalTrigger.test(node.alt)) return true
    } else if ('children' in node) {
      const children = node.children as Nodes[]
      for (let i = 0; i < children.length; i++) stack.push(children[i]!)
    }
  }
  return false
}

/**
 * Parse a Markdown body to mdast as remark-parse + remark-gfm would, with
 * only the GFM constructs the body can contain (see the module comment).
 *
 * @param file The body (its `value`).
 * @returns The tree remark-gfm gives for the body.
 */
export function parseMarkdown(file: VFile): Root {
  const markdown = String(file.value)
  const set = possibleGfm(markdown)
  if (hasBareAddress(markdown)) return gfmParser(set | gfm.autolinkLiteral).parse(file)
  const tree = gfmParser(set).parse(file)
  return mayHoldAutolinkLiteral(tree) ? gfmParser(set | gfm.autolinkLiteral).parse(file) : tree
}

const bareEmail = /(?:^|\s)[\w.+-]+@/
const bareUrl = /(?:^|\s)(?:www\.|https?:\/\/)/i

/**
 * True when the body has an address after a space or at a line start
 * (`press@example.org`, `www.`, `https://`), which will most likely be an
 * autolink literal: such a body is parsed with them at once rather than
 * twice. Only a shortcut: either way the tree is remark-gfm's. A trigger
 * anywhere else (typically in a link destination) waits for the tree.
 *
 * @param markdown The body.
 */
export function hasBareAddress(markdown: string): boolean {
  return (markdown.includes('@') && bareEmail.test(markdown)) || bareUrl.test(markdown)
}
