/**
 * Changing a release after its distribution was planned, as first-class
 * commands: `press lift` (the embargo ends now), `press withdraw` (stop
 * everything, optionally tell those reached), `press send --correction`
 * (the corrected release to those reached) and `press retry` (given-up
 * messages back in the queue). Each edits the office's files first — they
 * stay the truth — then lets the queue follow, so a crash at any point is
 * finished by the next dispatch.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import { PressError, UsageError } from '../errors.js'
import { isPublic } from '../embargo/policy.js'
import { loadSuppressions } from '../press-list/suppressions.js'
import { removeSuppressions } from '../press-list/unsuppress.js'
import { normalizeEmail } from '../address.js'
import { addCorrection, setFrontmatterScalar } from '../release/edit-frontmatter.js'
import type { Recipient, Release } from '../types.js'
import { writeAtomic } from '../write-atomic.js'
import { parseFrom } from './compose.js'
import { dispatchWith, openContextLedger, openMailer, reconcileWith, type DistributeContext, type SendOptions } from './commands.js'
import { loadDeliveries, type Delivery } from './deliveries.js'
import type { RunReport } from './dispatch.js'
import { ReleaseNotFoundError } from './errors.js'
import { claimableStates, type LedgerRow, type PlanStore, type QueueReader, type SendState } from './queue/ledger.js'
import { changeJob, holdingsOf, rowAsDelivery } from './reconcile.js'

/** A release file could not be changed. */
export class ReleaseEditError extends PressError {
  override readonly code = 'PRESS_RELEASE_EDIT'
}

/** Options of the change commands. */
export interface ChangeOptions extends SendOptions {
  /** Publish the site after the release files changed (the CLI rebuilds dist/). */
  readonly publish?: () => Promise<unknown>
}

async function currentRelease(ctx: DistributeContext, slug: string): Promise<Release> {
  const release = await ctx.releases(slug)
  if (release === undefined) throw new ReleaseNotFoundError(slug)
  return release
}

/** Absolute path of a release text, from the office root. */
function textPath(ctx: DistributeContext, release: Release, lng: string): string {
  if (ctx.root === undefined)
    throw new ReleaseEditError('This command edits release files and needs the office folder (`root` in the context).')
  return join(ctx.root, release.texts[lng]!.path)
}

/** Edit one release file with `edit`, atomically. */
async function editFile(path: string, edit: (text: string) => string): Promise<void> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ReleaseEditError(`Cannot read ${path}: ${(error as Error).message}`, { cause: error })
  }
  let next: string
  try {
    next = edit(text)
  } catch (error) {
    throw new ReleaseEditError(
      `Cannot change the frontmatter of ${path}: ${(error as Error).message}. Fix the file by hand and run the command again.`,
      { cause: error },
    )
  }
  if (next !== text) await writeAtomic(path, next)
}

/** Read the office again after an edit, and return the release as it is now. */
async function reread(ctx: DistributeContext, slug: string): Promise<Release> {
  await ctx.refresh?.()
  return currentRelease(ctx, slug)
}

/** Run `fn` with the ledger and a mailer open. */
async function withQueue<T>(
  ctx: DistributeContext,
  fn: (ledger: PlanStore, send: (options: SendOptions & { slug?: string }) => Promise<RunReport>) => Promise<T>,
): Promise<T> {
  const { ledger, close } = openContextLedger(ctx)
  try {
    let mailer: ReturnType<typeof openMailer> | undefined
    try {
      return await fn(ledger, async (options) => {
        mailer ??= openMailer(ctx)
        return dispatchWith(ctx, ledger, mailer.mailer, options)
      })
    } finally {
      await mailer?.close()
    }
  } finally {
    await close()
  }
}

/** The embargo value to write for the instant `ms`, in the form the file already uses. */
export function embargoValue(release: Release, ms: number): string {
  const embargo = release.embargo!
  const local = !/(?:[zZ]|[+-]\d{2}(?::?\d{2})?)\s*$/.test(embargo.written.trim())
  const at = DateTime.fromMillis(ms, { zone: embargo.zone })
  return local ? at.toFormat("yyyy-LL-dd'T'HH:mm:ss") : at.toISO({ suppressMilliseconds: true, includeOffset: true })!
}

/** What `press lift` did. */
export interface LiftResult {
  readonly slug: string
  /** The release was public already (no embargo, or its lift passed): nothing was changed or sent. */
  readonly alreadyPublic: boolean
  /** The lift written into the files, epoch ms. */
  readonly lift?: number
  /** The lift before, epoch ms. */
  readonly previous?: number
  /** Files changed, relative to the office. */
  readonly files: readonly string[]
  /** Lifted notices queued. */
  readonly notices: number
  readonly run?: RunReport
}

/**
 * `press lift <slug>`: end the embargo now. Writes the lift (now, to the
 * second, in the release's own zone) into its files, publishes the site,
 * then sends the held messages and tells those who hold the embargoed copy
 * that the embargo is lifted, effective immediately.
 *
 * @param ctx Office context (with `root` and `refresh`).
 * @param slug Release.
 * @param options Publish callback, progress.
 * @returns What changed and the run report.
 */
export async function liftEmbargo(ctx: DistributeContext, slug: string, options: ChangeOptions = {}): Promise<LiftResult> {
  const release = await currentRelease(ctx, slug)
  const now = ctx.now()
  if (release.status === 'draft')
    throw new ReleaseEditError(
      `The release \`${slug}\` is a draft (withdrawn or not ready); set \`status: ready\` before lifting its embargo.`,
    )
  if (release.embargo === undefined || isPublic(release, now)) return { slug, alreadyPublic: true, files: [], notices: 0 }
  const lift = Math.floor(now / 1000) * 1000
  const value = embargoValue(release, lift)
  const files: string[] = []
  for (const [lng, text] of Object.entries(release.texts)) {
    const path = textPath(ctx, release, lng)
    const has = lng === release.source || /^embargo\s*:/m.test(readFileSync(path, 'utf8').split(/\r?\n---/)[0] ?? '')
    if (!has) continue
    await editFile(path, (t) => setFrontmatterScalar(t, 'embargo', value))
    files.push(text.path)
  }
  const lifted = await reread(ctx, slug)
  if (!isPublic(lifted, now))
    throw new ReleaseEditError(
      `The embargo of ${slug} still reads ${lifted.embargo?.written ?? '(none)'} after the edit; check ${files.join(', ')}.`,
    )
  await options.publish?.()
  return withQueue(ctx, async (ledger, send) => {
    const record = await ledger.plan(slug)
    if (record === undefined) return { slug, alreadyPublic: false, lift, previous: release.embargo!.lift, files, notices: 0 }
    const reconciled = await reconcileWith(ctx, ledger, lifted, record, true)
    const run = await send({ ...options, slug })
    return { slug, alreadyPublic: false, lift, previous: release.embargo!.lift, files, notices: reconciled.notices, run }
  })
}

/** What `press withdraw` did. */
export interface WithdrawResult {
  readonly slug: string
  /** The release was a draft already (the files were not changed). */
  readonly wasDraft: boolean
  readonly files: readonly string[]
  /** Unsent messages stopped (recorded `cancelled`). */
  readonly cancelled: number
  /** Withdrawal notices queued (with `notify`). */
  readonly notices: number
  readonly run?: RunReport
}

/**
 * `press withdraw <slug> [--notify]`: set the release back to draft (it
 * leaves the public site), cancel every unsent message of it, and with
 * `notify` tell everyone who received it not to publish.
 *
 * @param ctx Office context (with `root` and `refresh`).
 * @param slug Release.
 * @param options `notify`, publish callback, progress.
 * @returns What changed.
 */
export async function withdrawRelease(
  ctx: DistributeContext,
  slug: string,
  options: ChangeOptions & { notify?: boolean } = {},
): Promise<WithdrawResult> {
  const release = await currentRelease(ctx, slug)
  const now = ctx.now()
  const files: string[] = []
  const wasDraft = release.status === 'draft'
  if (!wasDraft) {
    await editFile(textPath(ctx, release, release.source), (t) => setFrontmatterScalar(t, 'status', 'draft'))
    files.push(release.texts[release.source]!.path)
  }
  const withdrawn = await reread(ctx, slug)
  await options.publish?.()
  return withQueue(ctx, async (ledger, send) => {
    const record = await ledger.plan(slug)
    // Withdrawing a withdrawn release again is the same change: nobody is told twice.
    const at = wasDraft && record?.withdrawnAt !== undefined ? record.withdrawnAt : now
    await ledger.setPlan(slug, { ...(record ?? { plannedAt: now }), withdrawnAt: at })
    let cancelled = 0
    for (const row of await ledger.rows({ slug, states: claimableStates })) {
      await ledger.cancel(row.key, 'withdrawn (press withdraw)', now)
      cancelled++
    }
    let notices = 0
    let run: RunReport | undefined
    if (options.notify) {
      const jobs = await holderJobs(ctx, ledger, withdrawn, `withdrawn-${new Date(at).toISOString()}`, 'notice')
      notices = jobs.length
      if (jobs.length > 0) await ledger.enqueue(slug, jobs, now)
      run = await send({ ...options, slug })
    }
    return { slug, wasDraft, files, cancelled, notices, ...(run ? { run } : {}) }
  })
}

/** One notice or correction row for everyone who holds the release now (not suppressed). */
async function holderJobs(ctx: DistributeContext, ledger: PlanStore, release: Release, change: string, kind: 'notice' | 'correction') {
  const now = ctx.now()
  const suppressed = await loadSuppressions(ctx.suppressionsPath)
  const recipients = new Map<string, Recipient>()
  const list = typeof ctx.recipients === 'function' ? await ctx.recipients() : ctx.recipients
  for (const r of list) recipients.set(normalizeEmail(r.email), r)
  const { domain } = parseFrom(ctx.mail.from)
  const held = await holdingsOf(ledger, release.slug, ctx.deliveriesPath)
  const jobs = []
  for (const [email, holding] of held) {
    if (holding.release === undefined || suppressed.has(email) || holding.changes.has(change)) continue
    const r = recipients.get(email)
    jobs.push(
      changeJob({
        slug: release.slug,
        change,
        kind,
        email: r?.email ?? holding.email,
        name: r?.name ?? '',
        lng: r?.lng ?? holding.lng,
        now,
        domain,
        vetted: kind === 'notice' ? true : (r?.embargo ?? holding.release.version.startsWith('embargoed@')),
      }),
    )
  }
  return jobs
}

/** What `press send --correction` did. */
export interface CorrectionResult {
  readonly slug: string
  /** The correction's number (1 for the first). */
  readonly number: number
  readonly files: readonly string[]
  /** Corrected copies queued (to those who received the release). */
  readonly queued: number
  readonly run: RunReport
}

/**
 * Parse `--correction` values: `en: text` / `ru: текст` lines (several
 * values or several lines in one), or one plain note for the source language.
 *
 * @param values The flag's values (or a file's text, as one value).
 * @param release The release (its languages).
 * @returns The note for each language of the release.
 * @throws {UsageError} When a language of the release has no note.
 */
export function parseCorrectionNotes(values: readonly string[], release: Release, locales: readonly string[]): Record<string, string> {
  const notes: Record<string, string> = {}
  const plain: string[] = []
  for (const line of values.flatMap((v) => v.split(/\r?\n/))) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue
    const m = /^\s*([a-z]{2,3}(?:-[A-Za-z0-9]+)?)\s*[:=]\s*(.+)$/.exec(line)
    if (m && (locales.includes(m[1]!) || release.texts[m[1]!] !== undefined)) notes[m[1]!] = m[2]!.trim()
    else plain.push(line.trim())
  }
  if (plain.length > 0) {
    if (notes[release.source] !== undefined)
      throw new UsageError(
        `--correction: a line without a language (${JSON.stringify(plain[0])}) besides \`${release.source}: …\`; start every line with its language, e.g. \`en: …\`.`,
      )
    notes[release.source] = plain.join(' ')
  }
  const missing = Object.keys(release.texts).filter((lng) => notes[lng] === undefined || notes[lng] === '')
  if (missing.length > 0) {
    throw new UsageError(
      `--correction: no note in ${missing.join(', ')}; every language of ${release.slug} needs one line, e.g. ` +
        Object.keys(release.texts)
          .map((lng) => `--correction "${lng}: …"`)
          .join(' ') +
        ' (or --correction-file with one `lang: note` line each).',
    )
  }
  return notes
}

/**
 * `press send <slug> --correction <note>`: record the correction in every
 * language file (`corrections:`, dated; the page shows it), then send the
 * corrected release, subject prefixed CORRECTION and the note on top, to
 * everyone who already received it. Those not reached yet simply get the
 * current text.
 *
 * @param ctx Office context (with `root` and `refresh`).
 * @param slug Release.
 * @param notes The note per language (see `parseCorrectionNotes`).
 * @param options Publish callback, progress.
 * @returns What changed and the run report.
 */
export async function sendCorrection(
  ctx: DistributeContext,
  slug: string,
  notes: Readonly<Record<string, string>>,
  options: ChangeOptions = {},
): Promise<CorrectionResult> {
  const release = await currentRelease(ctx, slug)
  if (release.status === 'draft')
    throw new ReleaseEditError(
      `The release \`${slug}\` is a draft (withdrawn or not ready); a correction goes out only for a ready release.`,
    )
  const now = ctx.now()
  const date = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z')
  const files: string[] = []
  for (const lng of Object.keys(release.texts)) {
    await editFile(textPath(ctx, release, lng), (t) => addCorrection(t, { date, note: notes[lng]! }))
    files.push(release.texts[lng]!.path)
  }
  const corrected = await reread(ctx, slug)
  const number = corrected.texts[corrected.source]?.corrections?.length ?? 0
  if (number === 0)
    throw new ReleaseEditError(`The correction was written to ${files.join(', ')} but does not read back; check those files.`)
  await options.publish?.()
  return withQueue(ctx, async (ledger, send) => {
    const jobs = await holderJobs(ctx, ledger, corrected, `correction-${number}`, 'correction')
    if (jobs.length > 0) await ledger.enqueue(slug, jobs, now)
    const run = await send({ ...options, slug })
    return { slug, number, files, queued: jobs.length, run }
  })
}

/** What `press retry` did. */
export interface RetryResult {
  readonly slug: string
  readonly requeued: number
  /** Addresses left failed because they are suppressed (hard bounces), without `includeSuppressed`. */
  readonly stillSuppressed: readonly string[]
  /** Addresses taken out of the suppression file (`includeSuppressed`). */
  readonly unsuppressed: readonly string[]
  readonly run: RunReport
}

/**
 * `press retry <slug>`: put given-up (failed) and waiting (deferred) rows
 * back in the queue, due now, attempts counted from zero, and send. A
 * suppressed address (a hard bounce went there) stays failed unless
 * `includeSuppressed`, which also takes it out of the suppression file.
 *
 * @param ctx Office context.
 * @param slug Release.
 * @param options Which states (default both), `includeSuppressed`, progress.
 * @returns What was requeued and the run report.
 */
export async function retryRelease(
  ctx: DistributeContext,
  slug: string,
  options: SendOptions & { failed?: boolean; deferred?: boolean; includeSuppressed?: boolean } = {},
): Promise<RetryResult> {
  await currentRelease(ctx, slug)
  const states: SendState[] = []
  if (options.failed || (!options.failed && !options.deferred)) states.push('failed')
  if (options.deferred || (!options.failed && !options.deferred)) states.push('deferred')
  const suppressed = await loadSuppressions(ctx.suppressionsPath)
  return withQueue(ctx, async (ledger, send) => {
    const candidates = await ledger.rows({ slug, states })
    const blocked = candidates.filter((r) => suppressed.has(normalizeEmail(r.email)))
    let unsuppressed: string[] = []
    if (options.includeSuppressed && blocked.length > 0) {
      unsuppressed = [...new Set(blocked.map((r) => r.email))]
      await removeSuppressions(ctx.suppressionsPath, unsuppressed)
    }
    const keep = (row: LedgerRow): boolean => options.includeSuppressed === true || !suppressed.has(normalizeEmail(row.email))
    const keys = await ledger.requeue(slug, states, ctx.now(), keep)
    const run = await send({ ...options, slug })
    return {
      slug,
      requeued: keys.length,
      stillSuppressed: options.includeSuppressed ? [] : [...new Set(blocked.map((r) => r.email))],
      unsuppressed,
      run,
    }
  })
}

/** One line of `press status <slug> --recipients`. */
export interface RecipientLine {
  readonly email: string
  readonly name: string
  readonly lng: string
  /** release / notice / correction. */
  readonly kind: string
  /** `embargoed@…`, `public`, the change id, or (not sent yet) what is planned. */
  readonly version: string
  readonly state: SendState | 'recorded'
  /** Sent, or last changed, epoch ms. */
  readonly at: number
  readonly attempts: number
  /** The server's last reply or the reason (cancelled, failed). */
  readonly reply: string
  readonly messageId: string
  /** When it is due (not sent yet), epoch ms. */
  readonly dueAt?: number
}

/**
 * Who got what of a release: every queue row (release, notices,
 * corrections) and every line of the delivery record the queue does not
 * have (after `.press/` was lost).
 *
 * @param ctx Office context.
 * @param slug Release.
 * @returns One line per message, in queue order, then record-only lines.
 */
export async function recipientsStatus(ctx: DistributeContext, slug: string, ledger: QueueReader | undefined): Promise<RecipientLine[]> {
  const rows = ledger === undefined ? [] : await ledger.rows({ slug })
  const lines: RecipientLine[] = rows.map((row) => {
    const d = rowAsDelivery(row)
    const version =
      d?.version ??
      (row.kind === 'release' || row.kind === undefined
        ? row.vetted && row.lift !== undefined
          ? 'embargoed (planned)'
          : 'release (planned)'
        : (row.change ?? ''))
    return {
      email: row.email,
      name: row.name,
      lng: row.lng,
      kind: row.kind ?? 'release',
      version,
      state: row.state,
      at: row.sentAt ?? row.updatedAt,
      attempts: row.attempts,
      reply: row.response ?? row.error ?? '',
      messageId: row.messageId,
      ...(row.state === 'sent' || row.state === 'cancelled' || row.state === 'failed' ? {} : { dueAt: row.dueAt }),
    }
  })
  const have = new Set(rows.map((r) => r.messageId))
  const record: Delivery[] = ctx.deliveriesPath === undefined ? [] : loadDeliveries(ctx.deliveriesPath, slug)
  for (const d of record) {
    if (have.has(d.messageId)) continue
    have.add(d.messageId)
    lines.push({
      email: d.email,
      name: '',
      lng: d.lng,
      kind: d.kind,
      version: d.version,
      state: 'recorded',
      at: d.sentAt,
      attempts: 0,
      reply: 'in the delivery record',
      messageId: d.messageId,
    })
  }
  return lines
}
