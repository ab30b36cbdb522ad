/**
 * The suppression file (`suppressions.csv`): addresses that must never be
 * mailed again (unsubscribes, hard bounces). One address a line, followed by
 * a `# reason, time` comment; the tool writes it, people may edit it.
 *
 * Every change is a read-modify-write of the whole file under a lock file
 * (`suppressions.csv.lock`, shared by every process: `press serve`,
 * `press inbox`, `press dispatch`), written to a temp file and renamed over
 * the old one, so a reader sees the old file or the new, never half a line,
 * and two writers never lose each other's line.
 */
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { SuppressionFileError } from '../errors.js'
import { sleep } from '../sleep.js'
import { writeAtomic } from '../write-atomic.js'
import { looksLikeAddress, normalizeEmail } from '../address.js'

export { normalizeEmail }

/** One line of the suppression file that names an address. */
export interface SuppressionEntry {
  /** Normalised address. */
  readonly email: string
  /** The reason written after `#` (or in the second CSV column), when there is one. */
  readonly reason?: string
  /** When it was suppressed, epoch ms, when the line says so. */
  readonly at?: number
  /** 1-based line number. */
  readonly line: number
}

/** A line a person wrote that the tool cannot read as an address. */
export interface SuppressionProblem {
  readonly line: number
  readonly column: number
  readonly message: string
  readonly severity: 'error' | 'warning'
}

const isoTime = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i

/**
 * Read every line of the suppression file, with the problems a person may
 * have introduced (for `press check`).
 *
 * Blank lines and `#` comments (whole-line or trailing) are ignored, as is a
 * header line `email`; when a line has commas (a CSV export with more
 * columns), the first field is the address, the second the reason and the
 * third the time.
 *
 * @param text
 *   Contents of the suppression file.
 * @returns
 *   Entries (normalised addresses, first occurrence wins) and problems.
 */
export function parseSuppressionFile(text: string): { entries: SuppressionEntry[]; problems: SuppressionProblem[] } {
  const entries: SuppressionEntry[] = []
  const problems: SuppressionProblem[] = []
  const seen = new Set<string>()
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)
  lines.forEach((raw, index) => {
    const line = index + 1
    const hash = raw.indexOf('#')
    const content = hash === -1 ? raw : raw.slice(0, hash)
    const comment = hash === -1 ? '' : raw.slice(hash + 1).trim()
    const fields = content.split(',').map((f) =>
      f
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .trim(),
    )
    const email = normalizeEmail(fields[0] ?? '')
    if (email === '' && fields.slice(1).every((f) => f === '')) return
    if (email === 'email') return
    const column = raw.length - raw.trimStart().length + 1
    if (!looksLikeAddress(email)) {
      problems.push({
        line,
        column,
        severity: 'error',
        message: `\`${(fields[0] ?? '').trim() || content.trim()}\` is not an email address; write one address at the start of the line, e.g. \`jane@example.com # unsubscribed, 2031-03-14T09:00:00.000Z\``,
      })
      return
    }
    let reason: string | undefined
    let time: string | undefined
    if (fields.length > 1) {
      reason = fields[1] || undefined
      time = fields[2] || undefined
    } else if (comment !== '') {
      const comma = comment.lastIndexOf(',')
      const tail = comma === -1 ? comment : comment.slice(comma + 1).trim()
      if (isoTime.test(tail)) {
        time = tail
        reason = comma === -1 ? undefined : comment.slice(0, comma).trim() || undefined
      } else reason = comment
    }
    let at: number | undefined
    if (time !== undefined) {
      at = Date.parse(time)
      if (!isoTime.test(time) || Number.isNaN(at)) {
        problems.push({
          line,
          column: raw.indexOf(time) + 1,
          severity: 'warning',
          message: `\`${time}\` is not a date or time; write it as ISO 8601, e.g. \`2031-03-14T09:00:00.000Z\``,
        })
        at = undefined
      }
    }
    if (seen.has(email)) return
    seen.add(email)
    entries.push({ email, line, ...(reason === undefined ? {} : { reason }), ...(at === undefined ? {} : { at }) })
  })
  return { entries, problems }
}

/**
 * Read the suppressed addresses from the file's text (see `parseSuppressionFile`).
 *
 * @param text
 *   Contents of the suppression file.
 * @returns
 *   Normalised addresses (see `normalizeEmail`). A malformed line is left
 *   out here; `press check` reports it.
 */
export function parseSuppressions(text: string): Set<string> {
  // The same rules as parseSuppressionFile without reading reasons and
  // times: dispatch reads this file before every run.
  const emails = new Set<string>()
  for (const line of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const hash = line.indexOf('#')
    const content = hash === -1 ? line : line.slice(0, hash)
    const comma = content.indexOf(',')
    const email = normalizeEmail((comma === -1 ? content : content.slice(0, comma)).trim().replace(/^"(.*)"$/, '$1'))
    if (email !== '' && email !== 'email' && looksLikeAddress(email)) emails.add(email)
  }
  return emails
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if (isNotFound(error)) return ''
    throw error
  }
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
  return parseSuppressions(await readText(path))
}

/**
 * Read the suppression file with reasons and times.
 *
 * @param path
 *   Path of the file.
 * @returns
 *   Entries and problems; none when the file does not exist.
 */
export async function loadSuppressionFile(path: string): Promise<ReturnType<typeof parseSuppressionFile>> {
  return parseSuppressionFile(await readText(path))
}

/** Changes in flight per file within this process (the lock file covers other processes). */
const pending = new Map<string, Promise<unknown>>()

/** How long a lock file may sit before it is taken to be left by a crashed process. */
const staleLockMs = 30_000

async function withFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const previous = pending.get(file) ?? Promise.resolve()
  const current = previous.then(async () => {
    const lock = `${file}.lock`
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(lock, 'wx')
        await handle.write(`${process.pid}\n`)
        await handle.close()
        break
      } catch (error) {
        if (!(typeof error === 'object' && error !== null && 'code' in error && error.code === 'EEXIST')) {
          if (isNotFound(error) && attempt === 0) {
            await mkdir(dirname(file), { recursive: true })
            continue
          }
          throw error
        }
        const age = await stat(lock).then(
          (s) => s.mtimeMs,
          () => undefined,
        )
        // A lock older than any real change belongs to a process that died holding it.
        // The one wall-clock read below the CLI: a lock file's age is real time (its mtime), whatever `--now` simulates.
        // eslint-disable-next-line no-restricted-properties
        if (age !== undefined && performance.timeOrigin + performance.now() - age > staleLockMs) await rm(lock, { force: true })
        if (attempt > 2_000)
          throw new SuppressionFileError(`The suppression file is locked by \`${lock}\`; if no press command is running, delete that file.`)
        await sleep(10)
      }
    }
    try {
      return await work()
    } finally {
      await rm(lock, { force: true })
    }
  })
  const settled = current.catch(() => undefined)
  pending.set(file, settled)
  try {
    return await current
  } finally {
    if (pending.get(file) === settled) pending.delete(file)
  }
}

function checkKey(email: string): string {
  const key = normalizeEmail(email)
  if (key === '' || /[\s,#"]/.test(key)) {
    throw new SuppressionFileError(
      `Cannot suppress \`${JSON.stringify(email)}\`: an address must be non-empty and contain no spaces, line breaks, commas, quotes or \`#\`. Pass the bare address, e.g. \`jane@example.com\`.`,
    )
  }
  return key
}

/**
 * Add an address to the suppression file, with a `# reason, time` comment
 * on its line, unless it is already there. Creates the file (and its
 * folder) when missing. Lines a person wrote are kept as they are.
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
 *   True when the line was added, false when the address was already suppressed.
 * @throws {SuppressionFileError}
 *   When `email` cannot be written as one line of the file.
 */
export async function suppress(path: string, email: string, reason: string, at: Date): Promise<boolean> {
  const key = checkKey(email)
  const file = resolve(path)
  return withFileLock(file, async () => {
    const existing = await readText(file)
    if (parseSuppressions(existing).has(key)) return false
    // The reason is free text (a bounce message); keep it on one line, without the comment sign.
    const comment = reason
      .replace(/[\r\n]+/g, ' ')
      .replace(/#/g, '')
      .trim()
    const line = `${key} # ${comment ? `${comment}, ` : ''}${at.toISOString()}\n`
    // A hand-edited file may lack its final newline.
    await writeAtomic(file, existing !== '' && !existing.endsWith('\n') ? `${existing}\n${line}` : `${existing}${line}`)
    return true
  })
}

/**
 * Append an address to the suppression file (see `suppress`).
 *
 * @param path
 *   Path of the suppression file.
 * @param email
 *   Address to suppress.
 * @param reason
 *   Why.
 * @param at
 *   When.
 * @returns
 *   Resolves once the file holds the address.
 */
export async function addSuppression(path: string, email: string, reason: string, at: Date): Promise<void> {
  await suppress(path, email, reason, at)
}

/**
 * Remove an address from the suppression file (a resubscribe), when its
 * line passes `only` (e.g. only unsubscribes, never hard bounces).
 *
 * @param path
 *   Path of the suppression file.
 * @param email
 *   Address.
 * @param only
 *   Decides from the line whether it may be removed (optional; default: any line).
 * @returns
 *   The removed entry, or undefined when the address was not there or `only` refused.
 */
export async function removeSuppression(
  path: string,
  email: string,
  only: (entry: SuppressionEntry) => boolean = () => true,
): Promise<SuppressionEntry | undefined> {
  const key = checkKey(email)
  const file = resolve(path)
  return withFileLock(file, async () => {
    const existing = await readText(file)
    const entries = parseSuppressionFile(existing).entries.filter((e) => e.email === key)
    const first = entries[0]
    if (first === undefined || !only(first)) return undefined
    const drop = new Set(entries.map((e) => e.line))
    const lines = existing.split(/(?<=\n)/)
    await writeAtomic(file, lines.filter((_, i) => !drop.has(i + 1)).join(''))
    return first
  })
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT'
}
