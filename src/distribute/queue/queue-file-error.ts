/**
 * What can be wrong with the SQLite queue file itself (`.press/queue.db`),
 * as coded errors that name the file and say what to do — never "internal
 * error". Mapped from SQLite's result codes when the file is opened.
 */
import { PressError } from '../../errors.js'

/** The file is not a SQLite database, or is damaged. */
export class QueueCorruptError extends PressError {
  override readonly code = 'PRESS_QUEUE_CORRUPT'
  constructor(file: string, cause: unknown) {
    super(
      `The queue ${file} is damaged or not a queue database (${reasonOf(cause)}). Restore it from a backup, or move it aside (\`mv ${file} ${file}.broken\`) and plan the distribution again; a new queue does not know what the old one sent.`,
      { cause },
    )
  }
}

/** The file (or its folder) cannot be written. */
export class QueueReadOnlyError extends PressError {
  override readonly code = 'PRESS_QUEUE_READONLY'
  constructor(file: string, cause: unknown) {
    super(
      `The queue ${file} cannot be written (${reasonOf(cause)}): the file or its folder is read-only for this user. \`press status\` can still read it; to plan or send, give write access to the folder and the file (e.g. \`chmod u+w ${file}\`).`,
      { cause },
    )
  }
}

/** Another program holds a lock on the file for longer than the wait. */
export class QueueBusyError extends PressError {
  override readonly code = 'PRESS_QUEUE_BUSY'
  override readonly exitCode = 75
  constructor(file: string, cause: unknown) {
    super(
      `The queue ${file} is locked by another program (${reasonOf(cause)}), and stayed locked for seconds. Close whatever holds it (an open \`sqlite3\` shell, a backup tool) and run again.`,
      { cause },
    )
  }
}

/** The file cannot be opened at all (missing folder permissions, a folder in its place). */
export class QueueUnopenableError extends PressError {
  override readonly code = 'PRESS_QUEUE_UNOPENABLE'
  constructor(file: string, cause: unknown) {
    super(
      `The queue ${file} cannot be opened (${reasonOf(cause)}). Check that it is a file and that its folder can be read and written, or move it aside.`,
      { cause },
    )
  }
}

function reasonOf(cause: unknown): string {
  const code = (cause as { code?: unknown })?.code
  const message = cause instanceof Error ? cause.message : String(cause)
  return typeof code === 'string' ? `${code}: ${message}` : message
}

/**
 * The coded error for a failure opening the queue file, or undefined when
 * the failure is not about the file.
 *
 * @param file The queue file as shown to the user.
 * @param error What SQLite (or the file system) threw.
 */
export function queueFileError(file: string, error: unknown): PressError | undefined {
  const code = String((error as { code?: unknown })?.code ?? '')
  if (/^SQLITE_(NOTADB|CORRUPT)/.test(code)) return new QueueCorruptError(file, error)
  if (/^SQLITE_READONLY/.test(code) || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return new QueueReadOnlyError(file, error)
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return new QueueBusyError(file, error)
  if (/^SQLITE_(CANTOPEN|IOERR)/.test(code) || code === 'EISDIR' || code === 'ENOTDIR') return new QueueUnopenableError(file, error)
  return undefined
}
