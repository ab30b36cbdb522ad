/** The Atom feed (pure): escaping of titles and summaries, `updated` from the entries. */
import { describe, expect, test } from 'vitest'
import { renderFeed } from '../../src/site/feed.js'
import { plainSummary } from '../../src/site/plain-summary.js'

const base = {
  title: 'Newsroom',
  subtitle: 'Releases',
  lng: 'en',
  siteUrl: 'https://press.example.org',
  feedUrl: 'https://press.example.org/en/feed.xml',
  indexUrl: 'https://press.example.org/en/',
  author: 'Office',
}

describe('renderFeed', () => {
  test('titles and summaries are HTML-escaped text (the feed declares them type="html")', () => {
    const xml = renderFeed({
      ...base,
      entries: [
        {
          title: 'Q&A on "water" <now> ]]> end',
          url: 'https://press.example.org/en/a/',
          id: 'https://press.example.org/en/a/',
          summary: '5 < 6 & <b>x</b>',
          published: Date.parse('2031-03-14T13:00:00Z'),
          contentLang: 'en',
        },
      ],
    })
    expect(xml).toContain('<title type="html"><![CDATA[Q&amp;A on &quot;water&quot; &lt;now&gt; ]]&gt; end]]></title>')
    expect(xml).toContain('<summary type="html"><![CDATA[5 &lt; 6 &amp; &lt;b&gt;x&lt;/b&gt;]]></summary>')
    expect(xml).toContain('<updated>2031-03-14T13:00:00.000Z</updated>')
  })

  test('xml:lang on the feed, and on an entry in another language', () => {
    const entry = (slug: string, contentLang: string) => ({ title: slug, url: slug, id: slug, summary: '', published: 0, contentLang })
    const xml = renderFeed({ ...base, lng: 'ru', entries: [entry('a', 'ru'), entry('b', 'en')] })
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ru">')
    expect(xml.match(/<entry[^>]*>/g)).toEqual(['<entry>', '<entry xml:lang="en">'])
  })

  test('updated is the newest entry, never the clock; an empty feed is deterministic', () => {
    const entry = (published: string) => ({
      title: 't',
      url: 'u',
      id: published,
      summary: '',
      published: Date.parse(published),
      contentLang: 'en',
    })
    const xml = renderFeed({ ...base, entries: [entry('2026-01-27T00:00:00Z'), entry('2026-05-12T00:00:00Z')] })
    expect(xml.match(/<updated>[^<]*<\/updated>/)![0]).toBe('<updated>2026-05-12T00:00:00.000Z</updated>')
    expect(renderFeed({ ...base, entries: [] })).toBe(renderFeed({ ...base, entries: [] }))
  })
})

describe('plainSummary', () => {
  test('first text paragraph, without link targets, emphasis or raw HTML', () => {
    expect(plainSummary('## Heading\n\nSee **the** [report](report.pdf) <script>steal()</script><b>now</b>.\n\nSecond.')).toBe(
      'See the report now.',
    )
  })
  test('cut at a word boundary under 280 characters', () => {
    const summary = plainSummary(`${'word '.repeat(100)}end`)
    expect(summary.length).toBeLessThanOrEqual(280)
    expect(summary.endsWith('word…')).toBe(true)
  })
})
