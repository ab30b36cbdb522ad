/**
 * What every command does the same way: exit codes (0 ok, 1 user error,
 * 2 usage, 75 locked), did-you-mean, no stack traces for user mistakes,
 * -C / --cwd, colour only on a terminal, --quiet and --verbose, and the
 * summary `press build` ends with.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { openSqliteLedger } from '../../src/distribute/queue/sqlite-ledger.js'
import { copySampleOffice, removeOffices } from '../helpers/office.js'
import { ansi, cleanEnv, expectNoStack, hasScript, press, pressInBackground, pressOnTerminal } from './run.js'

const embargoed = '2031-06-10-annual-report-2030'
const liftMinus1 = '2031-06-10T12:59:59Z'

let office: string

beforeAll(async () => {
  office = await copySampleOffice()
})
afterAll(removeOffices)

describe('usage errors exit 2 with a did-you-mean', () => {
  test('unknown command', async () => {
    const run = await press(['biuld'])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe("error: unknown command 'biuld'\n(Did you mean build?)\n(run `press --help` for the commands)\n")
  })

  test('unknown option, on a command and on a subcommand', async () => {
    const [option, sub] = await Promise.all([press(['build', '--jsno', '-C', office]), press(['translate', 'stats'])])
    expect(option.code).toBe(2)
    expect(option.stdout).toBe('')
    expect(option.stderr).toBe(
      "error: unknown option '--jsno'\n(Did you mean --json?)\n(run `press build --help` for its options and an example)\n",
    )
    expect(sub.code).toBe(2)
    expect(sub.stderr).toMatch(/^error: unknown command 'stats'\n\(Did you mean status\?\)/)
  })

  test('missing and extra arguments', async () => {
    const [missing, extra, noAt] = await Promise.all([press(['send']), press(['build', 'everything']), press(['schedule', embargoed])])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^error: missing required argument 'slug'/)
    expect(extra.code).toBe(2)
    expect(extra.stderr).toMatch(/^error: too many arguments for 'build'/)
    expect(noAt.code).toBe(2)
    expect(noAt.stderr).toMatch(/^error: required option '--at <instant>' not specified/)
  })

  test('an instant without a zone, or one that does not exist, is a usage error (before anything is read)', async () => {
    const runs = await Promise.all([
      press(['build', '--now', '2031-03-14', '-C', office]),
      press(['send', embargoed, '--dry-run', '--now', '2031-03-14T09:00:00', '-C', office]),
      press(['check', '-C', office], { env: { PRESS_NOW: 'tomorrow' } }),
      press(['dispatch', '--now', '2031-02-30T09:00:00Z', '-C', '/nonexistent']),
      press(['schedule', embargoed, '--at', '2031-03-14 09:00', '-C', office]),
      press(['preview', '--port', 'eighty', '-C', office]),
    ])
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(2)
      expect(run.stdout).toBe('')
      expectNoStack(run)
    }
    // The office's own zone (the sample's embargo.zones: UTC, Europe/Moscow) is the one suggested.
    expect(runs[0]!.stderr).toBe(
      'error: --now "2031-03-14" is a date, not an instant; give a time too (write 2031-03-14T09:00:00+03:00 or 2031-03-14 09:00 Europe/Moscow)\n',
    )
    expect(runs[1]!.stderr).toBe(
      'error: --now "2031-03-14T09:00:00" is not an instant with a time zone (write 2031-03-14T09:00:00+03:00 or 2031-03-14 09:00 Europe/Moscow)\n',
    )
    expect(runs[2]!.stderr).toMatch(/^error: PRESS_NOW "tomorrow" is not a date-time \(expected an ISO 8601 date-time with an offset/)
    // The usage error comes before the missing directory is noticed.
    expect(runs[3]!.stderr).toMatch(/^error: --now "2031-02-30T09:00:00Z" is not a real date and time/)
    expect(runs[4]!.stderr).toMatch(
      /^error: --at "2031-03-14 09:00" is not an instant with a time zone \(write 2031-03-14T09:00:00\+03:00 or 2031-03-14 09:00 Europe\/Moscow\)/,
    )
    expect(runs[5]!.stderr).toMatch(/^error: --port eighty is not a port number/)
  })
})

describe('instants are written the same way everywhere', () => {
  test('--now, --at and PRESS_NOW take a local time plus an IANA zone, and +03', async () => {
    const own = await copySampleOffice()
    const [at, now, env, short] = await Promise.all([
      press(['schedule', embargoed, '--at', '2031-06-10 16:00 Europe/Moscow', '--now', '2031-06-01T00:00Z', '--json', '-C', own]),
      press(['send', embargoed, '--dry-run', '--now', '2031-06-10 15:59:59 Europe/Moscow', '--json', '-C', office]),
      press(['send', embargoed, '--dry-run', '--json', '-C', office], { env: { PRESS_NOW: '2031-06-10 12:59:59 UTC' } }),
      press(['send', embargoed, '--dry-run', '--now', '2031-06-10T15:59:59+03', '--json', '-C', office]),
    ])
    expect(at.code, at.stderr).toBe(0)
    expect(JSON.parse(at.stdout).at).toBe('2031-06-10T13:00:00.000Z')
    for (const run of [now, env, short]) {
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout).now).toBe('2031-06-10T12:59:59.000Z')
    }
  })

  test('an empty --now is refused, not read as "use the clock"', async () => {
    const run = await press(['check', '--now', '', '-C', office])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^error: --now is empty; give an instant such as/)
    expectNoStack(run)
  })
})

describe('user errors exit 1 with a clear message and no stack trace', () => {
  test('a missing office directory, a file, a folder that is not an office', async () => {
    const file = path.join(office, 'press-list.csv')
    const [missing, notDir, notOffice] = await Promise.all([
      press(['check', '-C', '/nonexistent']),
      press(['build', '--cwd', file]),
      press(['status', '-C', path.join(office, 'templates')]),
    ])
    for (const run of [missing, notDir, notOffice]) {
      expect(run.code).toBe(1)
      expect(run.stdout).toBe('')
      expectNoStack(run)
    }
    expect(missing.stderr).toBe(
      'error: The office directory /nonexistent does not exist. Check the path given to -C / --cwd, or run press inside the office folder.\n',
    )
    expect(notDir.stderr).toMatch(/^error: .*press-list\.csv is a file, not an office directory/)
    expect(notOffice.stderr).toMatch(/^error: .*templates is not a press office: it has no pressroom\.yaml and no releases\/ folder/)
  })

  test('broken YAML in pressroom.yaml: located diagnostics, exit 1, nothing built', async () => {
    const dir = await copySampleOffice()
    await writeFile(path.join(dir, 'pressroom.yaml'), `${await readFile(path.join(dir, 'pressroom.yaml'), 'utf8')}\nmail: [oops\n`)
    const [check, build] = await Promise.all([press(['check', '-C', dir]), press(['build', '--no-pdf', '-C', dir])])
    expect(check.code).toBe(1)
    expect(check.stderr).toMatch(/^pressroom\.yaml:\d+:\d+: error: invalid YAML/m)
    expect(build.code).toBe(1)
    expect(build.stderr).toMatch(/^pressroom\.yaml:\d+:\d+: error: /m)
    expect(build.stderr).toMatch(/^error: \d+ errors? found; nothing was written\. Fix the errors above and run again\.$/m)
    expect(existsSync(path.join(dir, 'dist'))).toBe(false)
    expectNoStack(check)
    expectNoStack(build)
  })

  test('broken YAML in a release stops build and send, naming the file and line', async () => {
    const dir = await copySampleOffice()
    const file = path.join(dir, 'releases', embargoed, 'en.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^title: /m, 'title: [unclosed '))
    const [build, send] = await Promise.all([press(['build', '--no-pdf', '-C', dir]), press(['send', embargoed, '-C', dir])])
    for (const run of [build, send]) {
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(new RegExp(`^releases/${embargoed}/en\\.md:[23]:\\d+: error: invalid YAML`, 'm'))
      expectNoStack(run)
    }
    expect(send.stderr).toMatch(/^error: \d+ errors? found; nothing was sent or planned\./m)
    expect(existsSync(path.join(dir, '.press', 'queue.db'))).toBe(false)
  })

  test('an unknown release for send, schedule and build --only', async () => {
    const [send, dry, sched, only] = await Promise.all([
      press(['send', 'no-such-release', '-C', office]),
      press(['send', 'no-such-release', '--dry-run', '-C', office]),
      press(['schedule', 'no-such-release', '--at', '2031-01-01T00:00:00Z', '-C', office]),
      press(['build', '--only', 'no-such-release', '--no-pdf', '-C', office]),
    ])
    for (const run of [send, dry, sched]) {
      expect(run.code).toBe(1)
      expect(run.stderr).toBe(
        'error: There is no release `no-such-release`. The slug is the folder name under releases/; `press translate status` lists every release.\n',
      )
      expect(run.stdout).toBe('')
    }
    expect(only.code).toBe(1)
    expect(only.stderr).toMatch(/^error: no release `no-such-release` in releases\/ \(`press translate status` lists every release\)/m)
    for (const run of [send, dry, sched, only]) expectNoStack(run)
  })

  test('a near miss gets a did-you-mean', async () => {
    const [typo, part, only] = await Promise.all([
      press(['send', '2031-06-10-anual-report-2030', '--dry-run', '-C', office]),
      press(['send', 'annual-report', '--dry-run', '-C', office]),
      press(['build', '--only', 'river-sampling', '--no-pdf', '-C', office]),
    ])
    expect(typo.code).toBe(1)
    expect(typo.stderr).toBe(
      `error: There is no release \`2031-06-10-anual-report-2030\`. Did you mean \`${embargoed}\`? The slug is the folder name under releases/; \`press translate status\` lists every release.\n`,
    )
    expect(part.stderr).toContain(`Did you mean \`${embargoed}\`?`)
    expect(only.code).toBe(1)
    expect(only.stderr).toContain('did you mean `2026-05-12-river-sampling`?')
  })
})

describe('exit 75 when another run holds the queue', () => {
  test('dispatch and send exit 75 with a clear message; --wait queues behind the holder', async () => {
    const dir = await copySampleOffice()
    // Take the lock the way a running dispatch does: a live pid with a heartbeat.
    const ledger = openSqliteLedger(path.join(dir, '.press', 'queue.db'))
    const lock = await ledger.lock({ now: Date.now() })
    try {
      const [dispatch, json, send] = await Promise.all([
        press(['dispatch', '-C', dir]),
        press(['dispatch', '--json', '-C', dir]),
        press(['send', '2026-05-12-river-sampling', '-C', dir]),
      ])
      for (const run of [dispatch, send]) {
        expect(run.code).toBe(75)
        expect(run.stderr).toMatch(
          new RegExp(
            `^error: Another dispatch is already sending from .*queue\\.db \\(pid ${process.pid} on .*\\)\\. Wait for it to finish, or run with \`--wait\` to queue behind it\\.`,
            'm',
          ),
        )
        expectNoStack(run)
      }
      expect(json.code).toBe(75)
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'PRESS_LOCKED' } })

      expect(send.stderr).toContain(
        'The plan of 2026-05-12-river-sampling was saved in the queue; the next `press dispatch` (or the worker) sends what is due.',
      )

      // Nothing is due in 2020: the waiting run only has to get the lock.
      // It says it waits, and for whom; the lock is released only once it does (no sleep-and-hope).
      let isWaiting!: () => void
      const waitingSaid = new Promise<void>((resolve) => (isWaiting = resolve))
      const waiting = pressInBackground(['dispatch', '--wait', '--now', '2020-01-01T00:00:00Z', '-C', dir], {
        onStderr: (text) => text.includes('waiting: ') && isWaiting(),
      })
      await waitingSaid
      await lock.release()
      const waited = await waiting
      expect(waited.code, waited.stderr).toBe(0)
      expect(waited.stderr).toMatch(
        new RegExp(`^waiting: another dispatch \\(pid ${process.pid} on .+, since \\d{4}-.+Z\\) is sending from this queue…$`, 'm'),
      )
      expect(waited.stdout).toContain('sent 0, failed 0')
    } finally {
      await lock.release()
      await ledger.close()
    }
  })
})

describe('pipes', () => {
  test('a reader that stops early (`press --help | head -n 1`) is not an error', async () => {
    const { execFile } = await import('node:child_process')
    const { pressBin } = await import('../helpers/office.js')
    const node = `"${process.execPath}" "${pressBin}"`
    const script = `${node} --help | head -n 1; ${node} translate status -C "${office}" | head -n 0; ${node} help build | true`
    const result = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile('sh', ['-c', script], { encoding: 'utf8', env: cleanEnv() }, (_error, stdout, stderr) => resolve({ stdout, stderr }))
    })
    expect(result.stdout).toBe('Usage: press <command> [options]\n')
    expect(result.stderr).toBe('')
  })
})

describe('the office directory', () => {
  test('-C, --cwd, `press -C <dir> <command>` and the current directory are the same office', async () => {
    const runs = await Promise.all([
      press(['check', '-C', office]),
      press(['check', '--cwd', office]),
      press(['-C', office, 'check']),
      press(['check', `--cwd=${office}`]),
      press(['check'], { cwd: office }),
      press(['check', '-C', '.'], { cwd: office }),
      press(['check', '-C', path.basename(office)], { cwd: path.dirname(office) }),
    ])
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toBe('✔ 5 releases, 10 recipients: 0 errors, 0 warnings\n')
    }
  })
})

describe('colour, --quiet and --verbose', () => {
  test('no escape codes when stdout and stderr are pipes, with or without NO_COLOR', async () => {
    const runs = await Promise.all([
      press(['check', '-C', office]),
      press(['translate', 'status', '-C', office]),
      press(['send', embargoed, '--dry-run', '--now', liftMinus1, '-C', office]),
      press(['status', '-C', office]),
      press(['biuld']),
      press(['check', '-C', office], { env: { NO_COLOR: '1' } }),
    ])
    for (const run of runs) {
      expect(run.stdout + run.stderr).not.toMatch(ansi)
      expect(run.stdout + run.stderr).not.toBe('')
    }
  })

  test('FORCE_COLOR turns colour on for pipes (so the test above can fail)', async () => {
    const run = await press(['check', '-C', office], { env: { FORCE_COLOR: '1' } })
    expect(run.stderr).toContain('\x1b[36minfo\x1b[39m')
    expect(run.stdout).toContain('\x1b[32m✔\x1b[39m')
  })

  test.skipIf(!hasScript)('on a terminal: colour, unless NO_COLOR is set', async () => {
    const [coloured, plain] = await Promise.all([
      pressOnTerminal(['check', '-C', office]),
      pressOnTerminal(['check', '-C', office], { env: { NO_COLOR: '1' } }),
    ])
    expect(coloured.code).toBe(0)
    expect(coloured.output).toContain('\x1b[36minfo\x1b[39m')
    expect(plain.code).toBe(0)
    expect(plain.output).toContain('info: embargo lifts at 2031-06-10 09:00 EDT (13:00 UTC)')
    expect(plain.output).not.toMatch(/\x1b\[\d+m/)
  })

  test('--quiet prints errors only', async () => {
    const broken = await copySampleOffice()
    await mkdir(path.join(broken, 'releases', 'bad'), { recursive: true })
    await writeFile(path.join(broken, 'releases', 'bad', 'en.md'), '---\ntitle: Bad\ndate: 2031-13-45\nstatus: ready\n---\n\nBody.\n')
    const [check, dry, failing, build] = await Promise.all([
      press(['check', '-q', '-C', office]),
      press(['send', embargoed, '--dry-run', '--quiet', '-C', office]),
      press(['check', '--quiet', '-C', broken]),
      press(['build', '--no-pdf', '-q', '-C', office]),
    ])
    expect(check).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(dry).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(build).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(failing.code).toBe(1)
    expect(failing.stdout).toBe('')
    expect(failing.stderr).toMatch(/^releases\/bad\/en\.md:3:7: error: /)
    expect(failing.stderr).not.toMatch(/: (warning|info): /)
  })

  test('--verbose adds detail on stderr, leaving stdout as it was', async () => {
    const [plain, verbose] = await Promise.all([
      press(['check', '-C', office]),
      press(['check', '--verbose', '--now', liftMinus1, '-C', office]),
    ])
    expect(verbose.code).toBe(0)
    expect(verbose.stdout).toBe(plain.stdout)
    expect(verbose.stderr).toContain('now: 2031-06-10T12:59:59.000Z (from --now)')
    expect(verbose.stderr).toContain(`office: ${office}`)
    expect(verbose.stderr).toMatch(/^loaded 5 releases in en, ru \(\d+ ms\)$/m)
    expect(plain.stderr).not.toContain('office:')
  })
})

describe('press build ends with a summary', () => {
  test('published releases with their languages, embargoed ones with the lift, PDFs rendered then reused, warnings, time', async () => {
    const dir = await copySampleOffice()
    const first = await press(['build', '--now', liftMinus1, '-C', dir])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout.replace(/time {7}\d+\.\d s/, 'time       N s')).toBe(
      [
        'Built dist/ as of 2031-06-10 15:59:59 MSK (12:59:59 UTC)',
        '  published  3 releases, 5 language versions',
        '             2026-06-08-human-rights-council-briefing  en',
        '             2026-05-12-river-sampling                 en ru',
        '             2026-01-27-lirsk-remand-centre            en ru',
        '  held back  2031-06-10-annual-report-2030: embargoed until 2031-06-10 09:00 EDT (13:00 UTC)',
        '  held back  2026-06-30-monitoring-director: draft (--drafts includes it)',
        '  pages      5 rendered, 0 reused',
        '  PDFs       5 rendered, 0 reused',
        '  warnings   0',
        '  time       N s',
        '',
      ].join('\n'),
    )
    // Progress goes to stderr as timestamped plain lines when it is not a
    // terminal, with real totals per kind from the start (Chromium's start-up
    // and five PDFs take well over the one second before the first line).
    const lines = first.stderr.split('\n').filter((l) => l.includes('Building: '))
    expect(lines.length, first.stderr).toBeGreaterThan(0)
    for (const line of lines)
      expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z Building: \d+\/(\d+) \(pages \d+\/15, PDFs \d\/5\)$/)
    expect(lines.at(-1)).toMatch(/ Building: (\d+)\/\1 \(pages 15\/15, PDFs 5\/5\)$/)
    const again = await press(['build', '--now', liftMinus1, '-C', dir])
    expect(again.stdout).toContain('  pages      0 rendered, 5 reused\n  PDFs       0 rendered, 5 reused\n')
  })
})
