/**
 * PDFs. Two comparisons on the same corpus:
 *
 * 1. Throughput of Pressroom's renderer (createPdfRenderer, default pool)
 *    on the print jobs a build makes (printJob: the print template's HTML,
 *    fonts, mounts) against raw puppeteer: one shared Chromium, pages that
 *    `setContent` the same HTML and call `page.pdf()` with the same options,
 *    assets from a plain loopback HTTP server with the browser cache on and
 *    no interception, at the best of 1, 2 and 4 concurrent pages.
 *    (This replaces bench/pdf-throughput.ts.)
 * 2. End to end per document: a cold `press build` (pages and PDFs) against
 *    one batch run of md-to-pdf (npm) over the same texts, both on the
 *    system Chromium, process and browser start included on both sides.
 *    md-to-pdf runs through bench/md-to-pdf-batch.ts: its CLI's batch with
 *    the page concurrency capped at the raw baseline's best.
 */
import { access, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import path from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer'
import { loadOffice } from '../../src/office.js'
import { findChromium } from '../../src/render/find-chromium.js'
import { createPdfRenderer, type PdfJob } from '../../src/render/pdf.js'
import { printJob } from '../../src/render/print-job.js'
import { generateReleases, writeMarkdownFiles, writeOffice } from '../lib/corpus.js'
import { log, median, pressBin, repoRoot, timeCommand, workDir } from '../lib/util.js'

/** Figures of the PDF section. */
export interface PdfResult {
  readonly pdf_documents: number
  readonly press_pdfs_per_second: number
  readonly raw_pdfs_per_second: number
  readonly raw_best_concurrency: number
  readonly pdf_vs_raw_puppeteer: number
  readonly press_build_seconds_per_pdf: number
  readonly md_to_pdf_seconds_per_document: number
  readonly pdf_speedup_vs_md_to_pdf: number
  /** md-to-pdf batches that timed out and were repeated. */
  readonly md_to_pdf_failed_runs: number
  readonly samples: {
    readonly raw_calibration_pdfs_per_second: Record<string, number>
    readonly press_pdfs_per_second: number[]
    readonly raw_pdfs_per_second: number[]
    readonly press_build_seconds: number[]
    readonly md_to_pdf_seconds: number[]
  }
}

/** Chromium flags from the project's conventions (docs/HELPERS.md). */
export const chromiumArgs = [
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** A loopback static server for the raw baseline: `/` is an empty page, `/assets/…` the office's template assets. */
export async function startAssetServer(assetsDir: string): Promise<{ server: Server; origin: string }> {
  const cache = new Map<string, Buffer | null>()
  const types: Record<string, string> = { '.woff2': 'font/woff2', '.css': 'text/css', '.svg': 'image/svg+xml' }
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title></title>')
      return
    }
    const name = decodeURIComponent(url.pathname.replace(/^\/assets\//, ''))
    if (!url.pathname.startsWith('/assets/') || name.includes('..')) {
      response.writeHead(404).end()
      return
    }
    const send = (body: Buffer | null): void => {
      if (body === null) response.writeHead(404).end()
      else
        response
          .writeHead(200, { 'content-type': types[path.extname(name)] ?? 'application/octet-stream', 'access-control-allow-origin': '*' })
          .end(body)
    }
    const known = cache.get(name)
    if (known !== undefined) return send(known)
    readFile(path.join(assetsDir, name)).then(
      (body) => (cache.set(name, body), send(body)),
      () => (cache.set(name, null), send(null)),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return { server, origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` }
}

/** Render every job through `pages` concurrent raw pages; returns PDFs/s. */
export async function rawRound(browser: Browser, origin: string, jobs: readonly PdfJob[], pages: number): Promise<number> {
  const pool: Page[] = await Promise.all(
    Array.from({ length: pages }, async () => {
      const page = await browser.newPage()
      await page.goto(`${origin}/`, { waitUntil: 'load' })
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

/**
 * Run the PDF comparisons.
 *
 * @param releases Releases in the corpus (× 2 locales = documents).
 * @param rounds Alternating rounds per comparison.
 * @param mdToPdfCli Path of md-to-pdf's cli.js.
 */
export async function benchPdf(releases: number, rounds: number, mdToPdfCli: string): Promise<PdfResult> {
  const corpus = generateReleases(releases, 1234)
  const officeDir = await writeOffice(path.join(workDir, `pdf-office-${releases}`), corpus)
  const mdFiles = await writeMarkdownFiles(path.join(workDir, `pdf-markdown-${releases}`), corpus)
  const executablePath = findChromium(undefined, process.env)
  const documents = releases * 2

  const { office, messages } = await loadOffice(officeDir, { env: process.env })
  if (!office) throw new Error(`cannot load the benchmark office: ${messages.map(String).join('\n')}`)
  const jobs = office.releases.flatMap((release) =>
    office.config.locales.map((lng) => printJob(office, release, lng, { embargoed: false })),
  )
  log(`pdf: ${jobs.length} print jobs; raw puppeteer calibration at 1, 2, 4 pages`)

  const { server, origin } = await startAssetServer(path.join(officeDir, 'templates', 'assets'))
  const browser = await puppeteer.launch({ executablePath, headless: true, pipe: true, args: chromiumArgs })
  const renderer = await createPdfRenderer({ executablePath })
  const calibration: Record<string, number> = {}
  const rawRates: number[] = []
  const pressRates: number[] = []
  let best = 1
  try {
    const pressRound = async (): Promise<number> => {
      const started = performance.now()
      await Promise.all(jobs.map((job) => renderer.render(job)))
      return jobs.length / ((performance.now() - started) / 1000)
    }
    // Warm-up: both browsers load fonts and compile once.
    await rawRound(browser, origin, jobs.slice(0, 4), 2)
    await Promise.all(jobs.slice(0, 4).map((job) => renderer.render(job)))
    for (const pages of [1, 2, 4]) {
      calibration[String(pages)] = await rawRound(browser, origin, jobs, pages)
      log(`pdf raw calibration: ${pages} page(s) ${calibration[String(pages)]!.toFixed(1)} PDFs/s`)
    }
    best = [1, 2, 4].reduce((a, b) => (calibration[String(b)]! > calibration[String(a)]! ? b : a))
    for (let round = 1; round <= rounds; round++) {
      if (round % 2 === 1) rawRates.push(await rawRound(browser, origin, jobs, best))
      pressRates.push(await pressRound())
      if (round % 2 === 0) rawRates.push(await rawRound(browser, origin, jobs, best))
      log(
        `pdf round ${round}: pressroom ${pressRates.at(-1)!.toFixed(1)} PDFs/s, raw (${best} pages) ${rawRates.at(-1)!.toFixed(1)} PDFs/s`,
      )
    }
  } finally {
    await renderer.close()
    await browser.close()
    server.close()
  }

  // End to end: cold press build (pages + PDFs) vs one md-to-pdf batch.
  const config = path.join(workDir, 'md-to-pdf.config.json')
  await writeFile(
    config,
    JSON.stringify(
      { launch_options: { executablePath, args: chromiumArgs }, pdf_options: { format: 'A4', printBackground: true } },
      null,
      2,
    ),
  )
  const buildTimes: number[] = []
  const mdTimes: number[] = []
  const pressBuild = async (): Promise<number> => {
    await rm(path.join(officeDir, 'dist'), { recursive: true, force: true })
    await rm(path.join(officeDir, '.press'), { recursive: true, force: true })
    return (await timeCommand(process.execPath, [pressBin, 'build', '--quiet', '-C', officeDir])).seconds
  }
  const pdfOf = (file: string): string => file.replace(/\.md$/, '.pdf')
  // md-to-pdf's own conversion, one browser, at the raw baseline's best concurrency (see bench/md-to-pdf-batch.ts).
  const mdToPdfPackage = path.resolve(path.dirname(mdToPdfCli), '..')
  const mdToPdfBatch = path.join(repoRoot, 'build', 'bench', 'md-to-pdf-batch.js')
  let mdFailures = 0
  const mdToPdf = async (): Promise<number> => {
    // md-to-pdf waits for "network idle" after a pushState; on a loaded
    // machine a page may not get there within its fixed 30 s and the batch
    // fails. Such a run is discarded, repeated and counted.
    for (let attempt = 1; ; attempt++) {
      await Promise.all(mdFiles.map((file) => rm(pdfOf(file), { force: true })))
      const run = await timeCommand(process.execPath, [mdToPdfBatch, mdToPdfPackage, config, String(best), ...mdFiles], {
        cwd: path.dirname(mdFiles[0]!),
        check: false,
      })
      const missing = (
        await Promise.all(
          mdFiles.map((file) =>
            access(pdfOf(file)).then(
              () => 0,
              () => 1,
            ),
          ),
        )
      ).reduce<number>((a, b) => a + b, 0)
      if (run.code === 0 && missing === 0) return run.seconds
      mdFailures++
      log(
        `md-to-pdf run failed (exit ${run.code}, ${missing} of ${mdFiles.length} PDFs missing); ${attempt < 3 ? 'repeating it' : 'giving up'}`,
      )
      if (attempt >= 3) throw new Error(`md-to-pdf failed 3 times:\n${run.stderr.slice(-2000)}`)
    }
  }
  for (let round = 1; round <= rounds; round++) {
    if (round % 2 === 1) mdTimes.push(await mdToPdf())
    buildTimes.push(await pressBuild())
    if (round % 2 === 0) mdTimes.push(await mdToPdf())
    log(
      `pdf e2e round ${round}: press build ${buildTimes.at(-1)!.toFixed(2)} s, md-to-pdf ${mdTimes.at(-1)!.toFixed(2)} s (${documents} documents)`,
    )
  }
  const pressRate = median(pressRates)
  const rawRate = median(rawRates)
  const buildPerDoc = median(buildTimes) / documents
  const mdPerDoc = median(mdTimes) / documents
  return {
    pdf_documents: documents,
    press_pdfs_per_second: pressRate,
    raw_pdfs_per_second: rawRate,
    raw_best_concurrency: best,
    pdf_vs_raw_puppeteer: pressRate / rawRate,
    press_build_seconds_per_pdf: buildPerDoc,
    md_to_pdf_seconds_per_document: mdPerDoc,
    pdf_speedup_vs_md_to_pdf: mdPerDoc / buildPerDoc,
    md_to_pdf_failed_runs: mdFailures,
    samples: {
      raw_calibration_pdfs_per_second: calibration,
      press_pdfs_per_second: pressRates,
      raw_pdfs_per_second: rawRates,
      press_build_seconds: buildTimes,
      md_to_pdf_seconds: mdTimes,
    },
  }
}
