import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { PressError, RenderTimeoutError } from '../../src/errors.js'
import { findChromium } from '../../src/render/find-chromium.js'
import { createPdfRenderer, type PdfJob, type PdfRenderer } from '../../src/render/pdf.js'
import { setPdfMetadata } from '../../src/render/set-pdf-metadata.js'
import { pdfCatalogLang, pdfFonts, pdfInfo, pdfOutline, pdfPageTexts, pdfStructure, pdfText } from '../helpers/pdf-tools.js'

const fixtures = fileURLToPath(new URL('../fixtures/pdf/', import.meta.url))
const require = createRequire(import.meta.url)
const fontFiles = (name: string): string => path.join(path.dirname(require.resolve(`@fontsource/${name}/package.json`)), 'files')

/** The mounts a print template gets: its assets, the release folder and the shipped fonts. */
const mounts = Object.freeze({
  '/assets/': path.join(fixtures, 'assets'),
  '/release/': path.join(fixtures, 'release'),
  '/fonts/pt-serif/': fontFiles('pt-serif'),
  '/fonts/pt-sans/': fontFiles('pt-sans'),
})

const template = readFileSync(path.join(fixtures, 'print.html'), 'utf8')

interface DocumentFields {
  readonly lang: string
  readonly title: string
  readonly notice: string
  readonly organisation: string
  readonly page: string
  readonly of: string
  /** Raw HTML. */
  readonly body: string
}

const escapeHtml = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
/** For a CSS string in single quotes inside a double-quoted attribute. */
const cssString = (value: string): string => escapeHtml(value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\A '))

function printDocument(fields: DocumentFields): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: keyof DocumentFields) => {
    if (key === 'body') return fields.body
    return key === 'title' || key === 'lang' ? escapeHtml(fields[key]) : cssString(fields[key])
  })
}

const ru = {
  lang: 'ru',
  title: 'Вода в Подмосковье стала чище — Water report',
  notice: 'ЭМБАРГО до 14 марта 2031, 09:00 MSK',
  organisation: 'Фонд «Чистая вода»',
  page: 'Страница',
  of: 'из',
}

const en = {
  lang: 'en',
  title: 'Water report',
  notice: 'EMBARGOED UNTIL 14 March 2031, 09:00 MSK',
  organisation: 'Clean Water Foundation',
  page: 'Page',
  of: 'of',
}

const paragraphs = (count: number, text: string): string => Array.from({ length: count }, (_, i) => `<p>${i + 1}. ${text}</p>`).join('\n')

const ruText =
  'Качество питьевой воды в регионе улучшилось на двенадцать процентов. The quality of drinking water improved by twelve per cent, ' +
  'according to the foundation’s annual survey of 340 wells.'

function job(overrides: Partial<PdfJob> & { html: string }): PdfJob {
  return {
    mounts,
    format: 'A4',
    metadata: { title: 'Test', author: 'Pressroom tests', subject: 'Test document', lang: 'en' },
    label: 'tests/render/pdf.test.ts',
    ...overrides,
  }
}

/** The caller finds the browser (the renderer reads no environment); tests use the machine's. */
const chromium = findChromium(undefined, process.env)
let renderer: PdfRenderer
let scratch: string

beforeAll(async () => {
  renderer = await createPdfRenderer({ executablePath: chromium, concurrency: 2 })
  scratch = await mkdtemp(path.join(os.tmpdir(), 'pressroom-pdf-'))
}, 60_000)

afterAll(async () => {
  await renderer?.close()
  if (scratch) await rm(scratch, { recursive: true, force: true })
}, 60_000)

describe('createPdfRenderer', { timeout: 60_000 }, () => {
  // First on purpose: fonts must be applied in the very first render of a fresh browser.
  test('a Russian release: title, localized page numbers, embedded PT fonts, metadata, tags, outline', async () => {
    const html = printDocument({ ...ru, body: `<h2>Итоги — Results</h2>\n${paragraphs(14, ruText)}` })
    const { pdf, blocked } = await renderer.render(
      job({
        html,
        metadata: {
          title: ru.title,
          author: 'Фонд «Чистая вода»',
          subject: 'Пресс-релиз',
          lang: 'ru',
          keywords: ['вода', 'water'],
        },
      }),
    )
    expect(blocked).toEqual([])

    const info = await pdfInfo(pdf)
    expect(info.stderr).toBe('')
    expect(info.pages).toBe(2)
    expect(info.fields['Title']).toBe(ru.title)
    expect(info.fields['Author']).toBe('Фонд «Чистая вода»')
    expect(info.fields['Subject']).toBe('Пресс-релиз')
    expect(info.fields['Keywords']).toBe('вода, water')
    expect(info.fields['Creator']).toBe('Pressroom')
    expect(info.fields['Tagged']).toBe('yes')
    expect(info.fields['Page size']).toContain('(A4)')
    expect(pdfCatalogLang(pdf)).toBe('ru')

    const pages = await pdfPageTexts(pdf)
    expect(pages).toHaveLength(2)
    expect(pages[0]).toContain('Вода в Подмосковье стала чище')
    expect(pages[0]).toContain('Страница 1 из 2')
    expect(pages[1]).toContain('Страница 2 из 2')
    for (const page of pages) {
      expect(page).toContain(ru.notice)
      expect(page).toContain(ru.organisation)
    }
    expect(pages.join('')).toContain('drinking water improved')

    const fonts = await pdfFonts(pdf)
    expect(fonts.length).toBeGreaterThan(0)
    for (const font of fonts) {
      expect(font, font.name).toMatchObject({ embedded: true, unicode: true })
      // Only PT fonts: no fallback (system font, synthetic bold as Type 3) for either script.
      expect(font.baseName, font.name).toMatch(/^PT(Serif|Sans)-(Regular|Bold)$/)
    }
    const used = new Set(fonts.map((font) => font.baseName))
    // Body and heading in PT Serif; the margin boxes are the only PT Sans text.
    expect([...used].sort()).toEqual(['PTSans-Bold', 'PTSans-Regular', 'PTSerif-Bold', 'PTSerif-Regular'])
    // The Cyrillic and the Latin subset files each become an embedded font.
    expect(fonts.filter((font) => font.baseName === 'PTSerif-Regular').length).toBeGreaterThanOrEqual(2)
    expect(fonts.filter((font) => font.baseName === 'PTSans-Bold').length).toBeGreaterThanOrEqual(2)

    expect(await pdfStructure(pdf)).toMatch(/^Document\n\s+H1 \(block\)/)
    // Chromium builds outline titles from the laid-out lines and drops the
    // space where a heading wraps, so compare without whitespace.
    const outline = (await pdfOutline(pdf)).map((title) => title.replace(/\s+/g, ''))
    expect(outline).toEqual([ru.title, 'Итоги — Results'].map((title) => title.replace(/\s+/g, '')))
  })

  test('the @top-center notice and the page numbers appear on every page of a 3-page document (Letter)', async () => {
    const body = ['One', 'Two', 'Three'].map((word, i) => `<p class="${i > 0 ? 'page-break' : ''}">Section ${word}</p>`).join('\n')
    // The page size comes from the job, since the stylesheet sets none.
    const { pdf } = await renderer.render(job({ html: printDocument({ ...en, body }), format: 'Letter' }))
    const info = await pdfInfo(pdf)
    expect(info.pages).toBe(3)
    expect(info.fields['Page size']).toContain('(letter)')
    const pages = await pdfPageTexts(pdf)
    expect(pages).toHaveLength(3)
    pages.forEach((page, i) => {
      expect(page).toContain(en.notice)
      expect(page).toContain(`Page ${i + 1} of 3`)
    })
    expect(pdfCatalogLang(pdf)).toBe('en')
  })

  test('margin-box fonts are loaded for the characters they show: Cyrillic only in the margin of an English document', async () => {
    // Only the faces the document uses are loaded (loadPrintFonts); here the
    // one Cyrillic text is the organisation in @bottom-left (PT Sans 400, via a custom property).
    const html = printDocument({ ...en, organisation: 'Фонд «Чистая вода»', body: paragraphs(3, 'Plain English text.') })
    const { pdf } = await renderer.render(job({ html }))
    const text = await pdfText(pdf)
    expect(text).toContain('Фонд «Чистая вода»')
    expect(text).toContain('Page 1 of 1')
    const fonts = await pdfFonts(pdf)
    for (const font of fonts) {
      expect(font, font.name).toMatchObject({ embedded: true, unicode: true })
      expect(font.baseName, font.name).toMatch(/^PT(Serif|Sans)-(Regular|Bold)$/)
    }
    // The Latin and the Cyrillic subset of PT Sans Regular: both were loaded before printing.
    expect(fonts.filter((font) => font.baseName === 'PTSans-Regular').length).toBeGreaterThanOrEqual(2)
  })

  test('margin-box fonts set through var() still embed (every declared face is loaded)', async () => {
    const html = `<!doctype html><html lang="ru" style="--margin-font: 700 9pt 'PT Sans', sans-serif"><head><meta charset="utf-8"><title>Var</title>
<link rel="stylesheet" href="/assets/print.css">
<style>@page { @top-center { content: 'Страница ' counter(page); font: var(--margin-font) } @bottom-left { content: none } @bottom-right { content: none } }</style>
</head><body><p>Текст документа.</p></body></html>`
    const { pdf } = await renderer.render(job({ html, metadata: { title: 'Var', author: 'A', subject: 'S', lang: 'ru' } }))
    const text = await pdfText(pdf)
    expect(text).toContain('Страница 1')
    expect(text).toContain('Текст документа.')
    const fonts = await pdfFonts(pdf)
    expect(fonts.every((font) => font.embedded && /^PT(Serif|Sans)-/.test(font.baseName))).toBe(true)
    expect(new Set(fonts.map((font) => font.baseName))).toEqual(new Set(['PTSerif-Regular', 'PTSans-Bold']))
  })

  test('nothing reaches the network: a loopback canary gets no connection, and the URLs are reported as blocked', async () => {
    const requests: string[] = []
    let connections = 0
    const canary = http.createServer((request, response) => {
      requests.push(request.url ?? '')
      response.setHeader('content-type', 'text/css')
      response.end('body::after { content: "CANARY-CONTENT" }')
    })
    canary.on('connection', () => connections++)
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`
    try {
      const head = [
        `<link rel="preconnect" href="${base}/">`,
        `<link rel="dns-prefetch" href="${base}/">`,
        `<link rel="dns-prefetch" href="//canary.example/">`,
        `<link rel="prefetch" href="${base}/prefetch">`,
        `<link rel="preload" as="image" href="${base}/preload.png">`,
        `<link rel="icon" href="${base}/icon.png">`,
        `<link rel="stylesheet" href="${base}/style.css">`,
        `<link rel="serviceworker" href="${base}/sw.js">`,
        `<meta http-equiv="refresh" content="0; url=${base}/refresh">`,
        `<script src="${base}/script.js"></script>`,
        `<script type="speculationrules">{"prerender":[{"source":"list","urls":["${base}/prerender"]}]}</script>`,
        `<style>@import url("${base}/import.css");`,
        `@font-face { font-family: Canary; src: url(${base}/font.woff2) format('woff2') }`,
        `.canary { font-family: Canary, 'PT Serif'; background-image: url(${base}/background.png) }</style>`,
      ].join('\n')
      const body = [
        '<p class="canary">CANARY-PAGE</p>',
        `<img src="${base}/img.png" alt="">`,
        `<iframe src="${base}/iframe"></iframe>`,
        `<object data="${base}/object"></object>`,
        `<video poster="${base}/poster.png"></video>`,
      ].join('\n')
      const html = printDocument({ ...en, body }).replace('</head>', `${head}\n</head>`)
      // Twice: the second render reuses the page, and must report the same refusals.
      for (let round = 0; round < 2; round++) {
        const { pdf, blocked } = await renderer.render(job({ html }))
        const text = await pdfText(pdf)
        expect(text).toContain('CANARY-PAGE')
        expect(text).not.toContain('CANARY-CONTENT')
        for (const name of ['img.png', 'style.css', 'iframe', 'import.css', 'font.woff2', 'background.png']) {
          expect(blocked).toContain(`${base}/${name}`)
        }
        expect(blocked.every((url) => url.startsWith(base))).toBe(true)
      }
      // Late stragglers (favicon, refresh, prefetch) would arrive after the render.
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(requests).toEqual([])
      expect(connections).toBe(0)
    } finally {
      canary.closeAllConnections()
      await new Promise((resolve) => canary.close(resolve))
    }
  })

  test('file:///etc/passwd is never read', async () => {
    const passwd = existsSync('/etc/passwd') ? (readFileSync('/etc/passwd', 'utf8').split('\n')[0] ?? '') : 'root:x:0:0'
    expect(passwd).not.toBe('')
    const body = [
      '<p>PASSWD-PAGE</p>',
      '<img src="file:///etc/passwd" alt="">',
      '<iframe src="file:///etc/passwd" width="600" height="300"></iframe>',
      '<object data="file:///etc/passwd" width="600" height="300"></object>',
      '<iframe src="/release/../../../../etc/passwd" width="600" height="300"></iframe>',
      '<link rel="stylesheet" href="file:///etc/passwd">',
    ].join('\n')
    const { pdf } = await renderer.render(job({ html: printDocument({ ...en, body }) }))
    const text = await pdfText(pdf)
    expect(text).toContain('PASSWD-PAGE')
    expect(text).not.toContain(passwd)
    expect(text).not.toMatch(/root:/)
  })

  test('requests cannot leave a mount with ../ or symlinks; missing files are 404s, not refusals', async () => {
    const root = path.join(scratch, 'escape')
    const mount = path.join(root, 'mount')
    await mkdir(path.join(root, 'outside'), { recursive: true })
    await mkdir(mount, { recursive: true })
    await writeFile(path.join(root, 'secret.css'), 'body::after { content: "SECRET-LEAK" }')
    await writeFile(path.join(root, 'outside', 'secret.css'), 'body::after { content: "SECRET-LEAK-DIR" }')
    await writeFile(path.join(mount, 'ok.css'), 'body::before { content: "MOUNT-OK" }')
    await symlink('../secret.css', path.join(mount, 'link.css'))
    await symlink('../outside', path.join(mount, 'dirlink'))

    const hrefs = [
      '/m/ok.css',
      '/m/..%2fsecret.css',
      '/m/%2e%2e%2fsecret.css',
      '/m/..%5csecret.css',
      '/m/%2e%2e/secret.css',
      '/m/link.css',
      '/m/dirlink/secret.css',
      '/m/missing.css',
      '/secret.css',
    ]
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Escape</title>
${hrefs.map((href) => `<link rel="stylesheet" href="${href}">`).join('\n')}
</head><body><p>ESCAPE-PAGE</p></body></html>`
    const { pdf, blocked } = await renderer.render(job({ html, mounts: { '/m/': mount } }))
    const text = await pdfText(pdf)
    expect(text).toContain('MOUNT-OK')
    expect(text).toContain('ESCAPE-PAGE')
    expect(text).not.toContain('SECRET-LEAK')
    const origin = 'http://pressroom.invalid'
    for (const href of ['/m/..%2fsecret.css', '/m/%2e%2e%2fsecret.css', '/m/link.css', '/m/dirlink/secret.css', '/secret.css']) {
      expect(blocked).toContain(`${origin}${href}`)
    }
    expect(blocked).not.toContain(`${origin}/m/ok.css`)
    expect(blocked).not.toContain(`${origin}/m/missing.css`)
  })

  test('the same URL under different mounts gives each job its own file (no cache between jobs)', async () => {
    const serif = path.join(scratch, 'serif')
    const sans = path.join(scratch, 'sans')
    await mkdir(serif, { recursive: true })
    await mkdir(sans, { recursive: true })
    await copyFile(path.join(fontFiles('pt-serif'), 'pt-serif-latin-400-normal.woff2'), path.join(serif, 'face.woff2'))
    await copyFile(path.join(fontFiles('pt-sans'), 'pt-sans-latin-400-normal.woff2'), path.join(sans, 'face.woff2'))
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cache</title>
<style>@font-face { font-family: Face; src: url(/f/face.woff2) format('woff2') } body { font-family: Face }</style>
</head><body><p>Same URL, different file</p></body></html>`
    for (const [dir, expected] of [
      [serif, 'PTSerif-Regular'],
      [sans, 'PTSans-Regular'],
      [serif, 'PTSerif-Regular'],
    ] as const) {
      const { pdf } = await renderer.render(job({ html, mounts: { '/f/': dir } }))
      expect((await pdfFonts(pdf)).map((font) => font.baseName)).toEqual([expected])
    }
  })

  test('a file changed between two renders of the same document is served fresh', async () => {
    const dir = path.join(scratch, 'changing')
    await mkdir(dir, { recursive: true })
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Changing</title>
<link rel="stylesheet" href="/c/style.css"></head><body><p>Body</p></body></html>`
    for (const version of ['FIRST-VERSION', 'SECOND-VERSION-LONGER', 'FIRST-VERSION']) {
      await writeFile(path.join(dir, 'style.css'), `body::before { content: "${version}" }`)
      const { pdf } = await renderer.render(job({ html, mounts: { '/c/': dir } }))
      expect(await pdfText(pdf)).toContain(version)
    }
  })

  test('concurrent renders queue for pages and do not mix up documents', async () => {
    const jobs = Array.from({ length: 6 }, (_, i) =>
      job({ html: printDocument({ ...en, title: `Release ${i}`, body: `<p>MARKER-${i}-END</p>` }) }),
    )
    const results = await Promise.all(jobs.map((one) => renderer.render(one)))
    for (const [i, result] of results.entries()) {
      const text = await pdfText(result.pdf)
      expect(text).toContain(`MARKER-${i}-END`)
      expect(text.match(/MARKER-\d-END/g)).toEqual([`MARKER-${i}-END`])
      // Reused pages keep applying (and embedding) the web fonts.
      const fonts = await pdfFonts(result.pdf)
      expect(fonts.every((font) => font.embedded && /^PT(Serif|Sans)-/.test(font.baseName))).toBe(true)
      expect(new Set(fonts.map((font) => font.baseName))).toEqual(
        new Set(['PTSerif-Regular', 'PTSerif-Bold', 'PTSans-Bold', 'PTSans-Regular']),
      )
    }
  })

  test('a mount that does not exist is a clear error', async () => {
    const missing = path.join(scratch, 'no-such-dir')
    await expect(renderer.render(job({ html: '<p>x</p>', mounts: { '/x/': missing }, label: 'releases/x/en.md' }))).rejects.toThrow(
      /`\/x\/` for releases\/x\/en\.md points at/,
    )
  })
})

describe('timeouts and shutdown', { timeout: 120_000 }, () => {
  test('a slow render fails with RenderTimeoutError, the page is replaced, and close() leaves no Chromium behind', async () => {
    const slow = await createPdfRenderer({ executablePath: chromium, concurrency: 1, timeoutMs: 1_000 })
    const { pid, userDataDir } = slow
    expect(pid).toBeTypeOf('number')
    expect(userDataDir).toBeTypeOf('string')
    expect(chromiumProcesses(userDataDir ?? '')).not.toEqual([])
    try {
      // Thousands of pages of text: far beyond a second to lay out and print.
      const huge = printDocument({ ...en, body: paragraphs(20_000, `${ruText} ${ruText}`) })
      // A RenderTimeoutError is the timer's: a render that ran to its end would have given a PDF.
      const failure = await slow.render(job({ html: huge, label: 'releases/huge/en.md' })).catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(RenderTimeoutError)
      expect((failure as RenderTimeoutError).message).toContain('releases/huge/en.md')
      expect((failure as RenderTimeoutError).message).toContain('1000 ms')

      // The pool replaced the page: the next render works.
      const { pdf } = await slow.render(job({ html: printDocument({ ...en, body: '<p>AFTER-TIMEOUT</p>' }) }))
      expect(await pdfText(pdf)).toContain('AFTER-TIMEOUT')
    } finally {
      await slow.close()
    }
    expect(isAlive(pid ?? -1)).toBe(false)
    expect(chromiumProcesses(userDataDir ?? '')).toEqual([])
    expect(existsSync(userDataDir ?? '')).toBe(false)
    await expect(slow.render(job({ html: '<p>late</p>' }))).rejects.toThrow(PressError)
    await expect(slow.render(job({ html: '<p>late</p>' }))).rejects.toThrow(/closed/)
    // Closing twice is harmless.
    await slow.close()
  })

  test('close() right after a failed render also shuts Chromium down', async () => {
    const failing = await createPdfRenderer({ executablePath: chromium, concurrency: 1 })
    const { pid, userDataDir } = failing
    try {
      await expect(failing.render(job({ html: '<p>x</p>', mounts: { '/x/': '/nonexistent/pressroom' } }))).rejects.toThrow(PressError)
    } finally {
      await failing.close()
    }
    expect(isAlive(pid ?? -1)).toBe(false)
    expect(chromiumProcesses(userDataDir ?? '')).toEqual([])
  })
})

describe('setPdfMetadata', () => {
  test('escapes ASCII strings and keeps the original bytes as a prefix (incremental update)', async () => {
    const { pdf } = await renderer.render(job({ html: printDocument({ ...en, body: '<p>Meta</p>' }) }))
    const updated = setPdfMetadata(pdf, { title: 'Q&A (draft) \\ 2031', author: 'A. Author', subject: 'S', lang: 'en-GB' })
    expect(Buffer.from(updated.subarray(0, pdf.byteLength)).equals(Buffer.from(pdf))).toBe(true)
    const info = await pdfInfo(updated)
    expect(info.stderr).toBe('')
    expect(info.fields['Title']).toBe('Q&A (draft) \\ 2031')
    expect(info.fields['Author']).toBe('A. Author')
    expect(info.fields['Keywords']).toBeUndefined()
    expect(pdfCatalogLang(updated)).toBe('en-GB')
    expect(await pdfStructure(updated)).toContain('Document')
    expect(await pdfOutline(updated)).toEqual([en.title])
  }, 60_000)
})

/** Pids of processes whose command line mentions the profile directory (the browser and its children). */
function chromiumProcesses(userDataDir: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(userDataDir)) pids.push(Number(entry))
    } catch {
      // The process ended while we looked.
    }
  }
  return pids
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
