/**
 * Read `press-list.csv` from disk and validate it. The only file access of
 * the press list; the rules live in the pure `validate.ts`.
 */
import { readFile } from 'node:fs/promises'
import { diagnostic } from '../diagnostics.js'
import { parsePressList, pressListColumns, pressListSource } from './validate.js'
import type { ParsedPressList, PressListRules } from './validate.js'

/**
 * Load and validate the press list.
 *
 * File problems are messages too, so `press check` reports them with the
 * content problems: a missing file is one error `press-list-missing`, an
 * unreadable one `press-list-unreadable`, and bytes that are not UTF-8 (a
 * spreadsheet exported in a legacy code page) `press-list-encoding`.
 *
 * @param path
 *   Path to read.
 * @param displayPath
 *   Path shown in messages (relative to the office root).
 * @param rules
 *   Known languages and (optional) lists.
 * @returns
 *   Recipients and messages; any `fatal` message means do not send.
 */
export async function loadPressList(path: string, displayPath: string, rules: PressListRules): Promise<ParsedPressList> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : ''
    if (code === 'ENOENT') {
      return fail(
        displayPath,
        `No press list at \`${displayPath}\`; create it as a UTF-8 CSV file whose first line is \`${pressListColumns.join(',')}\`, then one row per journalist, e.g. \`jane@example.com,Jane Doe,en,no,health-desk,Daily Example\``,
        'press-list-missing',
      )
    }
    const reason = error instanceof Error ? error.message : String(error)
    return fail(
      displayPath,
      `Cannot read the press list \`${displayPath}\` (${reason}); check that it is a readable file`,
      'press-list-unreadable',
    )
  }

  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    // Find the first undecodable byte to point at its line.
    const loose = new TextDecoder('utf-8').decode(bytes)
    const bad = loose.indexOf('\uFFFD')
    const line = bad === -1 ? 1 : loose.slice(0, bad).split('\n').length
    return fail(
      displayPath,
      'The press list is not valid UTF-8 (a spreadsheet may have saved it in a legacy encoding such as Windows-1251); export it again as “CSV UTF-8”',
      'press-list-encoding',
      line,
    )
  }
  return parsePressList(text, displayPath, rules)
}

function fail(file: string, reason: string, ruleId: string, line = 1): ParsedPressList {
  return { recipients: [], messages: [diagnostic(file, { line, column: 1 }, 'error', reason, ruleId, pressListSource)] }
}
