/**
 * Progress for long work: a bar with counts and ETA on a terminal
 * (cli-progress), timestamped plain lines otherwise (after the first second,
 * then at most every 2 s, and the last count), nothing with --quiet or
 * --json. Work done within a second shows nothing, so quick commands keep a
 * clean stderr.
 */
import cliProgress from 'cli-progress'
import type { Reporter } from './io.js'

/** A progress display. */
export interface Progress {
  /**
   * Report the counts.
   *
   * @param done Units done.
   * @param total Units in all; 0 while unknown (no bar, no ETA).
   * @param detail What is going on, e.g. `pages 120/2000, PDFs 3/8` (optional).
   */
  update(done: number, total: number, detail?: string): void
  stop(): void
}

/**
 * A wall-clock time for log lines: `2026-12-02T11:04:07Z` (UTC, to the second).
 *
 * @param ms Epoch milliseconds.
 */
export function stamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`
}

/**
 * Start a progress display.
 *
 * @param reporter The run's reporter.
 * @param label What is being done, e.g. `Rendering`.
 * @param options `delayMs`: show nothing before this much time has passed
 *   (optional; default 1,000); `clock`: the wall clock (optional; default Date.now).
 * @returns A progress handle.
 */
export function startProgress(reporter: Reporter, label: string, options: { delayMs?: number; clock?: () => number } = {}): Progress {
  const clock = options.clock ?? Date.now
  const delay = options.delayMs ?? 1000
  const start = clock()
  if (reporter.flags.quiet || reporter.flags.json) return { update() {}, stop() {} }
  if (reporter.tty) {
    const bar = new cliProgress.SingleBar(
      {
        // A bar and an ETA only when the total is known; "0/0" says nothing.
        format: (options, params, payload: { detail?: string }) => {
          const detail = payload.detail ? ` · ${payload.detail}` : ''
          if (params.total <= 0) return `${label}: ${params.value}${detail}`
          const width = options.barsize ?? 30
          const filled = Math.round(Math.min(1, params.value / params.total) * width)
          const eta = params.eta > 0 && Number.isFinite(params.eta) && params.value < params.total ? ` · ETA ${params.eta}s` : ''
          return `${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${params.value}/${params.total}${detail}${eta}`
        },
        stream: reporter.io.stderr as NodeJS.WritableStream,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    )
    let started = false
    let latest: { done: number; total: number; detail: string | undefined } | undefined
    const draw = (): void => {
      if (latest === undefined) return
      const { done, total, detail } = latest
      if (!started) {
        if (clock() - start < delay) return
        bar.start(Math.max(total, 0), 0, { detail })
        started = true
      }
      bar.setTotal(total > 0 ? Math.max(total, done) : 0)
      bar.update(done, { detail })
    }
    // Shows the bar once the delay has passed even when no count changes (Chromium starting).
    const timer = setInterval(draw, 250)
    timer.unref()
    return {
      update(done, total, detail) {
        latest = { done, total, detail }
        draw()
      },
      stop() {
        clearInterval(timer)
        if (started) bar.stop()
      },
    }
  }
  let last: number | undefined
  let lastText = ''
  let pending = ''
  const write = (text: string): void => {
    last = clock()
    lastText = text
    pending = ''
    reporter.io.stderr.write(`${stamp(last)} ${text}\n`)
  }
  // A line every 2 s while a phase waits (a PDF render, a slow server), not only when a count changes.
  const timer = setInterval(() => {
    const at = clock()
    if (at - start >= delay && (last === undefined || at - last >= 2000) && (pending !== '' || lastText !== ''))
      write(pending !== '' ? pending : lastText)
  }, 500)
  timer.unref()
  return {
    update(done, total, detail) {
      const text = `${label}: ${total > 0 ? `${done}/${total}` : String(done)}${detail ? ` (${detail})` : ''}`
      if (text === lastText) return
      const at = clock()
      // Plain lines for logs: the first after `delay`, then at most one every 2 s, plus the last one.
      if (at - start >= delay && (last === undefined || at - last >= 2000 || (total > 0 && done >= total))) write(text)
      else pending = text
    },
    stop() {
      clearInterval(timer)
      if (pending !== '' && (last !== undefined || clock() - start >= delay)) write(pending)
    },
  }
}

/**
 * A reporter whose report lines, warnings and errors start with the wall-clock
 * time ({@link stamp}), for long-running commands whose output is a log.
 *
 * @param reporter The run's reporter.
 * @param clock The wall clock (optional; default Date.now).
 * @returns A reporter that writes through the same streams.
 */
export function withTimestamps(reporter: Reporter, clock: () => number = Date.now): Reporter {
  const stamped = Object.create(reporter) as Reporter
  stamped.line = (text = '') => reporter.line(text === '' ? '' : `${stamp(clock())} ${text}`)
  stamped.warn = (text) => {
    if (reporter.flags.quiet) return
    reporter.io.stderr.write(`${stamp(clock())} `)
    reporter.warn(text)
  }
  stamped.error = (text) => {
    reporter.io.stderr.write(`${stamp(clock())} `)
    reporter.error(text)
  }
  return stamped
}
