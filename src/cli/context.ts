/**
 * What every command does first: resolve the office directory and "now",
 * load the office, print diagnostics. Kept apart from main.ts so that
 * `press --help` loads none of this.
 */
import path from 'node:path'
import { UsageError } from '../errors.js'
import { hasErrors } from '../diagnostics.js'
import { loadOffice, type LoadOfficeOptions, type Office } from '../office.js'
import type { Reporter } from './io.js'

/**
 * The instant a command treats as now: `--now`, else `PRESS_NOW`, else the clock.
 * The value must carry an offset or `Z` so a rehearsal cannot misread a zone.
 *
 * @param flag The `--now` value (optional).
 * @param env The environment.
 * @returns Epoch milliseconds.
 */
export function resolveNow(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const value = flag ?? env['PRESS_NOW']
  if (value === undefined || value === '') return Date.now()
  const from = flag !== undefined ? '--now' : 'PRESS_NOW'
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim())) {
    throw new UsageError(`${from} "${value}" is not an instant with a time zone; write e.g. 2031-03-14T09:00:00-04:00 or 2031-03-14T13:00:00Z`)
  }
  const ms = Date.parse(value.trim().replace(' ', 'T'))
  if (Number.isNaN(ms)) throw new UsageError(`${from} "${value}" is not a valid date-time; write e.g. 2031-03-14T13:00:00Z`)
  return ms
}

/**
 * Load the office in the working directory and print its diagnostics.
 *
 * @param reporter The run's reporter.
 * @param options Load options (release filter, overrides).
 * @returns The office, or undefined when there were errors (already printed).
 */
export async function openOffice(
  reporter: Reporter,
  options: Omit<LoadOfficeOptions, 'env'> = {},
): Promise<{ office?: Office; messages: Awaited<ReturnType<typeof loadOffice>>['messages'] }> {
  const root = path.resolve(reporter.flags.cwd)
  const result = await loadOffice(root, { ...options, env: reporter.io.env })
  if (!result.office || hasErrors(result.messages)) return { messages: result.messages }
  return result
}
