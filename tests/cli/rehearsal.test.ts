/**
 * Rehearsals (SPEC §6.1): a `--now` later than the real clock, with an SMTP
 * URL pointing at a real sink, reaches neither a journalist nor the public.
 * `press build` writes into `.press/rehearsal/<instant>/` (dist/ untouched,
 * no deploy); `send`, `dispatch` and `worker` deliver into
 * `.press/rehearsal/outbox/` through a queue of their own; every one says
 * it is a rehearsal and where the output went. Past instants act for real.
 * (The test helpers set PRESS_REHEARSAL=off for the rest of the suite; these
 * tests put it back to `auto`.)
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { copySampleOffice, listFiles, pressBin, removeOffices } from '../helpers/office.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js'
import { cleanEnv, expectJson, press } from './run.js'
import { buildDoc, sendDoc } from './schemas.js'

const slug = '2031-06-10-annual-report-2030'
const lift = '2031-06-10T13:00:00Z'
const liftMinus1 = '2031-06-10T12:59:59Z'

let sink: SmtpSink
let env: Record<string, string>

beforeAll(async () => {
  sink = await startSmtpSink()
  env = { PRESS_SMTP_URL: sink.url, PRESS_REHEARSAL: 'auto' }
})
afterAll(async () => {
  await sink?.close()
  await removeOffices()
})

const outbox = async (dir: string): Promise<string[]> =>
  (await listFiles(path.join(dir, '.press', 'rehearsal', 'outbox'))).filter((f) => f.endsWith('.eml'))

describe('--now later than the clock is a rehearsal', () => {
  test('build: the site goes to .press/rehearsal/<instant>/, not dist/, and is not deployed', async () => {
    const dir = await copySampleOffice()
    const mirror = path.join(dir, 'mirror')
    await import('node:fs/promises').then((fs) =>
      fs.appendFile(path.join(dir, 'pressroom.yaml'), `\ndeploy: cp -r "$PRESS_DIST" "${mirror}"\n`),
    )
    const run = await press(['build', '--no-pdf', '--now', lift, '-C', dir], { env })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('Built .press/rehearsal/2031-06-10T13-00-00Z/ as of')
    expect(run.stdout).toMatch(/rehearsal .*not dist\/, and nothing was deployed/)
    expect(existsSync(path.join(dir, 'dist'))).toBe(false)
    expect(existsSync(mirror)).toBe(false)
    expect(await listFiles(path.join(dir, '.press', 'rehearsal', '2031-06-10T13-00-00Z'))).toContain(`en/${slug}/index.html`)

    const json = await press(['build', '--no-pdf', '--json', '--now', lift, '-C', dir], { env })
    const doc = expectJson(json, buildDoc)
    expect(doc).toMatchObject({ dist: '.press/rehearsal/2031-06-10T13-00-00Z', rehearsal: true })
    expect(existsSync(path.join(dir, 'dist'))).toBe(false)
  })

  test('send and dispatch with an SMTP URL: 0 messages at the sink, all of them in the rehearsal outbox; the real queue untouched', async () => {
    const dir = await copySampleOffice()
    const send = await press(['send', slug, '--now', liftMinus1, '--json', '-C', dir], { env })
    expect(send.code, send.stderr).toBe(0)
    expect(expectJson(send, sendDoc).run).toMatchObject({ sent: 5, failed: 0 })
    expect(send.stderr).toContain('rehearsal: --now is later than the clock')
    expect(send.stderr).toContain('.press/rehearsal/outbox/')
    const dispatch = await press(['dispatch', '--now', lift, '-C', dir], { env })
    expect(dispatch.code, dispatch.stderr).toBe(0)
    expect(dispatch.stdout).toMatch(/^rehearsal: .*mail goes to \.press\/rehearsal\/outbox\/ whatever the transport/m)
    expect(dispatch.stdout).toContain('sent 4, failed 0')

    expect(sink.messages).toHaveLength(0)
    expect(sink.connections).toBe(0)
    expect(await outbox(dir)).toHaveLength(9)
    expect(existsSync(path.join(dir, '.press', 'queue.db'))).toBe(false)
    expect(existsSync(path.join(dir, 'dist'))).toBe(false)
  })

  test(
    'worker: at the rehearsed lift the site goes to the rehearsal folder and the held mail to the outbox',
    { timeout: 120_000 },
    async () => {
      const dir = await copySampleOffice()
      const send = await press(['send', slug, '--now', '2031-06-10T12:59:57Z', '-C', dir], { env })
      expect(send.code, send.stderr).toBe(0)
      expect(await outbox(dir)).toHaveLength(5)
      const child = spawn(process.execPath, [pressBin, 'worker', '--now', '2031-06-10T12:59:58Z', '-C', dir], {
        env: cleanEnv(env),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
      try {
        const deadline = Date.now() + 90_000
        while ((await outbox(dir)).length < 9 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
        expect(await outbox(dir), `${stdout}\n${stderr}`).toHaveLength(9)
      } finally {
        child.kill('SIGINT')
      }
      expect(await closed).toBe(0)
      expect(stdout).toContain('rehearsal: --now is later than the clock')
      // Prepared ahead (the lift was 2 s away when the worker started), swapped in at the lift.
      expect(stdout).toMatch(/prepared the public site and mail of 2031-06-10-annual-report-2030/)
      expect(stdout).toMatch(
        /published the site prepared for it \(\d+ files changed\) in \.press\/rehearsal\/2031-06-10T13-00-00Z\/ \(rehearsal\)/,
      )
      expect(sink.messages).toHaveLength(0)
      expect(existsSync(path.join(dir, 'dist'))).toBe(false)
      expect(await listFiles(path.join(dir, '.press', 'rehearsal', '2031-06-10T13-00-00Z'))).toContain(`ru/${slug}/${slug}.ru.pdf`)
    },
  )

  test('PRESS_REHEARSAL other than auto or off: an error that names the variable, nothing built', async () => {
    const dir = await copySampleOffice()
    const run = await press(['build', '--no-pdf', '--now', lift, '-C', dir], { env: { PRESS_REHEARSAL: 'no' } })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('error: PRESS_REHEARSAL="no" is not `auto` or `off`')
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(existsSync(path.join(dir, 'dist'))).toBe(false)
    expect(existsSync(path.join(dir, '.press', 'rehearsal'))).toBe(false)
  })

  test('a past --now acts for real: dist/ is written', async () => {
    const dir = await copySampleOffice()
    const run = await press(['build', '--no-pdf', '--now', '2026-07-01T00:00:00Z', '-C', dir], { env })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('Built dist/ as of')
    expect(run.stdout).not.toContain('rehearsal')
    expect(await listFiles(path.join(dir, 'dist'))).toContain('en/2026-05-12-river-sampling/index.html')
  })
})
