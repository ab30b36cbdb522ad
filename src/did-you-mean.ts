/** "Did you mean …?" suggestions for unknown keys, commands and list names. */
import { closest, distance } from 'fastest-levenshtein'

/**
 * The closest candidate to `value`, if it is close enough to be a likely typo.
 *
 * @param value What the user wrote.
 * @param candidates Known names.
 * @returns The suggestion, or undefined when nothing is close.
 */
export function didYouMean(value: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined
  const best = closest(
    value.toLowerCase(),
    candidates.map((c) => c.toLowerCase()),
  )
  const index = candidates.findIndex((c) => c.toLowerCase() === best)
  // At least 2 so swapped letters (`titel` for `title`) are still recognised.
  const limit = Math.max(2, Math.floor(value.length / 3))
  return distance(value.toLowerCase(), best) <= limit ? candidates[index] : undefined
}

/** ` (did you mean `x`?)` or an empty string. */
export function didYouMeanSuffix(value: string, candidates: readonly string[]): string {
  const suggestion = didYouMean(value, candidates)
  return suggestion === undefined ? '' : ` (did you mean \`${suggestion}\`?)`
}

/**
 * Up to `max` candidates close to `value`: those that contain it or that it
 * contains (`annual-report` → `2031-06-10-annual-report-2030`), then those a
 * typo away, closest first.
 *
 * @param value What the user wrote.
 * @param candidates Known names.
 * @param max How many at most (optional; default 3).
 * @returns The near matches, best first (empty when nothing is close).
 */
export function nearMatches(value: string, candidates: readonly string[], max = 3): string[] {
  const v = value.toLowerCase()
  if (v === '') return []
  const limit = Math.max(2, Math.floor(v.length / 3))
  const scored = candidates
    .map((c) => {
      const l = c.toLowerCase()
      const contains = v.length >= 3 && (l.includes(v) || v.includes(l))
      return { c, score: contains ? 0 : distance(v, l) }
    })
    .filter((x) => x.score <= limit)
  scored.sort((a, b) => a.score - b.score || a.c.localeCompare(b.c))
  return scored.slice(0, max).map((x) => x.c)
}
