/**
 * The office's unsubscribe secret: `PRESS_SECRET` (with
 * `PRESS_SECRET_PREVIOUS` during a rotation), else `.press/secret`, made
 * with 32 random bytes the first time it is needed. The file holds one
 * secret a line, newest first: to rotate, put a new line on top and keep the
 * old one under it until mail signed with it no longer matters.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { PressError } from '../errors.js'
import { signToken } from './token.js'

/** `.press/secret` exists but holds no secret (and no other process is writing one). */
export class SecretFileError extends PressError {
  override readonly code = 'PRESS_SECRET'
}

/** Where the secret lives inside the state folder. */
export const secretFileName = 'secret'

function readLines(file: string): string[] | undefined {
  try {
    const lines = readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
    return lines.length > 0 ? lines : undefined
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * Read (or create) the secrets, newest first.
 *
 * @param statePath
 *   The private state folder (`.press`).
 * @param env
 *   Environment (`PRESS_SECRET`, `PRESS_SECRET_PREVIOUS`).
 * @returns
 *   At least one secret; the first signs, all verify.
 */
export function loadSecrets(statePath: string, env: NodeJS.ProcessEnv): string[] {
  const fromEnv = [env['PRESS_SECRET'], env['PRESS_SECRET_PREVIOUS']].map((s) => s?.trim() ?? '').filter((s) => s !== '')
  if (fromEnv.length > 0) return fromEnv
  const file = join(statePath, secretFileName)
  const existing = readLines(file)
  if (existing) return existing
  mkdirSync(statePath, { recursive: true })
  try {
    // `wx`: two processes starting at once must not make two different secrets.
    const fd = openSync(file, 'wx', 0o600)
    try {
      writeSync(fd, `${randomBytes(32).toString('base64url')}\n`)
    } finally {
      closeSync(fd)
    }
    chmodSync(file, 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  // Another process may have created the file a moment ago and be writing it.
  for (let i = 0; i < 100; i++) {
    const made = readLines(file)
    if (made) return made
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
  }
  throw new SecretFileError(`${file} is empty; delete it so a new secret is made, or set PRESS_SECRET`)
}

/**
 * The token maker for `mail.unsubscribe.token`: reads the secret on first use
 * (so a dry run that composes nothing creates no secret file).
 *
 * @param statePath
 *   The private state folder.
 * @param office
 *   What names the office (its site URL).
 * @param env
 *   Environment.
 * @returns
 *   `(email, issuedAt, slug) => token`.
 */
export function unsubscribeTokenMaker(
  statePath: string,
  office: string,
  env: NodeJS.ProcessEnv,
): (email: string, issuedAt: number, slug?: string) => string {
  let secret: string | undefined
  return (email, issuedAt, slug) => {
    secret ??= loadSecrets(statePath, env)[0]!
    return signToken(secret, office, email, issuedAt, slug)
  }
}
