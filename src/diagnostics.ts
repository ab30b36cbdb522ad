/**
 * Content diagnostics: every problem in a release, catalog, press list or
 * config file is a vfile message with a file, a line and a column, printed
 * like a compiler's (`releases/x/en.md:4:10: error: …`).
 */
import { VFileMessage } from 'vfile-message'

/** Where a message points: 1-based line and column. */
export interface Place {
  readonly line: number
  readonly column: number
}

/** Severity of a diagnostic. */
export type Severity = 'error' | 'warning' | 'info'

/**
 * Create a positioned message.
 *
 * @param file Path shown to the user (relative to the office root).
 * @param place Line and column (optional; defaults to 1:1).
 * @param severity `error` (fatal), `warning` or `info`.
 * @param reason What is wrong and how to fix it.
 * @param ruleId Stable id of the check, e.g. `embargo-no-zone`.
 * @param source Which part of Pressroom reports it, e.g. `press:release`.
 * @returns A VFileMessage; `fatal` is true for errors, false for warnings, undefined for info.
 */
export function diagnostic(
  file: string,
  place: Place | undefined,
  severity: Severity,
  reason: string,
  ruleId: string,
  source: string,
): VFileMessage {
  const message = new VFileMessage(reason, {
    place: place ?? { line: 1, column: 1 },
    ruleId,
    source,
  })
  message.file = file
  message.fatal = severity === 'error' ? true : severity === 'warning' ? false : undefined
  return message
}

/** The severity of a message (`fatal` true → error, false → warning, else info). */
export function severityOf(message: VFileMessage): Severity {
  return message.fatal === true ? 'error' : message.fatal === false ? 'warning' : 'info'
}

/** True when any message is an error. */
export function hasErrors(messages: Iterable<VFileMessage>): boolean {
  for (const message of messages) if (message.fatal === true) return true
  return false
}

/** One line per message: `file:line:col: severity: reason`. */
export function formatDiagnostic(message: VFileMessage): string {
  const line = message.line ?? 1
  const column = message.column ?? 1
  return `${message.file ?? '<unknown>'}:${line}:${column}: ${severityOf(message)}: ${message.reason}`
}

/** Sort messages by file, line and column so reports are stable. */
export function sortDiagnostics(messages: readonly VFileMessage[]): VFileMessage[] {
  return [...messages].sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.reason.localeCompare(b.reason),
  )
}

/** A JSON-friendly view of a message, for `--json`. */
export function diagnosticJson(message: VFileMessage): {
  file: string
  line: number
  column: number
  severity: Severity
  message: string
  rule: string
} {
  return {
    file: message.file ?? '',
    line: message.line ?? 1,
    column: message.column ?? 1,
    severity: severityOf(message),
    message: message.reason,
    rule: message.ruleId ?? '',
  }
}
