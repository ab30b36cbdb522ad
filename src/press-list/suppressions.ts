/**
 * The suppression file (`suppressions.csv`): addresses that must never be
 * mailed again (unsubscribes, hard bounces). One address a line, optionally
 * followed by a `# reason, time` comment; the tool appends, people may edit.
 */
import { mkdir, open, readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { PressError } from '../errors.js'
import { normalizeEmail } from './validate.js'

export { normalizeEmail }

/**
 * Read the suppressed addresses from the file's text.
 *
 * Blank lines and `#` comments (whole-line or trailing) are ignored, as is a
 * header line `email`; when a line has commas (a CSV export with more
 * columns), only the first field is the address.
 *
 * @param text
 *   Contents of the suppression file.
 * @returns
 *   Normalised addresses (see `normalizeEmail`).
 */
export function parseSuppressions(text: string): Set<string> {
  const emails = new Set<string>()
  for (const line of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const hash = line.indexOf('#')
    const content = hash === -1 ? line : line.slice(0, hash)
    const comma = content.indexOf(',')
    const field = (comma === -1 ? content : content.slice(0, comma)).trim()
    const email = normalizeEmail(field.replace(/^"(.*)"$/, '$1'))
    if (email === '' || email === 'email') continue
    emails.add(email)
  }
  return emails
}

/**
 * Read the suppression file.
 *
 * @param path
 *   Path of the file.
 * @returns
 *   Normalised addresses; an empty set when the file does not exist yet.
 */
export async function loadSuppressions(path: string): Promise<Set<string>> {
  try {
    return parseSuppressions(await readFile(path, 'utf8'))
  } catch (error) {
    if (isNotFound(error)) return new Set()
    throw error
  }
}

/** Adds in flight per file, so two adds in one process cannot both miss each other's line. */
const pending = new Map<string, Promise<void>>()

/**
 * Append an address to the suppression file, with a `# reason, time`
 * comment on the same line. Creates the file (and its folder) when missing;
 * does nothing when the address is already suppressed.
 *
 * The line is written with one `O_APPEND` write, so appends from several
 * processes never interleave; adds within one process are also serialised
 * per file, so the same address is never written twice by one process.
 *
 * @param path
 *   Path of the suppression file.
 * @param email
 *   Address to suppress (written normalised).
 * @param reason
 *   Why, e.g. `unsubscribed` or `hard bounce: 550 5.1.1`.
 * @param at
 *   When it happened (written as ISO 8601 UTC).
 * @returns
 *   Resolves once the line is on disk (or was already there).
 * @throws {PressError}
 *   When `email` cannot be written as one line of the file.
 */
export async function addSuppression(path: string, email: string, reason: string, at: Date): Promise<void> {
  const key = normalizeEmail(email)
  if (key === '' || /[\s,#"]/.test(key)) {
    throw new PressError(
      `Cannot suppress \`${JSON.stringify(email)}\`: an address must be non-empty and contain no spaces, line breaks, commas, quotes or \`#\`. Pass the bare address, e.g. \`jane@example.com\`.`,
    )
  }
  const file = resolve(path)
  const previous = pending.get(file) ?? Promise.resolve()
  const current = previous.then(() => appendOnce(file, key, reason, at))
  // The chain must survive a failed add; callers still see their own error.
  const settled = current.catch(() => undefined)
  pending.set(file, settled)
  try {
    await current
  } finally {
    if (pending.get(file) === settled) pending.delete(file)
  }
}

async function appendOnce(file: string, key: string, reason: string, at: Date): Promise<void> {
  let existing = ''
  try {
    existing = await readFile(file, 'utf8')
  } catch (error) {
    if (!isNotFound(error)) throw error
    await mkdir(dirname(file), { recursive: true })
  }
  if (parseSuppressions(existing).has(key)) return

  // The reason is free text (a bounce message); keep it on one line.
  const comment = reason.replace(/[\r\n]+/g, ' ').trim()
  const line = `${key} # ${comment ? `${comment}, ` : ''}${at.toISOString()}\n`
  // A hand-edited file may lack its final newline.
  const text = existing !== '' && !existing.endsWith('\n') ? `\n${line}` : line

  const handle = await open(file, 'a')
  try {
    await handle.write(text)
  } finally {
    await handle.close()
  }
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT'
}
