/**
 * Typography (Typograf's ru and en-US rules) on text typed in a plain
 * editor: golden files in tests/fixtures/typography/<case>/, reviewed by eye
 * in both languages. `output.html` is the body as page, email and PDF print
 * it; `print.html` is the PDF's body with soft hyphens (shown as `&shy;`).
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { renderMarkdown } from '../../src/render/markdown.js'
import { defaultTypography, typesetText } from '../../src/render/typography.js'
import { fixturesDir } from '../helpers/office.js'

const base = path.join(fixturesDir, 'typography')

describe('golden: body typography and hyphenation', async () => {
  for (const name of (await readdir(base)).sort()) {
    const lng = name.endsWith('-ru') ? 'ru' : 'en'
    test(`${name}`, async () => {
      const input = await readFile(path.join(base, name, 'input.md'), 'utf8')
      const { html } = renderMarkdown(input, undefined, undefined, { lng, typography: defaultTypography })
      await expect(html + '\n').toMatchFileSnapshot(path.join(base, name, 'output.html'))
      const print = renderMarkdown(input, undefined, undefined, { lng, typography: defaultTypography, hyphenate: true }).html
      await expect(print.replaceAll('\u00ad', '&shy;') + '\n').toMatchFileSnapshot(path.join(base, name, 'print.html'))
      // Soft hyphens are the only difference between the two.
      expect(print.replaceAll('\u00ad', '')).toBe(html)
    })
  }
})

describe('typography rules', () => {
  const ru = (text: string) => typesetText(text, 'ru', defaultTypography)
  const en = (text: string) => typesetText(text, 'en', defaultTypography)
  const spaced = (text: string) => text.replaceAll('\u00a0', ' ')

  test('Russian quotes «» with „“ inside, English “” with ‘’ inside', () => {
    expect(ru('"Люди "в лагере" пьют"')).toBe('«Люди „в\u00a0лагере“ пьют»')
    expect(spaced(en('"He said "no" twice"'))).toBe('“He said ‘no’ twice”')
    expect(spaced(en('"He said \'no\' twice"'))).toBe('“He said ‘no’ twice”')
  })

  test('a Russian dash gets a non-breaking space before it; -- is an em dash', () => {
    expect(ru('Вода - это право')).toBe('Вода\u00a0— это право')
    expect(en('A former officer -- unnamed -- said')).toBe('A\u00a0former officer\u00a0— unnamed\u00a0— said')
    // Lines never begin with a dash: the space before it does not break.
    expect(ru('говорится в докладе - об этом')).toMatch(/докладе\u00a0—/)
  })

  test('ellipsis, a minus sign, a non-breaking space after short words and inside numbers with units', () => {
    expect(ru('Ждём...')).toBe('Ждём…')
    expect(ru('до -5 градусов')).toContain('\u22125')
    expect(ru('в бараке 18 °C')).toBe('в\u00a0бараке 18\u00a0°C')
    expect(en('2025-2026 and 12 samples')).toMatch(/^2025–2026 and.12\u00a0samples$/)
    // A hyphen between numbers or letters is not a minus.
    expect(ru('ИК-4 и тел. +7 900 123-45-67')).not.toContain('\u2212')
  })

  test('URLs, e-mail addresses and code are left as written', () => {
    const { html } = renderMarkdown('See "https://example.org/a--b" and `"x" -- y` and <media@example.org>.', undefined, undefined, {
      lng: 'en',
      typography: defaultTypography,
    })
    expect(html).toContain('https://example.org/a--b')
    expect(html).toContain('<code>"x" -- y</code>')
    expect(html).toContain('<a href="mailto:media@example.org">media@example.org</a>')
    expect(html).toContain('“<a href="https://example.org/a--b">https://example.org/a--b</a>”')
  })

  test('quotes pair across inline markup', () => {
    const { html } = renderMarkdown('"Люди *сказали*" нам', undefined, undefined, { lng: 'ru', typography: defaultTypography })
    expect(html).toBe('<p>«Люди <em>сказали</em>» нам</p>')
  })

  test('off, or rules switched off', () => {
    expect(typesetText('"Вода" - право', 'ru', { enabled: false, disable: [] })).toBe('"Вода" - право')
    expect(typesetText('"Вода" - право', 'ru', { enabled: true, disable: ['common/punctuation/quote'] })).toBe('"Вода"\u00a0— право')
  })
})
