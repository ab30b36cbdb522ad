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
  const best = closest(value.toLowerCase(), candidates.map((c) => c.toLowerCase()))
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
