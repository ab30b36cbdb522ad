/**
 * Operational errors that have no file position: one class per code, each
 * message saying what failed, the value seen, and how to fix it. The CLI
 * prints `error: <message>` (and the cause chain) without a stack trace,
 * unless `--debug` is given.
 */
export class PressError extends Error {
  /** Stable machine-readable code, e.g. `PRESS_CHROMIUM_NOT_FOUND`. */
  readonly code: string = 'PRESS_ERROR'
  /** Process exit code the CLI uses for this error (1 user error, 2 usage, 75 locked). */
  readonly exitCode: number = 1

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
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
    super(`Rendering ${what} took longer than ${ms} ms and was stopped. Check the release for very large images or tables, or raise \`pdf.timeout\` in pressroom.yaml.`)
  }
}
