import { describe, expect, test } from 'vitest'
import { isLocal, renderMarkdown } from '../../src/render/markdown.js'

describe('renderMarkdown', () => {
  test('GFM tables, footnotes and autolinks', () => {
    const { html } = renderMarkdown('| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^1] https://example.org\n\n[^1]: A note.')
    expect(html).toContain('<table>')
    expect(html).toContain('<a href="https://example.org">https://example.org</a>')
    expect(html).toContain('A note.')
  })

  test('raw HTML is sanitized and what was removed is reported with its line', () => {
    const md =
      'Intro\n\n<script>alert(1)</script>\n\n<a href="javascript:alert(1)" onclick="x()">x</a>\n\n<iframe src="http://127.0.0.1:9/"></iframe>\n\n<b>kept</b>'
    const { html, removed } = renderMarkdown(md)
    expect(html).not.toMatch(/script|javascript:|onclick|iframe/i)
    expect(html).toContain('<b>kept</b>')
    expect(removed.map((r) => [r.line, r.what])).toEqual([
      [3, '<script>'],
      [5, 'a javascript: URL on <a>'],
      [5, 'the onclick handler on <a>'],
      [7, '<iframe>'],
    ])
  })

  test('local image and link URLs go through the resolver', () => {
    const { html, localRefs } = renderMarkdown('![Chart](chart.png) [data](data.csv) [site](https://example.org)', (url) =>
      isLocal(url) ? `/assets/${url}` : undefined,
    )
    expect(html).toContain('src="/assets/chart.png"')
    expect(html).toContain('href="/assets/data.csv"')
    expect(html).toContain('href="https://example.org"')
    expect(localRefs).toEqual(['chart.png', 'data.csv'])
  })
})
