/**
 * Take addresses out of the suppression file (`press retry
 * --include-suppressed`): every line whose address is one of them goes,
 * everything else (comments, other addresses, a header) stays as written.
 * The file is replaced atomically.
 */
import { readFile } from 'node:fs/promises'
import { writeAtomic } from '../write-atomic.js'
import { parseSuppressions } from './suppressions.js'
import { normalizeEmail } from '../address.js'

/**
 * Remove addresses from the suppression file.
 *
 * @param path The suppression file.
 * @param emails Addresses (any case).
 * @returns How many lines were removed.
 */
export async function removeSuppressions(path: string, emails: readonly string[]): Promise<number> {
  const drop = new Set(emails.map(normalizeEmail))
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
  const lines = text.split(/(?<=\n)/)
  const kept = lines.filter((line) => {
    const [address] = [...parseSuppressions(line)]
    return address === undefined || !drop.has(address)
  })
  if (kept.length !== lines.length) await writeAtomic(path, kept.join(''))
  return lines.length - kept.length
}
