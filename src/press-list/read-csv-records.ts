/**
 * The press list's CSV records with their positions, taken from what
 * csv-parse read. Outside quotes a newline always ends a record, so a
 * record spans one line plus the newlines inside its values; records are
 * contiguous (empty lines are records too), so each record's first line
 * follows from the ones before it. A field's column is found by matching
 * the values csv-parse parsed, in order, in the record's text: nothing is
 * tokenised a second time, and a stray quote cannot make the two disagree.
 * Only the parse runs for a list without problems (csv-parse's own `info`
 * and `raw` options cost a large list markedly more CPU and memory).
 */
import { CsvError, parse } from 'csv-parse/sync'
import type { Place } from '../diagnostics.js'

/** One CSV record and where it is. */
export interface CsvRow {
  /** The values, trimmed, quotes removed. */
  readonly fields: readonly string[]
  /** The physical line the record starts on, from 1. */
  readonly line: number
  /** Physical lines the record spans (1 unless a quoted value holds line breaks). */
  readonly lines: number
}

/** The records of a CSV text, and the syntax error that stopped reading, if any. */
export interface CsvRecords {
  /** Every record read, empty lines included (each is a record of one empty field). */
  readonly rows: readonly CsvRow[]
  /** The error, and the line of the record it broke (the line after the last record read). */
  readonly error?: { readonly error: CsvError; readonly line: number }
}

const parseOptions = {
  trim: true,
  relax_column_count: true,
  // A stray quote inside an unquoted value (`Jane "JD" Doe`) is kept as
  // written instead of failing the whole file.
  relax_quotes: true,
  // Empty lines stay records, so records cover every line of the file.
  skip_empty_lines: false,
} as const

/**
 * Parse CSV text into records with their lines. On a syntax error the text
 * is parsed again up to the error, so the records before it are still
 * returned (errors are rare; the fast path stays free of callbacks).
 *
 * @param source CSV text with `\n` line endings and no BOM.
 * @returns The records and the error, if any.
 */
export function readCsvRecords(source: string): CsvRecords {
  try {
    return { rows: numberRows(parse(source, parseOptions)) }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    const records: string[][] = []
    try {
      parse(source, {
        ...parseOptions,
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
    return { rows, error: { error, line: last === undefined ? 1 : last.line + last.lines } }
  }
}

function numberRows(records: readonly string[][]): CsvRow[] {
  const rows: CsvRow[] = []
  let line = 1
  for (const fields of records) {
    let lines = 1
    for (const value of fields) if (value.includes('\n')) lines += value.split('\n').length - 1
    rows.push({ fields, line, lines })
    line += lines
  }
  return rows
}

/**
 * A function that finds where each field of a record starts (after the
 * blanks csv-parse trims), as physical line and column. The index of line
 * starts is built on first use, so a list without problems never pays
 * for it.
 *
 * @param source The text the records were read from.
 * @returns The locator: one place per field, in order; fewer when a value cannot be matched (those fields fall back to the record's line).
 */
export function fieldLocator(source: string): (row: CsvRow) => Place[] {
  let lineStarts: number[] | undefined
  return (row) => {
    lineStarts ??= findLineStarts(source)
    const start = lineStarts[row.line - 1] ?? source.length
    const text = source.slice(start, lineStarts[row.line - 1 + row.lines] ?? source.length)
    return fieldPlaces(text, row.fields, row.line)
  }
}

function findLineStarts(source: string): number[] {
  const starts = [0]
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1)) starts.push(index + 1)
  return starts
}

/**
 * Match the values in the record's text as csv-parse read them: a quoted
 * value is the value with its quotes doubled, inside quotes; any other value
 * is written as it is.
 */
function fieldPlaces(text: string, fields: readonly string[], line: number): Place[] {
  const places: Place[] = []
  let at = 0
  for (const value of fields) {
    while (isByteTrimmed(text[at])) at++
    const quoted = `"${value.replaceAll('"', '""')}"`
    let trimmedAfter = isByteTrimmed
    if (text.startsWith(quoted, at)) {
      places.push(placeIn(text, at, line))
      at += quoted.length
    } else if (text.startsWith(value, at)) {
      // The checks read values trimmed of all white space (a no-break space csv-parse kept too): point past it.
      places.push(placeIn(text, at + value.length - value.trimStart().length, line))
      at += value.length
      trimmedAfter = isWhitespace
    } else {
      places.push(placeIn(text, at, line))
      break
    }
    // Past the blanks after the value, then its delimiter.
    while (trimmedAfter(text[at])) at++
    if (text[at] !== ',') break
    at++
  }
  return places
}

/**
 * The blanks csv-parse's `trim` skips before any value and after a quoted
 * one: space, tab, form feed (its `timchars`, less the line breaks that end
 * a record).
 */
function isByteTrimmed(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\f'
}

/**
 * The blanks after an unquoted value, which csv-parse removes with
 * `String#trimRight`: every white space (no-break and thin spaces too),
 * less the line breaks that end a record.
 */
function isWhitespace(char: string | undefined): boolean {
  return char !== undefined && char !== '\n' && char !== '\r' && char.trim() === ''
}

/** The line and column of offset `at` in a record's text that starts at `line`, column 1. */
function placeIn(text: string, at: number, line: number): Place {
  const before = at === 0 ? -1 : text.lastIndexOf('\n', at - 1)
  let breaks = 0
  for (let index = text.indexOf('\n'); index !== -1 && index <= before; index = text.indexOf('\n', index + 1)) breaks++
  return { line: line + breaks, column: at - before }
}
