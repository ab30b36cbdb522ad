/**
 * `press lift`, `press withdraw`, `press retry`, `press send --correction`
 * and `press status <slug> --recipients`: changing a release after its
 * distribution was planned, and seeing who got what.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline/promises'
import { UsageError } from '../../errors.js'
import { formatInstantUtc } from '../../embargo/time.js'
import {
  liftEmbargo,
  parseCorrectionNotes,
  recipientsStatus,
  retryRelease,
  sendCorrection,
  withdrawRelease,
  type RecipientLine,
} from '../../distribute/changes.js'
import { openContextLedger } from '../../distribute/commands.js'
import type { RunReport } from '../../distribute/dispatch.js'
import { ReleaseNotFoundError } from '../../distribute/errors.js'
import { join } from 'node:path'
import { commandNow, failOnContentErrors, nowIsGiven, openOffice } from '../context.js'
import { openDistribution, type CliDistribution } from '../distribution.js'
import type { Reporter } from '../io.js'
import { publishSite } from '../publish.js'
import { recipientEvents } from '../../recipients/store.js'
import { normalizeEmail } from '../../address.js'
import { isRehearsal } from '../rehearsal.js'

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString())

/**
 * Open the office. `edits`: the command changes release files and acts at
 * once, so a rehearsal (a --now later than the clock) is refused.
 */
async function open(reporter: Reporter, needList: boolean, edits = false): Promise<{ dist: CliDistribution; now: number }> {
  const now = commandNow(reporter)
  const rehearsal = isRehearsal(reporter, now, Date.now())
  if (rehearsal && edits) {
    throw new UsageError(
      `--now ${new Date(now).toISOString()} is later than the clock (a rehearsal), but this command changes the release's files and tells journalists now; run it without --now (or rehearse the outcome with \`press build --now\` and \`press dispatch --now\`)`,
    )
  }
  const { office, messages } = await openOffice(reporter)
  if (!office) failOnContentErrors(reporter, messages, 'nothing was changed or sent')
  const dist = await openDistribution(office, reporter, now, { frozen: nowIsGiven(reporter), list: needList ? 'eager' : 'lazy', rehearsal })
  if (needList && dist.listHasErrors) {
    await dist.close()
    failOnContentErrors(reporter, [...messages, ...dist.messages], 'nothing was changed or sent')
  }
  return { dist, now }
}

async function known(dist: CliDistribution, slug: string): Promise<void> {
  if ((await dist.ctx.releases(slug)) !== undefined) return
  const all = dist.ctx.listReleases ? await dist.ctx.listReleases() : []
  throw new ReleaseNotFoundError(
    slug,
    all.map((r) => r.slug),
  )
}

function runLine(run: RunReport | undefined): string {
  if (run === undefined) return 'nothing sent'
  return `sent ${run.sent}, failed ${run.failed}, deferred ${run.deferred}, held ${run.held}, cancelled ${run.cancelled}${run.recorded ? `, recorded ${run.recorded}` : ''}`
}

function jsonRun(run: RunReport | undefined): unknown {
  if (run === undefined) return null
  return { ...run, nextDue: iso(run.nextDue) }
}

/** Ask "really?" on a terminal; without one, `--yes` is required. */
async function confirm(reporter: Reporter, question: string, yes: boolean, flag = '--yes'): Promise<boolean> {
  if (yes) return true
  if (!process.stdin.isTTY || reporter.flags.json)
    throw new UsageError(`${question.replace(/\?$/, '')}: not on a terminal, so pass ${flag} to confirm.`)
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await rl.question(`${question} [y/N] `)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}

/** `press lift <slug> [--yes]`. */
export async function runLift(reporter: Reporter, slug: string, flags: { yes: boolean }): Promise<number> {
  const { dist } = await open(reporter, true, true)
  try {
    await known(dist, slug)
    const release = (await dist.ctx.releases(slug))!
    if (release.embargo !== undefined && release.embargo.lift > dist.ctx.now() && release.status === 'ready') {
      const ok = await confirm(
        reporter,
        `Lift the embargo of ${slug} now (it was to lift at ${formatInstantUtc(release.embargo.lift)}), publish it and tell vetted recipients?`,
        flags.yes,
      )
      if (!ok) {
        reporter.line('not lifted')
        return 0
      }
    }
    const result = await liftEmbargo(dist.ctx, slug, { publish: () => publishSite(reporter, dist.ctx.now()) })
    if (reporter.flags.json) {
      reporter.json({
        ok: true,
        slug,
        alreadyPublic: result.alreadyPublic,
        lift: iso(result.lift),
        previous: iso(result.previous),
        files: result.files,
        notices: result.notices,
        run: jsonRun(result.run),
      })
      return 0
    }
    if (result.alreadyPublic) {
      reporter.line(
        `${slug} is already public (${release.embargo ? `its embargo lifted at ${formatInstantUtc(release.embargo.lift)}` : 'it has no embargo'}); nothing changed, nothing sent`,
      )
      return 0
    }
    reporter.line(
      `embargo of ${slug} lifted at ${formatInstantUtc(result.lift!)} (was ${formatInstantUtc(result.previous!)}); changed ${result.files.join(', ')}`,
    )
    reporter.line(`lifted notices queued: ${result.notices}; ${runLine(result.run)}`)
    return result.run && result.run.failed > 0 ? 1 : 0
  } finally {
    await dist.close()
  }
}

/** `press withdraw <slug> [--notify]`. */
export async function runWithdraw(reporter: Reporter, slug: string, flags: { notify: boolean }): Promise<number> {
  const { dist } = await open(reporter, flags.notify, true)
  try {
    await known(dist, slug)
    const result = await withdrawRelease(dist.ctx, slug, { notify: flags.notify, publish: () => publishSite(reporter, dist.ctx.now()) })
    if (reporter.flags.json) {
      reporter.json({
        ok: true,
        slug,
        wasDraft: result.wasDraft,
        files: result.files,
        cancelled: result.cancelled,
        notices: result.notices,
        run: jsonRun(result.run),
      })
      return 0
    }
    reporter.line(
      `${slug} withdrawn: ${result.wasDraft ? 'it was a draft already' : `status: draft in ${result.files.join(', ')}`}; removed from the public site`,
    )
    reporter.line(`${result.cancelled} unsent message${result.cancelled === 1 ? '' : 's'} cancelled`)
    if (flags.notify) reporter.line(`withdrawal notices queued: ${result.notices}; ${runLine(result.run)}`)
    else reporter.line('those already reached were not told; run again with --notify to send them a "withdrawn, do not publish" notice')
    return result.run && result.run.failed > 0 ? 1 : 0
  } finally {
    await dist.close()
  }
}

/** `press send <slug> --correction <note> [--correction-file <file>]`. */
export async function runCorrection(reporter: Reporter, slug: string, flags: { notes: readonly string[]; file?: string }): Promise<number> {
  const values = [...flags.notes]
  if (flags.file !== undefined) {
    try {
      values.push(readFileSync(flags.file, 'utf8'))
    } catch (error) {
      throw new UsageError(`--correction-file ${flags.file}: ${(error as Error).message}`)
    }
  }
  const { dist } = await open(reporter, true, true)
  try {
    await known(dist, slug)
    const release = (await dist.ctx.releases(slug))!
    const notes = parseCorrectionNotes(values, release, dist.ctx.locales ?? Object.keys(release.texts))
    const result = await sendCorrection(dist.ctx, slug, notes, { publish: () => publishSite(reporter, dist.ctx.now()) })
    if (reporter.flags.json) {
      reporter.json({
        ok: result.run.failed === 0,
        slug,
        correction: result.number,
        files: result.files,
        queued: result.queued,
        run: jsonRun(result.run),
      })
    } else {
      reporter.line(`correction ${result.number} of ${slug} recorded in ${result.files.join(', ')}; the page shows it`)
      reporter.line(`corrected copies queued to those already reached: ${result.queued}; ${runLine(result.run)}`)
    }
    return result.run.failed > 0 ? 1 : 0
  } finally {
    await dist.close()
  }
}

/** `press retry <slug> [--failed] [--deferred] [--include-suppressed]`. */
export async function runRetry(
  reporter: Reporter,
  slug: string,
  flags: { failed: boolean; deferred: boolean; includeSuppressed: boolean },
): Promise<number> {
  const { dist } = await open(reporter, false)
  try {
    await known(dist, slug)
    const result = await retryRelease(dist.ctx, slug, flags)
    if (reporter.flags.json) {
      reporter.json({
        ok: result.run.failed === 0,
        slug,
        requeued: result.requeued,
        stillSuppressed: result.stillSuppressed,
        unsuppressed: result.unsuppressed,
        run: jsonRun(result.run),
      })
    } else {
      reporter.line(`${result.requeued} message${result.requeued === 1 ? '' : 's'} of ${slug} back in the queue; ${runLine(result.run)}`)
      if (result.stillSuppressed.length > 0)
        reporter.line(
          `left failed, suppressed (hard bounce): ${result.stillSuppressed.join(', ')} — add --include-suppressed to try them again`,
        )
      if (result.unsuppressed.length > 0) reporter.line(`taken out of the suppression file: ${result.unsuppressed.join(', ')}`)
    }
    return result.run.failed > 0 ? 1 : 0
  } finally {
    await dist.close()
  }
}

/** `press status <slug> --recipients`. */
export async function runRecipients(reporter: Reporter, slug: string): Promise<number> {
  const { dist, now } = await open(reporter, false)
  try {
    await known(dist, slug)
    const hasQueue = dist.ctx.ledger !== undefined || existsSync(join(dist.ctx.statePath, 'queue.db'))
    const opened = hasQueue ? openContextLedger(dist.ctx) : undefined
    let lines: RecipientLine[]
    try {
      lines = await recipientsStatus(dist.ctx, slug, opened?.ledger)
    } finally {
      await opened?.close()
    }
    // What came back from each recipient (a bounce, an unsubscribe), from `press inbox` and `press serve`.
    const events = recipientEvents(dist.ctx.statePath, slug)
    const eventOf = (email: string) => events.get(normalizeEmail(email))
    if (reporter.flags.json) {
      reporter.json({
        ok: true,
        slug,
        now: iso(now),
        recipients: lines.map((l) => {
          const e = eventOf(l.email)
          return {
            ...l,
            at: iso(l.at),
            dueAt: iso(l.dueAt),
            reply: l.reply,
            event: e ? { kind: e.kind, reason: e.reason, at: iso(e.at) } : null,
          }
        }),
      })
      return 0
    }
    if (lines.length === 0) {
      reporter.line(`nothing planned or sent for ${slug}`)
      return 0
    }
    const rows = lines.map((l) => ({
      who: l.name ? `${l.name} <${l.email}>` : l.email,
      lng: l.lng,
      version: l.kind === 'release' ? l.version : `${l.kind}: ${l.version}`,
      state: l.state,
      when:
        l.state === 'sent' || l.state === 'recorded'
          ? formatInstantUtc(l.at)
          : l.dueAt !== undefined
            ? `due ${l.dueAt <= now ? 'now' : formatInstantUtc(l.dueAt)}`
            : formatInstantUtc(l.at),
      attempts: String(l.attempts),
      reply: [l.reply, ((e) => (e ? `${e.kind}${e.reason ? `: ${e.reason}` : ''} (${formatInstantUtc(e.at)})` : ''))(eventOf(l.email))]
        .filter(Boolean)
        .join('; '),
      id: l.messageId,
    }))
    const head = {
      who: 'recipient',
      lng: 'lang',
      version: 'version',
      state: 'state',
      when: 'when',
      attempts: 'tries',
      reply: 'last reply',
      id: 'Message-ID',
    }
    const keys = ['who', 'lng', 'version', 'state', 'when', 'attempts'] as const
    const width = Object.fromEntries(keys.map((k) => [k, Math.max(head[k].length, ...rows.map((r) => r[k].length))])) as Record<
      (typeof keys)[number],
      number
    >
    const format = (r: typeof head): string => `${keys.map((k) => r[k].padEnd(width[k])).join('  ')}  ${r.id}  ${r.reply}`
    reporter.line(reporter.paint('bold', format(head)))
    for (const r of rows) reporter.line(format(r))
    return 0
  } finally {
    await dist.close()
  }
}
