/**
 * What every command does first: resolve the office directory and "now",
 * load the office, print diagnostics. Kept apart from main.ts so that
 * `press --help` loads none of this.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { parseInstantText } from '../embargo/time.js'
import type { VFileMessage } from 'vfile-message'
import { ContentError, PressError, UsageError } from '../errors.js'
import { diagnosticJson, hasErrors } from '../diagnostics.js'
import { loadOffice, type LoadOfficeOptions, type Office } from '../office.js'
import type { Reporter } from './io.js'
import { startProgress, type Progress } from './progress.js'

/** The directory given with `-C` / `--cwd` (or the current one) is not a press office. */
export class OfficeNotFoundError extends PressError {
  override readonly code = 'PRESS_NO_OFFICE'
}

/**
 * Parse an instant given on the command line, the way the frontmatter takes
 * one: with an offset or `Z` (`2031-03-14T09:00:00-04:00`, `…+03`), or a
 * local time followed by an IANA zone (`2031-03-14 10:00 Europe/Moscow`), so a
 * rehearsal cannot misread a zone; it must name a real calendar date.
 *
 * @param value The text, e.g. `2031-03-14T09:00:00-04:00`.
 * @param from Where it came from, for the message, e.g. `--at`.
 * @param cwd The office directory, whose `embargo.zones` a message suggests (optional).
 * @returns Epoch milliseconds.
 * @throws {UsageError} When the value is not such an instant (exit 2).
 */
export function parseInstant(value: string, from: string, cwd?: string): number {
  if (value.trim() === '') {
    throw new UsageError(
      `${from} is empty; give an instant such as 2031-03-14T09:00:00-04:00 or 2031-03-14 09:00 Europe/Moscow, or leave ${from} out to use the clock`,
    )
  }
  const parsed = parseInstantText(value, undefined, { name: `${from}` })
  if (parsed.ok) return parsed.ms
  if (parsed.ruleId === 'embargo-no-zone' || /is a date, not an instant/.test(parsed.reason)) {
    // Said in the office's own zone when it has one (read only on this error path).
    const again = parseInstantText(value, undefined, { name: from, zones: cwd === undefined ? [] : officeZones(cwd) })
    if (!again.ok) throw new UsageError(again.reason.replace(/ has no time zone \(/, ' is not an instant with a time zone ('))
  }
  if (/is not a real date/.test(parsed.reason))
    throw new UsageError(
      `${parsed.reason.replace(/ is not a real date .*$/, ' is not a real date and time')} (a day, month, hour or minute is out of range); write e.g. 2031-03-14T13:00:00Z`,
    )
  throw new UsageError(parsed.reason)
}

/** `embargo.zones` of the office's pressroom.yaml, or none when it cannot be read. */
function officeZones(cwd: string): string[] {
  try {
    const data: unknown = parse(readFileSync(path.join(path.resolve(cwd), 'pressroom.yaml'), 'utf8'))
    const zones = (data as { embargo?: { zones?: unknown } } | null)?.embargo?.zones
    return Array.isArray(zones) ? zones.filter((z): z is string => typeof z === 'string') : []
  } catch {
    return []
  }
}

/**
 * The instant a command treats as now: `--now`, else `PRESS_NOW`, else the clock.
 * An empty `--now ""` is refused (a script with an unset variable must not
 * silently use the real clock); an empty `PRESS_NOW` counts as unset.
 *
 * @param flag The `--now` value (optional).
 * @param env The environment.
 * @param cwd The office directory, for the zones a message suggests (optional).
 * @returns Epoch milliseconds.
 * @throws {UsageError} When the value has no zone or is not a date-time (exit 2).
 */
export function resolveNow(flag: string | undefined, env: NodeJS.ProcessEnv, cwd?: string): number {
  if (flag !== undefined) return parseInstant(flag, '--now', cwd)
  const value = env['PRESS_NOW']
  if (value === undefined || value === '') return Date.now()
  return parseInstant(value, 'PRESS_NOW', cwd)
}

/**
 * Whether `--now` or `PRESS_NOW` sets the clock (a rehearsal).
 *
 * @param reporter The run's reporter.
 * @returns True when the command should not read the real clock.
 */
export function nowIsGiven(reporter: Reporter): boolean {
  const value = reporter.flags.now ?? reporter.io.env['PRESS_NOW']
  return value !== undefined && value !== ''
}

/**
 * The office directory of this run (`-C` / `--cwd`, else the current one),
 * checked to exist and to look like an office.
 *
 * @param reporter The run's reporter.
 * @returns The absolute directory.
 * @throws {OfficeNotFoundError} When it is missing, a file, or has neither pressroom.yaml nor releases/.
 */
export function officeRoot(reporter: Reporter): string {
  const given = reporter.flags.cwd
  const root = path.resolve(given)
  let isDir: boolean
  try {
    isDir = statSync(root).isDirectory()
  } catch {
    throw new OfficeNotFoundError(
      `The office directory ${given} does not exist. Check the path given to -C / --cwd, or run press inside the office folder.`,
    )
  }
  if (!isDir)
    throw new OfficeNotFoundError(`${given} is a file, not an office directory. Pass the folder that holds pressroom.yaml to -C / --cwd.`)
  if (!existsSync(path.join(root, 'pressroom.yaml')) && !existsSync(path.join(root, 'releases'))) {
    throw new OfficeNotFoundError(
      `${root} is not a press office: it has no pressroom.yaml and no releases/ folder. Run press inside the office folder, or pass it with -C <dir>.`,
    )
  }
  return root
}

/**
 * Load the office in the working directory.
 *
 * @param reporter The run's reporter.
 * @param options Load options (release filter, overrides).
 * @returns The office, or only the messages when there were errors (the caller prints them).
 * @throws {OfficeNotFoundError} When the directory is not an office.
 */
export async function openOffice(
  reporter: Reporter,
  options: Omit<LoadOfficeOptions, 'env'> = {},
): Promise<{ office?: Office; messages: Awaited<ReturnType<typeof loadOffice>>['messages'] }> {
  const root = officeRoot(reporter)
  reporter.detail(`office: ${root}`)
  const started = performance.now()
  // Only a large office can take a second to load; a small one on a busy
  // machine must not print a progress line before every report.
  let progress: Progress | undefined
  const onProgress = (done: number, total: number): void => {
    if (total < 100) return
    progress ??= startProgress(reporter, 'Loading releases')
    progress.update(done, total)
  }
  let result
  try {
    result = await loadOffice(root, { releaseCache: true, onProgress, ...options, env: reporter.io.env })
  } finally {
    progress?.stop()
  }
  if (result.office) {
    const { config, releases } = result.office
    reporter.detail(
      `loaded ${releases.length} release${releases.length === 1 ? '' : 's'} in ${config.locales.join(', ')} (${Math.round(performance.now() - started)} ms)`,
    )
  }
  if (!result.office || hasErrors(result.messages)) return { messages: result.messages }
  return result
}

/**
 * Resolve "now" for a command and say so with `--verbose`.
 *
 * @param reporter The run's reporter.
 * @returns Epoch milliseconds.
 * @throws {UsageError} On a bad `--now` / `PRESS_NOW` (exit 2).
 */
export function commandNow(reporter: Reporter): number {
  const now = resolveNow(reporter.flags.now, reporter.io.env, reporter.flags.cwd)
  const from = reporter.flags.now !== undefined ? '--now' : nowIsGiven(reporter) ? 'PRESS_NOW' : 'the clock'
  reporter.detail(`now: ${new Date(now).toISOString()} (from ${from})`)
  return now
}

/**
 * Stop a command because the office has errors: print them (and, with
 * `--json`, the one JSON document `{ok: false, diagnostics}`), then throw.
 *
 * @param reporter The run's reporter.
 * @param messages Every diagnostic found.
 * @param what What was not done, for the message (default: nothing was written).
 * @throws {ContentError} Always (exit 1).
 */
export function failOnContentErrors(reporter: Reporter, messages: readonly VFileMessage[], what?: string): never {
  reporter.diagnostics(messages)
  if (reporter.flags.json) reporter.json({ ok: false, diagnostics: messages.map(diagnosticJson) })
  const error = new ContentError(messages.filter((m) => m.fatal).length)
  if (what !== undefined) error.message = error.message.replace('nothing was written', what)
  throw error
}
