/**
 * Symbolic links and other hostile entries in a release folder, through
 * the real commands: `press check` reports each with its file, `press build`
 * writes nothing, `press send` (to a real SMTP server on 127.0.0.1) sends
 * nothing — not the sending process's environment, not /etc/passwd — and
 * the preview refuses a file that became a link after the site was planned.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm, symlink, truncate, writeFile } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { startPreview } from '../../src/preview/server.js'
import { expectNoStack, press } from '../cli/run.js'
import { makeOffice, removeOffices } from '../helpers/office.js'
import { startSmtpSink } from '../helpers/smtp-sink.js'

const slug = '2031-03-14-water-report'
const now = '2031-04-01T00:00:00Z'
const secret = 'Sm7pPa55-env-canary'

afterAll(removeOffices)

async function hostileOffice(): Promise<string> {
  const dir = await makeOffice()
  const folder = path.join(dir, 'releases', slug)
  await rm(path.join(folder, 'data.csv'))
  await symlink('/proc/self/environ', path.join(folder, 'data.csv'))
  await symlink('/etc/passwd', path.join(folder, 'passwd.txt'))
  await symlink('gone.png', path.join(folder, 'dangling.png'))
  await symlink('loop-b', path.join(folder, 'loop-a'))
  await symlink('loop-a', path.join(folder, 'loop-b'))
  await symlink('/dev/zero', path.join(folder, 'zero.bin'))
  execFileSync('mkfifo', [path.join(folder, 'pipe.txt')])
  await writeFile(path.join(folder, 'huge.bin'), '')
  await truncate(path.join(folder, 'huge.bin'), 40 * 1024 * 1024)
  return dir
}

const expected: ReadonlyArray<[string, RegExp]> = [
  ['data.csv', /data\.csv:1:1: error: is a symbolic link to `\/proc\/\d+\/environ`, outside/],
  ['passwd.txt', /passwd\.txt:1:1: error: is a symbolic link to `\/etc\/passwd`, outside/],
  ['dangling.png', /dangling\.png:1:1: error: is a symbolic link to `gone\.png` that points at nothing/],
  ['loop-a', /loop-a:1:1: error: is a symbolic link that loops back on itself/],
  ['zero.bin', /zero\.bin:1:1: error: is a symbolic link to `\/dev\/zero`, outside/],
  ['pipe.txt', /pipe\.txt:1:1: error: is a FIFO/],
  ['huge.bin', /huge\.bin:1:1: error: is 40 MiB, over the limit of 25 MiB/],
]

describe('hostile entries in a release folder', () => {
  test('press check: one located error each, no stack, no internal error', async () => {
    const dir = await hostileOffice()
    const run = await press(['check', '-C', dir])
    expect(run.code).toBe(1)
    expectNoStack(run)
    for (const [, pattern] of expected) expect(run.stderr + run.stdout).toMatch(new RegExp(`releases/${slug}/${pattern.source}`))
    expect(run.stderr + run.stdout).toMatch(new RegExp(`releases/${slug}/en\\.md:\\d+:\\d+: error: attachment "data\\.csv" cannot be used`))
    expect(run.stderr + run.stdout).not.toMatch(/root:x:0|PATH=/)
  })

  test('press build: refused, nothing in dist/', async () => {
    const dir = await hostileOffice()
    const run = await press(['build', '--no-pdf', '--now', now, '-C', dir])
    expect(run.code).toBe(1)
    expectNoStack(run)
    expect(run.stderr).toMatch(/passwd\.txt:1:1: error/)
    expect(existsSync(path.join(dir, 'dist'))).toBe(false)
  })

  test('press send: nothing reaches the SMTP server, the environment least of all', async () => {
    const dir = await hostileOffice()
    const sink = await startSmtpSink({ auth: { user: 'press', pass: secret } })
    try {
      const run = await press(['send', slug, '--now', now, '-C', dir], { env: { PRESS_SMTP_URL: sink.url, CANARY: secret } })
      expect(run.code).toBe(1)
      expectNoStack(run)
      expect(run.stderr).toMatch(/data\.csv:1:1: error: is a symbolic link/)
      expect(run.stdout + run.stderr).not.toContain(secret)
      expect(sink.messages).toHaveLength(0)
    } finally {
      await sink.close()
    }
  })

  test('a catalog or a template asset that links out of its folder is refused too', async () => {
    const dir = await makeOffice()
    await rm(path.join(dir, 'locales', 'en', 'common.json'))
    await symlink('/etc/passwd', path.join(dir, 'locales', 'en', 'common.json'))
    const check = await press(['check', '-C', dir])
    expect(check.code).toBe(1)
    expectNoStack(check)
    expect(check.stderr).toMatch(/locales\/en\/common\.json:1:1: error: is a symbolic link to `\/etc\/passwd`, outside locales\//)
    expect(check.stderr).not.toMatch(/root:x:0/)

    const other = await makeOffice()
    await symlink('/etc/passwd', path.join(other, 'templates', 'assets', 'passwd.css'))
    const build = await press(['build', '--no-pdf', '--now', now, '--json', '-C', other])
    expect(build.code).toBe(1)
    expect(JSON.parse(build.stdout)).toMatchObject({
      ok: false,
      diagnostics: [{ file: 'templates/assets/passwd.css', line: 1, column: 1, severity: 'error', rule: 'unsafe-file-outside' }],
    })
    expect(build.stdout).toMatch(/is a symbolic link to `\/etc\/passwd`, outside templates\//)
    expect(existsSync(path.join(other, 'dist'))).toBe(false)
  })

  test('a link inside the release folder to a file of that folder still works', async () => {
    const dir = await makeOffice()
    const folder = path.join(dir, 'releases', slug)
    await symlink('data.csv', path.join(folder, 'same.csv'))
    const run = await press(['check', '-C', dir])
    expect(run.stderr).not.toMatch(/same\.csv/)
  })
})

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      .on('error', reject)
  })
}

describe('the preview', () => {
  test('a release file that became a link to /etc/passwd after planning is refused, not served', async () => {
    const dir = await makeOffice()
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PRESS_')))
    // A long debounce: the preview keeps the site it planned while the file is swapped.
    const preview = await startPreview(dir, { port: 0, host: '127.0.0.1', env, now: () => Date.parse(now), debounceMs: 60_000 })
    try {
      const page = await get(`${preview.url}en/${slug}/`)
      expect(page.status).toBe(200)
      const href = /href="([^"]*assets\/files\/data\.[0-9a-f]{8}\.csv)"/.exec(page.body)?.[1]
      expect(href).toBeDefined()
      const url = new URL(href!, `${preview.url}en/${slug}/`).href
      expect((await get(url)).status).toBe(200)
      const file = path.join(dir, 'releases', slug, 'data.csv')
      await rm(file)
      await symlink('/etc/passwd', file)
      const served = await get(url)
      expect(served.status).toBe(403)
      expect(served.body).not.toMatch(/root:/)
      expect(served.body).toMatch(/data\.csv: is a symbolic link to `\/etc\/passwd`/)
    } finally {
      await preview.close()
    }
  })

  test('an office with such a link shows the error and serves no page of that release', async () => {
    const dir = await hostileOffice()
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PRESS_')))
    const preview = await startPreview(dir, { port: 0, host: '127.0.0.1', env, now: () => Date.parse(now) })
    try {
      const page = await get(`${preview.url}en/${slug}/`)
      // The office does not load: no page at all, only the message.
      expect(page.status).toBe(500)
      expect(page.body).not.toMatch(/root:x:0/)
      const dashboard = await get(`${preview.url}__press/`)
      expect(dashboard.body).toMatch(/passwd\.txt/)
      expect(dashboard.body).not.toMatch(/root:x:0/)
    } finally {
      await preview.close()
    }
  })
})
