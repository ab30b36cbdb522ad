/**
 * Test helpers around poppler-utils (pdftotext, pdffonts, pdfinfo, pdftohtml):
 * assert on what a PDF says, never on its bytes.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * Run a poppler tool as `tool ...args <file> ...after` on the PDF (written to a
 * temp file); returns stdout and stderr. Rejects when the tool exits non-zero.
 */
export async function runPoppler(
  tool: string,
  args: readonly string[],
  pdf: Uint8Array,
  after: readonly string[] = [],
): Promise<{ stdout: string; stderr: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pressroom-pdf-test-'))
  try {
    const file = path.join(dir, 'doc.pdf')
    await writeFile(file, pdf)
    const { stdout, stderr } = await run(tool, [...args, file, ...after], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    return { stdout, stderr }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The PDF's text (pdftotext, UTF-8). Pages are separated by form feeds (`\f`). */
export async function pdfText(pdf: Uint8Array, options?: { readonly layout?: boolean }): Promise<string> {
  const args = ['-enc', 'UTF-8', ...(options?.layout ? ['-layout'] : [])]
  return (await runPoppler('pdftotext', args, pdf, ['-'])).stdout
}

/** Text of each page, in order. */
export async function pdfPageTexts(pdf: Uint8Array): Promise<string[]> {
  const pages = (await pdfText(pdf)).split('\f')
  // pdftotext ends the last page with a form feed too.
  if (pages.at(-1)?.trim() === '') pages.pop()
  return pages
}

/** One row of `pdffonts`. */
export interface PdfFont {
  /** e.g. `AAAAAA+PTSerif-Regular`; `[none]` for unnamed Type 3 fonts. */
  readonly name: string
  /** Name without the subset prefix, e.g. `PTSerif-Regular`. */
  readonly baseName: string
  readonly type: string
  readonly encoding: string
  readonly embedded: boolean
  readonly subset: boolean
  readonly unicode: boolean
}

/** Fonts used by the PDF, as pdffonts lists them. */
export async function pdfFonts(pdf: Uint8Array): Promise<PdfFont[]> {
  const { stdout } = await runPoppler('pdffonts', [], pdf)
  const lines = stdout.split('\n')
  const rule = lines[1] ?? ''
  // Column bounds come from the dashed rule line, since names and types contain spaces.
  const columns: Array<[number, number]> = []
  for (const match of rule.matchAll(/-+/g)) columns.push([match.index, match.index + match[0].length])
  return lines
    .slice(2)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const cells = columns.map(([start, end], index) => (index === columns.length - 1 ? line.slice(start) : line.slice(start, end)).trim())
      const name = cells[0] ?? ''
      return {
        name,
        baseName: name.replace(/^[A-Z]{6}\+/, ''),
        type: cells[1] ?? '',
        encoding: cells[2] ?? '',
        embedded: cells[3] === 'yes',
        subset: cells[4] === 'yes',
        unicode: cells[5] === 'yes',
      }
    })
}

/** What pdfinfo reports: its fields (Title, Author, Pages, …) and any warnings on stderr. */
export interface PdfInfo {
  readonly fields: Readonly<Record<string, string>>
  readonly pages: number
  /** Poppler prints syntax errors (e.g. a broken xref) here; a sound PDF gives ''. */
  readonly stderr: string
}

/** Document information (pdfinfo, UTF-8). */
export async function pdfInfo(pdf: Uint8Array): Promise<PdfInfo> {
  const { stdout, stderr } = await runPoppler('pdfinfo', ['-enc', 'UTF-8'], pdf)
  const fields: Record<string, string> = {}
  for (const line of stdout.split('\n')) {
    const match = /^([A-Za-z ]+):\s*(.*)$/.exec(line)
    if (match?.[1] !== undefined && match[2] !== undefined) fields[match[1]] = match[2]
  }
  return { fields, pages: Number(fields['Pages']), stderr }
}

/** The logical structure tree of a tagged PDF (`pdfinfo -struct`); '' when untagged. */
export async function pdfStructure(pdf: Uint8Array): Promise<string> {
  return (await runPoppler('pdfinfo', ['-struct'], pdf)).stdout
}

/** Outline (bookmark) titles, depth-first, from `pdftohtml -xml`. */
export async function pdfOutline(pdf: Uint8Array): Promise<string[]> {
  const { stdout } = await runPoppler('pdftohtml', ['-xml', '-i', '-q', '-stdout', '-enc', 'UTF-8'], pdf)
  return [...stdout.matchAll(/<item\b[^>]*>([^<]*)<\/item>/g)].map((match) => decodeXml(match[1] ?? ''))
}

/**
 * The catalog's `/Lang`, read the way a reader applies incremental updates:
 * `/Root` from the last trailer, then the last definition of that object.
 * Poppler's tools do not print it. Handles only uncompressed catalogs (what
 * Chromium writes).
 */
export function pdfCatalogLang(pdf: Uint8Array): string | undefined {
  const text = Buffer.from(pdf).toString('latin1')
  const roots = [...text.matchAll(/trailer\s*<<[\s\S]*?\/Root\s+(\d+)\s+(\d+)\s+R/g)]
  const root = roots.at(-1)
  if (root === undefined) return undefined
  const objects = [...text.matchAll(new RegExp(`(?:^|\\s)${root[1]}\\s+${root[2]}\\s+obj\\s*<<([\\s\\S]*?)endobj`, 'g'))]
  const body = objects.at(-1)?.[1]
  if (body === undefined) return undefined
  const literal = /\/Lang\s*\(([^)]*)\)/.exec(body)
  if (literal) return literal[1]
  const hex = /\/Lang\s*<([0-9A-Fa-f]*)>/.exec(body)
  if (hex?.[1] === undefined) return undefined
  const bytes = Buffer.from(hex[1], 'hex')
  return bytes[0] === 0xfe && bytes[1] === 0xff ? bytes.subarray(2).swap16().toString('utf16le') : bytes.toString('latin1')
}

function decodeXml(value: string): string {
  return value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}
