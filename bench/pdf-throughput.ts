/**
 * Throughput of the PDF renderer against the simplest fast baseline: one
 * shared browser, 4 pages, each doing `page.setContent` + `page.pdf` on the
 * same HTML, with no interception, no lock-down and no metadata step.
 *
 * Run: npx tsc -p tsconfig.json && node build/bench/pdf-throughput.js [renders-per-round] [rounds]
 * Prints docs/second for both and the ratio (target: renderer >= 0.85 x raw).
 */
import os from 'node:os'
import puppeteer, { type Page } from 'puppeteer'
import { findChromium } from '../src/render/find-chromium.js'
import { createPdfRenderer, type PdfJob } from '../src/render/pdf.js'

const concurrency = 4
const perRound = Number(process.argv[2] ?? 80)
const rounds = Number(process.argv[3] ?? 3)

const paragraph =
  'The foundation’s annual survey of 340 wells shows that the quality of drinking water in the region improved by ' +
  'twelve per cent. Качество питьевой воды в регионе улучшилось на двенадцать процентов. '
/** A plain 2-page A4 release with page-number margin boxes and system fonts (the baseline cannot serve web fonts). */
const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Benchmark release</title>
<style>
@page { size: A4; margin: 22mm 20mm; @bottom-right { content: "Page " counter(page) " of " counter(pages) } }
body { font-family: serif; font-size: 11pt; line-height: 1.45 }
</style></head>
<body><h1>Water quality improves for the third year running</h1>
${Array.from({ length: 16 }, () => `<p>${paragraph.repeat(2)}</p>`).join('\n')}
</body></html>`

const pdfOptions = {
  format: 'A4',
  preferCSSPageSize: true,
  printBackground: true,
  tagged: true,
  outline: true,
} as const

async function measure(label: string, count: number, renderOne: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++
      await renderOne()
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = (performance.now() - started) / 1000
  const rate = count / seconds
  console.log(`${label.padEnd(10)} ${count} PDFs in ${seconds.toFixed(2)} s = ${rate.toFixed(1)} docs/s`)
  return rate
}

async function main(): Promise<void> {
  const executablePath = findChromium(undefined, process.env)
  console.log(`${executablePath}, ${os.availableParallelism()} CPUs, ${concurrency} pages, ${perRound} renders per round, ${rounds} rounds`)

  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    pipe: true,
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
  const renderer = await createPdfRenderer({ executablePath, concurrency })
  try {
    const pages: Page[] = await Promise.all(Array.from({ length: concurrency }, () => browser.newPage()))
    const free = [...pages]
    const raw = async (): Promise<void> => {
      const page = free.pop()
      if (page === undefined) throw new Error('no free page')
      try {
        await page.setContent(html, { waitUntil: 'load' })
        await page.pdf(pdfOptions)
      } finally {
        free.push(page)
      }
    }
    const job: PdfJob = {
      html,
      mounts: {},
      format: 'A4',
      metadata: { title: 'Benchmark release', author: 'Pressroom', subject: 'Benchmark', lang: 'en' },
      label: 'bench/pdf-throughput',
    }
    const ours = (): Promise<unknown> => renderer.render(job)

    // Warm up both: page creation, font caches, JIT.
    await measure('warm raw', concurrency * 2, raw)
    await measure('warm ours', concurrency * 2, ours)

    const ratios: number[] = []
    for (let round = 1; round <= rounds; round++) {
      // Alternate the order so neither side always runs on a warmer machine.
      const first = round % 2 === 1
      const rawRate = first ? await measure('raw', perRound, raw) : 0
      const ourRate = await measure('renderer', perRound, ours)
      const rawRate2 = first ? rawRate : await measure('raw', perRound, raw)
      ratios.push(ourRate / rawRate2)
      console.log(`round ${round}: ratio ${(ourRate / rawRate2).toFixed(3)}`)
    }
    ratios.sort((a, b) => a - b)
    console.log(`median ratio renderer/raw: ${(ratios[Math.floor(ratios.length / 2)] ?? 0).toFixed(3)}`)
  } finally {
    await renderer.close()
    await browser.close()
  }
}

await main()
