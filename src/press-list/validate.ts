/**
 * Parse and validate the press list (`press-list.csv`) from its text. Pure:
 * no file access, so `press check`, `press send` and tests share one code
 * path and every problem comes back as a positioned vfile message.
 */
import { CsvError, parse } from 'csv-parse/sync'
import type { VFileMessage } from 'vfile-message'
import { diagnostic } from '../diagnostics.js'
import type { Place } from '../diagnostics.js'
import { didYouMeanSuffix } from '../did-you-mean.js'
import { addressProblem, normalizeEmail } from '../address.js'
import type { Lng, Recipient } from '../types.js'

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

// One validator and one comparison key for every address (src/address.ts):
// `ivan@пример.рф` and `ivan@xn--e1afmkfd.xn--p1ai` are the same mailbox.
export { normalizeEmail }

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

  const report = (reason: string, place: Place, ruleId: string, fatal: boolean, extra?: { actual?: string; expected?: string[] }): void => {
    const message = diagnostic(file, place, fatal ? 'error' : 'warning', reason, ruleId, pressListSource)
    if (extra?.actual !== undefined) message.actual = extra.actual
    if (extra?.expected !== undefined) message.expected = extra.expected
    messages.push(message)
  }

  // Physical lines are counted here, not by csv-parse: its `info` option
  // triples the parse time of a large list, and it counts the two characters
  // of a CRLF as two lines. Normalising line endings keeps the count simple.
  let source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (source.includes('\r')) source = source.replace(/\r\n?/g, '\n')

  const { rows: allRows, error: csvError } = readRecords(source)
  const rows = allRows.filter((row) => row.fields.some((value) => value !== ''))
  const header = rows[0]

  if (!header) {
    if (csvError) {
      reportCsvError(csvError.error, csvError.line, report)
    } else {
      report(
        `The press list is empty; start it with the header line \`${exampleHeader}\` and add one row per journalist`,
        { line: 1, column: 1 },
        'press-list-empty',
        false,
      )
    }
    return { recipients, messages }
  }

  let lineStarts: number[] | undefined
  // Field positions are only worked out for rows that have a problem.
  const locate = (row: Row): Place[] => {
    lineStarts ??= findLineStarts(source)
    return locateFields(source, lineStarts[row.line - 1] ?? 0, row.line, row.fields.length)
  }

  const headerLine = header.line
  const headerPlaces = locate(header)
  const columnIndex = new Map<Column, number>()
  const extras: Array<{ name: string; index: number }> = []
  let headerBroken = false

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
      headerBroken = true
      report(
        `Column \`${column}\` appears twice in the header (fields ${seen + 1} and ${index + 1}); remove one of them`,
        placeAt(headerPlaces, index, headerLine),
        'press-list-header',
        true,
      )
      return
    }
    columnIndex.set(column, index)
  })

  const missingRequired = requiredColumns.filter((column) => !columnIndex.has(column))
  if (missingRequired.length > 0) {
    headerBroken = true
    report(
      `Missing ${listCode(missingRequired)} column${missingRequired.length === 1 ? '' : 's'} in the header${headerHint(header.fields)}; the first line must name the columns, e.g. \`${exampleHeader}\``,
      { line: headerLine, column: 1 },
      'press-list-header',
      true,
    )
  }

  if (headerBroken) {
    if (csvError) reportCsvError(csvError.error, csvError.line, report)
    return { recipients, messages }
  }

  const missingOptional = pressListColumns.filter((column) => !columnIndex.has(column))
  if (missingOptional.length > 0) {
    report(
      `No ${listCode(missingOptional)} column${missingOptional.length === 1 ? '' : 's'} in the header; ${missingOptional.length === 1 ? 'its values are' : 'their values are'} treated as empty${missingOptional.includes('embargo') ? ' (empty `embargo` means `no`: nobody receives before the lift)' : ''}. Add ${missingOptional.length === 1 ? 'the column' : 'the columns'} to silence this warning`,
      { line: headerLine, column: 1 },
      'press-list-column-missing',
      false,
    )
  }

  const firstExtra = extras[0]
  if (firstExtra) {
    report(
      `Ignoring unknown column${extras.length === 1 ? '' : 's'} ${listCode(extras.map((extra) => extra.name))}; the tool reads ${listCode(pressListColumns)} (\`lang\` is accepted for \`language\`)`,
      placeAt(headerPlaces, firstExtra.index, headerLine),
      'press-list-extra-column',
      false,
    )
  }

  const locales = new Map<string, Lng>(rules.locales.map((lng) => [lng.toLowerCase(), lng]))
  const knownLists = rules.lists === undefined ? undefined : new Set(rules.lists)
  const firstSeen = new Map<string, number>()
  const width = header.fields.length
  const index = (column: Column): number => columnIndex.get(column) ?? -1

  for (let rowIndex = 1; rowIndex < rows.length; rowIndex++) {
    const row = rows[rowIndex]
    if (!row) continue
    const { fields, line } = row
    let places: Place[] | undefined
    const at = (column: Column | number): Place => {
      places ??= locate(row)
      const fieldIndex = typeof column === 'number' ? column : index(column)
      return placeAt(places, fieldIndex, line)
    }

    if (fields.length < width) {
      report(
        `Row has ${fields.length} field${fields.length === 1 ? '' : 's'} but the header has ${width}; add the missing fields, empty ones being fine (\`${show(fields.join(',') + ','.repeat(width - fields.length))}\`), so each value lands in its column`,
        { line, column: 1 },
        'press-list-columns',
        true,
      )
      continue
    }
    if (fields.length > width) {
      report(
        `Row has ${fields.length} fields but the header has ${width}; put values that contain a comma in double quotes, e.g. \`"Daily, Example"\``,
        { line, column: 1 },
        'press-list-columns',
        true,
      )
      continue
    }

    const get = (column: Column): string => {
      const fieldIndex = columnIndex.get(column)
      return fieldIndex === undefined ? '' : (fields[fieldIndex] ?? '').trim()
    }

    let ok = true
    const email = get('email')
    const emailProblem = checkEmail(email)
    if (emailProblem) {
      ok = false
      report(emailProblem, at('email'), 'press-list-email', true, { actual: email })
    } else {
      const key = normalizeEmail(email)
      const first = firstSeen.get(key)
      if (first === undefined) {
        firstSeen.set(key, line)
      } else {
        ok = false
        report(
          `Duplicate address \`${show(email)}\`: already on line ${first} (addresses are compared ignoring case); delete this row or merge it into line ${first}`,
          at('email'),
          'press-list-duplicate',
          true,
          { actual: email },
        )
      }
    }

    const name = get('name')
    if (/[\r\n]/.test(name)) {
      ok = false
      report(
        `Name \`${show(name)}\` contains a line break; names go into email headers, so write the name on one line`,
        at('name'),
        'press-list-name',
        true,
        { actual: name },
      )
    }

    const written = get('language')
    const lng = locales.get(written.toLowerCase())
    if (lng === undefined) {
      ok = false
      const known = [...locales.values()]
      report(
        written === ''
          ? `Missing language; write one of the office's languages: ${listCode(known)}`
          : `Unknown language \`${show(written)}\`${didYouMeanSuffix(written, known)}; the office's languages are ${listCode(known)}`,
        at('language'),
        'press-list-language',
        true,
        { actual: written, expected: known },
      )
    }

    const embargoWritten = get('embargo')
    const embargo = embargoValues.get(embargoWritten.toLowerCase())
    if (embargo === undefined) {
      ok = false
      report(
        `\`${show(embargoWritten)}\` is not a valid \`embargo\` value; write \`yes\` (vetted: may receive before the lift) or \`no\` (empty also means \`no\`)`,
        at('embargo'),
        'press-list-embargo',
        true,
        { actual: embargoWritten, expected: ['yes', 'no'] },
      )
    }

    const lists = splitLists(get('lists'))
    if (knownLists !== undefined) {
      const known = [...knownLists]
      for (const list of lists) {
        if (knownLists.has(list)) continue
        ok = false
        report(
          `Unknown list \`${show(list)}\`${didYouMeanSuffix(list, known)}; ${known.length === 0 ? 'the office defines no lists' : `known lists are ${listCode(known)}`}. Fix the name or add the list to the office configuration`,
          at('lists'),
          'press-list-list',
          true,
          { actual: list, expected: known },
        )
      }
    }

    if (!ok || lng === undefined || embargo === undefined) continue
    recipients.push({ email, name, lng, embargo, lists, outlet: get('outlet'), line })
  }

  // Reported last: the broken record comes after every row read before it.
  if (csvError) reportCsvError(csvError.error, csvError.line, report)

  if (rows.length === 1 && !csvError) {
    report(
      `The press list has a header but no recipients; add one row per journalist under \`${header.fields.join(',')}\``,
      { line: headerLine, column: 1 },
      'press-list-empty',
      false,
    )
  }

  return { recipients, messages }
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
  if (/[<>]/.test(email)) return `Address ${shown} contains \`<\` or \`>\`; write the bare address (\`jane@example.com\`) and the person's name in the \`name\` column`
  // eslint-disable-next-line no-control-regex
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
  return [...new Set(value.split(/[;|]/).map((list) => list.trim()).filter((list) => list !== ''))]
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

/**
 * Parse the CSV into rows with their first physical line. On a syntax error
 * the file is parsed again up to the error, so the rows before it are still
 * checked (errors are rare; the fast path stays free of callbacks).
 */
function readRecords(source: string): { rows: Row[]; error?: { error: CsvError; line: number } } {
  const options = {
    trim: true,
    relax_column_count: true,
    // A stray quote inside an unquoted value (`Jane "JD" Doe`) is kept as
    // written instead of failing the whole file.
    relax_quotes: true,
    // Empty lines stay records so that counting records counts lines.
    skip_empty_lines: false,
  } as const
  try {
    return { rows: numberRows(parse(source, options)) }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    const records: string[][] = []
    try {
      parse(source, {
        ...options,
        on_record: (record) => {
          records.push(record)
          return record
        },
      })
    } catch {
      // The same error again; `records` holds everything before it.
    }
    const rows = numberRows(records)
    const last = rows.at(-1)
    const line = last ? last.line + 1 + countBreaks(last.fields) : 1
    return { rows, error: { error, line } }
  }
}

/** One CSV record and the physical line it starts on. */
interface Row {
  readonly fields: readonly string[]
  readonly line: number
}

function numberRows(records: readonly string[][]): Row[] {
  const rows: Row[] = []
  let line = 1
  for (const fields of records) {
    rows.push({ fields, line })
    // Outside quotes a newline always ends the record, so the only other
    // newlines are inside quoted values.
    line += 1 + countBreaks(fields)
  }
  return rows
}

function countBreaks(fields: readonly string[]): number {
  let breaks = 0
  for (const field of fields) {
    if (!field.includes('\n')) continue
    for (const char of field) if (char === '\n') breaks++
  }
  return breaks
}

function findLineStarts(source: string): number[] {
  const starts = [0]
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1)) starts.push(index + 1)
  return starts
}

function placeAt(places: readonly Place[], index: number, line: number): Place {
  return places[index] ?? { line, column: 1 }
}

/**
 * Where each of the `count` fields of the record at `offset` starts (after
 * leading spaces, which csv-parse trims), as physical line and column.
 */
function locateFields(source: string, offset: number, line: number, count: number): Place[] {
  const places: Place[] = []
  let column = 1
  let quoted = false
  let fieldStart = true
  for (let i = offset; i < source.length && places.length < count; i++) {
    const char = source[i]
    if (char === '\n' && !quoted) break
    if (fieldStart && char !== ' ' && char !== '\t') {
      places.push({ line, column })
      fieldStart = false
    }
    if (char === '"') quoted = !quoted
    else if (char === ',' && !quoted) fieldStart = true
    if (char === '\n') {
      line++
      column = 1
    } else {
      column++
    }
  }
  // A record ending in an empty field (`a,b,`) still has that field.
  if (fieldStart && places.length < count) places.push({ line, column })
  return places
}

/** Report a CSV syntax error at the line of the record it breaks. */
function reportCsvError(error: CsvError, line: number, report: (reason: string, place: Place, ruleId: string, fatal: boolean) => void): void {
  // csv-parse reports where it gave up (for an unclosed quote, the end of the
  // file); the user needs the line where the broken record begins.
  const reason =
    error.code === 'CSV_QUOTE_NOT_CLOSED'
      ? `A quoted value that starts on line ${line} is never closed, so the rest of the file cannot be read; add the closing \`"\` (write a quote inside a quoted value as \`""\`)`
      : `Cannot read this CSV record (${error.message}), so the rows after it were not checked; check its quotes: a quoted value must be quoted from its first to its last character, with \`""\` for a quote inside it`
  report(reason, { line, column: 1 }, 'press-list-csv', true)
}
