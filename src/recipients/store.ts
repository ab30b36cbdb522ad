/**
 * What recipients did after a release went out — unsubscribed, bounced,
 * resubscribed — kept in `.press/recipients.db` (SQLite), one row per event.
 * Each event has a unique source (the incoming message's Message-ID, or the
 * web request), so a mailbox read twice after a crash counts nothing twice.
 * `suppressions.csv` stays the one list of who gets no mail; this store is
 * the history behind it, for `press status <slug> --recipients` and for
 * counting temporary failures.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Database as Db } from 'better-sqlite3'

/** What happened. */
export type RecipientEventKind =
  /** One-click, web page or mailto unsubscribe. */
  | 'unsubscribed'
  /** Took an unsubscribe back on the confirmation page. */
  | 'resubscribed'
  /** A permanent delivery failure (5.x.x): suppressed. */
  | 'bounced'
  /** A temporary delivery failure (4.x.x): counted; enough of them suppress. */
  | 'deferred'
  /** An out-of-office or other automatic reply: nothing done. */
  | 'auto-reply'

/** One event, as stored. */
export interface RecipientEvent {
  readonly slug: string
  /** Normalised address. */
  readonly email: string
  readonly kind: RecipientEventKind
  /** Status code and diagnostic, or how the unsubscribe came (`one-click`, `web page`, `mailto`). */
  readonly reason: string
  /** Epoch ms. */
  readonly at: number
  /** What it came from: `imap:<Message-ID>`, `web:<…>`; unique. */
  readonly source: string
  /** The Message-ID of our message it answers, when known. */
  readonly messageId?: string
}

/** The latest event of one recipient (what `recipientEvents` returns). */
export interface RecipientStatus {
  readonly kind: RecipientEventKind
  readonly reason: string
  readonly at: number
}

/** The store, open. */
export interface RecipientStore {
  /** Record an event; false when an event with the same source was recorded before. */
  record(event: RecipientEvent): boolean
  /** Whether anything was recorded from this source. */
  seen(source: string): boolean
  /** The latest event per address of a release. */
  latest(slug: string): Map<string, RecipientStatus>
  /** Events of one address, oldest first. */
  history(email: string): RecipientEvent[]
  /** How many events of `kind` an address has since `since` (epoch ms). */
  count(email: string, kind: RecipientEventKind, since: number): number
  /** When the address last unsubscribed / resubscribed (epoch ms), if ever. */
  last(email: string, kind: 'unsubscribed' | 'resubscribed'): number | undefined
  /** Remember an incoming message left for a person, so later rounds do not read it again. */
  markLeft(key: string, at: number): void
  /** Whether `markLeft` was called for this key. */
  isLeft(key: string): boolean
  close(): void
}

/** The store's file inside the state folder. */
export const recipientStoreName = 'recipients.db'

/**
 * Open (or create) the store.
 *
 * @param statePath
 *   The private state folder (`.press`).
 * @returns
 *   The store; `close()` it.
 */
export function openRecipientStore(statePath: string): RecipientStore {
  mkdirSync(statePath, { recursive: true })
  const db: Db = new Database(join(statePath, recipientStoreName), { timeout: 10_000 })
  db.pragma('journal_mode = WAL')
  db.exec(`
    CREATE TABLE IF NOT EXISTS events (
      id INTEGER PRIMARY KEY,
      slug TEXT NOT NULL,
      email TEXT NOT NULL,
      kind TEXT NOT NULL,
      reason TEXT NOT NULL,
      at INTEGER NOT NULL,
      source TEXT NOT NULL UNIQUE,
      message_id TEXT
    );
    CREATE INDEX IF NOT EXISTS events_slug ON events (slug, email, at);
    CREATE INDEX IF NOT EXISTS events_email ON events (email, kind, at);
    CREATE TABLE IF NOT EXISTS left_for_person (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
  `)
  const insert = db.prepare('INSERT OR IGNORE INTO events (slug, email, kind, reason, at, source, message_id) VALUES (?, ?, ?, ?, ?, ?, ?)')
  const seen = db.prepare('SELECT 1 FROM events WHERE source = ?').pluck()
  const bySlug = db.prepare('SELECT email, kind, reason, at FROM events WHERE slug = ? ORDER BY at, id')
  const history = db.prepare(
    'SELECT slug, email, kind, reason, at, source, message_id AS messageId FROM events WHERE email = ? ORDER BY at, id',
  )
  const count = db.prepare('SELECT COUNT(*) FROM events WHERE email = ? AND kind = ? AND at >= ?').pluck()
  const last = db.prepare('SELECT MAX(at) FROM events WHERE email = ? AND kind = ?').pluck()
  const markLeft = db.prepare('INSERT OR IGNORE INTO left_for_person (key, at) VALUES (?, ?)')
  const isLeft = db.prepare('SELECT 1 FROM left_for_person WHERE key = ?').pluck()
  return {
    record: (e) => insert.run(e.slug, e.email, e.kind, e.reason, e.at, e.source, e.messageId ?? null).changes > 0,
    seen: (source) => seen.get(source) !== undefined,
    latest(slug) {
      const out = new Map<string, RecipientStatus>()
      for (const row of bySlug.all(slug) as Array<{ email: string; kind: RecipientEventKind; reason: string; at: number }>) {
        out.set(row.email, { kind: row.kind, reason: row.reason, at: row.at })
      }
      return out
    },
    history: (email) =>
      (history.all(email) as Array<RecipientEvent & { messageId: string | null }>).map(({ messageId, ...rest }) =>
        messageId === null ? rest : { ...rest, messageId },
      ),
    count: (email, kind, since) => count.get(email, kind, since) as number,
    last: (email, kind) => (last.get(email, kind) as number | null) ?? undefined,
    markLeft: (key, at) => void markLeft.run(key, at),
    isLeft: (key) => isLeft.get(key) !== undefined,
    close: () => db.close(),
  }
}

/**
 * What each recipient of a release did after it went out: the latest event
 * per address (unsubscribed, resubscribed, bounced, deferred, auto-reply),
 * for `press status <slug> --recipients`. Opens and closes the store; reads
 * nothing when the office has never recorded an event.
 *
 * @param statePath
 *   The private state folder (`.press`).
 * @param slug
 *   The release.
 * @returns
 *   Normalised address → `{kind, reason, at}` (epoch ms); empty when nothing happened.
 */
export function recipientEvents(statePath: string, slug: string): Map<string, RecipientStatus> {
  if (!existsSync(join(statePath, recipientStoreName))) return new Map()
  const store = openRecipientStore(statePath)
  try {
    return store.latest(slug)
  } finally {
    store.close()
  }
}
