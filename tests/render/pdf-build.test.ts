/**
 * PDFs through the whole build (issue 3): `press build` writes one PDF per
 * published release and language, linked from the page; `--no-pdf` skips
 * them; the embargoed render used for email lives in .press/ with the
 * notice on every page; Letter by config. Real Chromium, poppler checks.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadOffice, type Office } from '../../src/office.js'
import { ensurePdf } from '../../src/distribute/content.js'
import { createPdfRenderer, type PdfRenderer } from '../../src/render/pdf.js'
import { findChromium } from '../../src/render/find-chromium.js'
import { copySampleOffice, listFiles, removeOffices, runPress } from '../helpers/office.js'
import { pdfFonts, pdfInfo, pdfPageTexts, pdfText } from '../helpers/pdf-tools.js'

const embargoed = '2031-06-10-annual-report-2030'
const lift = '2031-06-10T13:00:00Z'

let office: string
beforeAll(async () => {
  office = await copySampleOffice()
})
afterAll(removeOffices)

describe('press build with PDFs', () => {
  test('every published release and language gets a PDF, linked from its page', async () => {
    const run = await runPress(['build', '-C', office, '--now', lift, '--json'])
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as { pdfs: { rendered: number } }
    const files = (await listFiles(path.join(office, 'dist'))).filter((f) => f.endsWith('.pdf'))
    // 4 releases are published at the lift: 3 in en+ru and 1 English only.
    expect(files.sort()).toEqual(
      [
        'en/2026-01-27-lirsk-remand-centre/2026-01-27-lirsk-remand-centre.en.pdf',
        'en/2026-05-12-river-sampling/2026-05-12-river-sampling.en.pdf',
        'en/2026-06-08-human-rights-council-briefing/2026-06-08-human-rights-council-briefing.en.pdf',
        `en/${embargoed}/${embargoed}.en.pdf`,
        'ru/2026-01-27-lirsk-remand-centre/2026-01-27-lirsk-remand-centre.ru.pdf',
        'ru/2026-05-12-river-sampling/2026-05-12-river-sampling.ru.pdf',
        `ru/${embargoed}/${embargoed}.ru.pdf`,
      ].sort(),
    )
    expect(report.pdfs.rendered).toBe(files.length)

    const page = await readFile(path.join(office, 'dist/ru/2026-05-12-river-sampling/index.html'), 'utf8')
    expect(page).toMatch(/href="2026-05-12-river-sampling\.ru\.pdf"[^>]*>[^<]*Скачать PDF/)

    const pdf = await readFile(path.join(office, 'dist/ru/2026-05-12-river-sampling/2026-05-12-river-sampling.ru.pdf'))
    const text = await pdfText(pdf)
    expect(text).toContain('Пробы воды выявили загрязнение')
    const info = await pdfInfo(pdf)
    expect(info.pages).toBeGreaterThanOrEqual(2)
    expect(text).toContain(`Страница 1 из ${info.pages}`)
    expect(text).toContain(`Страница ${info.pages} из ${info.pages}`)
    expect(info.fields['Author']).toBe('Правозащитный мониторинг «Родник»')
    expect(info.fields['Title']).toContain('Пробы воды')
    expect(text).not.toContain('ЭМБАРГО')
    const fonts = await pdfFonts(pdf)
    expect(fonts.length).toBeGreaterThan(0)
    expect(fonts.every((f) => f.embedded)).toBe(true)
    expect(new Set(fonts.map((f) => f.baseName.split('-')[0]))).toEqual(new Set(['PTSans', 'PTSerif']))

    const en = await pdfText(await readFile(path.join(office, 'dist/en/2026-05-12-river-sampling/2026-05-12-river-sampling.en.pdf')))
    expect(en).toMatch(/Page 1 of \d/)
    expect(en).toContain('###')
  })

  test('a second build renders no PDF; --no-pdf writes none', async () => {
    const again = await runPress(['build', '-C', office, '--now', lift, '--json'])
    expect((JSON.parse(again.stdout) as { pdfs: { rendered: number; reused: number } }).pdfs).toEqual({ rendered: 0, reused: 7 })
    const none = await runPress(['build', '-C', office, '--now', lift, '--no-pdf'])
    expect(none.code, none.stderr).toBe(0)
    expect((await listFiles(path.join(office, 'dist'))).filter((f) => f.endsWith('.pdf'))).toEqual([])
    const page = await readFile(path.join(office, 'dist/en/2026-05-12-river-sampling/index.html'), 'utf8')
    expect(page).not.toContain('.pdf')
  })

  test('Letter by config', async () => {
    const run = await runPress(['build', '-C', office, '--now', lift, '--only', '2026-05-12-river-sampling'], {
      PRESS_PDF_FORMAT: 'Letter',
    })
    expect(run.code, run.stderr).toBe(0)
    const info = await pdfInfo(await readFile(path.join(office, 'dist/en/2026-05-12-river-sampling/2026-05-12-river-sampling.en.pdf')))
    expect(info.fields['Page size']).toMatch(/^612 x 792 pts/)
  })
})

describe('the embargoed render', () => {
  let loaded: Office
  let renderer: Promise<PdfRenderer> | undefined
  beforeAll(async () => {
    const result = await loadOffice(office, { env: process.env })
    loaded = result.office!
  })
  afterAll(async () => {
    if (renderer) await (await renderer).close()
  })

  test('lives under .press/, not dist/, with the notice on every page', async () => {
    const pdfPath = await ensurePdf(
      loaded,
      () => (renderer ??= createPdfRenderer({ executablePath: findChromium(undefined, process.env) })),
      embargoed,
      'ru',
      true,
    )
    expect(path.relative(office, pdfPath).startsWith('.press')).toBe(true)
    const pages = await pdfPageTexts(await readFile(pdfPath))
    expect(pages.length).toBeGreaterThanOrEqual(2)
    for (const page of pages) expect(page.toLowerCase()).toContain('эмбарго до 09:00 (edt), 10 июня 2031 г. (13:00 utc, 16:00 мск)')
    // Nothing embargoed under dist/ before the lift.
    const before = await runPress(['build', '-C', office, '--now', '2031-06-10T12:59:59Z'])
    expect(before.code, before.stderr).toBe(0)
    const dist = await listFiles(path.join(office, 'dist'))
    expect(dist.filter((f) => f.includes(embargoed))).toEqual([])
    expect(await readdir(path.join(office, 'dist'))).not.toContain(embargoed)
  })
})

describe('a release that points at the network', () => {
  test('the PDF build makes no request and warns with the file and line', async () => {
    let requests = 0
    const canary = createServer((_req, res) => {
      requests++
      res.end('x')
    })
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve))
    const port = (canary.address() as AddressInfo).port
    try {
      const dir = await copySampleOffice()
      const file = path.join(dir, 'releases/2026-05-12-river-sampling/en.md')
      const source = await readFile(file, 'utf8')
      await writeFile(file, `${source}\n![chart](http://127.0.0.1:${port}/chart.png)\n\n<img src="file:///etc/passwd">\n`)
      const run = await runPress(['build', '-C', dir, '--only', '2026-05-12-river-sampling'])
      expect(run.code, run.stderr).toBe(0)
      expect(requests).toBe(0)
      const line = source.split('\n').length + 1
      expect(run.stderr).toContain(
        `releases/2026-05-12-river-sampling/en.md:${line}:10: warning: the PDF did not load http://127.0.0.1:${port}/chart.png`,
      )
      const text = await pdfText(await readFile(path.join(dir, 'dist/en/2026-05-12-river-sampling/2026-05-12-river-sampling.en.pdf')))
      expect(text).not.toContain('root:')
    } finally {
      canary.close()
    }
  })
})
