/**
 * A damaged, read-only or locked `.press/queue.db` gives a coded error that
 * names the file and says what to do — never "internal error" — and
 * `press status` still reads a queue it may not write. Read-only is real:
 * as root (who may write anything) the CLI runs as `nobody` via setpriv.
 */
import { spawnSync } from 'node:child_process'
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { expectNoStack, press } from '../cli/run.js'
import { makeOffice, pressBin, removeOffices } from '../helpers/office.js'

const slug = '2031-03-14-water-report'
const now = '2031-04-01T00:00:00Z'
let planned: string

afterAll(removeOffices)
beforeAll(async () => {
  planned = await makeOffice()
  const run = await press(['schedule', slug, '--at', '2031-05-01T00:00:00Z', '--now', now, '-C', planned])
  expect(run.code, run.stderr).toBe(0)
})

/** A copy of the planned office (its queue included). */
async function copyOffice(): Promise<string> {
  const dir = await makeOffice()
  await mkdir(path.join(dir, '.press'), { recursive: true })
  const db = new Database(path.join(planned, '.press', 'queue.db'), { readonly: true })
  await db.backup(path.join(dir, '.press', 'queue.db'))
  db.close()
  return dir
}

describe('the queue file', () => {
  test('damaged: PRESS_QUEUE_CORRUPT naming the file and the way out, for status, send and dispatch', async () => {
    const dir = await copyOffice()
    await writeFile(path.join(dir, '.press', 'queue.db'), Buffer.alloc(8192, 0x5a))
    for (const args of [['status'], ['dispatch', '--now', now], ['schedule', slug, '--at', '2031-05-01T00:00:00Z', '--now', now]]) {
      const run = await press([...args, '--json', '-C', dir])
      expect(run.code).toBe(1)
      expectNoStack(run)
      const doc = JSON.parse(run.stdout) as { error: { code: string; message: string } }
      expect(doc.error.code).toBe('PRESS_QUEUE_CORRUPT')
      expect(doc.error.message).toContain(path.join(dir, '.press', 'queue.db'))
      expect(doc.error.message).toMatch(/move it aside/)
    }
  })

  test('locked by another program: PRESS_QUEUE_BUSY (exit 75) after a bounded wait', async () => {
    const dir = await copyOffice()
    const holder = new Database(path.join(dir, '.press', 'queue.db'))
    holder.pragma('locking_mode = EXCLUSIVE')
    holder.exec('BEGIN EXCLUSIVE')
    try {
      const run = await press(['dispatch', '--now', now, '--json', '-C', dir])
      expectNoStack(run)
      expect(run.code).toBe(75)
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { code: 'PRESS_QUEUE_BUSY' } })
    } finally {
      holder.exec('ROLLBACK')
      holder.close()
    }
  }, 60_000)

  const asRoot = process.getuid?.() === 0
  const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0
  test.runIf(!asRoot || hasSetpriv)('read-only: status still reads it; schedule says PRESS_QUEUE_READONLY', async () => {
    const dir = await copyOffice()
    // Readable by anyone, writable by no one (the folder too).
    const walk = async (d: string): Promise<void> => {
      for (const entry of await readdir(d, { withFileTypes: true })) {
        const full = path.join(d, entry.name)
        if (entry.isDirectory()) {
          await chmod(full, 0o555)
          await walk(full)
        } else await chmod(full, 0o444)
      }
    }
    await walk(dir)
    await chmod(dir, 0o555)
    const run = (args: string[]) => {
      const command = asRoot
        ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, pressBin]
        : [process.execPath, pressBin]
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PRESS_')))
      const result = spawnSync(command[0]!, [...command.slice(1), ...args, '-C', dir], { encoding: 'utf8', env: { ...env, NO_COLOR: '1' } })
      return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
    }
    try {
      const status = run(['status'])
      expect(status.code, status.stderr).toBe(0)
      expect(status.stdout).toContain(`${slug}: 2 planned`)
      const schedule = run(['schedule', slug, '--at', '2031-05-02T00:00:00Z', '--now', now, '--json'])
      expect(schedule.code).toBe(1)
      expectNoStack(schedule)
      expect(JSON.parse(schedule.stdout)).toMatchObject({ ok: false, error: { code: 'PRESS_QUEUE_READONLY' } })
    } finally {
      await chmod(dir, 0o755)
      const unlock = async (d: string): Promise<void> => {
        for (const entry of await readdir(d, { withFileTypes: true })) {
          const full = path.join(d, entry.name)
          if (entry.isDirectory()) {
            await chmod(full, 0o755)
            await unlock(full)
          }
        }
      }
      await unlock(dir)
    }
  })
})
