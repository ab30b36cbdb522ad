/**
 * `press send`, `press schedule`, `press dispatch`, `press worker`,
 * `press status`: distribution through the durable queue.
 */
import { diagnosticJson } from '../../diagnostics.js'
import { LockedError } from '../../errors.js'
import { formatInstantUtc } from '../../embargo/time.js'
import { dispatch, dryRun, planDistribution, schedule, sendTest, status, worker } from '../../distribute/commands.js'
import type { RunReport } from '../../distribute/dispatch.js'
import { redactUrl } from '../../distribute/mailer.js'
import type { Plan, SendJob } from '../../distribute/plan.js'
import { buildSite } from '../../site/run-build.js'
import { commandNow, failOnContentErrors, nowIsGiven, openOffice, parseInstant } from '../context.js'
import { openDistribution, type CliDistribution } from '../distribution.js'
import type { Reporter } from '../io.js'
import { startProgress } from '../progress.js'
import type { Office } from '../../office.js'
import { checkReadiness } from '../../release/readiness.js'
import { DraftReleaseError } from '../../distribute/errors.js'

/**
 * Open the office and its distribution context. With `--now` the clock of a
 * one-shot command stays at that instant; `worker` asks for a running clock.
 */
async function open(reporter: Reporter, needList: boolean, clock: 'frozen-if-given' | 'running' = 'frozen-if-given'): Promise<{ office: Office; dist: CliDistribution; now: number }> {
  const now = commandNow(reporter)
  const { office, messages } = await openOffice(reporter)
  if (!office) failOnContentErrors(reporter, messages, 'nothing was sent or planned')
  const dist = await openDistribution(office, reporter, now, { frozen: clock === 'frozen-if-given' && nowIsGiven(reporter), list: needList ? 'eager' : 'lazy' })
  if (needList && dist.listHasErrors) {
    await dist.close()
    failOnContentErrors(reporter, [...messages, ...dist.messages], 'nothing was sent or planned')
  }
  reporter.detail(`transport: ${redactUrl(dist.ctx.mail.transport)}`)
  reporter.diagnostics(messages.filter((m) => m.fatal !== undefined))
  return { office, dist, now }
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString())

/** Epoch-ms fields of queue rows and plans, written as ISO 8601 in JSON like every other instant. */
const timeKeys = new Set(['lift', 'sendAt', 'dueAt', 'plannedAt', 'updatedAt', 'sentAt', 'nextDue', 'until'])

/**
 * A copy of a report with every epoch-ms time field as an ISO 8601 string
 * (`null` when absent), so `--json` output states instants one way.
 */
function jsonTimes<T>(value: T): unknown {
  if (Array.isArray(value)) return value.map((v) => jsonTimes(v))
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    out[key] = timeKeys.has(key) && (typeof v === 'number' || v === undefined) ? iso(v) : jsonTimes(v)
  }
  return out
}

/** When a job goes, as the table shows it: `now`, or the instant. */
function whenOf(job: SendJob, now: number): string {
  if (job.why === 'vetted-under-embargo' || job.why === 'no-embargo' || job.sendAt <= now) return 'now'
  return formatInstantUtc(job.sendAt)
}

const whyText: Record<string, string> = {
  'vetted-under-embargo': 'vetted, under embargo (notice in subject and PDF)',
  'general-at-lift': 'general, at the lift',
  'no-embargo': 'no embargo',
  scheduled: 'scheduled',
  suppressed: 'skipped: suppressed',
  'not-in-lists': "skipped: not in the release's lists",
  draft: 'skipped: draft',
  duplicate: 'skipped: duplicate address',
}

function printPlan(reporter: Reporter, plan: Plan, now: number): void {
  const rows = [
    ...plan.jobs.map((job) => ({
      who: job.name ? `${job.name} <${job.email}>` : job.email,
      language: `${job.lng}${job.fallback ? ` (wanted ${job.wanted}: fallback)` : ''}${job.stale ? ' (stale translation)' : ''}`,
      when: whenOf(job, now),
      why: whyText[job.why] ?? job.why,
    })),
    ...plan.skipped.map((s) => ({ who: s.email, language: '-', when: 'never', why: whyText[s.reason] ?? `skipped: ${s.reason}` })),
  ]
  const head = { who: 'who', language: 'language', when: 'when', why: 'why' }
  const width = (key: 'who' | 'language' | 'when'): number => Math.max(head[key].length, ...rows.map((r) => r[key].length))
  const w = { who: width('who'), language: width('language'), when: width('when') }
  const format = (r: typeof head): string => `${r.who.padEnd(w.who)}  ${r.language.padEnd(w.language)}  ${r.when.padEnd(w.when)}  ${r.why}`
  reporter.line(reporter.paint('bold', format(head)))
  for (const r of rows) reporter.line(format(r))
  for (const e of plan.errors) reporter.error(`${e.email}: ${e.message}`)
  const c = plan.counts
  const skipped = Object.entries(c.skipped).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k.replace(/-/g, ' ')}`).join(', ') || 'none'
  const languages = Object.entries(c.byLanguage).map(([lng, n]) => `${lng} ${n}`).join(', ')
  reporter.line('')
  reporter.line(`${c.jobs} message${c.jobs === 1 ? '' : 's'}${languages ? ` (${languages})` : ''}: ${c.due} now, ${c.later} later${plan.lift !== undefined ? ` (lift ${formatInstantUtc(plan.lift)})` : ''}`)
  reporter.line(`${c.vetted} vetted; ${c.fallback} fallback language; ${c.stale} stale translation; skipped: ${skipped}`)
}

/** In lenient mode a stale translation goes out as it is: say to whom. */
function printStale(reporter: Reporter, slug: string, plan: Plan): void {
  const stale = plan.jobs.filter((job) => job.stale)
  for (const lng of new Set(stale.map((job) => job.lng))) {
    const who = stale.filter((job) => job.lng === lng).map((job) => job.email)
    reporter.warn(`${who.length} recipient${who.length === 1 ? '' : 's'} get${who.length === 1 ? 's' : ''} the stale ${lng} translation of ${slug}: ${who.join(', ')}`)
  }
}

function printRun(reporter: Reporter, run: RunReport): void {
  reporter.line(`sent ${run.sent}, failed ${run.failed}, deferred ${run.deferred}, held ${run.held}${run.recovered ? `, recovered ${run.recovered}` : ''}${run.paused ? ` — paused: ${run.paused.reason}` : ''}`)
  for (const f of run.failures) {
    if (f.deferred) reporter.warn(`${f.email}: ${f.error} (retried later)`)
    else reporter.error(`${f.email}: ${f.error}`)
  }
  for (const w of run.warnings) reporter.warn(w)
  if (run.suppressed.length > 0) reporter.line(`added to the suppression file: ${run.suppressed.join(', ')}`)
  if (run.nextDue !== undefined) reporter.line(`next due: ${formatInstantUtc(run.nextDue)}`)
}

function progressFor(reporter: Reporter, total: number) {
  const progress = startProgress(reporter, 'Sending')
  let done = 0
  return {
    onProgress: (event: { type: string }) => {
      if (event.type === 'sent' || event.type === 'failed') progress.update(++done, total)
    },
    stop: () => progress.stop(),
  }
}

/** `press send <slug> [--dry-run] [--test <addr>]`. */
export async function runSend(reporter: Reporter, slug: string, flags: { dryRun: boolean; test?: string; wait: boolean }): Promise<number> {
  const { office, dist, now } = await open(reporter, flags.test === undefined)
  try {
    // Placeholder text from `press new` in a ready release stops the send (and its dry run) like the build.
    if (flags.test === undefined) {
      const readiness = await checkReadiness(office.config, office.releases.filter((r) => r.slug === slug), now)
      if (readiness.some((m) => m.fatal === true)) failOnContentErrors(reporter, readiness, 'nothing was sent or planned')
    }
    if (flags.dryRun) {
      const result = await dryRun(dist.ctx, slug)
      // Under `translations: strict` the dry run fails exactly when the real send would: a draft fails there too.
      if (office.config.translations === 'strict' && office.releases.find((r) => r.slug === slug)?.status === 'draft') {
        if (!reporter.flags.json) printPlan(reporter, result.plan, now)
        throw new DraftReleaseError(slug)
      }
      const ok = result.plan.errors.length === 0
      if (reporter.flags.json) reporter.json({ ok, slug, dryRun: true, transport: result.transport, now: iso(now), plan: jsonTimes(result.plan) })
      else {
        printPlan(reporter, result.plan, now)
        reporter.line(`dry run: nothing was sent and no connection opened (transport: ${result.transport})`)
      }
      return ok ? 0 : 1
    }
    if (flags.test !== undefined) {
      const sent = await sendTest(dist.ctx, slug, flags.test)
      if (reporter.flags.json) reporter.json({ ok: true, slug, test: flags.test, sent })
      else for (const s of sent) reporter.line(`test copy (${s.lng}${s.subjectVariant.embargoed ? ', embargoed' : ''}) sent to ${flags.test}: ${s.messageId}`)
      return 0
    }
    const progress = progressFor(reporter, 0)
    let result
    try {
      result = await planDistribution(dist.ctx, slug, { wait: flags.wait, onProgress: progress.onProgress })
    } catch (error) {
      // The plan was saved before the lock was asked for; say so, so nobody re-plans by hand.
      if (error instanceof LockedError) throw new LockedError(`${error.message} The plan of ${slug} was saved in the queue; the next \`press dispatch\` (or the worker) sends what is due.`)
      throw error
    } finally {
      progress.stop()
    }
    const ok = result.plan.errors.length === 0 && result.run.failed === 0
    if (reporter.flags.json) reporter.json({ ok, slug, now: iso(now), plan: jsonTimes(result.plan), enqueued: result.enqueued, run: jsonTimes(result.run) })
    else {
      const c = result.plan.counts
      reporter.line(`planned ${c.jobs} message${c.jobs === 1 ? '' : 's'} of ${slug} (${result.enqueued.added} new, ${result.enqueued.kept} already queued or sent)`)
      printRun(reporter, result.run)
      printStale(reporter, slug, result.plan)
      if (c.later > 0 && result.plan.lift !== undefined) reporter.line(`${c.later} held until the lift at ${formatInstantUtc(result.plan.lift)}: run \`press worker\`, or \`press dispatch\` from cron`)
    }
    return ok ? 0 : 1
  } finally {
    await dist.close()
  }
}

/** `press schedule <slug> --at <instant>`. */
export async function runSchedule(reporter: Reporter, slug: string, at: string): Promise<number> {
  const atMs = parseInstant(at, '--at')
  const { dist } = await open(reporter, true)
  try {
    const result = await schedule(dist.ctx, slug, atMs)
    const ok = result.plan.errors.length === 0
    if (reporter.flags.json) reporter.json({ ok, slug, at: iso(atMs), plan: jsonTimes(result.plan), enqueued: result.enqueued })
    else {
      reporter.line(`scheduled ${result.plan.counts.jobs} message${result.plan.counts.jobs === 1 ? '' : 's'} of ${slug} for ${formatInstantUtc(atMs)} (${result.enqueued.added} new, ${result.enqueued.updated} moved)`)
      if (result.plan.lift !== undefined && result.plan.lift > atMs) reporter.line(`recipients without embargo: yes get it at the lift, ${formatInstantUtc(result.plan.lift)}, not before`)
    }
    return ok ? 0 : 1
  } finally {
    await dist.close()
  }
}

/** `press dispatch`. */
export async function runDispatch(reporter: Reporter, flags: { wait: boolean }): Promise<number> {
  const { dist, now } = await open(reporter, false)
  const progress = progressFor(reporter, 0)
  try {
    const run = await dispatch(dist.ctx, { wait: flags.wait, onProgress: progress.onProgress })
    progress.stop()
    if (reporter.flags.json) reporter.json({ ok: run.failed === 0, now: iso(now), ...(jsonTimes(run) as object) })
    else printRun(reporter, run)
    return run.failed > 0 ? 1 : 0
  } finally {
    progress.stop()
    await dist.close()
  }
}

/** `press worker`: dispatch continuously; rebuild the public site at each lift. */
export async function runWorker(reporter: Reporter): Promise<number> {
  const { dist } = await open(reporter, false, 'running')
  const controller = new AbortController()
  const stop = (): void => controller.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  reporter.line('worker running; Ctrl-C to stop')
  try {
    const report = await worker(dist.ctx, {
      signal: controller.signal,
      onLift: async (slug, lift) => {
        reporter.line(`${formatInstantUtc(lift)}: embargo of ${slug} lifted; rebuilding the public site`)
        // Read the office again: releases may have been edited since the worker started.
        const fresh = await openOffice(reporter)
        if (!fresh.office) {
          reporter.diagnostics(fresh.messages)
          reporter.error(`the site was not rebuilt at the lift of ${slug}: fix the errors above and run \`press build\``)
          return
        }
        const built = await buildSite(fresh.office, { now: dist.ctx.now() }, { env: reporter.io.env })
        // The build's own checks (catalogs, placeholder text) stop it before anything is written.
        if (built.messages.some((m) => m.fatal === true)) {
          reporter.diagnostics(built.messages)
          reporter.error(`the site was not rebuilt at the lift of ${slug}: fix the errors above and run \`press build\``)
          return
        }
        reporter.line(`published ${built.published.length} releases (${built.pages.rendered} pages rendered)`)
      },
      onRun: (run) => {
        if (run.attempted > 0) printRun(reporter, run)
      },
    })
    if (reporter.flags.json) reporter.json({ ok: report.failed === 0, ...(jsonTimes(report) as object) })
    else reporter.line(`worker stopped: ${report.sent} sent, ${report.failed} failed in ${report.rounds} rounds`)
    return 0
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await dist.close()
  }
}

/** `press status [<slug>]`. */
export async function runStatus(reporter: Reporter, slug: string | undefined): Promise<number> {
  const { dist, now } = await open(reporter, false)
  try {
    const result = await status(dist.ctx, slug)
    if (reporter.flags.json) {
      reporter.json({ ok: true, now: iso(now), ...(jsonTimes(result) as object), diagnostics: dist.messages.map(diagnosticJson) })
      return 0
    }
    const slugs = Object.keys(result.bySlug)
    if (slugs.length === 0) reporter.line(slug ? `nothing planned for ${slug}` : 'nothing planned yet; run `press send <slug>`')
    for (const s of slugs) {
      const c = result.bySlug[s]!
      reporter.line(`${s}: ${Object.entries(c).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`).join(', ')}`)
    }
    if (result.nextDue !== undefined) reporter.line(`next due: ${result.nextDue <= now ? 'now' : formatInstantUtc(result.nextDue)}`)
    for (const f of result.failures) reporter.line(`failed: ${f.email} (${f.slug}): ${f.response ?? f.error ?? ''}`)
    for (const r of result.retrying) reporter.line(`${r.state}: ${r.email} (${r.slug}), next try ${formatInstantUtc(r.dueAt)}${r.error ? `: ${r.error}` : ''}`)
    return 0
  } finally {
    await dist.close()
  }
}
