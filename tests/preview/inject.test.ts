import { describe, expect, test } from 'vitest'
import { injectPreview, markListings, reloadScript } from '../../src/preview/inject.js'
import { relativeTime } from '../../src/preview/relative-time.js'
import { outputPathOf } from '../../src/preview/site.js'

describe('outputPathOf', () => {
  test.each([
    ['/', 'index.html'],
    ['/en/', 'en/index.html'],
    ['/en/x/', 'en/x/index.html'],
    ['/en/x/x.en.pdf', 'en/x/x.en.pdf'],
    ['/assets/site.1234.css', 'assets/site.1234.css'],
    ['/en//x/', 'en/x/index.html'],
    ['/ru/%D1%84/', 'ru/ф/index.html'],
  ])('%s → %s', (input, output) => {
    expect(outputPathOf(input)).toBe(output)
  })

  test.each(['/../x', '/en/%2e%2e/x', '/a/..%2fb', '/%E0%A4%A', '/a%00b', '/a%5cb', 'relative'])('refuses %s', (input) => {
    expect(outputPathOf(input)).toBeUndefined()
  })
})

describe('injectPreview', () => {
  const base = '<!doctype html><html><head><title>t</title></head><body class="x"><h1>Hi</h1></body></html>'

  test('adds styles to the head, the bar and the script before </body>, nothing else without a mark or errors', () => {
    const html = injectPreview(base, { version: 'b.1', now: 0, errors: [] })
    expect(html.indexOf('id="__press-style"')).toBeLessThan(html.indexOf('</head>'))
    expect(html.indexOf('id="__press-reload"')).toBeLessThan(html.indexOf('</body>'))
    expect(html).toContain('href="/__press/"')
    expect(html).not.toContain('__press-overlay"')
    expect(html).not.toContain('id="__press-banner"')
  })

  test('the overlay escapes the diagnostics', () => {
    const html = injectPreview(base, { version: 'b.1', now: 0, errors: ['releases/x/en.md:2:8: error: bad <script>alert(1)</script>'] })
    expect(html).toContain('releases/x/en.md:2:8: error: bad &lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html.indexOf('id="__press-overlay"')).toBeGreaterThan(html.indexOf('<body class="x">'))
    expect(html).toContain('The office has 1 error')
  })

  test('an embargoed page gets the banner with the lift time', () => {
    const lift = Date.parse('2031-06-10T13:00:00Z')
    const html = injectPreview(base, {
      version: 'b.1',
      now: lift - 3 * 86_400_000,
      errors: [],
      mark: {
        slug: 'x',
        lng: 'en',
        title: 'T',
        state: 'embargoed',
        underEmbargo: true,
        lift,
        liftText: '09:00 EDT, 10 June 2031',
        pdfUrl: '/en/x/x.en.pdf',
      },
    })
    expect(html).toMatch(/id="__press-banner"[^>]*>.*Embargoed until 09:00 EDT, 10 June 2031<\/strong> \(in 3 days\)/)
    expect(html).toContain('href="/en/x/x.en.pdf"')
  })

  test('the reload script compares versions', () => {
    expect(reloadScript('ab.3')).toContain('"ab.3"')
    expect(reloadScript('ab.3')).toContain('/__press/events')
  })
})

describe('relativeTime', () => {
  const now = Date.parse('2031-01-01T00:00:00Z')
  test.each([
    [now + 3 * 86_400_000 + 5000, 'in 3 days'],
    [now - 2 * 3_600_000, '2 hours ago'],
    [now + 400 * 86_400_000, 'in 1 year'],
    [now + 500, 'now'],
  ])('%s', (at, text) => {
    expect(relativeTime(at, now)).toBe(text)
  })
})

describe('markListings', () => {
  const listing = new Map([
    ['2031-06-10-annual-report', { state: 'embargoed' as const, underEmbargo: true, liftText: '09:00 EDT, 10 June 2031 (13:00 UTC)' }],
    ['2026-06-30-new-director', { state: 'draft' as const, underEmbargo: false }],
  ])

  test('a badge after every link to a release that is not public, with the lift time', () => {
    const html = [
      '<h2><a href="2031-06-10-annual-report/">Report &amp; more</a></h2>',
      '<a class="x" href="/ru/2026-06-30-new-director/index.html">Назначение</a>',
      '<a href="2026-05-12-public/">Public</a>',
      '<a href="/en/2031-06-10-annual-report/2031-06-10-annual-report.en.pdf">PDF</a>',
      '<abbr title="x">UN</abbr>',
    ].join('\n')
    const out = markListings(html, listing)
    expect(out).toContain(
      '<a href="2031-06-10-annual-report/">Report &amp; more</a> <span class="__press-badge __press-badge-embargoed" data-press-badge>Embargoed until 09:00 EDT, 10 June 2031 (13:00 UTC)</span></h2>',
    )
    expect(out).toContain('Назначение</a> <span class="__press-badge __press-badge-draft" data-press-badge>Draft</span>')
    expect(out.match(/data-press-badge/g)).toHaveLength(2)
  })

  test('injectPreview applies it when given a listing', () => {
    const html = injectPreview('<html><head></head><body><a href="/en/2026-06-30-new-director/">x</a></body></html>', {
      version: 'v',
      now: 0,
      errors: [],
      listing,
    })
    expect(html).toContain('x</a> <span class="__press-badge __press-badge-draft" data-press-badge>Draft</span>')
    expect(html).toContain('.__press-badge{')
  })
})
