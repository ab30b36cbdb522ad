/**
 * safe-file.ts, the one door to release, template and catalog files: only
 * regular files whose real path stays inside their folder, under a size
 * limit; links out, dangling links, loops, FIFOs and devices refused
 * before a byte is read (a FIFO must not hang the run).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { inspectFile, readRegularEntry, readSafeFile, UnsafeFileError } from '../src/safe-file.js'

const base = mkdtempSync(path.join(os.tmpdir(), 'pressroom-safe-'))
const folder = path.join(base, 'releases', 'x')
mkdirSync(folder, { recursive: true })
writeFileSync(path.join(folder, 'report.csv'), 'a,b\n1,2\n')
writeFileSync(path.join(base, 'secret.txt'), 'PASSWORD=hunter2\n')
symlinkSync('report.csv', path.join(folder, 'inside.csv'))
symlinkSync('/proc/self/environ', path.join(folder, 'environ.csv'))
symlinkSync('/etc/passwd', path.join(folder, 'passwd.txt'))
symlinkSync('../../secret.txt', path.join(folder, 'sibling.txt'))
symlinkSync('nowhere.png', path.join(folder, 'dangling.png'))
symlinkSync('loop-b', path.join(folder, 'loop-a'))
symlinkSync('loop-a', path.join(folder, 'loop-b'))
symlinkSync('/dev/zero', path.join(folder, 'zero.bin'))
execFileSync('mkfifo', [path.join(folder, 'pipe.csv')])
writeFileSync(path.join(folder, 'huge.bin'), '')
truncateSync(path.join(folder, 'huge.bin'), 26 * 1024 * 1024)

afterAll(() => rmSync(base, { recursive: true, force: true }))

const cases: ReadonlyArray<[string, string]> = [
  ['environ.csv', 'outside'],
  ['passwd.txt', 'outside'],
  ['sibling.txt', 'outside'],
  ['dangling.png', 'dangling-link'],
  ['loop-a', 'link-loop'],
  ['zero.bin', 'outside'],
  ['pipe.csv', 'not-regular'],
  ['huge.bin', 'too-large'],
]

describe('inspectFile and readSafeFile', () => {
  test.each(cases)('%s is refused (%s), unread', (name, reason) => {
    const verdict = inspectFile(path.join(folder, name), folder)
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(verdict.reason).toBe(reason)
    let error: unknown
    try {
      readSafeFile(path.join(folder, name), folder, `releases/x/${name}`)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(UnsafeFileError)
    expect((error as UnsafeFileError).code).toBe('PRESS_UNSAFE_FILE')
    expect((error as Error).message.startsWith(`releases/x/${name}: `)).toBe(true)
    expect((error as Error).message).not.toMatch(/hunter2|root:/)
  })

  test('a regular file, and a link to one in the same folder, are read', () => {
    expect(readSafeFile(path.join(folder, 'report.csv'), folder, 'r').toString()).toBe('a,b\n1,2\n')
    expect(readSafeFile(path.join(folder, 'inside.csv'), folder, 'r').toString()).toBe('a,b\n1,2\n')
  })

  test('a device inside the folder (no link) is refused as not a regular file', () => {
    // /dev itself as the folder: null is a character device, and "inside".
    const verdict = inspectFile('/dev/null', '/dev')
    expect(verdict).toMatchObject({ ok: false, reason: 'not-regular' })
  })

  test('an entry listed as a regular file that became a link is not followed', () => {
    const swapped = path.join(folder, 'swapped.csv')
    writeFileSync(swapped, 'fine\n')
    unlinkSync(swapped)
    symlinkSync('/etc/passwd', swapped)
    expect(() => readRegularEntry(swapped, folder, 'releases/x/swapped.csv')).toThrow(UnsafeFileError)
  })

  test('a FIFO swapped in for a listed file does not block the read', () => {
    expect(() => readRegularEntry(path.join(folder, 'pipe.csv'), folder, 'releases/x/pipe.csv')).toThrow(/FIFO/)
  })
})
