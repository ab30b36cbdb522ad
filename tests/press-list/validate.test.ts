import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import type { VFileMessage } from 'vfile-message'
import { parsePressList } from '../../src/press-list/validate.js'
import type { PressListRules } from '../../src/press-list/validate.js'

const base = new URL('../fixtures/press-list/', import.meta.url)
const rules: PressListRules = { locales: ['en', 'ru'], lists: ['russia', 'health-desk', 'science'] }

function format(messages: readonly VFileMessage[]): string {
  return messages
    .map((m) => `${m.file}:${m.line}:${m.column}: ${m.fatal ? 'error' : 'warning'}: ${m.reason}`)
    .join('\n')
    .concat('\n')
}

function summary(messages: readonly VFileMessage[]): string[] {
  return messages.map((m) => `${m.line}:${m.column} ${m.fatal ? 'error' : 'warning'} ${m.ruleId}`)
}

describe('parsePressList', () => {
  test('reads a good list: Cyrillic, quoted commas, aliases, blank lines', async () => {
    const text = await readFile(new URL('press-list.csv', base), 'utf8')
    const { recipients, messages } = parsePressList(text, 'press-list.csv', rules)
    expect(messages).toEqual([])
    expect(recipients).toEqual([
      {
        email: 'ivan@example.ru',
        name: 'Иван Петров',
        lng: 'ru',
        embargo: true,
        lists: ['russia', 'health-desk'],
        outlet: 'Новая газета',
        line: 2,
      },
      { email: 'jane@example.com', name: 'Jane Doe', lng: 'en', embargo: false, lists: ['health-desk'], outlet: 'Daily Example', line: 3 },
      {
        email: 'olga@example.org',
        name: 'Ольга Смирнова',
        lng: 'ru',
        embargo: true,
        lists: ['russia', 'science'],
        outlet: 'Ведомости, Москва',
        line: 5,
      },
      { email: 'Sam.Lee@Example.NET', name: 'Sam Lee', lng: 'en', embargo: false, lists: [], outlet: 'Times, Sunday edition', line: 6 },
      { email: 'petr@пресса.рф', name: 'Пётр Сидоров', lng: 'ru', embargo: false, lists: [], outlet: '', line: 7 },
    ])
  })

  test('reports every kind of problem with its line (golden report)', async () => {
    const text = await readFile(new URL('invalid/press-list.csv', base), 'utf8')
    const { recipients, messages } = parsePressList(text, 'press-list.csv', rules)
    await expect(format(messages)).toMatchFileSnapshot(fileURLToPath(new URL('invalid/report.txt', base)))
    expect(recipients.map((r) => [r.email, r.line])).toEqual([
      ['ivan@example.ru', 2],
      ['ok@example.com', 20],
    ])
    for (const message of messages) {
      expect(message.source).toBe('press:press-list')
      expect(message.file).toBe('press-list.csv')
      expect(typeof message.line).toBe('number')
      expect(typeof message.column).toBe('number')
    }
  })

  test('CRLF, a BOM and a quoted field spanning lines keep physical line numbers', () => {
    const text =
      '\uFEFFemail,name,language,embargo,lists,outlet\r\n\r\na@example.com,"Multi\r\nLine",en,no,,X\r\nb@example.com,B,xx,no,,Y\r\n'
    const { recipients, messages } = parsePressList(text, 'p.csv', rules)
    expect(summary(messages)).toEqual(['3:15 error press-list-name', '5:17 error press-list-language'])
    expect(recipients).toEqual([])
  })

  test('a quoted field spanning lines reports the first line of its record', () => {
    const text = 'email,name,language,embargo,lists,outlet\na@example.com,A,en,no,,"Daily\nExample\nWeekly"\nb@example.com,B,en,maybe,,Y\n'
    const { recipients, messages } = parsePressList(text, 'p.csv', rules)
    expect(recipients.map((r) => [r.email, r.line, r.outlet])).toEqual([['a@example.com', 2, 'Daily\nExample\nWeekly']])
    expect(summary(messages)).toEqual(['5:20 error press-list-embargo'])
  })

  test.each([
    ['yes', true],
    ['YES', true],
    ['y', true],
    ['true', true],
    ['1', true],
    ['True', true],
    ['no', false],
    ['N', false],
    ['false', false],
    ['0', false],
    ['', false],
  ])('embargo %j is %s', (value, expected) => {
    const text = `email,language,embargo\na@example.com,en,${value}\n`
    const { recipients } = parsePressList(text, 'p.csv', { locales: ['en'] })
    expect(recipients[0]?.embargo).toBe(expected)
  })

  test('lists split on ; and |, trimmed, empty dropped; any list accepted without rules.lists', () => {
    const text = 'email,language,lists\na@example.com,en," x ;; y|z | "\n'
    const { recipients, messages } = parsePressList(text, 'p.csv', { locales: ['en'] })
    expect(messages.filter((m) => m.fatal)).toEqual([])
    expect(recipients[0]?.lists).toEqual(['x', 'y', 'z'])
  })

  test('unknown list suggests the closest known one', () => {
    const text = 'email,language,lists\na@example.com,en,Russia;zzzzzz\n'
    const messages = parsePressList(text, 'p.csv', rules).messages.filter((m) => m.fatal)
    expect(messages.map((m) => m.reason)).toEqual([
      expect.stringContaining('Unknown list `Russia` (did you mean `russia`?)'),
      expect.not.stringContaining('did you mean'),
    ])
    expect(messages[0]?.expected).toEqual(['russia', 'health-desk', 'science'])
  })

  test('an empty file and a header-only file warn press-list-empty', () => {
    for (const text of [
      '',
      '\n\n',
      '\uFEFF',
      'email,name,language,embargo,lists,outlet\n',
      'email,name,language,embargo,lists,outlet\n,,,,,\n\n',
    ]) {
      const { recipients, messages } = parsePressList(text, 'p.csv', rules)
      expect(recipients).toEqual([])
      expect(summary(messages)).toEqual(['1:1 warning press-list-empty'])
    }
  })

  test('missing required columns stop with a header error', () => {
    expect(summary(parsePressList('name,language\nJane,en\n', 'p.csv', rules).messages)).toEqual(['1:1 error press-list-header'])
    const semicolons = parsePressList('email;name;language\na@example.com;A;en\n', 'p.csv', rules)
    expect(semicolons.messages[0]?.reason).toContain('seems to use `;`')
    const noHeader = parsePressList('a@example.com,A,en\n', 'p.csv', rules)
    expect(noHeader.messages[0]?.reason).toContain('looks like a recipient')
  })

  test('a duplicate header column is an error', () => {
    const { messages } = parsePressList('email,lang,language\na@example.com,en,en\n', 'p.csv', rules)
    expect(summary(messages)).toEqual(['1:12 error press-list-header'])
  })

  test('Object.prototype names are not columns or embargo values', () => {
    const { recipients, messages } = parsePressList('email,language,constructor,embargo\na@example.com,en,x,constructor\n', 'p.csv', rules)
    expect(summary(messages)).toEqual([
      '1:1 warning press-list-column-missing',
      '1:16 warning press-list-extra-column',
      '2:20 error press-list-embargo',
    ])
    expect(recipients).toEqual([])
  })

  test('missing optional columns are one warning', () => {
    const { recipients, messages } = parsePressList('email,language\na@example.com,ru\n', 'p.csv', rules)
    expect(summary(messages)).toEqual(['1:1 warning press-list-column-missing'])
    expect(recipients).toEqual([{ email: 'a@example.com', name: '', lng: 'ru', embargo: false, lists: [], outlet: '', line: 2 }])
  })

  test('an unclosed quote is reported at the line where it opens; rows before it are still checked', () => {
    const text = 'email,language\na@example.com,en\nb@example.com,xx\n"c@example.com,en\nd@example.com,en\n'
    const { recipients, messages } = parsePressList(text, 'p.csv', rules)
    expect(summary(messages.filter((m) => m.fatal))).toEqual(['3:15 error press-list-language', '4:1 error press-list-csv'])
    expect(recipients.map((r) => r.email)).toEqual(['a@example.com'])
  })

  test.each([
    'plain',
    'a@b',
    'a@b.c',
    '@example.com',
    'a@@example.com',
    'a..b@example.com',
    '.a@example.com',
    'a@example..com',
    'a@-example.com',
    'a b@example.com',
    'a@example.com\nb',
    'a,b@example.com',
    '<a@example.com>',
    'a@example.com;b@example.com',
    'a@exa_mple.com',
    'a@123.456',
    `${'a'.repeat(250)}@example.com`,
  ])('rejects the address %j', (email) => {
    const text = `email,language\n${JSON.stringify(email)},en\n`
    const { recipients, messages } = parsePressList(text, 'p.csv', rules)
    expect(recipients).toEqual([])
    expect(messages.filter((m) => m.fatal).map((m) => m.ruleId)).toEqual(['press-list-email'])
  })

  test.each([
    'a@example.com',
    'first.last+tag@sub.example.co.uk',
    "o'neil@example.ie",
    'ivan@пример.рф',
    'ivan@xn--e1afmkfd.xn--p1ai',
    'A_B-c@Example.COM',
  ])('accepts the address %j', (email) => {
    const { recipients, messages } = parsePressList(`email,language\n${email},en\n`, 'p.csv', rules)
    expect(messages.filter((m) => m.fatal)).toEqual([])
    expect(recipients[0]?.email).toBe(email)
  })

  // No timing assertion (shared CI machines vary); the generous timeout only
  // keeps a loaded machine from failing the count check.
  test('parses 100,000 rows', { timeout: 60_000 }, () => {
    const lines = ['email,name,language,embargo,lists,outlet']
    for (let i = 0; i < 100_000; i++) {
      lines.push(`person${i}@example.com,Журналист ${i},${i % 2 ? 'en' : 'ru'},${i % 3 ? 'no' : 'yes'},russia;science,"Outlet, ${i}"`)
    }
    const { recipients, messages } = parsePressList(lines.join('\n'), 'big.csv', rules)
    expect(messages).toEqual([])
    expect(recipients).toHaveLength(100_000)
    expect(recipients.at(-1)?.line).toBe(100_001)
  })
})
