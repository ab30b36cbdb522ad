/**
 * Live reload as a user sees it: `press preview` against `hugo server` over
 * the same 1,000-release corpus, each open on one release page in headless
 * Chromium. One round = the same edit to each (a paragraph appended to that
 * release's English source), timed from just before the file is written to
 * the first animation frame after the page shows the new paragraph — that
 * is, the changed page painted. Rounds alternate which server goes first;
 * the ratio uses medians.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFile, cp, mkdir, rm } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer'
import { generateReleases, writeHugoSite, writeOffice } from '../lib/corpus.js'
import { log, median, pressBin, repoRoot, workDir } from '../lib/util.js'

/** Figures of the preview section. */
export interface PreviewResult {
  readonly preview_releases: number
  readonly preview_reload_ms: number
  readonly preview_reload_ru_ms: number
  /** The same edit in the repository's sample office (5 releases). */
  readonly preview_reload_sample_ms: number
  readonly hugo_server_reload_ms: number
  readonly preview_reload_vs_hugo_server: number
  readonly samples: {
    readonly preview_reload_ms: number[]
    readonly preview_reload_ru_ms: number[]
    readonly preview_reload_sample_ms: number[]
    readonly hugo_server_reload_ms: number[]
  }
}

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** Start a server and wait until it prints a line matching `ready` (stdout or stderr). */
function startServer(command: string, args: readonly string[], ready: RegExp, what: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGTERM')
      reject(new Error(`${what} did not start within 120 s:\n${output.slice(-2000)}`))
    }, 120_000)
    const listen = (chunk: Buffer): void => {
      output += chunk.toString('utf8')
      if (ready.test(output)) {
        clearTimeout(timer)
        child.stdout?.off('data', listen)
        child.stderr?.off('data', listen)
        // Keep draining, or a chatty server blocks on a full pipe.
        child.stdout?.resume()
        child.stderr?.resume()
        resolve(child)
      }
    }
    child.stdout?.on('data', listen)
    child.stderr?.on('data', listen)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited with ${code} before it was ready:\n${output.slice(-2000)}`))
    })
  })
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  child.removeAllListeners('exit')
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/**
 * Append a paragraph with a unique marker to `file` and measure, in ms, until
 * the page shows it painted: `waitForFunction` polls on every animation frame
 * (and survives a full reload, as Hugo's live reload does), and the time is
 * taken in the next frame, after the one that drew the change.
 */
async function timedEdit(page: Page, file: string, marker: string): Promise<number> {
  const seen = page.waitForFunction(
    (m: string) => {
      if (!document.body || !document.body.textContent?.includes(m)) return false
      return new Promise<number>((resolve) => requestAnimationFrame(() => resolve(Date.now())))
    },
    { polling: 'raf', timeout: 20_000 },
    marker,
  )
  const started = Date.now()
  await appendFile(file, `\n${marker}: a paragraph added by the benchmark, with new figures from the field team.\n`)
  const painted = (await (await seen).jsonValue()) as number
  return painted - started
}

/**
 * Measure `rounds` edits each way on a corpus of `releases` × 2 languages.
 *
 * @param hugo The hugo binary.
 */
export async function benchPreview(releases: number, rounds: number, hugo: string, chromium: string): Promise<PreviewResult> {
  const corpus = generateReleases(releases)
  const office = await writeOffice(path.join(workDir, `preview-office-${releases}`), corpus)
  const site = await writeHugoSite(path.join(workDir, `preview-hugo-${releases}`), corpus)
  const slug = corpus[Math.floor(releases / 2)]!.slug
  const pressFile = (lng: 'en' | 'ru'): string => path.join(office, 'releases', slug, `${lng}.md`)
  const hugoFile = path.join(site, 'content', 'releases', slug, 'index.en.md')
  log(`preview: corpus of ${releases} releases × 2 locales written; ${rounds} alternating rounds on ${slug}`)

  const [pressPort, hugoPort] = [await freePort(), await freePort()]
  const press = await startServer(
    process.execPath,
    [pressBin, 'preview', '--port', String(pressPort), '-C', office],
    /Pages reload when you save/,
    'press preview',
  )
  const hugoServer = await startServer(
    hugo,
    [
      'server',
      '-s',
      site,
      '--bind',
      '127.0.0.1',
      '--port',
      String(hugoPort),
      '--baseURL',
      `http://127.0.0.1:${hugoPort}/`,
      '--appendPort=false',
      '--cacheDir',
      path.join(site, '.hugo-cache'),
    ],
    /Web Server is available at/,
    'hugo server',
  )
  let browser: Browser | undefined
  try {
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
    const pressPage = await browser.newPage()
    const pressRuPage = await browser.newPage()
    const hugoPage = await browser.newPage()
    // Separate windows, each in front in turn, like a person with one tab per server.
    await pressPage.goto(`http://127.0.0.1:${pressPort}/en/${slug}/`, { waitUntil: 'load' })
    await pressRuPage.goto(`http://127.0.0.1:${pressPort}/ru/${slug}/`, { waitUntil: 'load' })
    await hugoPage.goto(`http://127.0.0.1:${hugoPort}/en/releases/${slug}/`, { waitUntil: 'load' })

    const pressTimes: number[] = []
    const pressRuTimes: number[] = []
    const hugoTimes: number[] = []
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 400))
    const press1 = async (round: number): Promise<number> => {
      await pressPage.bringToFront()
      return timedEdit(pressPage, pressFile('en'), `Press edit ${round} ${Math.random().toString(36).slice(2, 8)}`)
    }
    const pressRu = async (round: number): Promise<number> => {
      await pressRuPage.bringToFront()
      return timedEdit(pressRuPage, pressFile('ru'), `Правка ${round} ${Math.random().toString(36).slice(2, 8)}`)
    }
    const hugo1 = async (round: number): Promise<number> => {
      await hugoPage.bringToFront()
      return timedEdit(hugoPage, hugoFile, `Hugo edit ${round} ${Math.random().toString(36).slice(2, 8)}`)
    }
    // Two unmeasured edits each: the first incremental reload and JIT warm-up.
    for (let round = -1; round <= 0; round++) {
      await press1(round)
      await settle()
      await pressRu(round)
      await settle()
      await hugo1(round)
      await settle()
    }
    for (let round = 1; round <= rounds; round++) {
      if (round % 2 === 0) {
        hugoTimes.push(await hugo1(round))
        await settle()
      }
      pressTimes.push(await press1(round))
      await settle()
      pressRuTimes.push(await pressRu(round))
      await settle()
      if (round % 2 === 1) {
        hugoTimes.push(await hugo1(round))
        await settle()
      }
      log(`preview round ${round}: press en ${pressTimes.at(-1)} ms, ru ${pressRuTimes.at(-1)} ms, hugo server ${hugoTimes.at(-1)} ms`)
    }
    const sampleTimes = await sampleOffice(browser, rounds)
    const pressMedian = median(pressTimes)
    const hugoMedian = median(hugoTimes)
    return {
      preview_releases: releases,
      preview_reload_ms: pressMedian,
      preview_reload_ru_ms: median(pressRuTimes),
      preview_reload_sample_ms: median(sampleTimes),
      hugo_server_reload_ms: hugoMedian,
      preview_reload_vs_hugo_server: pressMedian / hugoMedian,
      samples: {
        preview_reload_ms: pressTimes,
        preview_reload_ru_ms: pressRuTimes,
        preview_reload_sample_ms: sampleTimes,
        hugo_server_reload_ms: hugoTimes,
      },
    }
  } finally {
    await browser?.close()
    await stopServer(press)
    await stopServer(hugoServer)
  }
}

/** The same edit, `rounds` times, in a copy of the repository's sample office. */
async function sampleOffice(browser: Browser, rounds: number): Promise<number[]> {
  const dir = path.join(workDir, 'preview-sample')
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  for (const name of ['pressroom.yaml', 'releases', 'locales', 'templates', 'press-list.csv', 'suppressions.csv'])
    await cp(path.join(repoRoot, name), path.join(dir, name), { recursive: true })
  const slug = '2026-05-12-river-sampling'
  const port = await freePort()
  const press = await startServer(
    process.execPath,
    [pressBin, 'preview', '--port', String(port), '-C', dir],
    /Pages reload when you save/,
    'press preview (sample office)',
  )
  try {
    const page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${port}/en/${slug}/`, { waitUntil: 'load' })
    const file = path.join(dir, 'releases', slug, 'en.md')
    const times: number[] = []
    for (let round = -1; round <= rounds; round++) {
      const ms = await timedEdit(page, file, `Sample edit ${round} ${Math.random().toString(36).slice(2, 8)}`)
      if (round > 0) times.push(ms)
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
    log(`preview sample office: ${times.join(', ')} ms`)
    await page.close()
    return times
  } finally {
    await stopServer(press)
  }
}
