/**
 * A real Dovecot IMAP server for tests: on 127.0.0.1, a free port, plain
 * authentication from a passwd-file, no TLS (loopback only), a throw-away
 * config and Maildir store in a temp folder, run in the foreground (`-F`)
 * as a child process and stopped after the file's tests. A missing binary
 * fails the tests: scripts/install-system.sh installs `dovecot-imapd`.
 */
import { execFileSync, spawn } from 'node:child_process'
import { accessSync, chmodSync, chownSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { ImapFlow } from 'imapflow'
import { afterAll, beforeAll } from 'vitest'
import { freePort, stopChild } from './child-server.js'

/** A running server with one mailbox user. */
export interface ImapServer {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly pass: string
  /** `imap://user:pass@127.0.0.1:port/INBOX` (user percent-encoded). */
  readonly url: string
  /** Deliver raw messages into a folder (IMAP APPEND), unread. */
  append(messages: ReadonlyArray<string | Buffer>, folder?: string): Promise<void>
  /** Look at the mailbox: per folder, the messages' subjects and whether they are \Seen. */
  folders(): Promise<Map<string, Array<{ subject: string; seen: boolean }>>>
  /** Empty every folder (between tests). */
  clear(): Promise<void>
  stop(): Promise<void>
}

/** Where dovecot is; undefined when missing. */
export function findDovecot(): string | undefined {
  for (const path of ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot']) {
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // Try the next one.
    }
  }
  return undefined
}

/** True once the server sends its `* OK` greeting. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let text = ''
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once('error', () => done(false))
    socket.on('data', (d: Buffer) => {
      text += d.toString()
      if (/\* OK .*ready/.test(text)) done(true)
    })
  })
}

function config(dir: string, port: number, users: { internal: string; login: string; mail: string }): string {
  return `# Throw-away Dovecot for Pressroom's tests.
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = ${users.internal}
default_internal_group = ${users.internal}
default_login_user = ${users.login}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${users.mail} gid=${users.mail} home=${dir}/home/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
`
}

/**
 * Start Dovecot with one user and wait for its greeting.
 *
 * @returns The server; `stop()` it when done.
 */
export async function startImapServer(): Promise<ImapServer> {
  const binary = findDovecot()
  if (binary === undefined)
    throw new Error(
      'dovecot is not installed (looked in /usr/sbin). Run scripts/install-system.sh (it installs dovecot-imapd), then run the tests again.',
    )
  const user = 'bounces@example.org'
  const pass = 'imap-s3cret-pw'
  // As root, Dovecot runs its processes as its own system users; otherwise as the current user.
  const root = process.getuid?.() === 0
  const me = userInfo().username
  const users = root ? { internal: 'dovecot', login: 'dovenull', mail: 'dovecot' } : { internal: me, login: me, mail: me }
  let lastOutput = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'press-dovecot-'))
    chmodSync(dir, 0o755)
    for (const sub of ['run', 'state', 'home']) mkdirSync(join(dir, sub), { recursive: true, mode: 0o755 })
    // The mail store belongs to the user Dovecot writes mail as.
    if (root) chownSync(join(dir, 'home'), Number(idOf('dovecot', '-u')), Number(idOf('dovecot', '-g')))
    writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${pass}\n`, { mode: 0o644 })
    writeFileSync(join(dir, 'dovecot.conf'), config(dir, port, users))
    const child = spawn(binary, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
    const killOnExit = (): void => {
      child.kill('SIGKILL')
    }
    process.once('exit', killOnExit)
    const deadline = Date.now() + 15_000
    let up = false
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      if (await greets(port)) {
        up = true
        break
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    const cleanup = async (): Promise<void> => {
      await stopChild(child)
      process.removeListener('exit', killOnExit)
      rmSync(dir, { recursive: true, force: true })
    }
    if (up) {
      const url = `imap://${encodeURIComponent(user)}:${pass}@127.0.0.1:${port}/INBOX`
      const connect = async (): Promise<ImapFlow> => {
        const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass }, logger: false })
        client.on('error', () => {})
        await client.connect()
        return client
      }
      let stopped = false
      return {
        host: '127.0.0.1',
        port,
        user,
        pass,
        url,
        async append(messages, folder = 'INBOX') {
          const client = await connect()
          try {
            for (const message of messages) await client.append(folder, message, [])
          } finally {
            await client.logout()
          }
        },
        async folders() {
          const client = await connect()
          const out = new Map<string, Array<{ subject: string; seen: boolean }>>()
          try {
            for (const folder of await client.list()) {
              const lock = await client.getMailboxLock(folder.path)
              try {
                const list: Array<{ subject: string; seen: boolean }> = []
                const mailbox = client.mailbox
                if (mailbox && typeof mailbox === 'object' && mailbox.exists > 0) {
                  for await (const m of client.fetch('1:*', { envelope: true, flags: true }))
                    list.push({ subject: m.envelope?.subject ?? '', seen: m.flags?.has('\\Seen') ?? false })
                }
                out.set(folder.path, list)
              } finally {
                lock.release()
              }
            }
          } finally {
            await client.logout()
          }
          return out
        },
        async clear() {
          const client = await connect()
          try {
            for (const folder of await client.list()) {
              const lock = await client.getMailboxLock(folder.path)
              try {
                const mailbox = client.mailbox
                if (mailbox && typeof mailbox === 'object' && mailbox.exists > 0) await client.messageDelete('1:*')
              } finally {
                lock.release()
              }
            }
          } finally {
            await client.logout()
          }
        },
        async stop() {
          if (stopped) return
          stopped = true
          await cleanup()
        },
      }
    }
    lastOutput = output
    await cleanup()
  }
  throw new Error(`dovecot (${binary}) did not start on 127.0.0.1 after 3 attempts. Its output:\n${lastOutput}`)
}

function idOf(user: string, flag: '-u' | '-g'): string {
  // `id` is in coreutils on every Debian machine.
  return execFileSync('id', [flag, user], { encoding: 'utf8' }).trim()
}

/**
 * One Dovecot for the current test file (beforeAll), stopped afterwards.
 *
 * @returns A getter for the running server.
 */
export function useImapServer(): () => ImapServer {
  let server: ImapServer | undefined
  beforeAll(async () => {
    server = await startImapServer()
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })
  return () => {
    if (server === undefined) throw new Error('dovecot is not running (its start failed; see the beforeAll error above).')
    return server
  }
}
