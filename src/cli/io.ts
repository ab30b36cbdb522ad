/**
 * The CLI's view of the terminal: where reports and messages go, whether
 * colour and progress bars are wanted. Commands write through this so tests
 * can capture output and `--json` keeps stdout to one document.
 */
import pc from 'picocolors'
import type { VFileMessage } from 'vfile-message'
import { formatDiagnostic, severityOf, sortDiagnostics } from '../diagnostics.js'

/** Global flags every command accepts. */
export interface GlobalFlags {
  readonly cwd: string
  readonly json: boolean
  readonly quiet: boolean
  readonly verbose: boolean
  readonly debug: boolean
  readonly now?: string
}

/** Streams and terminal capabilities. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean }
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean }
  readonly env: NodeJS.ProcessEnv
}

/** Output helpers bound to the flags of one run. */
export class Reporter {
  readonly color: boolean
  readonly tty: boolean
  constructor(
    readonly io: Io,
    readonly flags: GlobalFlags,
  ) {
    this.tty = Boolean(io.stderr.isTTY) && !flags.json
    this.color = Boolean(io.stderr.isTTY) && io.env['NO_COLOR'] === undefined && io.env['TERM'] !== 'dumb'
  }

  /** A line of the human report (stdout unless --json, where it goes to stderr). */
  line(text = ''): void {
    if (this.flags.quiet) return
    ;(this.flags.json ? this.io.stderr : this.io.stdout).write(`${text}\n`)
  }

  /** Verbose detail (stderr, only with --verbose). */
  detail(text: string): void {
    if (this.flags.verbose) this.io.stderr.write(`${text}\n`)
  }

  /** An error line on stderr (always shown). */
  error(text: string): void {
    this.io.stderr.write(`${this.paint('red', 'error')}: ${text}\n`)
  }

  /** The one JSON document of a `--json` run. */
  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  /** Print diagnostics, compiler style, on stderr; warnings hidden by --quiet. */
  diagnostics(messages: readonly VFileMessage[]): void {
    for (const message of sortDiagnostics(messages)) {
      const severity = severityOf(message)
      if (this.flags.quiet && severity !== 'error') continue
      const text = formatDiagnostic(message)
      const colour = severity === 'error' ? 'red' : severity === 'warning' ? 'yellow' : 'cyan'
      this.io.stderr.write(`${this.color ? text.replace(`: ${severity}: `, `: ${pc[colour](severity)}: `) : text}\n`)
    }
  }

  /** Colour text when colour is on. */
  paint(colour: 'red' | 'green' | 'yellow' | 'cyan' | 'bold' | 'dim', text: string): string {
    return this.color ? pc[colour](text) : text
  }
}
