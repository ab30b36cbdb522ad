/**
 * The CLI's small pieces in-process: colour decisions per stream, what
 * --quiet and --json do to each kind of output, and instants given on
 * the command line.
 */
import { Writable } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { parseInstant } from '../../src/cli/context.js'
import { Reporter, streamHasColour, type GlobalFlags } from '../../src/cli/io.js'
import { UsageError } from '../../src/errors.js'

function sink(isTTY: boolean): Writable & { isTTY: boolean; text: string } {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      stream.text += chunk.toString()
      callback()
    },
  }) as Writable & { isTTY: boolean; text: string }
  stream.text = ''
  stream.isTTY = isTTY
  return stream
}

const flags = (over: Partial<GlobalFlags> = {}): GlobalFlags => ({
  cwd: '.',
  json: false,
  quiet: false,
  verbose: false,
  debug: false,
  ...over,
})

describe('streamHasColour', () => {
  test.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [true, { TERM: 'dumb' }, false],
    [false, { FORCE_COLOR: '1' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { NO_COLOR: '1', FORCE_COLOR: '1' }, true],
  ] as const)('tty %s, env %j → %s', (isTTY, env, expected) => {
    expect(streamHasColour({ isTTY }, env)).toBe(expected)
  })
})

describe('Reporter', () => {
  test('colour is decided per stream: a piped stdout gets none even when stderr is a terminal', () => {
    const out = sink(false)
    const err = sink(true)
    const reporter = new Reporter({ stdout: out, stderr: err, env: {} }, flags())
    reporter.line(reporter.paint('green', 'ok'))
    reporter.error('bad')
    expect(out.text).toBe('ok\n')
    expect(err.text).toBe('\x1b[31merror\x1b[39m: bad\n')
    expect(reporter.tty).toBe(true)
  })

  test('--json: report lines go to stderr, one document to stdout, a second one is refused', () => {
    const out = sink(false)
    const err = sink(false)
    const reporter = new Reporter({ stdout: out, stderr: err, env: {} }, flags({ json: true }))
    reporter.line('table')
    reporter.json({ a: 1 })
    reporter.json({ b: 2 })
    expect(JSON.parse(out.text)).toEqual({ a: 1 })
    expect(err.text).toBe('table\n')
    expect(reporter.tty).toBe(false)
  })

  test('--quiet keeps errors and JSON only; --verbose adds detail unless --quiet', () => {
    const out = sink(false)
    const err = sink(false)
    const quiet = new Reporter({ stdout: out, stderr: err, env: {} }, flags({ quiet: true, verbose: true }))
    quiet.line('report')
    quiet.warn('careful')
    quiet.detail('detail')
    quiet.error('broken')
    expect(out.text).toBe('')
    expect(err.text).toBe('error: broken\n')
    const verbose = new Reporter({ stdout: out, stderr: err, env: {} }, flags({ verbose: true }))
    verbose.detail('more')
    expect(err.text).toBe('error: broken\nmore\n')
  })
})

describe('parseInstant', () => {
  test.each([
    ['2031-06-10T13:00:00Z', Date.UTC(2031, 5, 10, 13)],
    ['2031-06-10T09:00:00-04:00', Date.UTC(2031, 5, 10, 13)],
    ['2031-06-10 16:00+0300', Date.UTC(2031, 5, 10, 13)],
    ['2031-06-10 16:00+03', Date.UTC(2031, 5, 10, 13)],
    ['2031-06-10 16:00 Europe/Moscow', Date.UTC(2031, 5, 10, 13)],
    ['2031-06-10T09:00 America/New_York', Date.UTC(2031, 5, 10, 13)],
    ['2031-06-10T12:59:59.5Z', Date.UTC(2031, 5, 10, 12, 59, 59, 500)],
  ])('%s', (text, ms) => {
    expect(parseInstant(text, '--now')).toBe(ms)
  })

  test.each([
    '2031-06-10',
    '2031-06-10T09:00',
    'tomorrow',
    '2031-02-30T09:00Z',
    '2031-06-10T25:00Z',
    '2031-06-10 09:00 MSK',
    '2031-03-30 02:30 Europe/Berlin',
  ])('%j is a usage error', (text) => {
    expect(() => parseInstant(text, '--at')).toThrow(UsageError)
    expect(() => parseInstant(text, '--at')).toThrow(/^--at "/)
  })

  test.each(['', '  '])('%j is refused, not read as the clock', (text) => {
    expect(() => parseInstant(text, '--now')).toThrow(/^--now is empty; give an instant/)
  })
})
