/**
 * Operational errors that have no file position: one class per code, each
 * message saying what failed, the value seen, and how to fix it. The CLI
 * prints `error: <message>` (and the cause chain) without a stack trace,
 * unless `--debug` is given.
 */
/**
 * Every code a Pressroom error carries: the closed set the README's Errors
 * table documents (tests/errors-table.test.ts keeps the two equal).
 * `PRESS_INTERNAL` is what the CLI reports for an error that is not a
 * PressError (a bug).
 */
export const errorCodes = [
  'PRESS_CHROMIUM_NOT_FOUND',
  'PRESS_COMPOSE',
  'PRESS_CONTENT_ERRORS',
  'PRESS_DEPLOY_FAILED',
  'PRESS_DIST_NOT_OURS',
  'PRESS_ENV',
  'PRESS_INBOX',
  'PRESS_INTERNAL',
  'PRESS_LOCKED',
  'PRESS_LOCK_LOST',
  'PRESS_NO_INBOX',
  'PRESS_NO_OFFICE',
  'PRESS_PDF',
  'PRESS_PREVIEW_LISTEN',
  'PRESS_QUEUE_BUSY',
  'PRESS_QUEUE_CORRUPT',
  'PRESS_QUEUE_READONLY',
  'PRESS_QUEUE_UNAVAILABLE',
  'PRESS_QUEUE_UNOPENABLE',
  'PRESS_QUEUE_WRITE',
  'PRESS_RELEASE_DRAFT',
  'PRESS_RELEASE_EDIT',
  'PRESS_RELEASE_EXISTS',
  'PRESS_RELEASE_NOT_FOUND',
  'PRESS_RENDER_TIMEOUT',
  'PRESS_SECRET',
  'PRESS_SEND_FAILED',
  'PRESS_SERVE_LISTEN',
  'PRESS_SUPPRESSIONS',
  'PRESS_TEMPLATE',
  'PRESS_TRANSLATION_STRICT',
  'PRESS_TRANSPORT',
  'PRESS_UNSAFE_FILE',
  'PRESS_USAGE',
] as const

/** One of `errorCodes`. */
export type ErrorCode = (typeof errorCodes)[number]

/** An error a person can act on: a coded message saying what failed and how to fix it. */
export abstract class PressError extends Error {
  /** Stable machine-readable code, e.g. `PRESS_CHROMIUM_NOT_FOUND`: one of `errorCodes`, each in the README's Errors table. */
  abstract readonly code: ErrorCode
  /** Process exit code the CLI uses for this error (1 user error, 2 usage, 75 locked). */
  readonly exitCode: number = 1

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** PDF rendering failed: Chromium could not start, crashed, or produced an unusable PDF. */
export class PdfError extends PressError {
  override readonly code = 'PRESS_PDF'
}

/** The suppression file cannot be changed (locked by a process that died, an address that cannot be written). */
export class SuppressionFileError extends PressError {
  override readonly code = 'PRESS_SUPPRESSIONS'
}

/** `press new` named a release folder that already exists. */
export class ReleaseExistsError extends PressError {
  override readonly code = 'PRESS_RELEASE_EXISTS'
}

/** The office's content has errors; diagnostics were already reported. */
export class ContentError extends PressError {
  override readonly code = 'PRESS_CONTENT_ERRORS'
  constructor(count: number) {
    super(`${count} error${count === 1 ? '' : 's'} found; nothing was written. Fix the errors above and run again.`)
  }
}

/** A command line that cannot be understood. */
export class UsageError extends PressError {
  override readonly code = 'PRESS_USAGE'
  override readonly exitCode = 2
}

/** Another run holds the lock on a resource (the queue, the dist swap). */
export class LockedError extends PressError {
  override readonly code = 'PRESS_LOCKED'
  override readonly exitCode = 75
}

/** Chromium could not be found or started. */
export class ChromiumNotFoundError extends PressError {
  override readonly code = 'PRESS_CHROMIUM_NOT_FOUND'
  constructor(tried: readonly string[]) {
    super(
      `Cannot find Chromium (looked at: ${tried.join(', ') || 'nothing'}). ` +
        'Install it (`apt-get install chromium`), set `pdf.chromium` in pressroom.yaml, ' +
        'or set PUPPETEER_EXECUTABLE_PATH to the browser binary.',
    )
  }
}

/** A PDF render did not finish in time. */
export class RenderTimeoutError extends PressError {
  override readonly code = 'PRESS_RENDER_TIMEOUT'
  constructor(what: string, ms: number) {
    super(
      `Rendering ${what} took longer than ${ms} ms and was stopped. Check the release for very large images or tables, or raise \`pdf.timeout\` in pressroom.yaml.`,
    )
  }
}
