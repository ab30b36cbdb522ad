/**
 * Positions come from csv-parse's own reading of the file (records and
 * their raw text), so a message about a value points at that value however
 * odd the quoting: random lists with stray quotes, quoted line breaks,
 * blanks, CRLF and a BOM, checked against the text itself.
 */
import { describe, expect, test } from 'vitest'
import { prng } from '../../bench/lib/prng.js'
import { parsePressList } from '../../src/press-list/validate.js'

const valueRules = new Set(['press-list-email', 'press-list-language', 'press-list-embargo', 'press-list-name', 'press-list-duplicate'])

describe('press-list positions', () => {
  test('every message about a value points at the value (or the quote that opens it), in 3,000 random lists', () => {
    const random = prng(20261202)
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!
    const pieces = [
      'a@example.com',
      'A@Example.com',
      'bad',
      'x y@z.org',
      'ru',
      'en',
      'de',
      'yes',
      'maybe',
      'health',
      'nope',
      '"',
      '""',
      ',',
      ' ',
      '\t',
      '\u00a0',
      '\u2009',
      '\f',
      '\n',
      '\r\n',
      'Jane "JD" Doe',
      '"Daily, Ex"',
      '"multi\nline"',
      'Иван',
      'é',
      '"q""uote"',
      ' "sp" ',
      ';',
    ]
    const headers = [
      'email,name,language,embargo,lists,outlet',
      'email,language',
      'email,name,lang,embargo,extra',
      'Email , Name ,Language',
    ]
    let checked = 0
    for (let i = 0; i < 3_000; i++) {
      let text = (random() < 0.1 ? '\ufeff' : '') + pick(headers) + pick(['\n', '\r\n'])
      for (let r = Math.floor(random() * 5); r > 0; r--) {
        const fields = Array.from({ length: Math.floor(random() * 8) }, () => pick(pieces) + (random() < 0.5 ? pick(pieces) : ''))
        text += fields.join(',') + pick(['\n', '\r\n', '', '\n\n'])
      }
      const { messages } = parsePressList(text, 'p.csv', { locales: ['en', 'ru'], lists: ['health'] })
      const lines = text
        .replace(/^\ufeff/, '')
        .replace(/\r\n?/g, '\n')
        .split('\n')
      for (const message of messages) {
        if (!valueRules.has(message.ruleId ?? '') || !message.actual) continue
        const rest = lines
          .slice(message.line! - 1)
          .join('\n')
          .slice(message.column! - 1)
        expect(rest.startsWith(message.actual) || rest.startsWith('"'), `${JSON.stringify(text)}\n${String(message)}`).toBe(true)
        checked++
      }
    }
    // The lists were odd enough to produce many such messages.
    expect(checked).toBeGreaterThan(500)
  })

  test('a value followed by a no-break space (spreadsheet exports) does not lose the places of the fields after it', () => {
    const text = 'email,name,language\njane@example.org\u00a0,Jane,xx\n'
    const { messages } = parsePressList(text, 'p.csv', { locales: ['en', 'ru'] })
    const language = messages.find((m) => m.ruleId === 'press-list-language')
    expect(language, messages.map(String).join('\n')).toBeDefined()
    expect([language!.line, language!.column]).toEqual([2, 24])
  })
})
