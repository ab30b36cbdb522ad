/**
 * Embargo policy: who may see a release, and when. Pure functions of the
 * release, the recipient and the time; every other stage (site build, send
 * planning, the worker) asks here rather than comparing lift times itself, so
 * the rule "no one unvetted before the lift" lives in one place.
 */
import type { Recipient, Release } from '../types.js'

/** What to do with one release for one recipient at a given time. */
export type Decision = { action: 'send-now'; banner: 'embargoed' | 'none' } | { action: 'hold'; until: number; reason: 'embargo' }

/**
 * True when the release may appear on the public site at `now` (epoch ms):
 * its status is `ready` and it has no embargo or `now` is at or after the lift.
 */
export function isPublic(release: Pick<Release, 'status' | 'embargo'>, now: number): boolean {
  return release.status === 'ready' && !isUnderEmbargo(release, now)
}

/** True when the release has an embargo that has not lifted at `now` (the lift instant itself is public). */
export function isUnderEmbargo(release: Pick<Release, 'embargo'>, now: number): boolean {
  return release.embargo !== undefined && now < release.embargo.lift
}

/**
 * Decide for one recipient at `now`: without an embargo or from the lift on,
 * send now with no banner; under embargo, a vetted recipient gets it now with
 * the "embargoed" banner and everyone else is held until the lift.
 */
export function embargoDecision(release: Pick<Release, 'embargo'>, to: Pick<Recipient, 'embargo'>, now: number): Decision {
  if (release.embargo === undefined || !isUnderEmbargo(release, now)) return { action: 'send-now', banner: 'none' }
  if (to.embargo) return { action: 'send-now', banner: 'embargoed' }
  return { action: 'hold', until: release.embargo.lift, reason: 'embargo' }
}

/**
 * The earliest instant a send requested for `at` may go to this recipient:
 * `at` for a vetted recipient or a release without embargo, otherwise the
 * later of `at` and the lift — whatever `--at` says, no unvetted recipient
 * gets it before the lift.
 */
export function earliestSend(release: Pick<Release, 'embargo'>, to: Pick<Recipient, 'embargo'>, at: number): number {
  if (release.embargo === undefined || to.embargo) return at
  return Math.max(at, release.embargo.lift)
}
