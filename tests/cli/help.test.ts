/**
 * `press --help` and `press <command> --help`: golden files, reviewed like
 * any other output (`npx vitest run tests/cli -u` rewrites them).
 */
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, test } from 'vitest'
import { press, type CliRun } from './run.js'

const golden = (name: string): string => fileURLToPath(new URL(`../fixtures/cli/help/${name}.txt`, import.meta.url))

const commands = [
  'new',
  'check',
  'build',
  'translate',
  'translate status',
  'preview',
  'send',
  'schedule',
  'dispatch',
  'worker',
  'status',
  'serve',
  'inbox',
] as const
/** Commands that take the global options (all but the `translate` group). */
const leaves = commands.filter((c) => c !== 'translate')

const runs = new Map<string, CliRun>()

beforeAll(async () => {
  // One child per help text, all at once: each is a cold Node start.
  await Promise.all(
    [[], ...commands.map((c) => c.split(' '))].map(async (words) => {
      runs.set(words.join(' '), await press([...words, '--help']))
    }),
  )
})

describe('press --help', () => {
  test('lists the commands in groups, the global options, the exit codes and examples', async () => {
    const run = runs.get('')!
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    await expect(run.stdout).toMatchFileSnapshot(golden('press'))
    for (const c of [
      'new',
      'check',
      'build',
      'translate',
      'preview',
      'send',
      'schedule',
      'dispatch',
      'worker',
      'status',
      'serve',
      'inbox',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${c} `, 'm'))
    }
    expect(run.stdout).toContain('Publishing:')
    expect(run.stdout).toContain('Distribution:')
    expect(run.stdout).toContain('Exit codes: 0 success, 1 user error')
    expect(run.stdout).toContain('Examples:\n  press ')
  })

  test.each(commands)('press %s --help', async (command) => {
    const run = runs.get(command)!
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    await expect(run.stdout).toMatchFileSnapshot(golden(command.replace(' ', '-')))
    expect(run.stdout).toMatch(new RegExp(`^Usage: press ${command} `))
    expect(run.stdout).toMatch(/\nExamples?:\n {2}press /)
    if ((leaves as readonly string[]).includes(command)) {
      for (const option of ['-C, --cwd <dir>', '--json', '-q, --quiet', '-v, --verbose', '--debug', '-h, --help'])
        expect(run.stdout).toContain(option)
      expect(run.stdout).toContain('Global options:')
    }
  })

  test('no option prints a "(default: false)"', () => {
    for (const run of runs.values()) expect(run.stdout).not.toContain('(default: false)')
  })

  test('`press` alone is a usage error: help on stderr, exit 2', async () => {
    const run = await press([])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(runs.get('')!.stdout)
  })

  test('`press translate` alone is a usage error too; `press help <command>` is not', async () => {
    const [group, help, helpSend] = await Promise.all([press(['translate']), press(['help']), press(['help', 'send'])])
    expect(group.code).toBe(2)
    expect(group.stderr).toBe(runs.get('translate')!.stdout)
    expect(help.code).toBe(0)
    expect(help.stdout).toBe(runs.get('')!.stdout)
    expect(helpSend.code).toBe(0)
    expect(helpSend.stdout).toBe(runs.get('send')!.stdout)
  })

  test('an unknown command with --help is still an unknown command: did-you-mean, exit 2', async () => {
    const [top, sub, global] = await Promise.all([
      press(['biuld', '--help']),
      press(['translate', 'stats', '-h']),
      press(['-C', '.', 'sned', '--help']),
    ])
    expect(top.code).toBe(2)
    expect(top.stdout).toBe('')
    expect(top.stderr).toBe("error: unknown command 'biuld'\n(Did you mean build?)\n(run `press --help` for the commands)\n")
    expect(sub.code).toBe(2)
    expect(sub.stderr).toMatch(/^error: unknown command 'stats'\n\(Did you mean status\?\)/)
    expect(global.code).toBe(2)
    expect(global.stderr).toMatch(/^error: unknown command 'sned'\n\(Did you mean send\?\)/)
  })

  test('--version', async () => {
    const run = await press(['--version'])
    expect(run).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' })
  })
})
