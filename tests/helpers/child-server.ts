/**
 * What the test servers started as child processes (redis-server, dovecot)
 * share: a free loopback port, and a stop that escalates to SIGKILL.
 */
import type { ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/**
 * Stop a child: SIGTERM, then SIGKILL after `graceMs`.
 *
 * @param child The process.
 * @param graceMs Time it gets to exit on its own (default 3,000).
 */
export function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(force)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
