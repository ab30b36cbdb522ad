import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { addSuppression, loadSuppressions, normalizeEmail, parseSuppressions } from '../../src/press-list/suppressions.js'

const at = new Date('2031-03-14T09:00:00.000Z')
let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'press-suppressions-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('normalizeEmail', () => {
  test('trims and lowercases', () => {
    expect(normalizeEmail('  Jane.Doe@Example.COM \t')).toBe('jane.doe@example.com')
  })
})

describe('parseSuppressions', () => {
  test('reads addresses; skips blanks, comments and the header; normalises', () => {
    const text = [
      '\uFEFFemail',
      '# unsubscribes',
      'jane@example.com',
      '  IVAN@Example.RU  # hard bounce: 550 5.1.1, 2031-03-01T10:00:00.000Z',
      '',
      '   ',
      'sam@example.net,unsubscribed,2031-03-02',
      '"quoted@example.org"',
      'jane@EXAMPLE.com',
    ].join('\r\n')
    expect([...parseSuppressions(text)]).toEqual(['jane@example.com', 'ivan@example.ru', 'sam@example.net', 'quoted@example.org'])
  })

  test('an empty text is an empty set', () => {
    expect(parseSuppressions('').size).toBe(0)
  })
})

describe('loadSuppressions', () => {
  test('a missing file is an empty set', async () => {
    expect((await loadSuppressions(join(dir, 'nope.csv'))).size).toBe(0)
  })
})

describe('addSuppression', () => {
  test('creates the file (and folder), appends once with a reason comment', async () => {
    const path = join(dir, '.press', 'suppressions.csv')
    await addSuppression(path, 'Jane@Example.com', 'unsubscribed', at)
    await addSuppression(path, ' jane@example.COM ', 'hard bounce', at)
    expect(await readFile(path, 'utf8')).toBe('jane@example.com # unsubscribed, 2031-03-14T09:00:00.000Z\n')
    expect(await loadSuppressions(path)).toEqual(new Set(['jane@example.com']))
  })

  test('keeps a multi-line reason on one line', async () => {
    const path = join(dir, 'suppressions.csv')
    await addSuppression(path, 'a@example.com', '550 5.1.1\r\nUser unknown', at)
    expect(await readFile(path, 'utf8')).toBe('a@example.com # 550 5.1.1 User unknown, 2031-03-14T09:00:00.000Z\n')
  })

  test('appends after a hand-edited file without a final newline', async () => {
    const path = join(dir, 'suppressions.csv')
    await writeFile(path, 'email\nold@example.com')
    await addSuppression(path, 'new@example.com', 'unsubscribed', at)
    expect(await loadSuppressions(path)).toEqual(new Set(['old@example.com', 'new@example.com']))
    expect(await readFile(path, 'utf8')).toBe('email\nold@example.com\nnew@example.com # unsubscribed, 2031-03-14T09:00:00.000Z\n')
  })

  test('concurrent adds keep every line whole and write each address once', async () => {
    const path = join(dir, 'suppressions.csv')
    const emails = Array.from({ length: 50 }, (_, i) => `person${i}@example.com`)
    await Promise.all([
      ...emails.map((email) => addSuppression(path, email, 'bounce', at)),
      ...emails.map((email) => addSuppression(path, email.toUpperCase(), 'again', at)),
    ])
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n')
    expect(lines).toHaveLength(50)
    for (const line of lines) expect(line).toMatch(/^person\d+@example\.com # (bounce|again), 2031-03-14T09:00:00\.000Z$/)
    expect(await loadSuppressions(path)).toEqual(new Set(emails))
  })

  test.each(['', '   ', 'a@example.com\nb@example.com', 'a@example.com,b@example.com', 'a b@example.com', 'a@example.com # x'])(
    'refuses %j, which would corrupt the file',
    async (email) => {
      const path = join(dir, 'suppressions.csv')
      await expect(addSuppression(path, email, 'x', at)).rejects.toThrow(/Cannot suppress/)
      await expect(readFile(path, 'utf8')).rejects.toThrow()
    },
  )
})
