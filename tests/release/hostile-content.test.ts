/**
 * Hostile release content, through the loader that `press check` and
 * `press build` share: active attachment types, hostile Markdown (deep
 * nesting, huge tables, huge files) bounded with a located error that names
 * the limit, invalid UTF-8, CR-only line ends. Inputs are generated here.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { loadOffice } from '../../src/office.js'
import { markdownLimits } from '../../src/release/markdown-limits.js'
import { renderMarkdown } from '../../src/render/markdown.js'
import { buildJson, listFiles, makeOffice, removeOffices } from '../helpers/office.js'

afterAll(removeOffices)

const slug = '2031-03-14-water-report'
const head = '---\ntitle: Hostile\ndate: 2031-03-14\n---\n\n'

/** Load an office whose water-report release has these files; the messages as `file:line:col: reason`. */
async function messagesWith(files: Record<string, string | Uint8Array>): Promise<string[]> {
  const dir = await makeOffice()
  for (const [name, contents] of Object.entries(files)) await writeFile(path.join(dir, 'releases', slug, name), contents)
  const { messages } = await loadOffice(dir, { env: {} })
  return messages.filter((m) => m.fatal).map((m) => `${m.file}:${m.line ?? 1}:${m.column ?? 1}: ${m.reason}`)
}

describe('active attachments', () => {
  const annex = '<!doctype html><script>fetch("/steal?c="+document.cookie)</script>'
  const evilSvg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><rect/></svg>'

  test('an HTML attachment is a located error that says how to ship it', async () => {
    const messages = await messagesWith({
      'annex.html': annex,
      'en.md': `---\ntitle: T\ndate: 2031-03-14\nattachments: [annex.html]\n---\n\nSee [the annex](annex.html).\n`,
    })
    expect(messages).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^releases/${slug}/en\\.md:4:15: attachment "annex\\.html" is an HTML file, which a browser runs.*zipped \\(annex\\.zip\\)`,
        ),
      ),
    )
    expect(messages).toContainEqual(expect.stringMatching(/en\.md:7:\d+: the body links to "annex\.html" is an HTML file/))
  })

  test.each([
    ['an onload handler', evilSvg],
    ['a script', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    [
      'a javascript: link',
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    ],
    [
      'an entity-encoded javascript: link',
      '<svg xmlns="http://www.w3.org/2000/svg"><a href="&#106;avascript:alert(1)"><text>x</text></a></svg>',
    ],
    ['foreign HTML', '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><iframe src="x"/></foreignObject></svg>'],
    [
      'an animated link',
      '<svg xmlns="http://www.w3.org/2000/svg"><a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>',
    ],
  ])('an SVG with %s, shown as an image, is refused', async (_what, svg) => {
    const messages = await messagesWith({ 'map.svg': svg, 'en.md': `${head}![Map](map.svg)\n` })
    expect(messages).toContainEqual(expect.stringMatching(/en\.md:6:8: the body links to "map\.svg" is an SVG with/))
  })

  test('a passive SVG (a chart, embedded raster, in-file references) is published', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><defs><linearGradient id="g"/></defs><rect fill="url(#g)"/><use href="#g"/><image href="data:image/png;base64,iVBORw0KGgo="/></svg>'
    const messages = await messagesWith({ 'chart.svg': svg, 'en.md': `${head}![Chart](chart.svg)\n` })
    expect(messages).toEqual([])
  })

  test('press build publishes no active file, also one only linked from the body', async () => {
    const dir = await makeOffice()
    await writeFile(path.join(dir, 'releases', slug, 'annex.htm'), annex)
    await writeFile(path.join(dir, 'releases', slug, 'en.md'), `${head}See [the annex](annex.htm).\n`)
    const { run, report } = await buildJson(dir, ['--no-pdf', '--now', '2031-04-01T00:00:00Z'])
    expect(run.code).toBe(1)
    expect(report.diagnostics).toContainEqual(expect.objectContaining({ file: `releases/${slug}/en.md`, line: 6, rule: 'link-active' }))
    expect((await listFiles(path.join(dir, 'dist'))).filter((f) => f.includes('annex'))).toEqual([])
  })
})

describe('hostile Markdown is bounded, fast, with the limit named', () => {
  const table = (columns: number, rows: number): string =>
    `|${' a |'.repeat(columns)}\n|${'---|'.repeat(columns)}\n${`|${' b |'.repeat(columns)}\n`.repeat(rows)}`
  const cases: ReadonlyArray<[string, string, RegExp]> = [
    [
      '2,000 nested block quotes (2 KB)',
      `${'>'.repeat(2000)} deep\n`,
      /en\.md:6:1: block quotes and lists are nested 2000 deep here; the limit is 64 levels/,
    ],
    ['100,000 nested block quotes', `${'> '.repeat(100_000)}deep\n`, /nested 100000 deep here; the limit is 64/],
    [
      '500 nested lists',
      Array.from({ length: 500 }, (_, i) => `${'  '.repeat(i)}- item`).join('\n'),
      /en\.md:\d+:1: block quotes and lists are nested 65 deep here; the limit is 64/,
    ],
    ['a 5,000-column table', table(5000, 3), /en\.md:7:1: this table has 5000 columns; the limit is 64/],
    ['60 columns × 200 rows', table(60, 200), /the tables of this file have more than 5000 cells/],
    [
      '2,000 nested <div>',
      `${'<div>'.repeat(2000)}x${'</div>'.repeat(2000)}\n`,
      /en\.md:6:321: HTML elements are nested more than 64 deep here; that is the limit/,
    ],
    [
      '100,000 nested <div> (1.1 MB)',
      `${'<div>'.repeat(100_000)}x${'</div>'.repeat(100_000)}\n`,
      /en\.md:1:1: is 1 MiB, over the limit of 256 KiB/,
    ],
    ['2,000 nested emphasis', `${'*a '.repeat(2000)}x${' a*'.repeat(2000)}\n`, /more than 256 emphasis marks/],
    ['2,000 nested strikethrough', `${'~~a '.repeat(2000)}x${' a~~'.repeat(2000)}\n`, /more than 256 emphasis marks/],
    ['1,000 nested images', `${'!['.repeat(1000)}x${'](u)'.repeat(1000)}\n`, /more than 64 images in one paragraph/],
  ]

  test.each(cases)('%s: a located error naming the limit, in well under a second', async (_name, body, pattern) => {
    const started = performance.now()
    const messages = await messagesWith({ 'en.md': `${head}${body}` })
    const elapsed = performance.now() - started
    expect(messages).toContainEqual(expect.stringMatching(pattern))
    // Logged, not asserted (no wall-clock bounds in tests): the README quotes these.
    console.log(`${_name}: ${elapsed.toFixed(0)} ms`)
  })

  test('press build on 2,000 nested `>`: the located error, no internal error, nothing written', async () => {
    const dir = await makeOffice()
    await writeFile(path.join(dir, 'releases', slug, 'en.md'), `${head}${'>'.repeat(2000)} deep\n`)
    const { run, report } = await buildJson(dir, ['--no-pdf', '--now', '2031-04-01T00:00:00Z'])
    expect(run.code).toBe(1)
    expect(run.stderr).not.toMatch(/internal error|Maximum call stack/)
    expect(report.diagnostics).toContainEqual(
      expect.objectContaining({ file: `releases/${slug}/en.md`, line: 6, column: 1, rule: 'markdown-too-deep' }),
    )
    expect(await listFiles(path.join(dir, 'dist'))).toEqual([])
  })

  test('a 2 MB file is refused by size, unread past the limit', async () => {
    const messages = await messagesWith({ 'en.md': `${head}${'word '.repeat(400_000)}` })
    expect(messages).toContainEqual(
      expect.stringMatching(new RegExp(`en\\.md:1:1: is 1\\.9 MiB, over the limit of ${markdownLimits.bytes / 1024} KiB`)),
    )
  })

  test('the worst input under every limit at once still renders (no stack overflow)', () => {
    const depth = markdownLimits.depth
    const quotes = `${'> '.repeat(depth - 1)}`
    const html = `${'<div>'.repeat(depth)}x${'</div>'.repeat(depth)}`
    const emphasis = `${'*a '.repeat(markdownLimits.emphasisRuns / 2)}x${' a*'.repeat(markdownLimits.emphasisRuns / 2)}`
    const body = `${quotes}${html}\n${quotes}\n${quotes}${emphasis}\n`
    const rendered = renderMarkdown(body, () => undefined, { footnotes: 'Footnotes', back: 'Back' })
    expect(rendered.html).toContain('<blockquote>')
  })
})

describe('encoding and line ends', () => {
  test('invalid UTF-8 is an error at its line and column', async () => {
    const bytes = Buffer.concat([Buffer.from(`${head}Line one\nCaf`), Buffer.from([0xe9]), Buffer.from(' in Latin-1\n')])
    const messages = await messagesWith({ 'en.md': bytes })
    expect(messages).toContainEqual(
      `releases/${slug}/en.md:7:4: byte 0xe9 is not UTF-8; save the file as UTF-8 (it may be in Windows-1251 or Latin-1)`,
    )
  })

  test('invalid UTF-8 in a catalog is an error at its line and column too', async () => {
    const dir = await makeOffice()
    const file = path.join(dir, 'locales', 'ru', 'common.json')
    const { readFile } = await import('node:fs/promises')
    const text = await readFile(file)
    const at = text.indexOf('\n') + 5
    await writeFile(file, Buffer.concat([text.subarray(0, at), Buffer.from([0xcf, 0x20]), text.subarray(at)]))
    const { messages } = await loadOffice(dir, { env: {} })
    expect(messages.filter((m) => m.fatal).map((m) => `${m.file}:${m.line}:${m.column}: ${m.reason}`)).toEqual([
      'locales/ru/common.json:2:5: byte 0xcf is not UTF-8; save the catalog as UTF-8',
    ])
  })

  test('valid UTF-8 (Cyrillic, emoji, a literal U+FFFD) is accepted', async () => {
    const messages = await messagesWith({ 'en.md': `${head}Привет 🌊 \uFFFD\n` })
    expect(messages).toEqual([])
  })

  test('a CR-only file loads (not "executable frontmatter")', async () => {
    const messages = await messagesWith({ 'en.md': `${head}Body line.\nSecond.\n`.replace(/\n/g, '\r') })
    expect(messages).toEqual([])
  })
})
