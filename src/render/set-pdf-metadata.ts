/**
 * Document metadata for a PDF written by Chromium (Skia). Chromium writes
 * Title (from <title>) to the Info dictionary and /Lang (from <html lang>)
 * to the catalog, but no Author, Subject or Keywords. An incremental update
 * (PDF 32000-1 §7.5.6) is appended that replaces the Info dictionary and
 * the catalog: the bytes Chromium wrote, including the structure tree and
 * the outline, stay exactly as they were.
 */
import { PdfError } from '../errors.js'

/** Document metadata written into the PDF (Info dictionary and catalog `/Lang`). */
export interface PdfMetadata {
  readonly title: string
  readonly author: string
  readonly subject: string
  /** BCP 47 tag, e.g. `ru`; written to the catalog `/Lang`. */
  readonly lang: string
  readonly keywords?: readonly string[]
}

/**
 * Set Title, Author, Subject, Keywords and the catalog `/Lang` of a PDF
 * written by Chromium (Skia), by appending an incremental update.
 *
 * @param pdf The PDF as Chromium wrote it.
 * @param metadata Values to set; an empty `lang` keeps the catalog's.
 * @returns A new PDF; the input is not modified.
 * @throws {PressError} when the PDF does not have the classic layout Skia writes.
 */
export function setPdfMetadata(pdf: Uint8Array, metadata: PdfMetadata): Uint8Array {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1')
  const tail = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text.slice(-1024))
  const trailerAt = text.lastIndexOf('trailer')
  if (tail?.[1] === undefined || trailerAt === -1 || !text.startsWith('xref', Number(tail[1]))) {
    throw unexpectedPdf('no classic cross-reference table and trailer at the end')
  }
  const previousXref = Number(tail[1])
  const trailer = parseDictionaryAt(text, skipWhitespace(text, trailerAt + 'trailer'.length))
  const size = Number(lookup(trailer.entries, 'Size'))
  const root = parseReference(lookup(trailer.entries, 'Root'))
  if (!Number.isInteger(size) || root === undefined) throw unexpectedPdf('trailer without /Size or /Root')
  const infoValue = lookup(trailer.entries, 'Info')
  const info = infoValue === undefined ? { number: size, generation: 0 } : parseReference(infoValue)
  if (info === undefined) throw unexpectedPdf('trailer /Info is not a reference')

  const catalog = readObjectDictionary(text, root)
  if (metadata.lang !== '') setEntry(catalog, 'Lang', pdfTextString(metadata.lang))

  const oldInfo = infoValue === undefined ? [] : readObjectDictionary(text, info)
  const newInfo: Array<[string, string]> = [
    ['Title', pdfTextString(metadata.title)],
    ['Author', pdfTextString(metadata.author)],
    ['Subject', pdfTextString(metadata.subject)],
  ]
  if (metadata.keywords !== undefined && metadata.keywords.length > 0) {
    newInfo.push(['Keywords', pdfTextString(metadata.keywords.join(', '))])
  }
  // Chromium's Creator is its user agent string; say who made the document instead.
  newInfo.push(['Creator', pdfTextString('Pressroom')])
  for (const [key, value] of oldInfo) {
    if (!newInfo.some(([existing]) => existing === key)) newInfo.push([key, value])
  }

  const objects = [
    { ref: root, body: serializeDictionary(catalog) },
    { ref: info, body: serializeDictionary(newInfo) },
  ].sort((a, b) => a.ref.number - b.ref.number)

  let update = text.endsWith('\n') ? '' : '\n'
  const offsets: number[] = []
  for (const object of objects) {
    offsets.push(pdf.byteLength + update.length)
    update += `${object.ref.number} ${object.ref.generation} obj\n${object.body}\nendobj\n`
  }
  const xrefAt = pdf.byteLength + update.length
  update += 'xref\n'
  objects.forEach((object, index) => {
    const offset = String(offsets[index]).padStart(10, '0')
    const generation = String(object.ref.generation).padStart(5, '0')
    update += `${object.ref.number} 1\n${offset} ${generation} n \n`
  })
  const newTrailer = trailer.entries.filter(([key]) => key !== 'Size' && key !== 'Prev' && key !== 'Info')
  newTrailer.unshift(['Size', String(Math.max(size, info.number + 1))])
  newTrailer.push(['Info', `${info.number} ${info.generation} R`], ['Prev', String(previousXref)])
  update += `trailer\n${serializeDictionary(newTrailer)}\nstartxref\n${xrefAt}\n%%EOF\n`

  const out = new Uint8Array(pdf.byteLength + update.length)
  out.set(pdf, 0)
  out.set(Buffer.from(update, 'latin1'), pdf.byteLength)
  return out
}

interface Reference {
  readonly number: number
  readonly generation: number
}

type Entries = Array<[string, string]>

function unexpectedPdf(detail: string): PdfError {
  return new PdfError(
    `Cannot set PDF metadata: the PDF from Chromium has an unexpected layout (${detail}). ` +
      'A Chromium update may have changed its PDF writer; please report this with `chromium --version`.',
  )
}

function lookup(entries: Entries, key: string): string | undefined {
  return entries.find(([name]) => name === key)?.[1]
}

function setEntry(entries: Entries, key: string, value: string): void {
  const existing = entries.find(([name]) => name === key)
  if (existing) existing[1] = value
  else entries.push([key, value])
}

function parseReference(value: string | undefined): Reference | undefined {
  const match = value === undefined ? null : /^(\d+)\s+(\d+)\s+R$/.exec(value)
  if (match?.[1] === undefined || match[2] === undefined) return undefined
  return { number: Number(match[1]), generation: Number(match[2]) }
}

function readObjectDictionary(text: string, ref: Reference): Entries {
  // The last definition wins, as in a reader applying incremental updates.
  const pattern = new RegExp(`(?:^|[\\s>])${ref.number}\\s+${ref.generation}\\s+obj\\b`, 'g')
  let start = -1
  for (const match of text.matchAll(pattern)) start = match.index + match[0].length
  if (start === -1) throw unexpectedPdf(`object ${ref.number} not found`)
  return parseDictionaryAt(text, skipWhitespace(text, start)).entries
}

const whitespace = new Set(['\0', '\t', '\n', '\f', '\r', ' '])
const delimiters = new Set(['(', ')', '<', '>', '[', ']', '{', '}', '/', '%'])

function skipWhitespace(text: string, index: number): number {
  let i = index
  while (i < text.length) {
    const char = text[i] as string
    if (whitespace.has(char)) i++
    else if (char === '%') while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++
    else break
  }
  return i
}

function parseDictionaryAt(text: string, index: number): { entries: Entries; end: number } {
  if (!text.startsWith('<<', index)) throw unexpectedPdf(`expected a dictionary at byte ${index}`)
  const entries: Entries = []
  let i = index + 2
  for (;;) {
    i = skipWhitespace(text, i)
    if (text.startsWith('>>', i)) return { entries, end: i + 2 }
    if (text[i] !== '/') throw unexpectedPdf(`expected a name at byte ${i}`)
    const keyEnd = scanToken(text, i + 1)
    const key = text.slice(i + 1, keyEnd)
    const valueStart = skipWhitespace(text, keyEnd)
    const valueEnd = scanValue(text, valueStart)
    entries.push([key, text.slice(valueStart, valueEnd)])
    i = valueEnd
  }
}

function scanToken(text: string, index: number): number {
  let i = index
  while (i < text.length && !whitespace.has(text[i] as string) && !delimiters.has(text[i] as string)) i++
  return i
}

/** End index of the PDF object starting at `index`. */
function scanValue(text: string, index: number): number {
  const char = text[index]
  if (char === '(') {
    let depth = 0
    for (let i = index; i < text.length; i++) {
      const c = text[i]
      if (c === '\\') i++
      else if (c === '(') depth++
      else if (c === ')' && --depth === 0) return i + 1
    }
    throw unexpectedPdf('unterminated string')
  }
  if (char === '<' && text[index + 1] === '<') return parseDictionaryAt(text, index).end
  if (char === '<') {
    const end = text.indexOf('>', index)
    if (end === -1) throw unexpectedPdf('unterminated hex string')
    return end + 1
  }
  if (char === '[') {
    let i = index + 1
    for (;;) {
      i = skipWhitespace(text, i)
      if (i >= text.length) throw unexpectedPdf('unterminated array')
      if (text[i] === ']') return i + 1
      i = scanValue(text, i)
    }
  }
  if (char === '/') return scanToken(text, index + 1)
  const end = scanToken(text, index)
  if (end === index) throw unexpectedPdf(`unexpected byte at ${index}`)
  // An indirect reference is three tokens: `12 0 R`.
  const reference = /^\s+\d+\s+R(?![^\s()<>[\]{}/%])/.exec(text.slice(end, end + 32))
  if (/^\d+$/.test(text.slice(index, end)) && reference) return end + reference[0].length
  return end
}

function serializeDictionary(entries: Entries): string {
  return `<<${entries.map(([key, value]) => `/${key} ${value}`).join('\n')}>>`
}

/** A PDF text string: literal if printable ASCII, else UTF-16BE with a byte order mark. */
function pdfTextString(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return `(${value.replace(/[\\()]/g, '\\$&')})`
  let hex = 'FEFF'
  for (let i = 0; i < value.length; i++) hex += value.charCodeAt(i).toString(16).padStart(4, '0').toUpperCase()
  return `<${hex}>`
}
