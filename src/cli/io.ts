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
  /** `--queue`: a Redis URL for a shared queue (distribution commands). */
  readonly queue?: string
}

/** Streams and terminal capabilities. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean }
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean }
  readonly env: NodeJS.ProcessEnv
}

type Colour = 'red' | 'green' | 'yellow' | 'cyan' | 'bold' | 'dim'

// Always-on formatters: whether to use them is decided here, per stream,
// not by picocolors' guess from process.stdout.
const colours = pc.createColors(true)

/**
 * Whether a stream gets colour: `FORCE_COLOR` (not `0`) forces it, as in
 * Node and chalk; otherwise only a terminal, and not when `NO_COLOR` is set
 * to a non-empty value (no-color.org) or `TERM=dumb`.
 *
 * @param stream The stream.
 * @param env The environment.
 * @returns True when ANSI colours may be written to the stream.
 */
export function streamHasColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const force = env['FORCE_COLOR']
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false'
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false
  if (env['TERM'] === 'dumb') return false
  return stream.isTTY === true
}

/** Output helpers bound to the flags of one run. */
export class Reporter {
  /** Colour on stderr (diagnostics, errors). */
  readonly color: boolean
  /** Colour on stdout (the human report). */
  readonly colorOut: boolean
  /** stderr is a terminal and no `--json`: progress bars may be drawn. */
  readonly tty: boolean
  /** Whether the one JSON document of this run was written. */
  wroteJson = false
  constructor(
    readonly io: Io,
    readonly flags: GlobalFlags,
  ) {
    this.tty = Boolean(io.stderr.isTTY) && !flags.json
    this.color = streamHasColour(io.stderr, io.env)
    this.colorOut = streamHasColour(io.stdout, io.env)
  }

  /** A line of the human report (stdout unless --json, where it goes to stderr); hidden by --quiet. */
  line(text = ''): void {
    if (this.flags.quiet) return
    ;(this.flags.json ? this.io.stderr : this.io.stdout).write(`${text}\n`)
  }

  /** Verbose detail (stderr, only with --verbose and without --quiet). */
  detail(text: string): void {
    if (this.flags.verbose && !this.flags.quiet) this.io.stderr.write(`${this.color ? colours.dim(text) : text}\n`)
  }

  /** A line on stderr about what the command is doing, e.g. waiting (hidden by --quiet; stdout stays the result). */
  note(text: string): void {
    if (!this.flags.quiet) this.io.stderr.write(`${text}\n`)
  }

  /** A warning line on stderr (hidden by --quiet). */
  warn(text: string): void {
    if (this.flags.quiet) return
    this.io.stderr.write(`${this.color ? colours.yellow('warning') : 'warning'}: ${text}\n`)
  }

  /** An error line on stderr (always shown). */
  error(text: string): void {
    this.io.stderr.write(`${this.color ? colours.red('error') : 'error'}: ${text}\n`)
  }

  /** The one JSON document of a `--json` run; a second call is ignored so stdout stays parseable. */
  json(value: unknown): void {
    if (this.wroteJson) return
    this.wroteJson = true
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  /** Print diagnostics, compiler style, on stderr; warnings and notes hidden by --quiet. */
  diagnostics(messages: readonly VFileMessage[]): void {
    for (const message of sortDiagnostics(messages)) {
      const severity = severityOf(message)
      if (this.flags.quiet && severity !== 'error') continue
      const text = formatDiagnostic(message)
      const colour = severity === 'error' ? 'red' : severity === 'warning' ? 'yellow' : 'cyan'
      this.io.stderr.write(`${this.color ? text.replace(`: ${severity}: `, `: ${colours[colour](severity)}: `) : text}\n`)
    }
  }

  /** Colour text for a report line (`line()`), when that line's stream has colour. */
  paint(colour: Colour, text: string): string {
    const on = this.flags.json ? this.color : this.colorOut
    return on ? colours[colour](text) : text
  }
}
