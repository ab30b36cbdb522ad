/**
 * The preview end to end: a copy of the sample office served on 127.0.0.1,
 * driven by a real headless Chromium (JavaScript on, since the live-reload
 * script must run), plus HTTP checks of the dashboard, the banner, the PDF
 * route and the server's refusals.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import puppeteer, { type Browser, type Page } from 'puppeteer'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPreview, type Preview, type ReloadResult } from '../../src/preview/server.js'
import { findChromium } from '../../src/render/find-chromium.js'
import { pdfText } from '../helpers/pdf-tools.js'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const now = Date.parse('2026-07-01T12:00:00Z')
const embargoed = '2031-06-10-annual-report-2030'
const draft = '2026-06-30-monitoring-director'
const edited = '2026-05-12-river-sampling'

let dir: string
let preview: Preview
let browser: Browser
let page: Page
const reloads: ReloadResult[] = []

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pressroom-preview-'))
  for (const name of ['pressroom.yaml', 'releases', 'locales', 'templates', 'press-list.csv']) {
    await cp(path.join(repo, name), path.join(dir, name), { recursive: true })
  }
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PRESS_')))
  preview = await startPreview(dir, {
    port: 0,
    host: '127.0.0.1',
    env,
    now: () => now,
    distribution: async () => ({ [edited]: { sent: 12, queued: 3, failed: 1 } }),
    onReload: (result) => reloads.push(result),
  })
  browser = await puppeteer.launch({
    executablePath: findChromium(undefined, process.env),
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
  page = await browser.newPage()
}, 30_000)

afterAll(async () => {
  await browser?.close()
  await preview?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
}, 30_000)

/** A raw request, so that paths reach the server exactly as written. */
function request(
  pathAndQuery: string,
  options: { method?: string; host?: string } = {},
): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  const url = new URL(preview.url)
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: pathAndQuery,
        method: options.method ?? 'GET',
        headers: options.host ? { host: options.host } : {},
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

describe('preview server', () => {
  test('listens on 127.0.0.1 and serves the chooser and newsrooms', async () => {
    expect(preview.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const root = await request('/')
    expect(root.status).toBe(200)
    expect(root.body.toString()).toContain('id="__press-reload"')
    const index = await request('/en/')
    expect(index.status).toBe(200)
    // The preview's newsroom includes releases the public one holds back.
    expect(index.body.toString()).toContain(`/${embargoed}/`)
  })

  test('the dashboard lists every release, embargoed and draft included, with states and counts', async () => {
    const res = await request('/__press/')
    expect(res.status).toBe(200)
    const html = res.body.toString()
    for (const slug of await import('node:fs/promises').then((fs) => fs.readdir(path.join(dir, 'releases')))) {
      expect(html).toContain(slug)
    }
    expect(html).toMatch(/Embargoed until 2031-06-10 09:00 EDT \(13:00 UTC\)/)
    expect(html).toMatch(/class="status s-draft">Draft/)
    expect(html).toContain('Upcoming lifts')
    expect(html).toMatch(/in 4 years/)
    expect(html).toContain('12 sent')
    expect(html).toContain('1 failed')
    // Translation states: the advisory has no Russian version.
    expect(html).toMatch(/t-missing/)
  })

  test('every listing marks drafts and embargoed releases with a badge and the lift time; release pages keep their banner', async () => {
    for (const lng of ['en', 'ru']) {
      const html = (await request(`/${lng}/`)).body.toString()
      expect(html).toMatch(
        new RegExp(
          `href="[^"]*${embargoed}/"[^>]*>[\\s\\S]*?</a> <span class="__press-badge __press-badge-embargoed" data-press-badge>Embargoed until 09:00 EDT, 10 June 2031 \\(13:00 UTC, 16:00 MSK\\)</span>`,
        ),
      )
      expect(html).toMatch(
        new RegExp(
          `href="[^"]*${draft}/"[^>]*>[\\s\\S]*?</a> <span class="__press-badge __press-badge-draft" data-press-badge>Draft</span>`,
        ),
      )
      expect(html).not.toMatch(new RegExp(`${edited}/"[^>]*>[^<]*</a> <span class="__press-badge`))
    }
    expect((await request(`/en/${embargoed}/`)).body.toString()).not.toContain('data-press-badge')
  })

  test('the dashboard fits a 390 px phone: nothing scrolls sideways, every language column is on screen', async () => {
    const phone = await browser.newPage()
    try {
      await phone.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true })
      await phone.goto(`${preview.url}__press/`, { waitUntil: 'load' })
      const fit = await phone.evaluate(() => {
        const cells = Array.from(document.querySelectorAll('td[data-label="ru"]'), (cell) => cell.getBoundingClientRect().right)
        return {
          scroll: document.documentElement.scrollWidth,
          width: document.documentElement.clientWidth,
          cells: cells.length,
          right: Math.max(...cells),
        }
      })
      expect(fit.width).toBe(390)
      expect(fit.scroll).toBeLessThanOrEqual(fit.width)
      expect(fit.cells).toBe(5)
      expect(fit.right).toBeLessThanOrEqual(390)
    } finally {
      await phone.close()
    }
  }, 30_000)

  test('an embargoed release page carries the notice and the preview banner with the lift time', async () => {
    const res = await request(`/en/${embargoed}/`)
    expect(res.status).toBe(200)
    const html = res.body.toString()
    expect(html).toContain('id="__press-banner"')
    expect(html).toMatch(/Embargoed until 09:00 EDT, 10 June 2031/)
    expect(html).toContain('EMBARGOED UNTIL')
    expect(html).toContain('<meta name="robots" content="noindex, nofollow">')
    expect(html).toContain('href="/__press/"')
  })

  test('the PDF of an embargoed release is rendered on demand, with the notice', async () => {
    const res = await request(`/en/${embargoed}/${embargoed}.en.pdf`)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/pdf')
    expect(res.body.subarray(0, 4).toString('latin1')).toBe('%PDF')
    expect(await pdfText(res.body)).toMatch(/EMBARGOED UNTIL/)
  }, 30_000)

  test('refuses traversal, other methods and foreign Host headers', async () => {
    for (const attempt of [
      '/../pressroom.yaml',
      '/%2e%2e/pressroom.yaml',
      '/en/..%2f..%2fpressroom.yaml',
      '/assets/%2e%2e%2f%2e%2e%2fpress-list.csv',
      '/releases/',
    ]) {
      const res = await request(attempt)
      expect(res.status, attempt).toBe(404)
      expect(res.body.toString()).not.toContain('organisation:')
    }
    expect((await request('/', { method: 'POST' })).status).toBe(405)
    expect((await request('/', { host: 'evil.example:80' })).status).toBe(403)
    expect((await request('/', { method: 'HEAD' })).status).toBe(200)
  })

  test('live reload: an edit shows without a manual reload; a broken edit shows the overlay; the fix clears it', async () => {
    const file = path.join(dir, 'releases', edited, 'en.md')
    const original = await readFile(file, 'utf8')
    await page.goto(`${preview.url}en/${edited}/`, { waitUntil: 'load' })
    expect(await page.$eval('h1', (h) => h.textContent)).toContain('River Samples')
    // No wait for the events stream: the server sends its build version on
    // connect, so an edit made before the page connects still reloads it.

    const title = 'Preview Live Reload Works'
    await writeFile(file, original.replace(/^title: .*$/m, `title: ${title}`))
    await page.waitForFunction((t) => document.querySelector('h1')?.textContent?.trim() === t, { timeout: 5000 }, title)

    await writeFile(file, original.replace(/^title: .*$/m, 'title: [unclosed'))
    await page.waitForFunction(
      () => document.querySelector('#__press-overlay')?.textContent?.includes(`releases/2026-05-12-river-sampling/en.md`) ?? false,
      { timeout: 5000 },
    )
    const overlay = await page.$eval('#__press-overlay', (o) => o.textContent ?? '')
    expect(overlay).toMatch(/en\.md:\d+:\d+: error:/)

    await writeFile(file, original)
    await page.waitForFunction(
      () =>
        document.querySelector('#__press-overlay') === null && (document.querySelector('h1')?.textContent ?? '').includes('River Samples'),
      { timeout: 5000 },
    )
  }, 30_000)

  test('an edit inside a release swaps the page in place: no reload, no stylesheet or font fetched again', async () => {
    const file = path.join(dir, 'releases', edited, 'en.md')
    const original = await readFile(file, 'utf8')
    await page.goto(`${preview.url}en/${edited}/`, { waitUntil: 'load' })
    await page.evaluate(() => {
      ;(window as unknown as { __kept: number }).__kept = 42
      performance.clearResourceTimings()
    })
    await writeFile(file, `${original}\nParagraph appended meanwhile.\n`)
    await page.waitForFunction(() => document.body.textContent?.includes('Paragraph appended meanwhile.'), { timeout: 5000 })
    // The same document (a reload would have dropped the variable), and only the page itself was fetched.
    expect(await page.evaluate(() => (window as unknown as { __kept?: number }).__kept)).toBe(42)
    const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname))
    expect(fetched.filter((p) => /\.(css|woff2?)$/.test(p))).toEqual([])
    expect(fetched).toContain(`/en/${edited}/`)
    // The server loaded and planned that release alone.
    expect(reloads.at(-1)).toMatchObject({ ok: true, scope: 'release' })
    expect([...new Set(reloads.at(-1)!.changed)]).toEqual([file])

    // A stylesheet edit is not something a body swap can show: the page reloads.
    const css = path.join(dir, 'templates', 'assets', 'site.css')
    await writeFile(css, `${await readFile(css, 'utf8')}\n.preview-test{color:red}\n`)
    await page.waitForFunction(() => (window as unknown as { __kept?: number }).__kept === undefined, { timeout: 10_000 })
    expect(reloads.at(-1)).toMatchObject({ ok: true, scope: 'office' })
    await writeFile(file, original)
  }, 30_000)
})
