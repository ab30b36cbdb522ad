/**
 * The recipients' commands as a person runs them: `press send` writes a
 * List-Unsubscribe URL with a token, `press serve` honours that exact URL,
 * `press inbox` reads a real Dovecot, `press worker --serve` does both in
 * one process, and the IMAP password never shows.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readdir, readFile, writeFile, appendFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { simpleParser, type AddressObject } from 'mailparser'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { copySampleOffice, pressBin, removeOffices } from '../helpers/office.js'
import { useImapServer } from '../helpers/imap-server.js'
import { cleanEnv, expectNoStack, press } from './run.js'

const slug = '2026-06-08-human-rights-council-briefing'
const fixtures = fileURLToPath(new URL('../fixtures/bounces/', import.meta.url))
const imap = useImapServer()
let office: string

beforeAll(async () => {
  office = await copySampleOffice()
})
afterAll(removeOffices)

/** A long-running press command; resolves once a stdout line matches. */
function startPress(
  args: readonly string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(process.execPath, [pressBin, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${ready} in:\n${out}`)), 60_000)
    const look = (chunk: Buffer): void => {
      out += chunk.toString()
      const match = ready.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve({ child, match, output: () => out })
      }
    }
    child.stdout!.on('data', look)
    child.stderr!.on('data', look)
    child.once('exit', (code) => reject(new Error(`press exited ${code}:\n${out}`)))
  })
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit')
    child.once('exit', (code) => resolve(code))
    child.kill('SIGTERM')
  })
}

describe('press send → press serve', () => {
  test('the URL in a sent message unsubscribes its recipient with the one-click POST, and nobody else', async () => {
    const env = { PRESS_SECRET: 'cli-test-secret' }
    const sent = await press(['send', slug, '--now', '2031-06-10T12:00:00Z', '-C', office], { env })
    expect(sent.code, sent.stderr).toBe(0)
    const dir = path.join(office, '.press', 'outbox', slug)
    const files = (await readdir(dir)).filter((f) => f.endsWith('.eml'))
    expect(files.length).toBeGreaterThan(0)
    const eml = await readFile(path.join(dir, files[0]!))
    const mail = await simpleParser(eml)
    const to = (mail.to as AddressObject).value[0]!.address!
    const header = mail.headerLines.find((h) => h.key === 'list-unsubscribe')!.line.replace(/\r?\n[ \t]+/g, ' ')
    const url = /<(https:[^>]+)>/.exec(header)![1]!
    expect(url).toMatch(/^https:\/\/press\.example\.org\/unsubscribe\?t=u1[\w-]+$/)
    expect(header).not.toContain(to)
    expect(header).not.toContain(encodeURIComponent(to))

    const serve = await startPress(
      ['serve', '--port', '0', '-C', office],
      env,
      /unsubscribe endpoint: (http:\/\/127\.0\.0\.1:\d+)\/unsubscribe/,
    )
    try {
      const before = await readFile(path.join(office, 'suppressions.csv'), 'utf8')
      const local = url.replace('https://press.example.org', serve.match[1]!)
      const res = await fetch(local, { method: 'POST', body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click' }) })
      expect(res.status).toBe(200)
      const suppressions = await readFile(path.join(office, 'suppressions.csv'), 'utf8')
      expect(suppressions).toContain(`${to.toLowerCase()} # unsubscribed (one-click, ${slug}), `)
      // Exactly one line was added, and every line of before is still there.
      expect(suppressions.startsWith(before.endsWith('\n') || before === '' ? before : `${before}\n`)).toBe(true)
      expect(suppressions.slice(before.length).trim().split('\n')).toHaveLength(1)
      // The server logs after it answers: wait for the line, however long that takes under load.
      const logged = `unsubscribed ${to.toLowerCase()} (${slug}): one-click`
      while (!serve.output().includes(logged)) await new Promise((r) => setTimeout(r, 10))
      expect(serve.output()).toContain(logged)
    } finally {
      expect(await stop(serve.child)).toBe(0)
    }
  }, 120_000)

  test('a port in use is an error with a code, not a stack trace', async () => {
    const first = await startPress(['serve', '--port', '0', '-C', office], { PRESS_SECRET: 'x' }, /127\.0\.0\.1:(\d+)/)
    try {
      const run = await press(['serve', '--port', first.match[1]!, '-C', office, '--json'], { env: { PRESS_SECRET: 'x' } })
      expect(run.code).toBe(1)
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { code: 'PRESS_SERVE_LISTEN' } })
      expectNoStack(run)
    } finally {
      await stop(first.child)
    }
  }, 60_000)
})

describe('press inbox', () => {
  test('reads the mailbox once: --json lists what was done; the password shows nowhere', async () => {
    await imap().clear()
    await imap().append([(await readFile(path.join(fixtures, 'mailto-unsubscribe-ru.eml'), 'utf8')).replace(/\r?\n/g, '\r\n')])
    const run = await press(['inbox', '--json', '--verbose', '-C', office, '--now', '2031-06-10T12:00:00Z'], {
      env: { PRESS_INBOX_URL: imap().url },
    })
    expect(run.code, run.stderr).toBe(0)
    const doc = JSON.parse(run.stdout) as { ok: boolean; suppressed: string[]; items: Array<{ kind: string; action: string }> }
    expect(doc).toMatchObject({ ok: true, suppressed: ['anna@example.com'], items: [{ kind: 'unsubscribe', action: 'suppressed' }] })
    expect(run.stdout + run.stderr).not.toContain(imap().pass)
    expect(run.stderr).toContain(':****@127.0.0.1')
    expect(await readFile(path.join(office, 'suppressions.csv'), 'utf8')).toContain(
      'anna@example.com # unsubscribed (mailto), 2031-06-10T12:00:00.000Z',
    )
  }, 60_000)

  test('a refused login: exit 1, PRESS_INBOX, the password redacted', async () => {
    const url = imap().url.replace(imap().pass, 'Wr0ng-Secret!')
    const run = await press(['inbox', '-C', office], { env: { PRESS_INBOX_URL: url } })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /error: Cannot read the mailbox imap:\/\/bounces%40example\.org:\*\*\*\*@127\.0\.0\.1:\d+\/INBOX: the server refused the user name or password/,
    )
    expect(run.stdout + run.stderr).not.toContain('Wr0ng-Secret!')
    expectNoStack(run)
  }, 60_000)
})

describe('press worker --serve', () => {
  test('serves the endpoint and reads the inbox each round, in one process', async () => {
    await imap().clear()
    const bounce = (await readFile(path.join(fixtures, 'postfix-user-unknown.eml'), 'utf8'))
      .replace(/jane@example\.com/g, 'worker-bounce@example.com')
      .replace(/\r?\n/g, '\r\n')
    await imap().append([bounce])
    await appendFile(path.join(office, 'press-list.csv'), 'worker-bounce@example.com,Worker Bounce,en,no,,Example\n')
    const worker = await startPress(
      ['worker', '--serve', '--port', '0', '-C', office],
      { PRESS_SECRET: 'cli-test-secret', PRESS_INBOX_URL: imap().url },
      /inbox: suppressed worker-bounce@example\.com/,
    )
    try {
      const url = /unsubscribe endpoint: (http:\/\/127\.0\.0\.1:\d+)/.exec(worker.output())?.[1]
      expect(url).toBeDefined()
      expect((await fetch(`${url}/healthz`)).status).toBe(200)
      expect(await readFile(path.join(office, 'suppressions.csv'), 'utf8')).toMatch(/worker-bounce@example\.com # hard bounce: 5\.1\.1/)
    } finally {
      expect(await stop(worker.child)).toBe(0)
    }
  }, 120_000)
})

void writeFile
