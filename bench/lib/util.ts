/**
 * Small helpers shared by the benchmark sections: the repository root,
 * medians, timed child processes (with peak-RSS polling) and logging.
 */
import { spawn, type SpawnOptions } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (the folder holding Pressroom's package.json), found from this file. */
export const repoRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = path.join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'pressroom') return dir
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error('cannot find the Pressroom repository root above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
})()

/** bench/.work: everything the benchmark installs or generates (git-ignored). */
export const workDir = path.join(repoRoot, 'bench', '.work')

/** `node bin/press.js` */
export const pressBin = path.join(repoRoot, 'bin', 'press.js')

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Round to `digits` decimals (for the JSON and the table). */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** Progress line on stderr (stdout carries the table only). */
export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}

/** What a timed child process did. */
export interface Timed {
  readonly seconds: number
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** Peak resident set (VmHWM) in MiB when polled, else undefined. */
  readonly peakRssMb?: number
}

/** Options of {@link timeCommand}. */
export interface TimeOptions extends Pick<SpawnOptions, 'cwd' | 'env'> {
  /** Poll /proc/<pid>/status for VmHWM while the process runs. */
  readonly pollRss?: boolean
  /** Fail (throw) on a non-zero exit (default true). */
  readonly check?: boolean
}

/**
 * Run a command (no shell) and measure its wall time from spawn to exit.
 *
 * @throws Error with the command's stderr when it exits non-zero and `check` is on.
 */
export function timeCommand(command: string, args: readonly string[], options: TimeOptions = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk))
    let peakKb = 0
    let poller: NodeJS.Timeout | undefined
    if (options.pollRss && child.pid !== undefined) {
      const file = `/proc/${child.pid}/status`
      const poll = (): void => {
        try {
          // VmHWM is the peak so far; polling only has to catch the last value before exit.
          const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'))
          if (match) peakKb = Math.max(peakKb, Number(match[1]))
        } catch {
          // The process has exited.
        }
      }
      poller = setInterval(poll, 20)
      poll()
    }
    child.on('error', reject)
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000
      if (poller) clearInterval(poller)
      const result: Timed = {
        seconds,
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ...(options.pollRss ? { peakRssMb: peakKb / 1024 } : {}),
      }
      if (code !== 0 && options.check !== false) {
        reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`))
      } else resolve(result)
    })
  })
}
