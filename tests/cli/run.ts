/**
 * Running the compiled CLI for the CLI tests: a clean environment (no
 * PRESS_*, NO_COLOR or FORCE_COLOR from the outside), an optional working
 * directory, and stdout/stderr kept apart. Also a helper that runs a
 * command under a pseudo-terminal (util-linux `script`), to see what a
 * person at a terminal sees.
 */
import { execFile, spawn, spawnSync } from 'node:child_process'
import { expect } from 'vitest'
import type { z } from 'zod'
import { pressBin } from '../helpers/office.js'

/** What one run printed and returned. */
export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Options of {@link press}. */
export interface PressOptions {
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>
  /** Working directory of the child (default: this process's). */
  readonly cwd?: string
  /** Kill it after this long, ms (default 120,000). */
  readonly timeoutMs?: number
  /** `pressInBackground`: called with all of stderr so far, after each chunk. */
  readonly onStderr?: (stderr: string) => void
}

/** The environment of this process without anything that changes press's output. */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('PRESS_') || key === 'NO_COLOR' || key === 'FORCE_COLOR' || key === 'COLUMNS') continue
    env[key] = value
  }
  // Tests act at fixed instants (the sample office's lift is in 2031): a
  // --now later than the clock acts for real, not as a rehearsal, unless a
  // test asks for one with PRESS_REHEARSAL: 'auto'.
  return { ...env, PRESS_REHEARSAL: 'off', ...extra }
}

/**
 * Run `node bin/press.js …` with pipes for stdout and stderr (not a TTY).
 *
 * @param args Arguments after `press`.
 * @param options Environment, working directory, timeout.
 */
export function press(args: readonly string[], options: PressOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [pressBin, ...args],
      {
        env: cleanEnv(options.env),
        cwd: options.cwd,
        encoding: 'utf8',
        maxBuffer: 32 * 1024 * 1024,
        timeout: options.timeoutMs ?? 120_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** A press run in the background (for lock tests). */
export function pressInBackground(args: readonly string[], options: PressOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [pressBin, ...args], {
      env: cleanEnv(options.env),
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s
      options.onStderr?.(stderr)
    })
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/** True when util-linux `script` can give a child a pseudo-terminal. */
export const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0

/**
 * Run press under a pseudo-terminal (stdout and stderr both the terminal).
 *
 * @param args Arguments after `press` (no shell quoting needed for plain words).
 * @param options Environment, working directory.
 * @returns Exit code and everything the terminal showed.
 */
export function pressOnTerminal(args: readonly string[], options: PressOptions = {}): Promise<{ code: number; output: string }> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`
  const command = [process.execPath, pressBin, ...args].map(quote).join(' ')
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', command, '/dev/null'],
      {
        env: cleanEnv({ TERM: 'xterm-256color', ...options.env }),
        cwd: options.cwd,
        encoding: 'utf8',
        timeout: options.timeoutMs ?? 120_000,
      },
      (error, stdout) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: stdout })
      },
    )
  })
}

/** Matches any ANSI escape sequence. */
export const ansi = /\x1b/

/**
 * Check a `--json` run: stdout is exactly one JSON document matching the
 * schema; no escape codes anywhere. Returns the parsed document.
 */
export function expectJson<S extends z.ZodType>(run: CliRun, schema: S): z.infer<S> {
  expect(run.stdout, `stderr:\n${run.stderr}`).toMatch(/^\{[\s\S]*\}\n$/)
  // JSON.parse of the whole of stdout fails if anything else was printed there.
  const value: unknown = JSON.parse(run.stdout)
  expect(run.stdout).not.toMatch(ansi)
  expect(run.stderr).not.toMatch(ansi)
  const parsed = schema.safeParse(value)
  if (!parsed.success)
    throw new Error(`JSON does not match the schema:\n${JSON.stringify(parsed.error.issues, null, 2)}\n${run.stdout.slice(0, 4000)}`)
  return parsed.data
}

/** A user-facing failure must not show a stack trace. */
export function expectNoStack(run: CliRun): void {
  expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .+[:(]\d+:\d+\)?/)
  expect(run.stderr).not.toMatch(/internal error/)
}
