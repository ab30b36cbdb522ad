/**
 * What the distribution commands print for a person: the dry-run table
 * (who, language, when, why, counts) and `press status`. Golden files in
 * tests/fixtures/cli/. Nothing here opens a connection.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { copySampleOffice, removeOffices } from '../helpers/office.js'
import { press } from './run.js'

const golden = (name: string): string => fileURLToPath(new URL(`../fixtures/cli/${name}`, import.meta.url))
const embargoed = '2031-06-10-annual-report-2030'

let office: string

beforeAll(async () => {
  office = await copySampleOffice()
})
afterAll(removeOffices)

describe('press send --dry-run', () => {
  test('under embargo: vetted now with the notice, the rest at the lift, the suppressed never', async () => {
    // A transport that would fail to connect, with a password: the dry run must not try, nor print it.
    const run = await press(['send', embargoed, '--dry-run', '--now', '2031-06-10T12:59:59Z', '-C', office], {
      env: { PRESS_SMTP_URL: 'smtp://press:s3cret-pa55@127.0.0.1:1' },
    })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).not.toContain('s3cret-pa55')
    await expect(run.stdout).toMatchFileSnapshot(golden('send-dry-run-embargoed.txt'))
    expect(run.stdout).toContain('dry run: nothing was sent and no connection opened (transport: smtp://press:****@127.0.0.1:1)')
  })

  test('without embargo: fallback languages and recipients outside the release lists', async () => {
    const run = await press([
      'send',
      '2026-06-08-human-rights-council-briefing',
      '--dry-run',
      '--now',
      '2031-06-10T12:59:59Z',
      '-C',
      office,
    ])
    expect(run.code, run.stderr).toBe(0)
    await expect(run.stdout).toMatchFileSnapshot(golden('send-dry-run-fallback.txt'))
  })
})

describe('press schedule and press status', () => {
  test('a scheduled release: planned, next due, and the lift rule restated', async () => {
    const dir = await copySampleOffice()
    const schedule = await press(['schedule', embargoed, '--at', '2031-06-10T12:00:00Z', '--now', '2031-06-01T00:00:00Z', '-C', dir])
    expect(schedule.code, schedule.stderr).toBe(0)
    expect(schedule.stdout).toBe(
      [
        // In the release's own zone (its embargo_zone), UTC beside it.
        `scheduled 9 messages of ${embargoed} for 2031-06-10 08:00 EDT (12:00 UTC): 9 new, 0 moved`,
        'recipients not vetted for embargoes (embargo: no in the press list) get it at the lift, 2031-06-10 09:00 EDT (13:00 UTC), not before',
        '',
      ].join('\n'),
    )
    const [status, none] = await Promise.all([
      press(['status', '--now', '2031-06-01T00:00:00Z', '-C', dir]),
      press(['status', '2026-05-12-river-sampling', '-C', dir]),
    ])
    expect(status.code).toBe(0)
    // Across releases, in the office's zone (the sample's embargo.zones name Europe/Moscow).
    expect(status.stdout).toBe(`${embargoed}: 9 planned\nnext due: 2031-06-10 15:00 MSK (12:00 UTC)\n`)
    expect(none.stdout).toBe('nothing planned for 2026-05-12-river-sampling\n')
  })
})

describe('press send --test', () => {
  test('names the outbox file it wrote, and the embargoed PDFs under their own names', async () => {
    const dir = await copySampleOffice()
    const run = await press(['send', embargoed, '--test', 'me@example.org', '--now', '2031-06-01T00:00:00Z', '-C', dir])
    expect(run.code, run.stderr).toBe(0)
    for (const lng of ['en', 'ru']) {
      const eml = `.press/outbox/${embargoed}/test-${lng}-me@example.org.eml`
      expect(run.stdout).toContain(`test copy (${lng}, embargoed) written to ${eml}: <`)
      expect(existsSync(path.join(dir, eml))).toBe(true)
      const pdf = path.join(dir, '.press', 'embargoed', `${embargoed}.${lng}.pdf`)
      expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-')
    }
    expect(run.stdout).toContain(
      `embargoed PDFs (notice on every page; private, not in dist/): .press/embargoed/${embargoed}.en.pdf, .press/embargoed/${embargoed}.ru.pdf\n`,
    )
    // The wait (Chromium, two PDFs) is reported, with the wall-clock time, before the result.
    expect(run.stderr).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z Preparing test copies: 2\/2 \(rendering the PDFs\)$/m)
  })
})

describe('press send progress', () => {
  test('without a terminal: timestamped lines with the real total, the PDFs first, then what was sent', async () => {
    const dir = await copySampleOffice()
    const run = await press(['send', embargoed, '--now', '2031-06-01T00:00:00Z', '-C', dir])
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stderr.split('\n').filter((l) => l.includes(' Sending: '))
    expect(lines.length, run.stderr).toBeGreaterThan(0)
    // 5 vetted recipients are due now (the other 4 wait for the lift); 2 PDFs: en and ru, embargoed.
    for (const line of lines)
      expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z Sending: \d\/5( \((rendering PDFs \d\/\d)?(, )?(sent \d)?\))?$/)
    // (The public PDFs are rendered ahead for the lift too, so PDFs may still be counted at the end.)
    expect(lines.at(-1)).toMatch(/ Sending: 5\/5 \((rendering PDFs \d\/\d, )?sent 5\)$/)
  })
})
