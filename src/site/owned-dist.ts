/**
 * dist/ is a folder Pressroom owns: a build writes a marker into it, and
 * refuses (never empties) a non-empty folder that has neither the marker
 * nor any file of the last build's manifest.
 */
import { readdirSync } from 'node:fs'
import { PressError } from '../errors.js'
import type { Manifest } from './manifest.js'

/** The file that marks a folder as written by `press build` (kept out of the manifest). */
export const buildMarkerName = '.pressroom-build'
/** What the marker file says to a person who opens it. */
export const buildMarkerText =
  'This folder is written by Pressroom (`press build`) and replaced as a whole at each build.\nDo not keep other files here: they are removed.\n'

/** A dist folder that holds files Pressroom did not write: it is never emptied. */
export class DistNotOwnedError extends PressError {
  override readonly code = 'PRESS_DIST_NOT_OURS'
}

/**
 * Refuse to build into a folder that is not empty and that Pressroom did
 * not write: no build marker, and no file of the last build's manifest in
 * it (a dist/ built by a version before the marker is recognised by its
 * manifest in .press/).
 */
export function assertOwnedDist(distDir: string, present: ReadonlySet<string>, old: Manifest): void {
  let entries: string[]
  try {
    entries = readdirSync(distDir)
  } catch {
    return
  }
  if (entries.length === 0) return
  for (const file of present) if (old.files[file] !== undefined) return
  const examples = [...present].slice(0, 3)
  const shown = (examples.length > 0 ? examples : entries.slice(0, 3)).join(', ')
  throw new DistNotOwnedError(
    `${distDir} is not empty and was not written by \`press build\` (it holds ${shown}${entries.length > 3 ? ', …' : ''}, and no ${buildMarkerName} marker); Pressroom never empties a folder it does not own. Point \`paths.dist\` in pressroom.yaml at a new folder, or empty this one yourself.`,
  )
}
