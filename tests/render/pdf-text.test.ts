/**
 * Copyable PDF text (issue 14, part 4): the text pdftotext and pdf.js
 * extract from every PDF of the sample office equals the page's words in
 * order, in both languages — no soft hyphens, no letter-spaced capitals, no
 * split words, no stray or missing spaces — and outline titles keep the
 * spaces where a heading wraps. Needs Chromium and poppler-utils.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fromParse5 } from 'hast-util-from-parse5'
import { toText } from 'hast-util-to-text'
import type { Element, ElementContent, Root } from 'hast'
import { parse } from 'parse5'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadOffice, type Office } from '../../src/office.js'
import { printJob } from '../../src/render/print-job.js'
import { typesetHeadings } from '../../src/render/view-model.js'
import { buildInProcess, copySampleOffice, removeOffices } from '../helpers/office.js'
import { pdfText } from '../helpers/pdf-tools.js'

let dir: string
let office: Office
const pdfs: Array<{ slug: string; lng: string; file: string }> = []

beforeAll(async () => {
  dir = await copySampleOffice()
  const report = await buildInProcess(dir, '2026-07-01T00:00:00Z', true)
  expect(report.pdfs.rendered).toBeGreaterThanOrEqual(5)
  office = (await loadOffice(dir, { env: {} })).office!
  for (const { slug, languages } of report.published) {
    for (const lng of languages) pdfs.push({ slug, lng, file: path.join(dir, 'dist', lng, slug, `${slug}.${lng}.pdf`) })
  }
}, 180_000)

afterAll(removeOffices)

/** Elements of a HAST tree, depth first. */
function* elements(node: Root | Element): Generator<Element> {
  for (const child of node.children as ElementContent[]) {
    if (child.type === 'element') {
      yield child
      yield* elements(child)
    }
  }
}

/** The words the print HTML shows, as the print CSS lays them out: links followed by " (url)", list numbers. */
function pageWords(html: string): string[] {
  const tree = fromParse5(parse(html)) as Root
  const body = [...elements(tree)].find((e) => e.tagName === 'body')!
  for (const element of elements(body)) {
    const href = element.properties?.['href']
    // print.css: `.prose a[href^='http']::after { content: ' (' attr(href) ')' }`
    if (element.tagName === 'a' && typeof href === 'string' && href.startsWith('http'))
      element.children.push({ type: 'text', value: ` (${href})` })
    if (element.tagName === 'ol') {
      let n = 0
      for (const li of element.children)
        if (li.type === 'element' && li.tagName === 'li') li.children.unshift({ type: 'text', value: `${++n}. ` })
    }
  }
  return words(toText(body))
}

/** Words, compared without case (print CSS capitalizes labels), with every kind of space a space. */
function words(text: string): string[] {
  return text
    .replace(/\u00ad/g, '')
    .toLowerCase()
    .split(/[\s\u00a0\u202f]+/u)
    .filter((w) => w !== '')
}

/** Drop the running header (page 2 on) and the page counter, which are @page margin boxes, not page text. */
function withoutMargins(text: string, header: string): string {
  return text
    .split('\n')
    .filter((line) => !/^(Page \d+ of \d+|Страница \d+ из \d+)$/.test(line.trim()) && line.trim() !== header.toUpperCase())
    .join('\n')
}

async function pdfjsText(data: Uint8Array): Promise<{ text: string; outline: string[] }> {
  const doc = await getDocument({ data, isEvalSupported: false, useSystemFonts: false }).promise
  let text = ''
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent()
    for (const item of content.items) if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '')
    text += '\n'
  }
  const outline: string[] = []
  const walk = (items: Awaited<ReturnType<typeof doc.getOutline>> | undefined) => {
    for (const item of items ?? []) {
      outline.push(item.title)
      walk(item.items)
    }
  }
  walk(await doc.getOutline())
  await doc.destroy()
  // A hyphen drawn where a line breaks inside a word joins the word again (pdftotext does this itself).
  return { text: text.replace(/-\n(?=\p{Ll})/gu, ''), outline }
}

describe('text extracted from every PDF of the sample office equals the page', () => {
  test('pdftotext and pdf.js, every PDF, both languages', async () => {
    expect(pdfs.map((p) => p.lng).sort()).toEqual(['en', 'en', 'en', 'ru', 'ru'])
    for (const { slug, lng, file } of pdfs) {
      const release = office.releases.find((r) => r.slug === slug)!
      const expected = pageWords(printJob(office, release, lng, { embargoed: false }).html)
      const header = office.translator.forLng(lng)('org.name')
      const bytes = new Uint8Array(await readFile(file))
      const poppler = await pdfText(bytes)
      expect(poppler, `${slug}.${lng}: soft hyphens in pdftotext`).not.toContain('\u00ad')
      expect(words(withoutMargins(poppler, header)), `${slug}.${lng} (pdftotext)`).toEqual(expected)
      const pdfjs = await pdfjsText(bytes)
      expect(pdfjs.text, `${slug}.${lng}: soft hyphens in pdf.js`).not.toContain('\u00ad')
      expect(words(withoutMargins(pdfjs.text, header)), `${slug}.${lng} (pdf.js)`).toEqual(expected)
    }
  }, 120_000)

  test('outline titles keep the space where a heading wraps', async () => {
    for (const { slug, lng, file } of pdfs) {
      const release = office.releases.find((r) => r.slug === slug)!
      const { outline } = await pdfjsText(new Uint8Array(await readFile(file)))
      const title = typesetHeadings(office.config, release.texts[lng]!).title
      // The h1's bookmark: its words with their spaces (Chromium joined the lines without one).
      expect(words(outline[0]!), `${slug}.${lng}`).toEqual(words(title))
    }
  }, 60_000)
})
