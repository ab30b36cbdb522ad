/**
 * Make the text of a Chromium PDF copy as the page reads. Two fixes, applied
 * as one incremental update (PDF 32000-1 §7.5.6; Chromium's bytes stay):
 *
 * - Soft hyphens. Skia writes each letter that precedes a soft hyphen with an
 *   `/ActualText` of the letter *and* U+00AD, so every copy of the text (and
 *   pdftotext, pdf.js) carries hundreds of invisible hyphens inside words.
 *   The U+00AD is dropped from those ActualText strings; a hyphen drawn where
 *   a line breaks stays a hyphen, which readers join across the line.
 * - Outline titles. Chromium builds each bookmark from the heading's lines
 *   and drops the space where a heading wraps ("загрязнениереки"); the
 *   spaces are put back from the heading text in the HTML.
 */
import { deflateSync, inflateSync } from 'node:zlib'

interface PdfObject {
  readonly number: number
  readonly generation: number
  /** Offset of the object's dictionary (after `N G obj`). */
  readonly start: number
  /** Offset just before `endobj`. */
  readonly end: number
}

/** The last definition of every object (a reader applies incremental updates the same way). */
function objectsOf(text: string): Map<number, PdfObject> {
  const out = new Map<number, PdfObject>()
  for (const match of text.matchAll(/(?:^|[\r\n])(\d+) (\d+) obj\b/g)) {
    const start = match.index + match[0].length
    const end = text.indexOf('endobj', start)
    if (end === -1) continue
    out.set(Number(match[1]), { number: Number(match[1]), generation: Number(match[2]), start, end })
  }
  return out
}

const hexUnits = (hex: string): string[] => hex.match(/[0-9A-Fa-f]{4}/g) ?? []
const hexString = (units: readonly string[]): string => `<${units.join('')}>`

/** `<FEFF…>` UTF-16BE → string. */
function decodeHex(hex: string): string {
  const units = hexUnits(hex)
  if (units[0]?.toUpperCase() !== 'FEFF') return ''
  return String.fromCharCode(...units.slice(1).map((u) => parseInt(u, 16)))
}

function encodeHex(text: string): string {
  return hexString([
    'FEFF',
    ...[...text].flatMap((c) => {
      const code = c.codePointAt(0)!
      if (code <= 0xffff) return [code.toString(16).padStart(4, '0').toUpperCase()]
      const v = code - 0x10000
      return [(0xd800 + (v >> 10)).toString(16).toUpperCase(), (0xdc00 + (v & 0x3ff)).toString(16).toUpperCase()]
    }),
  ])
}

/** Drop U+00AD from every `/ActualText <FEFF…>` of a content stream; undefined when there was none. */
export function dropSoftHyphens(content: string): string | undefined {
  let changed = false
  const out = content.replace(/\/ActualText\s*<(FEFF[0-9A-Fa-f\s]*)>/g, (all, hex: string) => {
    const units = hexUnits(hex)
    const kept = units.filter((unit, index) => index === 0 || unit.toUpperCase() !== '00AD')
    if (kept.length === units.length) return all
    changed = true
    return `/ActualText ${hexString(kept)}`
  })
  return changed ? out : undefined
}

/**
 * A bookmark title with the spaces of its heading put back: the title's
 * characters (in its case, which may be text-transformed) with the
 * heading's whitespace, when both have the same non-space characters.
 *
 * @param title The outline title Chromium wrote.
 * @param headings Heading texts of the document.
 * @returns The repaired title, or undefined when no heading matches or nothing changes.
 */
export function repairTitle(title: string, headings: readonly string[]): string | undefined {
  const squeeze = (s: string) => s.replace(/\s+/g, '').toLowerCase()
  const key = squeeze(title)
  const heading = headings.find((h) => squeeze(h) === key)
  if (heading === undefined) return undefined
  const letters = [...title.replace(/\s+/g, '')]
  let k = 0
  let out = ''
  for (const c of heading.replace(/\s+/g, ' ').trim()) out += /\s/.test(c) ? ' ' : (letters[k++] ?? c)
  return out === title ? undefined : out
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', shy: '\u00ad' }

/**
 * The text of every h1–h6 of an HTML document, soft hyphens removed.
 *
 * @param html The print template's output.
 * @returns Heading texts in document order.
 */
export function headingsOf(html: string): string[] {
  return [...html.matchAll(/<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1>/gi)].map((match) =>
    match[2]!
      .replace(/<[^>]*>/g, '')
      .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, name: string) => {
        if (name[0] === '#')
          return String.fromCodePoint(name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1)))
        return entities[name] ?? all
      })
      .replace(/\u00ad/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
  )
}

/**
 * Fix the text layer of a PDF written by Chromium: soft hyphens out of
 * ActualText, spaces back into outline titles.
 *
 * @param pdf The PDF as Chromium wrote it.
 * @param headings The document's heading texts ({@link headingsOf}).
 * @returns The PDF with an incremental update, or the input when there was nothing to fix.
 */
export function cleanPdfText(pdf: Uint8Array, headings: readonly string[]): Uint8Array {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength)
  const text = bytes.toString('latin1')
  const tail = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text.slice(-1024))
  const trailerAt = text.lastIndexOf('trailer')
  const trailer = trailerAt === -1 ? undefined : /<<([\s\S]*?)>>\s*startxref/.exec(text.slice(trailerAt))?.[1]
  if (tail?.[1] === undefined || trailer === undefined) return pdf
  const objects = objectsOf(text)
  const replaced: Array<{ object: PdfObject; body: string }> = []
  for (const object of objects.values()) {
    const source = text.slice(object.start, object.end)
    const dictEnd = source.indexOf('stream')
    if (dictEnd !== -1) {
      // Content streams: `<</Filter /FlateDecode /Length N>>` (fonts carry /Length1 or /Subtype).
      const dict = source.slice(0, dictEnd)
      if (!/\/FlateDecode/.test(dict) || /\/Length1|\/Subtype|\/Type/.test(dict)) continue
      const length = Number(/\/Length (\d+)/.exec(dict)?.[1])
      let dataStart = object.start + dictEnd + 'stream'.length
      if (text[dataStart] === '\r') dataStart++
      if (text[dataStart] === '\n') dataStart++
      if (!Number.isInteger(length)) continue
      let content: string
      try {
        content = inflateSync(bytes.subarray(dataStart, dataStart + length)).toString('latin1')
      } catch {
        continue
      }
      if (!content.includes('ActualText')) continue
      const fixed = dropSoftHyphens(content)
      if (fixed === undefined) continue
      const data = deflateSync(Buffer.from(fixed, 'latin1')).toString('latin1')
      replaced.push({ object, body: `<</Filter /FlateDecode /Length ${data.length}>>\nstream\n${data}\nendstream\n` })
    } else if (/\/Title\s*</.test(source) && /\/(Dest|Parent)\b/.test(source)) {
      const body = source.replace(/\/Title\s*<([0-9A-Fa-f\s]+)>/, (all, hex: string) => {
        const title = decodeHex(hex)
        const repaired = title === '' ? undefined : repairTitle(title, headings)
        return repaired === undefined ? all : `/Title ${encodeHex(repaired)}`
      })
      if (body !== source) replaced.push({ object, body: `${body.trim()}\n` })
    }
  }
  if (replaced.length === 0) return pdf
  replaced.sort((a, b) => a.object.number - b.object.number)
  let update = text.endsWith('\n') ? '' : '\n'
  const offsets: number[] = []
  for (const { object, body } of replaced) {
    offsets.push(pdf.byteLength + update.length)
    update += `${object.number} ${object.generation} obj\n${body}endobj\n`
  }
  const xrefAt = pdf.byteLength + update.length
  update += 'xref\n'
  replaced.forEach(({ object }, index) => {
    update += `${object.number} 1\n${String(offsets[index]).padStart(10, '0')} ${String(object.generation).padStart(5, '0')} n \n`
  })
  const kept = trailer.replace(/\/Prev\s+\d+/, '').trim()
  update += `trailer\n<<${kept}\n/Prev ${tail[1]}>>\nstartxref\n${xrefAt}\n%%EOF\n`
  const out = new Uint8Array(pdf.byteLength + update.length)
  out.set(pdf, 0)
  out.set(Buffer.from(update, 'latin1'), pdf.byteLength)
  return out
}

/**
 * How much each page draws: the inflated size of its content streams, in
 * page order. A rough measure of how full a page is (text dominates).
 *
 * @param pdf A PDF written by Chromium.
 * @returns One number per page (empty when the layout is not recognised).
 */
export function pageWeights(pdf: Uint8Array): number[] {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength)
  const text = bytes.toString('latin1')
  const objects = objectsOf(text)
  const body = (n: number) => {
    const object = objects.get(n)
    return object ? text.slice(object.start, object.end) : ''
  }
  const refs = (value: string) => [...value.matchAll(/(\d+)\s+\d+\s+R/g)].map((m) => Number(m[1]))
  const pages = [...objects.values()].map((o) => text.slice(o.start, o.end)).find((b) => /\/Type\s*\/Pages\b/.test(b))
  const kids = pages === undefined ? undefined : /\/Kids\s*\[([^\]]*)\]/.exec(pages)?.[1]
  if (kids === undefined) return []
  return refs(kids).map((page) => {
    const contents = /\/Contents\s*(\[[^\]]*\]|\d+\s+\d+\s+R)/.exec(body(page))?.[1] ?? ''
    let size = 0
    for (const ref of refs(contents)) {
      const object = objects.get(ref)
      if (!object) continue
      const source = body(ref)
      const dictEnd = source.indexOf('stream')
      const length = Number(/\/Length (\d+)/.exec(source.slice(0, dictEnd))?.[1])
      let start = object.start + dictEnd + 'stream'.length
      if (text[start] === '\r') start++
      if (text[start] === '\n') start++
      try {
        size += /FlateDecode/.test(source.slice(0, dictEnd)) ? inflateSync(bytes.subarray(start, start + length)).length : length
      } catch {
        size += length
      }
    }
    return size
  })
}
