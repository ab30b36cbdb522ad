/** "in 3 days", "2 hours ago" (pure), for the dashboard and the banner. */

const units: ReadonlyArray<readonly [Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
]

/**
 * The distance from `now` to `at` in the largest unit that fits, in English
 * (`in 2 days`, `5 minutes ago`, `now`).
 *
 * @param at The instant described (epoch ms).
 * @param now The instant counted from (epoch ms).
 * @returns A short phrase.
 */
export function relativeTime(at: number, now: number): string {
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'always' })
  const diff = at - now
  for (const [unit, size] of units) {
    if (Math.abs(diff) >= size) return format.format(Math.trunc(diff / size), unit)
  }
  return Math.abs(diff) < 1000 ? 'now' : format.format(Math.trunc(diff / 1000), 'second')
}
