import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import {
  addSuppression,
  loadSuppressions,
  normalizeEmail,
  parseSuppressionFile,
  parseSuppressions,
  removeSuppression,
  suppress,
} from '../../src/press-list/suppressions.js'

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

describe('parseSuppressionFile (what press check reports)', () => {
  test('reads reason and time; reports lines that are not an address, and times that are not times', () => {
    const text = [
      'email',
      'jane@example.com # unsubscribed (one-click, 2031-03-14-water-report), 2031-03-14T09:00:00.000Z',
      'ivan@example.ru # hard bounce: 5.1.1 550 5.1.1 <ivan@example.ru>: User unknown, in box, 2031-03-15T10:00:00.000Z',
      'sam@example.net,unsubscribed by phone,2031-03-02',
      'Jane Doe',
      '  jane@   # typo',
      'kim@example.org # asked at a conference, last Tuesday',
      'lee@example.org # unsubscribed, 2031-13-45T99:00:00Z',
    ].join('\n')
    const { entries, problems } = parseSuppressionFile(text)
    expect(entries).toEqual([
      {
        email: 'jane@example.com',
        reason: 'unsubscribed (one-click, 2031-03-14-water-report)',
        at: Date.parse('2031-03-14T09:00:00.000Z'),
        line: 2,
      },
      {
        email: 'ivan@example.ru',
        reason: 'hard bounce: 5.1.1 550 5.1.1 <ivan@example.ru>: User unknown, in box',
        at: Date.parse('2031-03-15T10:00:00.000Z'),
        line: 3,
      },
      { email: 'sam@example.net', reason: 'unsubscribed by phone', at: Date.parse('2031-03-02'), line: 4 },
      { email: 'kim@example.org', reason: 'asked at a conference, last Tuesday', line: 7 },
      { email: 'lee@example.org', reason: 'unsubscribed', line: 8 },
    ])
    expect(problems.map((p) => [p.line, p.column, p.severity])).toEqual([
      [5, 1, 'error'],
      [6, 3, 'error'],
      [8, 33, 'warning'],
    ])
    expect(problems[0]!.message).toMatch(/^`Jane Doe` is not an email address; write one address at the start of the line/)
  })
})

describe('suppress / removeSuppression', () => {
  test('writes through a temp file and rename (the old inode is replaced, never appended to)', async () => {
    const path = join(dir, 'suppressions.csv')
    await writeFile(path, 'old@example.com\n')
    const before = (await stat(path)).ino
    expect(await suppress(path, 'new@example.com', 'unsubscribed', at)).toBe(true)
    expect((await stat(path)).ino).not.toBe(before)
    expect(await suppress(path, 'NEW@example.com', 'again', at)).toBe(false)
    expect((await readdir(dir)).sort()).toEqual(['suppressions.csv'])
  })

  test('removes every line of an address only when the rule allows it; keeps the other lines byte for byte', async () => {
    const path = join(dir, 'suppressions.csv')
    const text =
      'email\r\na@example.com # hard bounce: 5.1.1, 2031-03-01T00:00:00.000Z\r\nb@example.com # unsubscribed (one-click), 2031-03-01T00:00:00.000Z\r\n# a note\r\n'
    await writeFile(path, text)
    expect(await removeSuppression(path, 'a@example.com', (e) => e.reason?.startsWith('unsubscribed') === true)).toBeUndefined()
    expect(await readFile(path, 'utf8')).toBe(text)
    expect(await removeSuppression(path, 'B@example.com')).toMatchObject({ email: 'b@example.com', line: 3 })
    expect(await readFile(path, 'utf8')).toBe('email\r\na@example.com # hard bounce: 5.1.1, 2031-03-01T00:00:00.000Z\r\n# a note\r\n')
  })

  test('four processes adding 25 addresses each at once: all 100 lines whole, none lost', async () => {
    const path = join(dir, 'suppressions.csv')
    // The compiled module (`npx tsc -p tsconfig.json` first, as for the CLI tests): Node 20 cannot import .ts.
    const module = new URL('../../build/src/press-list/suppressions.js', import.meta.url).href
    const script = (n: number): string =>
      `const { suppress } = await import(${JSON.stringify(module)}); await Promise.all(Array.from({ length: 25 }, (_, i) => suppress(${JSON.stringify(path)}, 'p${n}-' + i + '@example.com', 'hard bounce: 5.1.1 ' + 'x'.repeat(200), new Date(0))))`
    const run = (n: number) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script(n)], { stdio: 'inherit' })
        child.on('exit', (code) => resolve(code ?? -1))
      })
    expect(await Promise.all([1, 2, 3, 4].map(run))).toEqual([0, 0, 0, 0])
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n')
    expect(lines).toHaveLength(100)
    expect(lines.every((l) => /^p\d-\d+@example\.com # hard bounce: 5\.1\.1 x{200}, 1970-01-01T00:00:00\.000Z$/.test(l))).toBe(true)
    expect(new Set(lines).size).toBe(100)
  }, 60_000)
})
