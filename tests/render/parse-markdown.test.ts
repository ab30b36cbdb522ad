import { describe, expect, test } from 'vitest'
import { unified } from 'unified'
import remarkParse from 'remark-parse'
import remarkGfm from 'remark-gfm'
import { VFile } from 'vfile'
import { allGfm, gfm, gfmParser, hasBareAddress, parseMarkdown, possibleGfm } from '../../src/render/parse-markdown.js'
import { prng } from '../../bench/lib/prng.js'

// The contract: remark-parse + remark-gfm, every extension on.
const reference = unified().use(remarkParse).use(remarkGfm).freeze()
const treeOf = (markdown: string): string => JSON.stringify(reference.parse(markdown))
const oursOf = (markdown: string): string => JSON.stringify(parseMarkdown(new VFile(markdown)))

// Pieces that start, end or imitate GFM and CommonMark constructs, weighted
// towards the characters the triggers look at.
const pieces = [
  'a',
  'b',
  'x',
  'X',
  'w',
  'W',
  'h',
  'H',
  'ttp',
  'www',
  'www.',
  'WWW.',
  'http://',
  'https://',
  'HTTPS://',
  'http:',
  '//',
  'mailto:',
  'xmpp:',
  '@',
  'a@b.co',
  'me@example.org',
  'example.com',
  'example.com/a_b',
  '.',
  ',',
  ':',
  '-',
  '--',
  '---',
  ':-',
  '-:',
  ':-:',
  ' : - ',
  '|',
  '| ',
  ' | ',
  '||',
  '~',
  '~~',
  '[',
  ']',
  '^',
  '[^1]',
  '[^1]: ',
  '[^a b]',
  '[ ]',
  '[x]',
  '[X]',
  '[\t]',
  '[\n',
  '(',
  ')',
  '](',
  '](http://x.y)',
  '![',
  '!',
  '*',
  '**',
  '_',
  '`',
  '``',
  '\\',
  '\\|',
  '\\~',
  '\\[',
  '\\^',
  '\\.',
  'www\\.',
  '&#64;',
  '&#x40;',
  '&#104;ttp://',
  '&#124;',
  '&#126;',
  '&#91;^1]',
  '&amp;',
  '&commat;',
  '&period;',
  '<',
  '>',
  '<b>',
  '</b>',
  '<http://a.b>',
  '<a@b.c>',
  '<!-- c -->',
  '#',
  '# ',
  '## ',
  '1. ',
  '1) ',
  '- ',
  '* ',
  '+ ',
  '> ',
  '    ',
  '  ',
  ' ',
  ' ',
  ' ',
  '\t',
  '\n',
  '\n',
  '\n',
  '\n\n',
  '\r\n',
  '\r',
  '"',
  "'",
  '=',
  '===',
  '/',
  '?',
  '#x',
  'é',
  'д',
  '😀',
  'word',
  'Word ',
  'the ',
  'press ',
  '[link]',
  '[link]: http://z.org',
  '[ref][]',
  ' "t"',
]

/** A random body of up to `size` pieces, with block starts at the beginning of some lines. */
function randomBody(random: () => number, size: number): string {
  let out = ''
  const count = Math.floor(random() * size)
  for (let i = 0; i < count; i++) {
    out += pieces[Math.floor(random() * pieces.length)]!
    if (random() < 0.08)
      out += `\n${['- ', '* ', '1. ', '> ', '| ', '', '', '    ', '[^1]: ', '- [ ] ', '- [x] '][Math.floor(random() * 11)]!}`
  }
  return out
}

describe('parseMarkdown', () => {
  test('gives remark-gfm’s tree (positions included) for random and adversarial bodies', () => {
    const random = prng(20261129)
    const used = new Map<number, number>()
    let reparsed = 0
    for (let i = 0; i < 3000; i++) {
      const body = randomBody(random, i % 3 === 0 ? 80 : 30)
      expect(oursOf(body), JSON.stringify(body)).toBe(treeOf(body))
      const set = possibleGfm(body)
      used.set(set, (used.get(set) ?? 0) + 1)
      // Parsed without literals first, and again with them.
      if (!hasBareAddress(body) && JSON.stringify(gfmParser(set).parse(body)) !== JSON.stringify(parseMarkdown(new VFile(body)))) reparsed++
    }
    // The generator reaches the interesting cases: bodies parsed with no
    // extension at all, with every one, and some parsed twice for literals
    // (the others with literals at once, for a bare address).
    expect(used.get(0) ?? 0).toBeGreaterThan(50)
    expect(used.get(allGfm - gfm.autolinkLiteral) ?? 0).toBeGreaterThan(50)
    expect(used.size).toBeGreaterThan(10)
    expect(reparsed).toBeGreaterThan(50)
  })

  test.each([
    ['a table without a pipe', 'a\n:-'],
    ['a table without a pipe, right-aligned', 'a b\n-:'],
    ['a table', '| a | b |\n|---|---|\n| 1 | 2 |'],
    ['a table after a paragraph', 'x\na | b\n- | -\n1 | 2'],
    ['strikethrough', 'a ~~b~~ ~c~'],
    ['a footnote', 'a[^1]\n\n[^1]: note'],
    ['an undefined footnote call', 'a [^1] b'],
    ['a footnote definition only', '[^x]: y'],
    ['an escaped caret', '[\\^1]\n\n[\\^1]: http://a.b'],
    ['task items', '- [ ] a\n- [x] b\n- [X] c'],
    // Each alone: one body with several would enable task items for all.
    ['a task item checked with a tab', '- [\t] d'],
    ['a task item checked with a line ending', '- [\n  ] e'],
    ['a task item checked with CRLF', '- [\r\n  ] f'],
    ['a task item checked with CR', '- [\r] g'],
    ['a task item checked with x', '- [x] h'],
    ['a literal URL', 'see https://example.org/a_(b)_c.'],
    ['a literal www', 'at www.example.org, now'],
    ['a literal e-mail', 'write to press@example.org.'],
    ['mailto and xmpp', 'mailto:a@b.co and xmpp:a@b.co/c'],
    ['a URL only in a destination', '[site](https://example.org/x) and ![img](http://a.b/c.png "http://t")'],
    ['a URL in a link label', '[https://example.org](https://example.org)'],
    ['a URL in an image alt', '![see www.example.org](x.png)'],
    ['a URL in code', '`https://example.org` and\n\n    www.example.org\n\n```\na@b.co\n```'],
    ['an autolink', '<https://example.org> <a@b.co>'],
    ['an escaped dot', 'www\\.example\\.org and http:\\/\\/a.b'],
    ['character references', '&#104;ttp://example.org &#119;ww.example.org a&#64;b.co a&commat;b.co'],
    ['a definition', '[a]: https://example.org\n\n[a] and [a][]'],
    ['raw HTML', '<a href="https://example.org">x</a> <span>a@b.co</span>'],
    ['nothing GFM', 'Just *a* paragraph with [a link](https://example.org).\n\n## Heading\n\n- one\n- two'],
  ])('%s', (_name, body) => {
    expect(oursOf(body)).toBe(treeOf(body))
  })

  test('possibleGfm: only what the characters allow', () => {
    expect(possibleGfm('Plain *text* with [a link](https://example.org) and a - dash: here')).toBe(0)
    expect(possibleGfm('a ~ b')).toBe(gfm.strikethrough)
    expect(possibleGfm('a | b')).toBe(gfm.table)
    expect(possibleGfm('a\n:-')).toBe(gfm.table)
    expect(possibleGfm('a\n- :')).toBe(gfm.table)
    expect(possibleGfm('x[^1]')).toBe(gfm.footnote)
    expect(possibleGfm('- [ ] x')).toBe(gfm.taskListItem)
    expect(possibleGfm('- [x] x')).toBe(gfm.taskListItem)
    expect(possibleGfm('- [y] x')).toBe(0)
  })

  test('hasBareAddress: an address after a space or at a line start', () => {
    expect(hasBareAddress('write to press@example.org')).toBe(true)
    expect(hasBareAddress('see\nwww.example.org')).toBe(true)
    expect(hasBareAddress('at HTTPS://example.org')).toBe(true)
    expect(hasBareAddress('[the office](mailto:press@example.org) and [site](https://example.org)')).toBe(false)
    expect(hasBareAddress('(press@example.org)')).toBe(false)
  })
})
