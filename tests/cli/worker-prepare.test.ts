/**
 * The worker prepares a lift ahead (src/site/prepare.ts) without making
 * anything public early: before the lift dist/ does not have the release,
 * only a staging folder beside it does. An edit made after preparing is not
 * lost: at the lift the prepared site is thrown away and the site rebuilt
 * from the office as it is. A worker stopped before the lift leaves no
 * staging folder behind.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { appendFile, cp, readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { copySampleOffice, hashTree, pressBin, removeOffices } from '../helpers/office.js'
import { cleanEnv, press } from './run.js'

afterAll(removeOffices)

const slug = '2031-06-10-annual-report-2030'

/** Start `press worker --now <now>` in `dir`; read its output as it comes. */
function startWorker(dir: string, now: string) {
  const child = spawn(process.execPath, [pressBin, 'worker', '--now', now, '-C', dir], {
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = { stdout: '', stderr: '' }
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out.stdout += s))
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out.stderr += s))
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  const until = async (what: RegExp): Promise<void> => {
    const deadline = Date.now() + 60_000
    while (!what.test(out.stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(out.stdout, out.stderr).toMatch(what)
  }
  const stop = async (): Promise<number | null> => {
    child.kill('SIGINT')
    return closed
  }
  return { out, until, stop }
}

const stagings = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((name) => name.startsWith('.dist.'))

describe('press worker prepares each lift ahead', () => {
  test(
    'nothing public before the lift; an edit after preparing is published at the lift (the prepared site is not used)',
    { timeout: 120_000 },
    async () => {
      const dir = await copySampleOffice()
      const built = await press(['build', '--now', '2031-06-10T12:00:00Z', '-C', dir])
      expect(built.code, built.stderr).toBe(0)
      const page = path.join(dir, 'dist', 'en', slug, 'index.html')
      const worker = startWorker(dir, '2031-06-10T12:59:45Z')
      try {
        await worker.until(/prepared the public site and mail of 2031-06-10-annual-report-2030/)
        expect(existsSync(page)).toBe(false)
        const staged = await stagings(dir)
        expect(staged).toHaveLength(1)
        expect(existsSync(path.join(dir, staged[0]!, 'en', slug, 'index.html'))).toBe(true)

        await appendFile(path.join(dir, 'releases', slug, 'en.md'), '\nSentence appended after preparing.\n')
        // The worker sees the edit at once (and republishes what is public now); at the lift the prepared site is not used.
        await worker.until(/lifted; the office changed after the site was prepared, so it is rebuilt/)
        await worker.until(/so it is rebuilt\n(?:.*\n)*.*published \d+ releases/)
      } finally {
        expect(await worker.stop()).toBe(0)
      }
      expect(await readFile(page, 'utf8')).toContain('Sentence appended after preparing.')
      expect(await stagings(dir)).toEqual([])
    },
  )

  test('two releases lifting at the same instant share one prepared site, published once', { timeout: 120_000 }, async () => {
    const dir = await copySampleOffice()
    const twin = '2031-06-10-annual-report-2030-summary'
    await cp(path.join(dir, 'releases', slug), path.join(dir, 'releases', twin), { recursive: true })
    const built = await press(['build', '--now', '2031-06-10T12:00:00Z', '-C', dir])
    expect(built.code, built.stderr).toBe(0)
    const worker = startWorker(dir, '2031-06-10T12:59:50Z')
    try {
      await worker.until(/embargo of 2031-06-10-annual-report-2030(-summary)? lifted; it is in the site published at this lift/)
    } finally {
      expect(await worker.stop()).toBe(0)
    }
    expect(worker.out.stdout.match(/prepared the public site and mail of/g)).toHaveLength(2)
    expect(worker.out.stdout.match(/published the site prepared for it/g)).toHaveLength(1)
    expect(worker.out.stdout).not.toContain('rebuil')
    const files = Object.keys(await hashTree(path.join(dir, 'dist')))
    for (const s of [slug, twin]) for (const f of [`en/${s}/index.html`, `ru/${s}/${s}.ru.pdf`]) expect(files).toContain(f)
    expect(await stagings(dir)).toEqual([])
  })

  test('a worker stopped before the lift leaves dist/ as it was and no staging folder', { timeout: 120_000 }, async () => {
    const dir = await copySampleOffice()
    const built = await press(['build', '--no-pdf', '--now', '2031-06-10T12:00:00Z', '-C', dir])
    expect(built.code, built.stderr).toBe(0)
    const before = await hashTree(path.join(dir, 'dist'))
    const worker = startWorker(dir, '2031-06-10T12:59:30Z')
    try {
      await worker.until(/prepared the public site and mail of 2031-06-10-annual-report-2030/)
      expect(await stagings(dir)).toHaveLength(1)
    } finally {
      expect(await worker.stop()).toBe(0)
    }
    expect(await stagings(dir)).toEqual([])
    expect(await hashTree(path.join(dir, 'dist'))).toEqual(before)
  })
})
