/**
 * Bounds on what a release body may ask of the Markdown pipeline, checked
 * with cheap line scans before the text reaches micromark (which, like
 * the tree utilities after it, recurses: 2,000 nested `>` overflowed the
 * stack, a 5,000-column table ran out of memory). Each limit is far above
 * what a press release uses; a breach is a located error naming the limit.
 */

/** The limits (see the README's Security section). */
export const markdownLimits = Object.freeze({
  /** Size of one release file. */
  bytes: 256 * 1024,
  /** Nested block quotes and list items, and nested HTML elements (each counted on its own). */
  depth: 64,
  /** Columns of one table. */
  tableColumns: 64,
  /** Cells of all tables of one file. */
  tableCells: 5_000,
  /** Emphasis, strong and strikethrough delimiter runs (`*`, `_`, `~`) in one paragraph. */
  emphasisRuns: 256,
  /** Images (`![`) in one paragraph. */
  images: 64,
})

/** A limit the body goes over, with the 1-based place in the body. */
export interface LimitBreach {
  readonly line: number
  readonly column: number
  readonly reason: string
  readonly ruleId: string
}

const voidElements = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
])
// Elements whose end tag may be left out: the HTML parser closes them itself, so they are not counted as nesting.
const optionalEnd = new Set([
  'p',
  'li',
  'dt',
  'dd',
  'tr',
  'td',
  'th',
  'option',
  'optgroup',
  'thead',
  'tbody',
  'tfoot',
  'colgroup',
  'caption',
  'rb',
  'rt',
  'rp',
  'rtc',
  'html',
  'head',
  'body',
])
const delimiterRow = /^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/
const fence = /^ {0,3}(`{3,}|~{3,})/
const inlineHint = /[*_~]|!\[/
const inlineMarks = /[*_~]+|!\[/g
const htmlTag = /<(\/?)([A-Za-z][A-Za-z0-9-]*)\b[^<>]*?(\/?)>/g

/**
 * The first limit a Markdown body goes over (pure; linear in the text).
 *
 * @param body The Markdown body (after the frontmatter).
 * @returns The breach, or undefined when the body is within every limit.
 */
export function checkMarkdownLimits(body: string): LimitBreach | undefined {
  const lines = body.split(/\r\n|\r|\n/)
  let inFence: string | undefined
  let cells = 0
  let tableColumns = 0
  let paragraphRuns = 0
  let paragraphImages = 0
  let htmlDepth = 0
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!
    const lineNo = index + 1
    const opened = fence.exec(line)
    if (inFence !== undefined) {
      if (opened && opened[1]![0] === inFence[0] && opened[1]!.length >= inFence.length) inFence = undefined
      continue
    }
    if (opened) {
      inFence = opened[1]
      continue
    }
    // Containers: `>` and list markers at the start of the line, plus indentation (two columns a level).
    let i = 0
    let depth = 0
    let indent = 0
    const firstCode = line.charCodeAt(0)
    // Most lines start with a letter: no container to look for.
    if (
      firstCode === 32 ||
      firstCode === 9 ||
      firstCode === 62 ||
      firstCode === 45 ||
      firstCode === 42 ||
      firstCode === 43 ||
      (firstCode >= 48 && firstCode <= 57)
    ) {
      let first = true
      for (;;) {
        let spaces = 0
        while (i < line.length && (line[i] === ' ' || line[i] === '\t')) {
          spaces += line[i] === '\t' ? 4 : 1
          i++
        }
        if (first) indent = spaces
        first = false
        const c = line[i]
        if (c === '>') {
          depth++
          i++
          continue
        }
        const marker = /^(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)/.exec(line.slice(i, i + 11))
        if (marker && !/^[-*_](?:[ \t]*[-*_]){2,}[ \t]*$/.test(line.slice(i))) {
          depth++
          i += marker[0].length
          continue
        }
        break
      }
    }
    const levels = depth + Math.floor(indent / 2)
    if (levels > markdownLimits.depth) {
      return {
        line: lineNo,
        column: 1,
        reason: `block quotes and lists are nested ${levels} deep here; the limit is ${markdownLimits.depth} levels. Flatten the structure`,
        ruleId: 'markdown-too-deep',
      }
    }
    const rest = line.slice(i)
    if (rest.trim() === '') {
      paragraphRuns = 0
      paragraphImages = 0
      tableColumns = 0
      continue
    }
    // Tables: a delimiter row (`|---|:-:|`) fixes the columns; every row after it until a blank line counts.
    if (tableColumns > 0) {
      cells += tableColumns
    } else if (rest.includes('|') && rest.includes('-') && delimiterRow.test(rest.trim())) {
      const columns = rest
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|').length
      if (columns > markdownLimits.tableColumns) {
        return {
          line: lineNo,
          column: i + 1,
          reason: `this table has ${columns} columns; the limit is ${markdownLimits.tableColumns}. Split it, or attach it as a spreadsheet`,
          ruleId: 'markdown-table-too-large',
        }
      }
      tableColumns = columns
      cells += 2 * columns
    }
    if (cells > markdownLimits.tableCells) {
      return {
        line: lineNo,
        column: 1,
        reason: `the tables of this file have more than ${markdownLimits.tableCells} cells; that is the limit. Attach large tables as a spreadsheet (e.g. report.csv)`,
        ruleId: 'markdown-table-too-large',
      }
    }
    // Inline: emphasis delimiter runs and images per paragraph (a sticky regex loop: the fastest scan V8 offers here).
    if (inlineHint.test(rest)) {
      inlineMarks.lastIndex = 0
      for (let run = inlineMarks.exec(rest); run !== null; run = inlineMarks.exec(rest)) {
        if (run[0] === '![') {
          if (++paragraphImages > markdownLimits.images) {
            return {
              line: lineNo,
              column: run.index + i + 1,
              reason: `more than ${markdownLimits.images} images in one paragraph; that is the limit. Put them in paragraphs of their own`,
              ruleId: 'markdown-too-many-images',
            }
          }
        } else if (++paragraphRuns > markdownLimits.emphasisRuns) {
          return {
            line: lineNo,
            column: run.index + i + 1,
            reason: `more than ${markdownLimits.emphasisRuns} emphasis marks (\`*\`, \`_\`, \`~\`) in one paragraph; that is the limit. Split the paragraph or write the characters as \`\\*\``,
            ruleId: 'markdown-too-deep',
          }
        }
      }
    }
    // Raw HTML: nesting of elements that need an end tag.
    if (rest.includes('<')) {
      htmlTag.lastIndex = 0
      for (let tag = htmlTag.exec(rest); tag !== null; tag = htmlTag.exec(rest)) {
        const name = tag[2]!.toLowerCase()
        if (voidElements.has(name) || optionalEnd.has(name) || tag[3] === '/') continue
        if (tag[1] === '/') htmlDepth = Math.max(0, htmlDepth - 1)
        else if (++htmlDepth > markdownLimits.depth) {
          return {
            line: lineNo,
            column: (tag.index ?? 0) + i + 1,
            reason: `HTML elements are nested more than ${markdownLimits.depth} deep here; that is the limit. Flatten the structure`,
            ruleId: 'markdown-too-deep',
          }
        }
      }
    }
  }
  return undefined
}
