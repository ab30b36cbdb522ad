/**
 * When `press build` starts Chromium (src/site/build-site.ts): at once for a
 * first build with PDFs, so that it comes up while the pages are written;
 * never for a build whose PDFs are all cached; and a browser that cannot
 * start is an error only when a PDF needs it. A wrapper script in place of
 * Chromium records each start.
 */
import { chmod, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadOffice } from '../../src/office.js'
import { findChromium } from '../../src/render/find-chromium.js'
import { buildSite } from '../../src/site/build-site.js'
import { buildJson, makeOffice, removeOffices } from '../helpers/office.js'

const now = '2031-04-01T00:00:00Z'

let dir: string
let wrapper: string
let starts: string

beforeAll(async () => {
  dir = await makeOffice()
  starts = path.join(dir, 'chromium-starts.log')
  wrapper = path.join(dir, 'chromium-wrapper.sh')
  await writeFile(wrapper, `#!/bin/sh\necho started >> '${starts}'\nexec '${findChromium(undefined, process.env)}' "$@"\n`)
  await chmod(wrapper, 0o755)
})
afterAll(removeOffices)

async function countStarts(): Promise<number> {
  const log = await readFile(starts, 'utf8').catch(() => '')
  return log.split('\n').filter(Boolean).length
}

describe('when press build starts Chromium', () => {
  test('a first build with PDFs that needs none does not fail for a missing browser', async () => {
    const empty = await makeOffice({ withReleases: false })
    const { run, report } = await buildJson(empty, ['--now', now], { PUPPETEER_EXECUTABLE_PATH: path.join(empty, 'no-such-chromium') })
    expect(run.code, run.stderr).toBe(0)
    expect(report.pdfs).toEqual({ rendered: 0, reused: 0 })
  })

  test('a missing browser is still reported when a PDF needs it, without a stack trace', async () => {
    const { run } = await buildJson(dir, ['--now', now], { PUPPETEER_EXECUTABLE_PATH: path.join(dir, 'no-such-chromium') })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('no-such-chromium')
    expect(run.stderr).not.toMatch(/^\s+at /m)
    await rm(path.join(dir, '.press'), { recursive: true, force: true })
  })

  test('the first build starts Chromium once; a build with every PDF cached never starts it', { timeout: 120_000 }, async () => {
    const first = await buildJson(dir, ['--now', now], { PUPPETEER_EXECUTABLE_PATH: wrapper })
    expect(first.run.code, first.run.stderr).toBe(0)
    expect(first.report.pdfs).toEqual({ rendered: 3, reused: 0 })
    expect(await countStarts()).toBe(1)

    // dist/ gone, the PDF cache in .press/ kept: every PDF comes from the cache.
    await rm(path.join(dir, 'dist'), { recursive: true, force: true })
    const second = await buildJson(dir, ['--now', now], { PUPPETEER_EXECUTABLE_PATH: wrapper })
    expect(second.run.code, second.run.stderr).toBe(0)
    expect(second.report.pdfs).toEqual({ rendered: 0, reused: 3 })
    expect(await countStarts()).toBe(1)
  })
})

describe('the library reads no environment of its own', () => {
  test('buildSite looks for Chromium through the env it is given, never through process.env', { timeout: 120_000 }, async () => {
    const name = 'PUPPETEER_EXECUTABLE_PATH'
    const saved = process.env[name]
    // An explicit path that is not a browser is an error when it is read: here it must not be.
    process.env[name] = path.join(dir, 'no-such-chromium')
    try {
      const load = async () => {
        const { office } = await loadOffice(await makeOffice(), { env: {} })
        if (!office) throw new Error('the office did not load')
        return office
      }
      const before = await countStarts()
      const given = await buildSite(await load(), { now: Date.parse(now) }, { env: { [name]: wrapper } })
      expect(given.pdfs.rendered).toBe(3)
      expect(await countStarts()).toBe(before + 1)
      // No env: pdf.chromium and the well-known paths only.
      const none = await buildSite(await load(), { now: Date.parse(now) })
      expect(none.pdfs.rendered).toBe(3)
      expect(await countStarts()).toBe(before + 1)
    } finally {
      if (saved === undefined) delete process.env[name]
      else process.env[name] = saved
    }
  })
})
