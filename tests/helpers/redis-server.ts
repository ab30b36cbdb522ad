/**
 * A real `redis-server` for tests: on 127.0.0.1, a free port, no persistence
 * (`--save '' --appendonly no`), started before the file's tests and killed
 * after them. A missing binary fails the tests (it is not a reason to skip):
 * scripts/install-system.sh installs it.
 */
import { spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { freePort, stopChild } from './child-server.js'

/** A running server. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  readonly port: number
  /** Stop it (SIGTERM, then SIGKILL); idempotent. */
  stop(): Promise<void>
}

/** Where redis-server is: /usr/bin/redis-server, else on PATH; undefined when missing. */
export function findRedisServer(): string | undefined {
  const candidates = [
    '/usr/bin/redis-server',
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'redis-server')),
  ]
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // Not here; try the next one.
    }
  }
  return undefined
}

/** One PING; true when the server answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', (d: Buffer) => {
      reply += d.toString()
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'))
    })
  })
}

/**
 * Start a redis-server on loopback and wait until it answers PING.
 *
 * @returns
 *   The server; `stop()` it when done.
 * @throws
 *   When redis-server is not installed (run scripts/install-system.sh) or does not start.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const binary = findRedisServer()
  if (binary === undefined) {
    throw new Error(
      'redis-server is not installed (looked at /usr/bin/redis-server and on PATH). Run scripts/install-system.sh to install it, then run the tests again.',
    )
  }
  let lastOutput = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'press-redis-'))
    const child = spawn(
      binary,
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--protected-mode',
        'yes',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
    const killOnExit = (): void => {
      child.kill('SIGKILL')
    }
    process.once('exit', killOnExit)
    const deadline = Date.now() + 10_000
    let up = false
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      if (await ping(port)) {
        up = true
        break
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    if (up) {
      let stopped = false
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        async stop() {
          if (stopped) return
          stopped = true
          await stopChild(child, 2_000)
          process.removeListener('exit', killOnExit)
          rmSync(dir, { recursive: true, force: true })
        },
      }
    }
    // The port was taken in between, or the server failed: try another port.
    await stopChild(child, 2_000)
    process.removeListener('exit', killOnExit)
    rmSync(dir, { recursive: true, force: true })
    lastOutput = output
  }
  throw new Error(`redis-server (${binary}) did not start on 127.0.0.1 after 3 attempts. Its output:\n${lastOutput}`)
}

/**
 * Start one redis-server for the current test file (beforeAll) and kill it
 * afterwards (afterAll).
 *
 * @returns
 *   A getter for the running server (call it inside tests).
 */
export function useRedisServer(): () => RedisServer {
  let server: RedisServer | undefined
  beforeAll(async () => {
    server = await startRedisServer()
  }, 30_000)
  afterAll(async () => {
    await server?.stop()
  })
  return () => {
    if (server === undefined) throw new Error('redis-server is not running (its start failed; see the beforeAll error above).')
    return server
  }
}
