/**
 * Progress for long work: a bar with counts and ETA on a terminal
 * (cli-progress), plain lines every few seconds otherwise, nothing with
 * --quiet or --json.
 */
import cliProgress from 'cli-progress'
import type { Reporter } from './io.js'

/** A progress display. */
export interface Progress {
  update(done: number, total: number): void
  stop(): void
}

/**
 * Start a progress display.
 *
 * @param reporter The run's reporter.
 * @param label What is being done, e.g. `Rendering`.
 * @returns A progress handle.
 */
export function startProgress(reporter: Reporter, label: string): Progress {
  if (reporter.flags.quiet || reporter.flags.json) return { update() {}, stop() {} }
  if (reporter.tty) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} · ETA {eta_formatted}`, stream: reporter.io.stderr as NodeJS.WritableStream, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    )
    let started = false
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, 0)
          started = true
        }
        bar.setTotal(Math.max(total, done))
        bar.update(done)
      },
      stop() {
        if (started) bar.stop()
      },
    }
  }
  let last = 0
  return {
    update(done, total) {
      const now = performance.now()
      // Plain lines for logs: at most one every 2 s, plus the last one when the total is known.
      if ((total > 0 && done === total) || now - last > 2000) {
        last = now
        reporter.io.stderr.write(total > 0 ? `${label}: ${done}/${total}\n` : `${label}: ${done}\n`)
      }
    },
    stop() {},
  }
}
