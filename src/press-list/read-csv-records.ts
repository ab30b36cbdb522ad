/**
 * The press list's CSV records with their positions, as csv-parse reads
 * them. csv-parse hands each record over with its raw text (`raw: true`,
 * about as cheap as a plain parse, where `info: true` made a large list
 * take markedly longer): records are contiguous, so a record's first line
 * is the line after the newlines of every raw text before it, and a field's
 * column is found in its record's raw text from the values csv-parse parsed.
 */
import { CsvError, parse } from 'csv-parse/sync'
import type { Place } from '../diagnostics.js'

/** One CSV record and where it starts. */
export interface CsvRow {
  /** The values, trimmed, quotes removed. */
  readonly fields: readonly string[]
  /** The record as written, from its first character to its record delimiter (included). */
  readonly raw: string
  /** The physical line the record starts on, from 1. */
  readonly line: number
}

/** The records of a CSV text, and the syntax error that stopped reading, if any. */
export interface CsvRecords {
  /** Every record read, empty lines included (each is a record of one empty field). */
  readonly rows: readonly CsvRow[]
  /** The error, and the line of the record it broke (the line after the last record read). */
  readonly error?: { readonly error: CsvError; readonly line: number }
}

/** What csv-parse gives for a record with `raw: true` (its types describe only plain records). */
interface RawRecord {
  readonly record: string[]
  readonly raw: string
}

const parseOptions = {
  trim: true,
  relax_column_count: true,
  // A stray quote inside an unquoted value (`Jane "JD" Doe`) is kept as
  // written instead of failing the whole file.
  relax_quotes: true,
  // Empty lines stay records, so records cover every line of the file.
  skip_empty_lines: false,
  raw: true,
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
    return { rows: numberRows(parse(source, parseOptions) as unknown as RawRecord[]) }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    const records: RawRecord[] = []
    try {
      parse(source, {
        ...parseOptions,
        on_record: (record) => {
          records.push(record as unknown as RawRecord)
          return record
        },
      })
    } catch {
      // The same error again; `records` holds everything before it.
    }
    const rows = numberRows(records)
    const last = rows.at(-1)
    return { rows, error: { error, line: last === undefined ? 1 : last.line + newlines(last.raw) } }
  }
}

function numberRows(records: readonly RawRecord[]): CsvRow[] {
  const rows: CsvRow[] = []
  let line = 1
  for (const { record, raw } of records) {
    rows.push({ fields: record, raw, line })
    line += newlines(raw)
  }
  return rows
}

function newlines(text: string): number {
  let count = 0
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++
  return count
}

/**
 * Where each field of a record starts (after the blanks csv-parse trims),
 * as physical line and column. The values are matched in the raw text as
 * csv-parse read them: a quoted value is the value with its quotes doubled,
 * inside quotes; any other value is written as it is.
 *
 * @param row A record from {@link readCsvRecords}.
 * @returns One place per field, in order; fewer when the raw text does not match (those fields fall back to the record's line).
 */
export function fieldPlaces(row: CsvRow): Place[] {
  const { raw, fields } = row
  const places: Place[] = []
  let at = 0
  for (const value of fields) {
    while (raw[at] === ' ' || raw[at] === '\t') at++
    places.push(placeIn(raw, at, row.line))
    const quoted = `"${value.replaceAll('"', '""')}"`
    if (raw.startsWith(quoted, at)) at += quoted.length
    else if (raw.startsWith(value, at)) at += value.length
    else break
    // Past the blanks after the value and its delimiter.
    while (raw[at] === ' ' || raw[at] === '\t') at++
    if (raw[at] !== ',') break
    at++
  }
  return places
}

/** The line and column of offset `at` in a record's raw text that starts at `line`, column 1. */
function placeIn(raw: string, at: number, line: number): Place {
  const before = raw.lastIndexOf('\n', at - 1)
  return { line: line + newlines(raw.slice(0, Math.max(0, before + 1))), column: at - before }
}
