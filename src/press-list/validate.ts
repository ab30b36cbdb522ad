/**
 * Parse and validate the press list (`press-list.csv`) from its text. Pure:
 * no file access, so `press check`, `press send` and tests share one code
 * path and every problem comes back as a positioned vfile message.
 */
import type { CsvError } from 'csv-parse/sync'
import type { VFileMessage } from 'vfile-message'
import { diagnostic } from '../diagnostics.js'
import type { Place } from '../diagnostics.js'
import { didYouMeanSuffix } from '../did-you-mean.js'
import { addressProblem, normalizeEmail } from '../address.js'
import type { Lng, Recipient } from '../types.js'
import { fieldLocator, readCsvRecords, type CsvRow } from './read-csv-records.js'

/** What the office accepts in its press list. */
export interface PressListRules {
  /** Languages of the office; a recipient's `language` must be one of them. */
  readonly locales: readonly string[]
  /** Known segments (optional); `undefined` accepts any list name. */
  readonly lists?: readonly string[]
}

/** Recipients that passed validation, plus every problem found. */
export interface ParsedPressList {
  /** Valid rows, in file order; rows with an error are left out. */
  readonly recipients: readonly Recipient[]
  /** Errors (`fatal: true`) and warnings (`fatal: false`), in file order. */
  readonly messages: readonly VFileMessage[]
}

/** `source` of every press-list message. */
export const pressListSource = 'press:press-list'

/** The columns the tool reads, in the order it suggests them. */
export const pressListColumns = ['email', 'name', 'language', 'embargo', 'lists', 'outlet'] as const

type Column = (typeof pressListColumns)[number]

/** Columns without which a row means nothing. */
const requiredColumns: readonly Column[] = ['email', 'language']

// Maps, not object literals: a header or value such as `constructor` must
// not find `Object.prototype` members.
const columnAliases: ReadonlyMap<string, Column> = new Map([['lang', 'language']])

const exampleHeader = pressListColumns.join(',')

const embargoValues: ReadonlyMap<string, boolean> = new Map([
  ['', false],
  ['yes', true],
  ['y', true],
  ['true', true],
  ['1', true],
  ['no', false],
  ['n', false],
  ['false', false],
  ['0', false],
])

/** Reports one message; `extra` sets the message's `actual` and `expected`. */
type Report = (reason: string, place: Place, ruleId: string, fatal: boolean, extra?: { actual?: string; expected?: string[] }) => void

/**
 * Parse the press list and report every problem with its line.
 *
 * @param text
 *   Contents of the CSV file (UTF-8 already decoded; a BOM is allowed).
 * @param file
 *   Path shown in messages, e.g. `press-list.csv`.
 * @param rules
 *   Known languages and (optional) lists.
 * @returns
 *   The valid recipients and the messages; any message with `fatal: true`
 *   means the list must not be used for sending.
 */
export function parsePressList(text: string, file: string, rules: PressListRules): ParsedPressList {
  const messages: VFileMessage[] = []
  const recipients: Recipient[] = []
  const report: Report = (reason, place, ruleId, fatal, extra) => {
    const message = diagnostic(file, place, fatal ? 'error' : 'warning', reason, ruleId, pressListSource)
    if (extra?.actual !== undefined) message.actual = extra.actual
    if (extra?.expected !== undefined) message.expected = extra.expected
    messages.push(message)
  }

  // One kind of line ending, so that a line is what follows a `\n`.
  let source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (source.includes('\r')) source = source.replace(/\r\n?/g, '\n')

  const { rows: allRows, error: csvError } = readCsvRecords(source)
  const rows = allRows.filter((row) => row.fields.some((value) => value !== ''))
  const header = rows[0]
  if (!header) {
    if (csvError) reportCsvError(csvError.error, csvError.line, report)
    else
      report(
        `The press list is empty; start it with the header line \`${exampleHeader}\` and add one row per journalist`,
        { line: 1, column: 1 },
        'press-list-empty',
        false,
      )
    return { recipients, messages }
  }

  // Field positions are only worked out for rows that have a problem.
  const locate = fieldLocator(source)
  const columnIndex = readHeader(header, locate(header), report)
  if (columnIndex === undefined) {
    if (csvError) reportCsvError(csvError.error, csvError.line, report)
    return { recipients, messages }
  }

  const checks: RowChecks = {
    columnIndex,
    locate,
    width: header.fields.length,
    locales: new Map<string, Lng>(rules.locales.map((lng) => [lng.toLowerCase(), lng])),
    knownLists: rules.lists === undefined ? undefined : new Set(rules.lists),
    firstSeen: new Map<string, number>(),
  }
  for (let index = 1; index < rows.length; index++) {
    const recipient = checkRow(rows[index]!, checks, report)
    if (recipient !== undefined) recipients.push(recipient)
  }

  // Reported last: the broken record comes after every row read before it.
  if (csvError) reportCsvError(csvError.error, csvError.line, report)

  if (rows.length === 1 && !csvError) {
    report(
      `The press list has a header but no recipients; add one row per journalist under \`${header.fields.join(',')}\``,
      { line: header.line, column: 1 },
      'press-list-empty',
      false,
    )
  }

  return { recipients, messages }
}

/**
 * Read the header: which field holds which column. Reports duplicate and
 * missing required columns (errors), missing optional and unknown columns
 * (warnings).
 *
 * @returns The column positions, or undefined when the header is unusable.
 */
function readHeader(header: CsvRow, places: readonly Place[], report: Report): Map<Column, number> | undefined {
  const columnIndex = new Map<Column, number>()
  const extras: Array<{ name: string; index: number }> = []
  let broken = false

  header.fields.forEach((value, index) => {
    const name = value.trim().toLowerCase()
    if (name === '') return // trailing empty columns from spreadsheets
    const column = columnAliases.get(name) ?? (isColumn(name) ? name : undefined)
    if (column === undefined) {
      extras.push({ name: value.trim(), index })
      return
    }
    const seen = columnIndex.get(column)
    if (seen !== undefined) {
      broken = true
      report(
        `Column \`${column}\` appears twice in the header (fields ${seen + 1} and ${index + 1}); remove one of them`,
        placeAt(places, index, header.line),
        'press-list-header',
        true,
      )
      return
    }
    columnIndex.set(column, index)
  })

  const missingRequired = requiredColumns.filter((column) => !columnIndex.has(column))
  if (missingRequired.length > 0) {
    broken = true
    report(
      `Missing ${listCode(missingRequired)} column${missingRequired.length === 1 ? '' : 's'} in the header${headerHint(header.fields)}; the first line must name the columns, e.g. \`${exampleHeader}\``,
      { line: header.line, column: 1 },
      'press-list-header',
      true,
    )
  }
  if (broken) return undefined

  const missingOptional = pressListColumns.filter((column) => !columnIndex.has(column))
  if (missingOptional.length > 0) {
    report(
      `No ${listCode(missingOptional)} column${missingOptional.length === 1 ? '' : 's'} in the header; ${missingOptional.length === 1 ? 'its values are' : 'their values are'} treated as empty${missingOptional.includes('embargo') ? ' (empty `embargo` means `no`: nobody receives before the lift)' : ''}. Add ${missingOptional.length === 1 ? 'the column' : 'the columns'} to silence this warning`,
      { line: header.line, column: 1 },
      'press-list-column-missing',
      false,
    )
  }

  const firstExtra = extras[0]
  if (firstExtra) {
    report(
      `Ignoring unknown column${extras.length === 1 ? '' : 's'} ${listCode(extras.map((extra) => extra.name))}; the tool reads ${listCode(pressListColumns)} (\`lang\` is accepted for \`language\`)`,
      placeAt(places, firstExtra.index, header.line),
      'press-list-extra-column',
      false,
    )
  }
  return columnIndex
}

/** What every row is checked against. */
interface RowChecks {
  readonly columnIndex: ReadonlyMap<Column, number>
  /** Where a row's fields start. */
  readonly locate: (row: CsvRow) => Place[]
  /** Fields in the header. */
  readonly width: number
  /** Lowercased language -> the office's spelling. */
  readonly locales: ReadonlyMap<string, Lng>
  readonly knownLists: ReadonlySet<string> | undefined
  /** Normalised address -> line of its first row (filled as rows are read). */
  readonly firstSeen: Map<string, number>
}

/** One row being checked: its values by column, and the places of its fields (worked out only for a row with a problem). */
class RowContext {
  private places: Place[] | undefined
  constructor(
    private readonly row: CsvRow,
    private readonly checks: RowChecks,
  ) {}

  get line(): number {
    return this.row.line
  }

  /** The trimmed value in a column ('' for a column the header lacks). */
  get(column: Column): string {
    const fieldIndex = this.checks.columnIndex.get(column)
    return fieldIndex === undefined ? '' : (this.row.fields[fieldIndex] ?? '').trim()
  }

  /** Where a column's value starts. */
  at(column: Column): Place {
    this.places ??= this.checks.locate(this.row)
    return placeAt(this.places, this.checks.columnIndex.get(column) ?? -1, this.row.line)
  }
}

/**
 * Check one row; report its problems.
 *
 * @returns The recipient, or undefined when the row has an error.
 */
function checkRow(row: CsvRow, checks: RowChecks, report: Report): Recipient | undefined {
  if (!checkWidth(row, checks.width, report)) return undefined
  const context = new RowContext(row, checks)
  // Every check runs, so that a row's problems are reported together.
  const email = checkEmailField(context, checks.firstSeen, report)
  const name = checkName(context, report)
  const lng = checkLanguage(context, checks.locales, report)
  const embargo = checkEmbargo(context, report)
  const lists = checkLists(context, checks.knownLists, report)
  if (email === undefined || name === undefined || lng === undefined || embargo === undefined || lists === undefined) return undefined
  return { email, name, lng, embargo, lists, outlet: context.get('outlet'), line: row.line }
}

/** A row with fewer or more fields than the header is an error: its values would land in the wrong columns. */
function checkWidth(row: CsvRow, width: number, report: Report): boolean {
  const { fields, line } = row
  if (fields.length < width) {
    report(
      `Row has ${fields.length} field${fields.length === 1 ? '' : 's'} but the header has ${width}; add the missing fields, empty ones being fine (\`${show(fields.join(',') + ','.repeat(width - fields.length))}\`), so each value lands in its column`,
      { line, column: 1 },
      'press-list-columns',
      true,
    )
    return false
  }
  if (fields.length > width) {
    report(
      `Row has ${fields.length} fields but the header has ${width}; put values that contain a comma in double quotes, e.g. \`"Daily, Example"\``,
      { line, column: 1 },
      'press-list-columns',
      true,
    )
    return false
  }
  return true
}

/** The address, unless it is unusable or already on an earlier row. */
function checkEmailField(row: RowContext, firstSeen: Map<string, number>, report: Report): string | undefined {
  const email = row.get('email')
  const problem = checkEmail(email)
  if (problem) {
    report(problem, row.at('email'), 'press-list-email', true, { actual: email })
    return undefined
  }
  const key = normalizeEmail(email)
  const first = firstSeen.get(key)
  if (first === undefined) {
    firstSeen.set(key, row.line)
    return email
  }
  report(
    `Duplicate address \`${show(email)}\`: already on line ${first} (addresses are compared ignoring case); delete this row or merge it into line ${first}`,
    row.at('email'),
    'press-list-duplicate',
    true,
    { actual: email },
  )
  return undefined
}

/** The name, unless it has a line break (it goes into email headers). */
function checkName(row: RowContext, report: Report): string | undefined {
  const name = row.get('name')
  if (!/[\r\n]/.test(name)) return name
  report(
    `Name \`${show(name)}\` contains a line break; names go into email headers, so write the name on one line`,
    row.at('name'),
    'press-list-name',
    true,
    { actual: name },
  )
  return undefined
}

/** The office's language the row names (any case), or undefined. */
function checkLanguage(row: RowContext, locales: ReadonlyMap<string, Lng>, report: Report): Lng | undefined {
  const written = row.get('language')
  const lng = locales.get(written.toLowerCase())
  if (lng !== undefined) return lng
  const known = [...locales.values()]
  report(
    written === ''
      ? `Missing language; write one of the office's languages: ${listCode(known)}`
      : `Unknown language \`${show(written)}\`${didYouMeanSuffix(written, known)}; the office's languages are ${listCode(known)}`,
    row.at('language'),
    'press-list-language',
    true,
    { actual: written, expected: known },
  )
  return undefined
}

/** Whether the recipient is vetted (may receive before the lift), or undefined for a value that is neither yes nor no. */
function checkEmbargo(row: RowContext, report: Report): boolean | undefined {
  const written = row.get('embargo')
  const embargo = embargoValues.get(written.toLowerCase())
  if (embargo !== undefined) return embargo
  report(
    `\`${show(written)}\` is not a valid \`embargo\` value; write \`yes\` (vetted: may receive before the lift) or \`no\` (empty also means \`no\`)`,
    row.at('embargo'),
    'press-list-embargo',
    true,
    { actual: written, expected: ['yes', 'no'] },
  )
  return undefined
}

/** The row's lists, or undefined when one is not among the office's lists (each unknown one is reported). */
function checkLists(row: RowContext, knownLists: ReadonlySet<string> | undefined, report: Report): string[] | undefined {
  const lists = splitLists(row.get('lists'))
  if (knownLists === undefined) return lists
  const known = [...knownLists]
  let ok = true
  for (const list of lists) {
    if (knownLists.has(list)) continue
    ok = false
    report(
      `Unknown list \`${show(list)}\`${didYouMeanSuffix(list, known)}; ${known.length === 0 ? 'the office defines no lists' : `known lists are ${listCode(known)}`}. Fix the name or add the list to the office configuration`,
      row.at('lists'),
      'press-list-list',
      true,
      { actual: list, expected: known },
    )
  }
  return ok ? lists : undefined
}

function isColumn(name: string): name is Column {
  return (pressListColumns as readonly string[]).includes(name)
}

/** Why an address is unusable, or `undefined` when it is fine. */
function checkEmail(email: string): string | undefined {
  if (email === '') return 'Missing email address; every row needs one address in the `email` column'
  const shown = `\`${show(email)}\``
  if (/[\r\n]/.test(email)) return `Address ${shown} contains a line break; write one address on one line`
  if (/[,;]/.test(email)) return `Address ${shown} contains \`,\` or \`;\`; put one address per row`
  if (/[<>]/.test(email))
    return `Address ${shown} contains \`<\` or \`>\`; write the bare address (\`jane@example.com\`) and the person's name in the \`name\` column`

  if (/[\u0000-\u001f\u007f]/.test(email)) return `Address ${shown} contains an invisible control character; retype it`
  if (/\s/.test(email)) return `Address ${shown} contains a space; remove it`
  if (addressProblem(email) !== undefined) {
    return `Address ${shown} is not a valid email address; write it as \`name@example.com\``
  }
  return undefined
}

/** Split `a;b|c` into trimmed, non-empty, distinct list names. */
function splitLists(value: string): string[] {
  if (value === '') return []
  return [
    ...new Set(
      value
        .split(/[;|]/)
        .map((list) => list.trim())
        .filter((list) => list !== ''),
    ),
  ]
}

/** A hint for a header that lacks required columns. */
function headerHint(fields: readonly string[]): string {
  if (fields.length === 1 && (fields[0] ?? '').includes(';')) {
    return ' (the file seems to use `;` between columns; export it as comma-separated CSV)'
  }
  if (fields.some((field) => field.includes('@'))) {
    return ' (the first line looks like a recipient, not a header)'
  }
  return ''
}

/** Format names as `` `a`, `b` ``. */
function listCode(values: readonly string[]): string {
  return values.map((value) => `\`${value}\``).join(', ')
}

/** A value as shown in a message: one line, not too long. */
function show(value: string): string {
  const flat = value.replace(/\r/g, '\\r').replace(/\n/g, '\\n')
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat
}

function placeAt(places: readonly Place[], index: number, line: number): Place {
  return places[index] ?? { line, column: 1 }
}

/** Report a CSV syntax error at the line of the record it breaks. */
function reportCsvError(error: CsvError, line: number, report: Report): void {
  // csv-parse reports where it gave up (for an unclosed quote, the end of the
  // file); the user needs the line where the broken record begins.
  const reason =
    error.code === 'CSV_QUOTE_NOT_CLOSED'
      ? `A quoted value that starts on line ${line} is never closed, so the rest of the file cannot be read; add the closing \`"\` (write a quote inside a quoted value as \`""\`)`
      : `Cannot read this CSV record (${error.message}), so the rows after it were not checked; check its quotes: a quoted value must be quoted from its first to its last character, with \`""\` for a quote inside it`
  report(reason, { line, column: 1 }, 'press-list-csv', true)
}
