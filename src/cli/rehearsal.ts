/**
 * Rehearsals: a `--now` (or PRESS_NOW) later than the real clock shows what
 * will happen without letting anything reach the public or a journalist.
 * `press build` writes into `.press/rehearsal/<instant>/` (never dist/, never
 * deployed); `send`, `schedule`, `dispatch` and `worker` use a queue of their
 * own in `.press/rehearsal/queue.db` and the outbox `.press/rehearsal/outbox/`
 * whatever the transport, so the real queue (and who it says got what) is
 * untouched. Past instants act for real, as without `--now`.
 */
import path from 'node:path'
import { EnvError } from '../config.js'
import type { BuildTarget } from '../site/build-site.js'
import { nowIsGiven } from './context.js'
import type { Reporter } from './io.js'

/**
 * Whether this run is a rehearsal: `--now` / PRESS_NOW is given and later
 * than the real clock, and PRESS_REHEARSAL is not `off` (`off` is for
 * Pressroom's own tests, which act at fixed future instants).
 *
 * @param reporter The run's reporter (flags, environment).
 * @param now The instant the command acts at, epoch ms.
 * @param realNow The real clock, epoch ms.
 * @returns True for a rehearsal.
 * @throws {EnvError} When PRESS_REHEARSAL is neither `auto` nor `off`.
 */
export function isRehearsal(reporter: Reporter, now: number, realNow: number): boolean {
  const raw = (reporter.io.env['PRESS_REHEARSAL'] ?? '').trim().toLowerCase()
  if (raw !== '' && raw !== 'auto' && raw !== 'off')
    throw new EnvError(
      `PRESS_REHEARSAL=${JSON.stringify(reporter.io.env['PRESS_REHEARSAL'])} is not \`auto\` or \`off\`; fix or unset the environment variable`,
    )
  return raw !== 'off' && nowIsGiven(reporter) && now > realNow
}

/**
 * The folder of rehearsals' private state: their queue, outbox and sites.
 *
 * @param stateDir Absolute .press/ path.
 * @returns `<stateDir>/rehearsal`.
 */
export function rehearsalDir(stateDir: string): string {
  return path.join(stateDir, 'rehearsal')
}

/**
 * Where a rehearsed build of the site as of `now` goes, and its manifest.
 *
 * @param stateDir Absolute .press/ path.
 * @param now The rehearsed instant, epoch ms.
 * @returns `.press/rehearsal/2031-06-10T13-00-00Z/` and `.press/rehearsal/2031-06-10T13-00-00Z.manifest.json`.
 */
export function rehearsalSite(stateDir: string, now: number): BuildTarget {
  const name = new Date(now).toISOString().replace('.000Z', 'Z').replace(/:/g, '-')
  const dir = rehearsalDir(stateDir)
  return { distDir: path.join(dir, name), manifestPath: path.join(dir, `${name}.manifest.json`) }
}
