import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { loadPressList } from '../../src/press-list/load.js'

const rules = { locales: ['en', 'ru'], lists: ['russia', 'health-desk', 'science'] }
let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'press-list-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('loadPressList', () => {
  test('loads the fixture', async () => {
    const path = fileURLToPath(new URL('../fixtures/press-list/press-list.csv', import.meta.url))
    const { recipients, messages } = await loadPressList(path, 'press-list.csv', rules)
    expect(messages).toEqual([])
    expect(recipients).toHaveLength(5)
  })

  test('a missing file is one error saying how to create it', async () => {
    const { recipients, messages } = await loadPressList(join(dir, 'press-list.csv'), 'press-list.csv', rules)
    expect(recipients).toEqual([])
    expect(messages).toHaveLength(1)
    const [message] = messages
    expect(message?.ruleId).toBe('press-list-missing')
    expect(message?.source).toBe('press:press-list')
    expect(message?.fatal).toBe(true)
    expect(message?.file).toBe('press-list.csv')
    expect(message?.reason).toContain('email,name,language,embargo,lists,outlet')
  })

  test('a folder in its place is an unreadable error', async () => {
    const { messages } = await loadPressList(dir, 'press-list.csv', rules)
    expect(messages.map((m) => [m.ruleId, m.fatal])).toEqual([['press-list-unreadable', true]])
  })

  test('a legacy encoding (Windows-1251) is reported at its first line', async () => {
    const path = join(dir, 'press-list.csv')
    // "Иван" in Windows-1251 on line 3.
    const bytes = Buffer.concat([
      Buffer.from('email,name,language\njane@example.com,Jane,en\nivan@example.ru,'),
      Buffer.from([0xc8, 0xe2, 0xe0, 0xed]),
      Buffer.from(',ru\n'),
    ])
    await writeFile(path, bytes)
    const { recipients, messages } = await loadPressList(path, 'press-list.csv', rules)
    expect(recipients).toEqual([])
    expect(messages.map((m) => [m.ruleId, m.line, m.fatal])).toEqual([['press-list-encoding', 3, true]])
  })
})
