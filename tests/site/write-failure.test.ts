/**
 * When one output fails, the writer stops starting new ones, waits for those
 * already in flight, and only then removes its temp folder: the user sees the
 * output's own error (not ENOTEMPTY from the clean-up), nothing is left beside
 * dist/, and a previous dist/ is untouched.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, expect, test } from 'vitest'
import type { SitePlan } from '../../src/site/plan-site.js'
import type { PlannedOutput } from '../../src/site/planned-output.js'
import type { PdfJob, PdfRenderer } from '../../src/render/pdf.js'
import { writeSite } from '../../src/site/write.js'

const roots: string[] = []
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true })
})

/** 400 pages (page 30 throws), each followed by a copied file, so the failure comes with work in flight and work still queued. */
function failingPlan(source: string): SitePlan {
  const outputs: PlannedOutput[] = []
  const body = 'x'.repeat(256 * 1024)
  for (let i = 0; i < 400; i++) {
    outputs.push({
      kind: 'text',
      path: `en/page-${i}/index.html`,
      key: `page-${i}`,
      group: 'page',
      produce: () => {
        if (i === 30) throw new Error('page 30 cannot be rendered')
        return body
      },
    })
    outputs.push({ kind: 'copy', path: `en/page-${i}/photo-${i}.jpg`, key: `photo-${i}`, from: source })
  }
  return { outputs, published: [], held: [], messages: [] }
}

test('a failing output: its own error, no temp folder left (now or after the lanes finish), dist/ untouched', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'press-write-failure-'))
  roots.push(root)
  const distDir = path.join(root, 'dist')
  const stateDir = path.join(root, '.press')
  const source = path.join(root, 'photo.jpg')
  await writeFile(source, Buffer.alloc(128 * 1024, 1))
  await mkdir(distDir)
  await writeFile(path.join(distDir, 'index.html'), 'the previous site')
  // Marked as a folder Pressroom built (a folder without it is refused before any work).
  await writeFile(path.join(distDir, '.pressroom-build'), '')

  for (let round = 0; round < 3; round++) {
    await expect(writeSite(failingPlan(source), { distDir, stateDir }, {})).rejects.toThrow('page 30 cannot be rendered')
    expect((await readdir(root)).filter((name) => name.startsWith('.dist.'))).toEqual([])
  }
  // Nothing still running recreates the temp folder afterwards.
  await sleep(300)
  expect((await readdir(root)).filter((name) => name.startsWith('.dist.'))).toEqual([])
  expect((await readdir(distDir)).sort()).toEqual(['.pressroom-build', 'index.html'])
  expect(await readFile(path.join(distDir, 'index.html'), 'utf8')).toBe('the previous site')
})

/**
 * A stand-in for Chromium with two pages: jobs wait for a page, take 30 ms,
 * and the job whose HTML is 'broken' fails. close() fails every render still
 * waiting or running, as the real renderer does.
 */
function fakeRenderer(): PdfRenderer & { rendered: number; closed: boolean } {
  let free = 2
  const waiting: Array<() => void> = []
  const state = {
    rendered: 0,
    closed: false,
    async render(job: PdfJob) {
      if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve))
      free--
      try {
        await sleep(30)
        if (state.closed) throw new Error('the renderer was closed')
        if (job.html === 'broken') throw new Error('Chromium could not print broken.pdf')
        state.rendered++
        return { pdf: new Uint8Array(Buffer.from('%PDF-1.7 fake')), blocked: [] }
      } finally {
        free++
        waiting.shift()?.()
      }
    },
    async close() {
      state.closed = true
    },
  }
  return state
}

test('a failing PDF: its own error, the PDFs still queued are not rendered, no temp folder left', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'press-write-failure-'))
  roots.push(root)
  const outputs: PlannedOutput[] = Array.from({ length: 30 }, (_, i) => ({
    kind: 'pdf',
    path: `en/release-${i}/release-${i}.pdf`,
    key: `pdf-${i}`,
    release: `release-${i}`,
    job: (): PdfJob => ({
      html: i === 3 ? 'broken' : `<p>${i}</p>`,
      mounts: {},
      format: 'A4',
      metadata: { title: `Release ${i}`, author: 'Test', subject: `Release ${i}`, lang: 'en' },
      label: `release-${i}`,
    }),
  }))
  const renderer = fakeRenderer()
  const write = writeSite(
    { outputs, published: [], held: [], messages: [] },
    { distDir: path.join(root, 'dist'), stateDir: path.join(root, '.press') },
    { pdf: async () => renderer },
  )
  await expect(write).rejects.toThrow('Chromium could not print broken.pdf')
  expect(renderer.closed).toBe(true)
  // Which PDFs finish before the broken one depends on timing; the rest never do.
  expect(renderer.rendered).toBeLessThan(outputs.length - 1)
  await sleep(300)
  expect((await readdir(root)).filter((name) => name.startsWith('.dist.') || name === 'dist')).toEqual([])
})
