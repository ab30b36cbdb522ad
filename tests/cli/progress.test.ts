/**
 * Progress without a terminal: timestamped plain lines with real counts, the
 * first once a phase has taken a second, then at most every 2 s, and always
 * the last count; worker log lines carry the wall-clock time. A fake clock
 * and captured streams (no sleeping).
 */
import { Writable } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { Reporter, type GlobalFlags } from '../../src/cli/io.js'
import { startProgress, withTimestamps } from '../../src/cli/progress.js'

function capture(flags: Partial<GlobalFlags> = {}): { reporter: Reporter; out: () => string; err: () => string } {
  let out = ''
  let err = ''
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk))
        done()
      },
    })
  const reporter = new Reporter(
    { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env: {} },
    { cwd: '.', json: false, quiet: false, verbose: false, debug: false, ...flags },
  )
  return { reporter, out: () => out, err: () => err }
}

const t0 = Date.UTC(2026, 11, 2, 11, 0, 0)

describe('plain progress lines', () => {
  test('nothing within the first second; then timestamped counts every 2 s and the last one', () => {
    let now = t0
    const { reporter, err } = capture()
    const progress = startProgress(reporter, 'Sending', { clock: () => now })
    progress.update(0, 10, 'rendering PDFs 0/2')
    now += 500
    progress.update(1, 10)
    expect(err()).toBe('')
    now = t0 + 1_000
    progress.update(2, 10)
    now = t0 + 1_500
    progress.update(3, 10)
    now = t0 + 3_000
    progress.update(4, 10, 'sent 4')
    now = t0 + 3_100
    progress.update(10, 10, 'sent 10')
    progress.stop()
    expect(err()).toBe(
      [
        '2026-12-02T11:00:01Z Sending: 2/10',
        '2026-12-02T11:00:03Z Sending: 4/10 (sent 4)',
        '2026-12-02T11:00:03Z Sending: 10/10 (sent 10)',
        '',
      ].join('\n'),
    )
  })

  test('an unknown total prints the count alone; a quick phase prints nothing at all', () => {
    let now = t0
    const slow = capture()
    const progress = startProgress(slow.reporter, 'Sending', { clock: () => now })
    now += 1_200
    progress.update(3, 0, 'sent 3')
    progress.stop()
    expect(slow.err()).toBe('2026-12-02T11:00:01Z Sending: 3 (sent 3)\n')
    const quick = capture()
    const fast = startProgress(quick.reporter, 'Loading releases', { clock: () => t0 })
    fast.update(5, 5)
    fast.stop()
    expect(quick.err()).toBe('')
  })

  test('--quiet and --json print no progress', () => {
    for (const flags of [{ quiet: true }, { json: true }]) {
      const { reporter, err } = capture(flags)
      const progress = startProgress(reporter, 'Building', { delayMs: 0 })
      progress.update(1, 2)
      progress.stop()
      expect(err()).toBe('')
    }
  })
})

describe('worker log lines', () => {
  test('report lines, warnings and errors start with the wall-clock time', () => {
    const { reporter, out, err } = capture()
    const log = withTimestamps(reporter, () => t0 + 61_000)
    log.line('sent 5, failed 0')
    log.warn('a@example.org: 421 try later (retried later)')
    log.error('b@example.org: 550 no such user')
    expect(out()).toBe('2026-12-02T11:01:01Z sent 5, failed 0\n')
    expect(err()).toBe(
      '2026-12-02T11:01:01Z warning: a@example.org: 421 try later (retried later)\n2026-12-02T11:01:01Z error: b@example.org: 550 no such user\n',
    )
  })
})
