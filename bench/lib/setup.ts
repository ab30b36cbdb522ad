/**
 * Baselines the benchmark installs for itself, each step skipped when done:
 * Debian's `hugo` (apt-get) and md-to-pdf from npm into
 * bench/.work/md-to-pdf (its own browser download skipped: it is pointed at
 * the system Chromium).
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { log, workDir } from './util.js'

function which(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

/** Make sure `hugo` is installed; returns its path. */
export function ensureHugo(): string {
  const found = which('hugo')
  if (found) return found
  if (process.getuid?.() !== 0)
    throw new Error('hugo is missing: install it with `sudo apt-get install -y hugo` and run the benchmark again.')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const candidate = (): boolean => /Candidate: (?!\(none\))/.test(execFileSync('apt-cache', ['policy', 'hugo'], { encoding: 'utf8', env }))
  if (!candidate()) {
    log('apt-get update (for hugo)')
    execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env })
  }
  log('apt-get install -y hugo')
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'hugo'], { stdio: ['ignore', 'ignore', 'inherit'], env })
  const installed = which('hugo')
  if (!installed) throw new Error('apt-get installed hugo but it is not on PATH')
  return installed
}

/** Make sure md-to-pdf is installed under bench/.work/md-to-pdf; returns the path of its cli.js. */
export async function ensureMdToPdf(): Promise<string> {
  const prefix = path.join(workDir, 'md-to-pdf')
  const cli = path.join(prefix, 'node_modules', 'md-to-pdf', 'dist', 'cli.js')
  if (existsSync(cli)) return cli
  await mkdir(prefix, { recursive: true })
  if (!existsSync(path.join(prefix, 'package.json')))
    await writeFile(path.join(prefix, 'package.json'), '{ "name": "bench-md-to-pdf", "private": true }\n')
  log('npm install md-to-pdf@5 into bench/.work/md-to-pdf (browser download skipped)')
  execFileSync('npm', ['install', 'md-to-pdf@5', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: 'true' },
  })
  if (!existsSync(cli)) throw new Error(`npm installed md-to-pdf but ${cli} is missing`)
  return cli
}

/** A command's first output line, or `unknown`. */
export function versionOf(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim().split('\n')[0] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}
