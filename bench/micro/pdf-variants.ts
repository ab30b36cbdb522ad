/**
 * Where Pressroom's renderer loses to raw page.pdf(): the same print jobs
 * through createPdfRenderer at 2 and 4 pages, through raw puppeteer at 4
 * pages (assets from a loopback server, browser cache on), and through raw
 * puppeteer at 4 pages with Pressroom's lock-down mechanics alone (every
 * request intercepted and answered from memory over CDP, cache off),
 * alternating rounds, medians. Next to PDFs/s, CPU ms per PDF: this
 * process and every Chromium process under it (/proc, children reaped
 * included), which other jobs on a shared machine disturb far less than
 * wall time.
 *
 * Run: node build/bench/micro/pdf-variants.js <office-dir> [rounds=3] [baseline-pdf.js]
 *
 * With a third argument, another build of src/render/pdf.ts (e.g. an older
 * commit's, compiled next to this one) runs at 4 pages in the same rounds,
 * for before/after figures that share the machine's load.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import puppeteer, { type Page } from 'puppeteer'
import { loadOffice } from '../../src/office.js'
import { findChromium } from '../../src/render/find-chromium.js'
import { createPdfRenderer, type PdfRenderer } from '../../src/render/pdf.js'
import { printJob } from '../../src/render/print-job.js'
import { median } from '../lib/util.js'
import { chromiumArgs, rawRound, startAssetServer } from '../sections/pdf.js'

const officeDir = path.resolve(process.argv[2] ?? '.')
const rounds = Number(process.argv[3] ?? 3)
const baseline = process.argv[4]
const { office } = await loadOffice(officeDir, { env: process.env })
if (!office) throw new Error('office did not load')
const jobs = office.releases.flatMap((release) => office.config.locales.map((lng) => printJob(office, release, lng, { embargoed: false })))
const executablePath = findChromium(undefined, process.env)
const renderers: Record<string, PdfRenderer> = {
  'pressroom, 2 pages': await createPdfRenderer({ executablePath, concurrency: 2 }),
  'pressroom, 4 pages': await createPdfRenderer({ executablePath, concurrency: 4 }),
}
if (baseline !== undefined) {
  const module = (await import(pathToFileURL(path.resolve(baseline)).href)) as { createPdfRenderer: typeof createPdfRenderer }
  renderers['baseline, 4 pages'] = await module.createPdfRenderer({ executablePath, concurrency: 4 })
}
const { server, origin } = await startAssetServer(path.join(officeDir, 'templates', 'assets'))
const browser = await puppeteer.launch({ executablePath, headless: true, pipe: true, args: chromiumArgs })
/** Raw pages that intercept every request and answer it from memory, cache off: the cost of the lock-down mechanics. */
const assetsDir = path.join(officeDir, 'templates', 'assets')
const memory = new Map<string, Buffer>()
async function interceptedRound(pages: number): Promise<number> {
  const pool: Page[] = await Promise.all(
    Array.from({ length: pages }, async () => {
      const page = await browser.newPage()
      await page.setCacheEnabled(false)
      await page.setRequestInterception(true)
      page.on('request', (request) => {
        const url = new URL(request.url())
        if (url.pathname === '/')
          return void request.respond({ status: 200, contentType: 'text/html', body: '<!doctype html><title></title>' })
        const name = decodeURIComponent(url.pathname.replace(/^\/assets\//, ''))
        const known = memory.get(name)
        const answer = (body: Buffer | undefined): void =>
          void (body
            ? request.respond({ status: 200, contentType: name.endsWith('.woff2') ? 'font/woff2' : 'text/css', body })
            : request.respond({ status: 404, body: '' }))
        if (known) return answer(known)
        readFile(path.join(assetsDir, name)).then(
          (body) => (memory.set(name, body), answer(body)),
          () => answer(undefined),
        )
      })
      await page.goto('http://pressroom.invalid/', { waitUntil: 'load' })
      return page
    }),
  )
  let next = 0
  const started = performance.now()
  await Promise.all(
    pool.map(async (page) => {
      while (next < jobs.length) {
        const job = jobs[next++]!
        await page.setContent(job.html, { waitUntil: 'load' })
        await page.pdf({
          format: job.format,
          preferCSSPageSize: true,
          printBackground: true,
          displayHeaderFooter: false,
          tagged: true,
          outline: true,
        })
      }
    }),
  )
  const rate = jobs.length / ((performance.now() - started) / 1000)
  await Promise.all(pool.map((page) => page.close()))
  return rate
}
const variants: Record<string, () => Promise<number>> = {
  'raw page.pdf(), 4 pages': () => rawRound(browser, origin, jobs, 4),
  'raw + interception, cache off': () => interceptedRound(4),
}
for (const [name, renderer] of Object.entries(renderers)) {
  variants[name] = async () => {
    const started = performance.now()
    await Promise.all(jobs.map((job) => renderer.render(job)))
    return jobs.length / ((performance.now() - started) / 1000)
  }
}
/** CPU seconds used so far by this process and its descendants (Linux /proc, 100 ticks per second). */
function treeCpuSeconds(): number {
  const parents = new Map<number, number>()
  const ticks = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // Fields after the command name: state ppid … utime(11) stime(12) cutime(13) cstime(14).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parents.set(Number(entry), Number(fields[1]))
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]))
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0
  for (const [pid, used] of ticks) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parents.get(p)) {
      if (p === process.pid) {
        total += used
        break
      }
    }
  }
  return total / 100
}
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
const cpuSamples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
try {
  for (const run of Object.values(variants)) await run()
  for (let round = 0; round < rounds; round++) {
    const names = round % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse()
    for (const name of names) {
      const cpuBefore = treeCpuSeconds()
      samples[name]!.push(await variants[name]!())
      cpuSamples[name]!.push(((treeCpuSeconds() - cpuBefore) * 1000) / jobs.length)
    }
  }
} finally {
  for (const renderer of Object.values(renderers)) await renderer.close()
  await browser.close()
  server.close()
}
const raw = median(samples['raw page.pdf(), 4 pages']!)
const rawCpu = median(cpuSamples['raw page.pdf(), 4 pages']!)
for (const [name, rates] of Object.entries(samples)) {
  const cpu = median(cpuSamples[name]!)
  process.stdout.write(
    `${name.padEnd(32)} ${median(rates).toFixed(1).padStart(6)} PDFs/s  (×${(median(rates) / raw).toFixed(2)} raw)  samples ${rates.map((r) => r.toFixed(1)).join(' ')}` +
      `  | CPU ${cpu.toFixed(0)} ms/PDF (raw/this ×${(rawCpu / cpu).toFixed(2)})\n`,
  )
}
