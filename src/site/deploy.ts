/**
 * The `deploy:` command of pressroom.yaml: run after every build that
 * changed dist/ (`press build`, and the worker at each lift), so that
 * "published" means published where the newsroom is served from. The
 * command runs with `sh -c` in the office folder and gets:
 *
 * - `PRESS_DIST`: the absolute dist/ folder;
 * - `PRESS_DEPLOY_CHANGED`: a file listing the paths (relative to dist/,
 *   one a line) written since the last successful deploy;
 * - `PRESS_DEPLOY_REMOVED`: the same for paths removed.
 *
 * The outcome is kept in `.press/deploy.json`. After a failure the changes
 * stay pending there and are merged into the next deploy, so retrying (the
 * worker does, with backoff) or the next `press build` copies everything
 * that was missed.
 */
import { spawn } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../config.js'
import { PressError } from '../errors.js'
import { writeAtomic } from '../write-atomic.js'
import type { SiteChanges } from './build-site.js'

/** The last deploy attempt, as `.press/deploy.json` keeps it. */
export interface DeployOutcome {
  /** When it started, epoch ms. */
  readonly at: number
  readonly ok: boolean
  /** Exit status (null when killed). */
  readonly code: number | null
  /** Set when it ran longer than `deploy.timeout` and was killed. */
  readonly timedOut?: boolean
  readonly seconds: number
  /** The command's stdout and stderr together (the last 4,000 characters). */
  readonly output: string
  /** How many paths it was given. */
  readonly changed: number
  readonly removed: number
  /** Failed attempts in a row, this one included (0 when it succeeded). */
  readonly failures: number
}

/** `.press/deploy.json`. */
export interface DeployRecord {
  readonly version: 1
  readonly last?: DeployOutcome
  /** When a deploy last succeeded, epoch ms. */
  readonly lastOk?: number
  /** Changes not deployed yet (the last attempt failed, or is running). */
  readonly pending?: SiteChanges
}

/** The deploy command failed or ran out of time; the changes stay pending. */
export class DeployError extends PressError {
  override readonly code = 'PRESS_DEPLOY_FAILED'
}

/**
 * What to tell a person about a failed deploy: status, what stays pending,
 * and the last lines of the command's output.
 *
 * @param deploy The failed outcome.
 * @returns A message (several lines when there was output).
 */
export function deployFailure(deploy: DeployOutcome): string {
  const how = deploy.timedOut ? 'was killed after deploy.timeout' : deploy.code === null ? 'was killed' : `exited ${deploy.code}`
  const tail = deploy.output
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .slice(-20)
    .map((line) => `\n  | ${line}`)
    .join('')
  return `the deploy command ${how} after ${deploy.seconds.toFixed(1)} s; the ${deploy.changed} changed and ${deploy.removed} removed files stay pending for the next deploy (\`press build\`, or the worker retries)${tail}`
}

const recordName = 'deploy.json'
const outputLimit = 4000

/**
 * The deploy record of an office (undefined when no deploy ever ran).
 *
 * @param stateDir Absolute .press/ path.
 * @returns The record.
 */
export async function readDeployRecord(stateDir: string): Promise<DeployRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path.join(stateDir, recordName), 'utf8')) as DeployRecord
    return parsed.version === 1 ? parsed : undefined
  } catch {
    return undefined
  }
}

/**
 * Changes not yet deployed, plus newer ones: a path written again is to be
 * copied, a path removed since is to be removed.
 *
 * @param before Pending changes (optional).
 * @param after A later build's changes.
 * @returns The union, sorted.
 */
export function mergeChanges(before: SiteChanges | undefined, after: SiteChanges): SiteChanges {
  const removedNow = new Set(after.removed)
  const changedNow = new Set(after.changed)
  const changed = new Set([...(before?.changed ?? []).filter((file) => !removedNow.has(file)), ...after.changed])
  const removed = new Set([...(before?.removed ?? []).filter((file) => !changedNow.has(file)), ...after.removed])
  return { changed: [...changed].sort(), removed: [...removed].sort() }
}

/** Options of {@link runDeploy}. */
export interface DeployOptions {
  /** The instant recorded as the start (epoch ms). */
  readonly now: number
  /** The environment the command inherits (PRESS_DIST and the lists are added). */
  readonly env: NodeJS.ProcessEnv
}

/**
 * Run the office's deploy command for `changes` plus whatever an earlier
 * failed deploy left pending, and record the outcome. Does nothing (and
 * returns undefined) when no `deploy:` is configured or nothing is to be
 * deployed.
 *
 * @param config The office's config.
 * @param changes What the build just changed in dist/ (empty: retry what is pending).
 * @param options Clock and environment.
 * @returns The outcome, or undefined when the command did not run.
 */
export async function runDeploy(config: Config, changes: SiteChanges, options: DeployOptions): Promise<DeployOutcome | undefined> {
  if (config.deploy === undefined) return undefined
  const stateDir = config.paths.state
  const record = await readDeployRecord(stateDir)
  const todo = mergeChanges(record?.pending, changes)
  if (todo.changed.length === 0 && todo.removed.length === 0) return undefined
  // Pending before the command starts: a crash while it runs leaves them to the next deploy.
  await writeRecord(stateDir, { ...record, version: 1, pending: todo })
  const dir = path.join(stateDir, 'deploy')
  await mkdir(dir, { recursive: true })
  const changedFile = path.join(dir, 'changed.txt')
  const removedFile = path.join(dir, 'removed.txt')
  await writeAtomic(changedFile, todo.changed.map((file) => `${file}\n`).join(''))
  await writeAtomic(removedFile, todo.removed.map((file) => `${file}\n`).join(''))
  const started = performance.now()
  const run = await runCommand(config.deploy.command, {
    cwd: config.root,
    timeout: config.deploy.timeout,
    env: { ...options.env, PRESS_DIST: config.paths.dist, PRESS_DEPLOY_CHANGED: changedFile, PRESS_DEPLOY_REMOVED: removedFile },
  })
  const ok = run.code === 0 && !run.timedOut
  const outcome: DeployOutcome = {
    at: options.now,
    ok,
    code: run.code,
    ...(run.timedOut ? { timedOut: true } : {}),
    seconds: Math.round(performance.now() - started) / 1000,
    output: run.output,
    changed: todo.changed.length,
    removed: todo.removed.length,
    failures: ok ? 0 : (record?.last?.failures ?? 0) + 1,
  }
  // Another build may have added changes while the command ran: keep those pending.
  const latest = await readDeployRecord(stateDir)
  const added = latest?.pending
    ? {
        changed: latest.pending.changed.filter((f) => !todo.changed.includes(f)),
        removed: latest.pending.removed.filter((f) => !todo.removed.includes(f)),
      }
    : { changed: [], removed: [] }
  const pending = ok ? added : mergeChanges(todo, added)
  const left = pending.changed.length + pending.removed.length > 0
  const lastOk = ok ? options.now : (latest?.lastOk ?? record?.lastOk)
  await writeRecord(stateDir, { version: 1, last: outcome, ...(lastOk === undefined ? {} : { lastOk }), ...(left ? { pending } : {}) })
  return outcome
}

/**
 * How long the worker waits before trying a failed deploy again: 5 s,
 * doubling, at most 5 minutes.
 *
 * @param failures Failed attempts in a row (from 1).
 * @returns Milliseconds.
 */
export function deployRetryDelay(failures: number): number {
  return Math.min(300_000, 5_000 * 2 ** Math.max(0, failures - 1))
}

async function writeRecord(stateDir: string, record: DeployRecord): Promise<void> {
  await mkdir(stateDir, { recursive: true })
  await writeAtomic(path.join(stateDir, recordName), `${JSON.stringify(record, null, 2)}\n`)
}

/** Run `sh -c command`; stdout and stderr together, the tail kept; the process group killed on timeout. */
function runCommand(
  command: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; timeout: number },
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    let output = ''
    let timedOut = false
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-outputLimit)
    }
    const child = spawn('sh', ['-c', command], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const timer = setTimeout(() => {
      timedOut = true
      try {
        // The whole group: `sh -c` may have started children of its own.
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }, options.timeout)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ code: null, output: `${output}${error.message}\n`.slice(-outputLimit), timedOut })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output, timedOut })
    })
  })
}
