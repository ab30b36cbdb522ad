/**
 * The plain-text alternative of an email from its HTML (html-to-text), with
 * tables laid out as text tables: columns padded to their widest cell,
 * right-aligned where the Markdown said `---:`, centred for `:---:`, a rule
 * under the header row. Pure.
 */
import { convert, type FormatCallback } from 'html-to-text'

interface DomNode {
  readonly type: string
  readonly name?: string
  readonly data?: string
  readonly attribs?: Readonly<Record<string, string>>
  readonly children?: readonly DomNode[]
}

const textOf = (node: DomNode): string => (node.type === 'text' ? (node.data ?? '') : (node.children ?? []).map(textOf).join(''))

function rowsOf(node: DomNode, out: DomNode[] = []): DomNode[] {
  for (const child of node.children ?? []) {
    if (child.name === 'tr') out.push(child)
    else if (child.type === 'tag' && child.name !== 'table') rowsOf(child, out)
  }
  return out
}

type Align = 'left' | 'right' | 'center'

function alignOf(cell: DomNode): Align {
  const attr = cell.attribs?.['align']
  return attr === 'right' || attr === 'center' ? attr : 'left'
}

/** Split text into lines of at most `width` characters at spaces (a longer word gets a line of its own). */
function wrapCell(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line === '') line = word
    else if ([...line].length + 1 + [...word].length <= width) line += ` ${word}`
    else {
      lines.push(line)
      line = word
    }
  }
  lines.push(line)
  return lines
}

/**
 * Lay out rows of cells as a text table, at most `maxWidth` characters wide
 * where the words allow: the widest columns wrap first, never narrower than
 * their longest word.
 *
 * @param rows Rows of cells: text, alignment, header or not.
 * @param maxWidth The line length to fit (default 78, the plain text's wrap).
 * @returns The table's lines.
 */
export function textTable(rows: ReadonlyArray<ReadonlyArray<{ text: string; align: Align; head: boolean }>>, maxWidth = 78): string[] {
  const length = (text: string) => [...text].length
  const widths: number[] = []
  const floors: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, length(cell.text))
      floors[i] = Math.max(floors[i] ?? 0, ...cell.text.split(' ').map(length))
    })
  }
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1)
  while (total() > maxWidth) {
    let widest = -1
    widths.forEach((w, i) => {
      if (w > floors[i]! && (widest === -1 || w > widths[widest]!)) widest = i
    })
    if (widest === -1) break
    widths[widest]!--
  }
  const pad = (text: string, width: number, align: Align): string => {
    const room = width - length(text)
    if (align === 'right') return ' '.repeat(room) + text
    if (align === 'center') return ' '.repeat(Math.floor(room / 2)) + text + ' '.repeat(Math.ceil(room / 2))
    return text + ' '.repeat(room)
  }
  const lines: string[] = []
  for (const row of rows) {
    const cells = row.map((cell, i) => wrapCell(cell.text, widths[i]!))
    const height = Math.max(1, ...cells.map((c) => c.length))
    for (let k = 0; k < height; k++) {
      lines.push(
        row
          .map((cell, i) => pad(cells[i]![k] ?? '', widths[i]!, cell.align))
          .join('  ')
          .trimEnd(),
      )
    }
    if (row.length > 0 && row.every((cell) => cell.head)) lines.push(widths.map((w) => '-'.repeat(w)).join('  '))
  }
  return lines
}

const tableFormatter: FormatCallback = (elem, _walk, builder) => {
  const rows = rowsOf(elem as DomNode).map((tr) =>
    (tr.children ?? [])
      .filter((c) => c.name === 'td' || c.name === 'th')
      .map((c) => ({ text: textOf(c).replace(/\s+/g, ' ').trim(), align: alignOf(c), head: c.name === 'th' })),
  )
  builder.openBlock({ leadingLineBreaks: 2 })
  builder.addLiteral(textTable(rows).join('\n'))
  builder.closeBlock({ trailingLineBreaks: 2 })
}

/**
 * The plain-text version of an email's HTML.
 *
 * @param html The email HTML (CSS inlined).
 * @returns Text wrapped at 78 columns, tables as text tables.
 */
export function emailPlainText(html: string): string {
  return convert(html, {
    wordwrap: 78,
    formatters: { textTable: tableFormatter },
    selectors: [
      { selector: '.preheader', format: 'skip' },
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'table', format: 'textTable' },
    ],
  })
}
