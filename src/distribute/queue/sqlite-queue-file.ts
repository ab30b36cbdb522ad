/**
 * The SQLite queue file: its schema, the migrations of a file an older
 * version wrote, and opening it (read-write, or read-only for `press
 * status`, through a snapshot copy when the folder cannot be written), with
 * what is wrong with a file as a coded error instead of SQLite's own.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { tmpdir } from 'node:os'
import Database from 'better-sqlite3'
import type { Database as Db } from 'better-sqlite3'
import { claimableStates } from './ledger.js'
import { queueFileError } from './queue-file-error.js'

const schema = `
CREATE TABLE IF NOT EXISTS sends (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  slug TEXT NOT NULL,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  lng TEXT NOT NULL,
  wanted TEXT NOT NULL,
  vetted INTEGER NOT NULL,
  lift INTEGER,
  send_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('planned','sending','sent','deferred','failed','unknown','cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  recoveries INTEGER NOT NULL DEFAULT 0,
  message_id TEXT NOT NULL,
  response TEXT,
  response_code INTEGER,
  error TEXT,
  planned_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  claimed_at INTEGER,
  sent_at INTEGER,
  kind TEXT NOT NULL DEFAULT 'release',
  change TEXT NOT NULL DEFAULT '',
  payload TEXT,
  version TEXT,
  -- The one rule that must hold whatever code writes here.
  CHECK (vetted = 1 OR lift IS NULL OR state IN ('sent','failed','cancelled') OR due_at >= lift)
);
CREATE TABLE IF NOT EXISTS plans (
  slug TEXT PRIMARY KEY,
  json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS locks (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  acquired_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);
`

/** The claimable states as an SQL list: `'planned','deferred','unknown'`. */
export const claimable = claimableStates.map((s) => `'${s}'`).join(',')

/**
 * The two indexes. Neither holds a row that is being sent or is done:
 * `sends_due` is partial (claimable rows only) and `sends_slug` is keyed
 * by slug alone, so a claim removes one index entry and `sent` touches no
 * index at all, only the row's own page (see bench/notes/mail.md for what
 * that saves). The price: status counts per release read rows, not an index.
 */
const indexes: ReadonlyArray<{ readonly name: string; readonly sql: string }> = [
  { name: 'sends_due', sql: `CREATE INDEX sends_due ON sends(due_at) WHERE state IN (${claimable})` },
  { name: 'sends_slug', sql: 'CREATE INDEX sends_slug ON sends(slug)' },
]

/**
 * Create the indexes, or replace those an older version made with other
 * columns (same names, so an older Pressroom opening this file keeps them
 * and does not add its own back). Runs in one immediate transaction, so two
 * processes opening an old file at once migrate it once.
 */
function ensureIndexes(db: Db): void {
  const current = db.prepare<[], { name: string; sql: string | null }>(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sends'",
  )
  const migrate = db.transaction(() => {
    const have = new Map(current.all().map((r) => [r.name, r.sql]))
    for (const index of indexes) {
      const sql = have.get(index.name)
      if (sql === index.sql) continue
      if (sql !== undefined) db.exec(`DROP INDEX ${index.name}`)
      db.exec(index.sql)
    }
  })
  const have = new Map(current.all().map((r) => [r.name, r.sql]))
  if (indexes.some((index) => have.get(index.name) !== index.sql)) migrate.immediate()
}

/** Columns added after the first version; a queue file without them gets them when opened. */
const addedColumns: ReadonlyArray<{ readonly name: string; readonly sql: string }> = [
  { name: 'kind', sql: "ALTER TABLE sends ADD COLUMN kind TEXT NOT NULL DEFAULT 'release'" },
  { name: 'change', sql: "ALTER TABLE sends ADD COLUMN change TEXT NOT NULL DEFAULT ''" },
  { name: 'payload', sql: 'ALTER TABLE sends ADD COLUMN payload TEXT' },
  { name: 'version', sql: 'ALTER TABLE sends ADD COLUMN version TEXT' },
]

function ensureColumns(db: Db): void {
  const have = (): Set<string> =>
    new Set(
      db
        .prepare<[], { name: string }>('PRAGMA table_info(sends)')
        .all()
        .map((c) => c.name),
    )
  if (addedColumns.every((c) => have().has(c.name))) return
  db.transaction(() => {
    const now = have()
    for (const column of addedColumns) if (!now.has(column.name)) db.exec(column.sql)
  }).immediate()
}

/** A private copy of a queue (and its write-ahead log) in a temp folder, removed at exit. */
function openSnapshot(path: string, openWaitMs: number): Db {
  const dir = mkdtempSync(join(tmpdir(), 'press-queue-'))
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(path, join(dir, 'queue.db'))
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, join(dir, 'queue.db-wal'))
  const db = new Database(join(dir, 'queue.db'), { fileMustExist: true, timeout: openWaitMs })
  db.prepare('SELECT COUNT(*) FROM sqlite_master').get()
  return db
}

/**
 * Open the queue file, with what is wrong with it as a coded error
 * (damaged, read-only, locked, unopenable) instead of SQLite's own.
 * Read-write opens create the folder and the schema and migrate an older
 * file; read-only opens change nothing.
 *
 * @param path The queue file, e.g. `.press/queue.db`.
 * @param readOnly Open for reading only (`press status`).
 * @param busyTimeoutMs How long a later statement waits for another process's write lock, ms (default 10,000).
 * @returns The open database.
 */
export function openQueueFile(path: string, readOnly: boolean, busyTimeoutMs = 10_000): Db {
  // A file locked by another program for this long at open is reported (PRESS_QUEUE_BUSY), not waited on for ever.
  const openWaitMs = 5_000
  let db: Db | undefined
  try {
    if (readOnly) {
      try {
        db = new Database(path, { readonly: true, fileMustExist: true, timeout: openWaitMs })
        // Reading a page proves the file is a database (the header alone is not checked on open).
        db.prepare('SELECT COUNT(*) FROM sqlite_master').get()
        return db
      } catch (error) {
        // A WAL queue in a folder this user cannot write: SQLite cannot make its
        // shared-memory file beside it, so status reads a snapshot copy instead.
        if (!/^SQLITE_(READONLY|CANTOPEN)/.test(String((error as { code?: unknown }).code))) throw error
        db?.close()
        db = openSnapshot(path, openWaitMs)
        return db
      }
    }
    mkdirSync(dirname(path), { recursive: true })
    db = new Database(path, { timeout: openWaitMs })
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec(schema)
    ensureColumns(db)
    ensureIndexes(db)
    // Opened: later writes wait longer for a busy moment of another dispatcher.
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(busyTimeoutMs))}`)
    return db
  } catch (error) {
    db?.close()
    throw queueFileError(path, error) ?? error
  }
}
