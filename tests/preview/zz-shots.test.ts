import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import puppeteer from 'puppeteer'
import { test } from 'vitest'
import { startPreview } from '../../src/preview/server.js'
import { findChromium } from '../../src/render/find-chromium.js'

test('shots', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pp-'))
  for (const name of ['pressroom.yaml', 'releases', 'locales', 'templates', 'press-list.csv']) await cp(path.join('/work/main', name), path.join(dir, name), { recursive: true })
  const t0 = Date.now()
  const p = await startPreview(dir, { port: 0, host: '127.0.0.1', env: {}, now: () => Date.parse('2026-07-01T12:00:00Z'), distribution: async () => ({ '2026-05-12-river-sampling': { sent: 12, queued: 3, failed: 1 } }), onReload: (r) => console.log('reload', Date.now() - t0, r.ok, r.errors) })
  console.log('started', Date.now() - t0)
  const b = await puppeteer.launch({ executablePath: findChromium(undefined, process.env), args: ['--no-sandbox', '--disable-gpu'] })
  const page = await b.newPage()
  await page.setViewport({ width: 1200, height: 900 })
  await page.goto(p.url + '__press/'); await page.screenshot({ path: '/tmp/shots/dash.png', fullPage: true })
  await page.goto(p.url + 'en/2031-06-10-annual-report-2030/'); await page.screenshot({ path: '/tmp/shots/emb.png' })
  await page.goto(p.url + 'en/2026-06-30-monitoring-director/'); await page.screenshot({ path: '/tmp/shots/draft.png' })
  const file = path.join(dir, 'releases/2026-05-12-river-sampling/en.md')
  const orig = await readFile(file, 'utf8')
  await page.goto(p.url + 'en/2026-05-12-river-sampling/')
  for (let i = 0; i < 3; i++) {
    const t = Date.now()
    await writeFile(file, orig.replace(/^title: .*$/m, `title: T${i}`))
    await page.waitForFunction((x) => document.querySelector('h1')?.textContent?.trim() === x, {}, `T${i}`)
    console.log('reload ms', Date.now() - t)
  }
  await writeFile(file, orig.replace(/^title: .*$/m, 'title: [unclosed'))
  await page.waitForSelector('#__press-overlay')
  await page.screenshot({ path: '/tmp/shots/overlay.png' })
  await writeFile(path.join(dir, 'templates/page.liquid'), '{% if %}')
  await writeFile(file, orig)
  await new Promise((r) => setTimeout(r, 1500))
  await page.screenshot({ path: '/tmp/shots/overlay2.png' })
  await b.close(); await p.close(); await rm(dir, { recursive: true })
}, 60000)
