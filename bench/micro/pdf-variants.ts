/**
 * Where Pressroom's renderer loses to raw page.pdf(): the same print jobs
 * through createPdfRenderer at its default pool size and at 4 pages, and
 * through raw puppeteer at 4 pages (assets from a loopback server, browser
 * cache on), alternating rounds, medians.
 *
 * Run: node build/bench/micro/pdf-variants.js <office-dir> [rounds=3]
 */
import os from 'node:os'
import path from 'node:path'
import puppeteer from 'puppeteer'
import { loadOffice } from '../../src/office.js'
import { findChromium } from '../../src/render/find-chromium.js'
import { createPdfRenderer, type PdfRenderer } from '../../src/render/pdf.js'
import { printJob } from '../../src/site/build.js'
import { median } from '../lib/util.js'
import { chromiumArgs, rawRound, startAssetServer } from '../sections/pdf.js'

const officeDir = path.resolve(process.argv[2] ?? '.')
const rounds = Number(process.argv[3] ?? 3)
const { office } = await loadOffice(officeDir, { env: process.env })
if (!office) throw new Error('office did not load')
const jobs = office.releases.flatMap((release) => office.config.locales.map((lng) => printJob(office, release, lng, { embargoed: false })))
const executablePath = findChromium(undefined, process.env)
const defaultPool = Math.min(4, Math.max(2, os.availableParallelism()))
const renderers: Record<string, PdfRenderer> = {
  [`pressroom, ${defaultPool} pages (default)`]: await createPdfRenderer({ executablePath }),
  'pressroom, 4 pages': await createPdfRenderer({ executablePath, concurrency: 4 }),
}
const { server, origin } = await startAssetServer(path.join(officeDir, 'templates', 'assets'))
const browser = await puppeteer.launch({ executablePath, headless: true, pipe: true, args: chromiumArgs })
const variants: Record<string, () => Promise<number>> = {
  'raw page.pdf(), 4 pages': () => rawRound(browser, origin, jobs, 4),
}
for (const [name, renderer] of Object.entries(renderers)) {
  variants[name] = async () => {
    const started = performance.now()
    await Promise.all(jobs.map((job) => renderer.render(job)))
    return jobs.length / ((performance.now() - started) / 1000)
  }
}
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
try {
  for (const run of Object.values(variants)) await run()
  for (let round = 0; round < rounds; round++) {
    const names = round % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse()
    for (const name of names) samples[name]!.push(await variants[name]!())
  }
} finally {
  for (const renderer of Object.values(renderers)) await renderer.close()
  await browser.close()
  server.close()
}
const raw = median(samples['raw page.pdf(), 4 pages']!)
for (const [name, rates] of Object.entries(samples)) {
  process.stdout.write(`${name.padEnd(32)} ${median(rates).toFixed(1).padStart(6)} PDFs/s  (×${(median(rates) / raw).toFixed(2)} raw)  samples ${rates.map((r) => r.toFixed(1)).join(' ')}\n`)
}
