/**
 * Page breaks in PDFs (issue 14, part 3), on real renders: a paragraph that
 * introduces a list never ends a page without the list's first item; a page
 * 2 that would hold only a few lines of contacts and boilerplate is avoided
 * by the tighter setting; body text is hyphenated (soft hyphens, Russian
 * patterns) and headings and names are not. Needs Chromium and poppler-utils.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadOffice, type Office } from '../../src/office.js'
import { findChromium } from '../../src/render/find-chromium.js'
import { createPdfRenderer, type PdfRenderer } from '../../src/render/pdf.js'
import { hyphenateWord } from '../../src/render/hyphenate.js'
import { pageWeights } from '../../src/render/pdf-text.js'
import { printJob } from '../../src/render/print-job.js'
import { copySampleOffice, removeOffices } from '../helpers/office.js'
import { pdfPageTexts } from '../helpers/pdf-tools.js'

const sentence = 'Наблюдатели проверили подачу и качество воды в каждом из четырёх жилых корпусов и опросили заключённых. '
const leadIn = 'Мониторинговая группа призывает региональное управление:'
const variants = Array.from({ length: 12 }, (_, n) => n)
const short = Array.from({ length: 16 }, (_, n) => 8 + n * 2)

let office: Office
let renderer: PdfRenderer

/** A ru release: paragraphs of `sentence`, then (optionally) a lead-in and its list. */
function release(slug: string, paragraphs: readonly number[], withList: boolean): string {
  const body = paragraphs.map((n) => sentence.repeat(n).trim())
  if (withList)
    body.push(
      leadIn,
      '- завершить ремонт до 31 марта;\n- обеспечить корпуса питьевой водой;\n- сократить число содержащихся.',
      sentence.trim(),
    )
  return `---\ntitle: Проверка ${slug.slice(-2)}\ndate: 2026-03-02\nsource: ru\ncontacts:\n  - { name: Нина Орлова, role: пресс-секретарь, email: press.ru@example.org }\nstatus: ready\n---\n\n${body.join('\n\n')}\n`
}

beforeAll(async () => {
  const dir = await copySampleOffice()
  for (const n of variants) {
    const slug = `2026-03-02-lead-in-${String(n).padStart(2, '0')}`
    await mkdir(path.join(dir, 'releases', slug), { recursive: true })
    await writeFile(path.join(dir, 'releases', slug, 'ru.md'), release(slug, [6, 6, 5, 2 + n], true))
  }
  for (const n of short) {
    const slug = `2026-03-02-short-${String(n).padStart(2, '0')}`
    await mkdir(path.join(dir, 'releases', slug), { recursive: true })
    await writeFile(path.join(dir, 'releases', slug, 'ru.md'), release(slug, [n, 4], false))
  }
  const loaded = await loadOffice(dir, { env: {} })
  expect(loaded.messages.filter((m) => m.fatal).map(String)).toEqual([])
  office = loaded.office!
  renderer = await createPdfRenderer({ executablePath: findChromium(undefined, process.env), timeoutMs: 60_000 })
}, 60_000)

afterAll(async () => {
  await renderer?.close()
  await removeOffices()
})

const render = (slug: string) =>
  renderer.render(
    printJob(
      office,
      office.releases.find((r) => r.slug === slug)!,
      'ru',
      { embargoed: false },
    ),
  )
const lines = (page: string) =>
  page
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Страница \d+ из \d+$/.test(l))

describe('page breaks', () => {
  test('a lead-in paragraph never ends a page without the first item of its list', async () => {
    let split = 0
    for (const n of variants) {
      const pages = await pdfPageTexts((await render(`2026-03-02-lead-in-${String(n).padStart(2, '0')}`)).pdf)
      const at = pages.findIndex((page) => page.includes(leadIn))
      expect(at, `variant ${n}`).toBeGreaterThan(-1)
      const onPage = lines(pages[at]!)
      const after = onPage[onPage.indexOf(leadIn) + 1]
      if (at === 0 && pages.length > 1) split++
      expect(after, `variant ${n}: the line after the lead-in`).toBe('завершить ремонт до 31 марта;')
    }
    // Some variants put the lead-in on page 1, some carry it to page 2: the rule was exercised.
    expect(split).toBeGreaterThan(0)
    expect(split).toBeLessThan(variants.length)
  }, 120_000)

  test('a short page 2 of contacts and boilerplate is avoided by the tighter setting', async () => {
    let tightened = 0
    for (const n of short) {
      const result = await render(`2026-03-02-short-${String(n).padStart(2, '0')}`)
      const weights = pageWeights(result.pdf)
      if (result.tightened) {
        tightened++
        expect(weights.length, `variant ${n}`).toBe(1)
      }
      // What is left on two pages has a page 2 worth printing.
      if (weights.length === 2) expect(weights[1]! / weights[0]!, `variant ${n}`).toBeGreaterThan(0.2)
    }
    expect(tightened).toBeGreaterThan(0)
  }, 120_000)

  test('body text is hyphenated in the PDF; headings and names are not', async () => {
    const result = await render('2026-03-02-lead-in-00')
    const job = printJob(
      office,
      office.releases.find((r) => r.slug === '2026-03-02-lead-in-00')!,
      'ru',
      { embargoed: false },
    )
    const word = hyphenateWord('заключённых', 'ru')
    expect(word).toContain('\u00ad')
    expect(job.html).toContain(word)
    // A capitalised word (a name, or a sentence's first word) is left whole.
    expect(job.html).toContain('Наблюдатели')
    expect(job.html).toContain('<strong class="contact__name">Нина Орлова</strong>')
    expect(job.html).toMatch(/<h1[^>]*>Проверка.00<\/h1>/)
    const pages = await pdfPageTexts(result.pdf)
    // Lines that end inside a word end with a hyphen; the extracted text has no soft hyphens.
    expect(pages.join('')).not.toContain('\u00ad')
  }, 60_000)
})
