/**
 * Release pages rendered on worker threads: the same bytes and the same
 * messages as a single-threaded build, and how many workers `auto` picks.
 * The workers run compiled JS from build/ (`npx tsc -p tsconfig.json` first).
 */
import { cp, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { loadOffice } from '../../src/office.js'
import { buildSite } from '../../src/site/run-build.js'
import { planSite, type ReleasePageInput } from '../../src/site/build.js'
import { createRenderPool, workerCount } from '../../src/site/render-pool.js'
import { copySampleOffice, hashTree, removeOffices } from '../helpers/office.js'

afterAll(removeOffices)

const now = Date.parse('2032-01-01T00:00:00Z')

/** The sample office plus a release whose body loses raw HTML (so there are warnings to compare). */
async function office(): Promise<string> {
  const dir = await copySampleOffice()
  const from = path.join(dir, 'releases', '2026-05-12-river-sampling')
  const to = path.join(dir, 'releases', '2026-05-13-unsafe-html')
  await cp(from, to, { recursive: true })
  const en = path.join(to, 'en.md')
  await writeFile(en, `${await readFile(en, 'utf8')}\n<p onclick="steal()">Click</p>\n\n<script>alert(1)</script>\n`)
  return dir
}

async function build(dir: string, workers: string) {
  const { office: loaded } = await loadOffice(dir, { env: { PRESS_BUILD_WORKERS: workers } })
  if (!loaded) throw new Error('office did not load')
  expect(loaded.config.build.workers).toBe(Number(workers))
  return buildSite(loaded, { now, pdf: false }, { env: {} })
}

describe('render workers', () => {
  test('workers 0 and 2 write byte-identical dist/ folders with the same warnings', async () => {
    const [single, pooled] = await Promise.all([office(), office()])
    const a = await build(single, '0')
    const b = await build(pooled, '2')
    expect(b.pages.rendered).toBe(a.pages.rendered)
    expect(a.pages.rendered).toBeGreaterThan(8)
    const [ta, tb] = await Promise.all([hashTree(path.join(single, 'dist')), hashTree(path.join(pooled, 'dist'))])
    expect(Object.keys(tb).sort()).toEqual(Object.keys(ta).sort())
    expect(tb).toEqual(ta)
    const warnings = (report: typeof a) => report.messages.map((m) => String(m).replace(/^.*?releases\//, 'releases/')).sort()
    expect(warnings(b)).toEqual(warnings(a))
    expect(warnings(a).some((w) => w.includes('unsafe-html') || w.includes('<script>'))).toBe(true)
  }, 60_000)

  test('a rebuild with nothing changed renders nothing, with workers on', async () => {
    const dir = await office()
    await build(dir, '2')
    const again = await build(dir, '2')
    expect(again.pages.rendered).toBe(0)
  }, 60_000)
})

describe('render workers while the writer never yields', () => {
  test('a worker keeps getting pages while the caller takes them without returning to the event loop', async () => {
    const { office: loaded } = await loadOffice(await office(), { env: {} })
    if (!loaded) throw new Error('office did not load')
    const plan = await planSite(loaded, { now, pdf: false })
    const inputs = plan.outputs.flatMap((o): ReleasePageInput[] => (o.kind === 'text' && o.page ? [o.page] : []))
    expect(inputs.length).toBeGreaterThan(8)
    const pages = Array.from({ length: 600 }, (_, i) => inputs[i % inputs.length]!)
    const pool = createRenderPool({ workers: 1, config: loaded.config, resources: loaded.catalogs.resources, templatesHash: loaded.templates.hash, pages })
    let fromWorker = 0
    try {
      // Like the writer: one synchronous stretch; a page nobody rendered
      // costs this thread 5 ms (standing in for rendering it here).
      for (let id = 0; id < pages.length; id++) {
        if (pool.take(id) !== undefined) fromWorker++
        else for (const until = performance.now() + 5; performance.now() < until; );
      }
    } finally {
      await pool.close()
    }
    // Fed only from the event loop, the worker got nothing here (not even its
    // 'ready' was seen); fed from take(), it renders a share of the pages.
    expect(fromWorker).toBeGreaterThanOrEqual(20)
  }, 60_000)
})

describe('render workers and errors', () => {
  test('a page the template cannot render fails the build with the template error, as without workers', async () => {
    const messages: string[] = []
    for (const workers of ['0', '2']) {
      const dir = await office()
      const page = path.join(dir, 'templates', 'page.liquid')
      // A partial looked up only when rendering: parsing the template succeeds.
      await writeFile(page, (await readFile(page, 'utf8')).replace("{% include 'partials/dateline' %}", "{% if release.title %}{% include 'partials/no-such-partial' %}{% endif %}"))
      const error = await build(dir, workers).then(() => undefined, (caught: unknown) => caught)
      expect(error).toMatchObject({ code: 'PRESS_TEMPLATE' })
      messages.push((error as Error).message.replaceAll(dir, '<office>'))
    }
    expect(messages[0]).toMatch(/^templates\/page\.liquid:\d+:\d+: /)
    expect(messages[1]).toBe(messages[0])
    // The workers were terminated: nothing keeps this process alive but vitest's own handles.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker')).toEqual([])
  }, 60_000)
})

describe('workerCount', () => {
  test.each([
    ['auto', 2000, 2, 0.2, 0],
    ['auto', 2000, 4, 0.2, 2],
    ['auto', 2000, 4, 1.5, 2],
    ['auto', 2000, 4, 2.5, 1],
    ['auto', 2000, 8, 2.5, 5],
    ['auto', 2000, 8, 0, 6],
    ['auto', 2000, 4, 9, 0],
    ['auto', 99, 8, 0, 0],
    [0, 2000, 8, 0, 0],
    [2, 2000, 2, 9, 2],
    [4, 3, 8, 0, 3],
    [2, 0, 8, 0, 0],
  ] as const)('%s with %i pages, %i cores, load %d → %i', (setting, pages, cpus, load, expected) => {
    expect(workerCount(setting, pages, { cpus, load })).toBe(expected)
  })

  // Measured idle cores win over the load average (which trails the last minute).
  test.each([
    [2000, 2, 3.5, 1.0, 0],
    [2000, 4, 3.5, 3.0, 2],
    [2000, 4, 0, 1.4, 0],
    [2000, 4, 0, 1.6, 1],
    [2000, 8, 0, 6.6, 6],
    [2000, 8, 9, 2.4, 1],
    [99, 8, 0, 7, 0],
  ] as const)('auto with %i pages, %i cores, load %d, %d cores idle → %i', (pages, cpus, load, idle, expected) => {
    expect(workerCount('auto', pages, { cpus, load, idle })).toBe(expected)
  })
})
