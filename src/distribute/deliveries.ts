/**
 * The delivery record: one CSV per release in the office
 * (`deliveries/<slug>.csv`, meant to be committed with the release), a line
 * per message a server accepted: when, to whom, in which language, which
 * version, with which Message-ID. It is the office's own memory of who got
 * what, kept outside `.press/`: planning consults it, so a lost queue never
 * mails the same version to the same person twice, and `press status` reads
 * it beside the queue.
 *
 * Lines are appended (whole lines, `O_APPEND`); a crash can at worst leave a
 * last line without its newline, which the reader ignores.
 */
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { normalizeEmail } from '../address.js'
import type { RowKind } from './queue/ledger.js'

/** One accepted message. */
export interface Delivery {
  /** Epoch ms. */
  readonly sentAt: number
  readonly email: string
  readonly lng: string
  readonly kind: RowKind
  /** `embargoed@<lift ISO>` or `public` for the release; the change id for a notice or correction. */
  readonly version: string
  readonly messageId: string
}

const header = 'sent_at,email,language,kind,version,message_id\n'

/**
 * The record file of a release.
 *
 * @param dir The office's deliveries folder (`paths.deliveries`).
 * @param slug Release slug.
 * @returns Its path.
 */
export function deliveriesFile(dir: string, slug: string): string {
  return join(dir, `${slug}.csv`)
}

/** One CSV field: quoted when it holds a comma, quote or line break. */
function field(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ')
  return /[",]/.test(clean) ? `"${clean.replace(/"/g, '""')}"` : clean
}

/**
 * Format deliveries as CSV lines (no header).
 *
 * @param deliveries Deliveries.
 * @returns The lines, each ending in a newline.
 */
export function formatDeliveries(deliveries: readonly Delivery[]): string {
  return deliveries
    .map((d) => [new Date(d.sentAt).toISOString(), d.email, d.lng, d.kind, d.version, d.messageId].map(field).join(',') + '\n')
    .join('')
}

/**
 * Parse a record file's text. A last line without its newline (a crash
 * mid-append) and lines that do not parse are skipped.
 *
 * @param text File contents.
 * @returns Deliveries in file order.
 */
export function parseDeliveries(text: string): Delivery[] {
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1)
  let rows: string[][]
  try {
    rows = parse(complete, { relax_column_count: true, skip_empty_lines: true, bom: true }) as string[][]
  } catch {
    return []
  }
  const out: Delivery[] = []
  for (const row of rows) {
    const [at, email, lng, kind, version, messageId] = row
    if (at === 'sent_at' || at === undefined || email === undefined || version === undefined) continue
    const sentAt = Date.parse(at)
    if (Number.isNaN(sentAt) || (kind !== 'release' && kind !== 'notice' && kind !== 'correction')) continue
    out.push({ sentAt, email, lng: lng ?? '', kind, version, messageId: messageId ?? '' })
  }
  return out
}

/**
 * Read a release's record.
 *
 * @param dir The deliveries folder.
 * @param slug Release slug.
 * @returns Deliveries; none when the file does not exist.
 */
export function loadDeliveries(dir: string, slug: string): Delivery[] {
  let text: string
  try {
    text = readFileSync(deliveriesFile(dir, slug), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  return parseDeliveries(text)
}

/** What one recipient has of a release, from the record and the queue. */
export interface Holding {
  /** The release version they got (`embargoed@…` or `public`), when they got it. */
  readonly release?: { readonly version: string; readonly at: number; readonly messageId: string } | undefined
  /** Change ids of notices and corrections they got. */
  readonly changes: ReadonlySet<string>
  /** The lift they were last told, epoch ms (from the embargoed copy or a later move notice). */
  readonly believedLift?: number | undefined
}

/**
 * The lift a version string states, if any.
 *
 * @param version `embargoed@<ISO>` or `moved-<ISO>`.
 * @returns Epoch ms, or undefined.
 */
export function liftOfVersion(version: string): number | undefined {
  const m = /^(?:embargoed@|moved-)(.+)$/.exec(version)
  if (!m) return undefined
  const ms = Date.parse(m[1]!)
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * Who holds what of a release, by normalised address: the record's lines
 * and the queue's sent rows together (either may lack what the other has).
 *
 * @param deliveries Record lines and sent rows as deliveries, in any order.
 * @returns Holdings by normalised address.
 */
export function holdings(deliveries: Iterable<Delivery>): Map<string, Holding> {
  const sorted = [...deliveries].sort((a, b) => a.sentAt - b.sentAt)
  const out = new Map<string, { release?: Holding['release']; changes: Set<string>; believedLift?: number }>()
  for (const d of sorted) {
    const key = normalizeEmail(d.email)
    let h = out.get(key)
    if (h === undefined) {
      h = { changes: new Set() }
      out.set(key, h)
    }
    if (d.kind === 'release') {
      h.release ??= { version: d.version, at: d.sentAt, messageId: d.messageId }
    } else h.changes.add(d.version)
    const lift = liftOfVersion(d.version)
    if (lift !== undefined) h.believedLift = lift
    // Once told the embargo is lifted, nobody believes in a lift any more.
    if (d.version.startsWith('lifted-')) delete h.believedLift
  }
  return out
}

/** Appends deliveries as they happen, one open file per release. */
export interface DeliveryWriter {
  /** Append one line now (synchronously: it is on disk before the queue is told). */
  write(delivery: Delivery, slug: string): void
  close(): void
}

/**
 * A writer for the deliveries folder.
 *
 * @param dir The deliveries folder.
 * @returns The writer; `close()` it at the end of the run.
 */
export function createDeliveryWriter(dir: string): DeliveryWriter {
  const files = new Map<string, number>()
  const fdFor = (slug: string): number => {
    let fd = files.get(slug)
    if (fd === undefined) {
      mkdirSync(dir, { recursive: true })
      const file = deliveriesFile(dir, slug)
      try {
        appendFileSync(file, header, { flag: 'wx' })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      fd = openSync(file, 'a')
      files.set(slug, fd)
    }
    return fd
  }
  return {
    write(delivery, slug) {
      writeSync(fdFor(slug), formatDeliveries([delivery]))
    },
    close() {
      for (const fd of files.values()) closeSync(fd)
      files.clear()
    },
  }
}
