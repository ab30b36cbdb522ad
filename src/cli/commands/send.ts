/**
 * `press send`, `press schedule`, `press dispatch`, `press worker`,
 * `press status`: distribution through the durable queue.
 */
import { diagnosticJson } from '../../diagnostics.js'
import { LockedError } from '../../errors.js'
import { displayPath } from '../../config.js'
import { embargoedPdfs } from '../embargoed-pdfs.js'
import { instantFormatter } from '../format-instant.js'
import { dispatch, dryRun, planDistribution, schedule, sendTest, status, worker } from '../../distribute/commands.js'
import type { RunReport } from '../../distribute/dispatch.js'
import { redactUrl } from '../../distribute/mailer.js'
import type { Plan, SendJob } from '../../distribute/plan.js'
import { buildSite } from '../../site/run-build.js'
import { commandNow, failOnContentErrors, nowIsGiven, openOffice, parseInstant } from '../context.js'
import { openDistribution, type CliDistribution } from '../distribution.js'
import type { Reporter } from '../io.js'
import { startProgress, withTimestamps } from '../progress.js'
import type { Office } from '../../office.js'

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
function whenOf(job: SendJob, now: number, show: (ms: number) => string): string {
  if (job.why === 'vetted-under-embargo' || job.why === 'no-embargo' || job.sendAt <= now) return 'now'
  return show(job.sendAt)
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

function printPlan(reporter: Reporter, plan: Plan, now: number, show: (ms: number) => string): void {
  const rows = [
    ...plan.jobs.map((job) => ({
      who: job.name ? `${job.name} <${job.email}>` : job.email,
      language: `${job.lng}${job.fallback ? ` (wanted ${job.wanted}: fallback)` : ''}${job.stale ? ' (stale translation)' : ''}`,
      when: whenOf(job, now, show),
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
  reporter.line(`${c.jobs} message${c.jobs === 1 ? '' : 's'}${languages ? ` (${languages})` : ''}: ${c.due} now, ${c.later} later${plan.lift !== undefined ? `; lift ${show(plan.lift)}` : ''}`)
  reporter.line(`${c.vetted} vetted; ${c.fallback} fallback language; ${c.stale} stale translation; skipped: ${skipped}`)
}

/** `written to .press/outbox/…` when the transport is the outbox (its receipt names the file). */
function outboxFile(office: Office, response: string): string | undefined {
  return response.startsWith('outbox ') ? `written to ${displayPath(office.config, response.slice('outbox '.length))}` : undefined
}

function printEmbargoedPdfs(reporter: Reporter, files: readonly string[]): void {
  if (files.length > 0) reporter.line(`embargoed PDFs (notice on every page; private, not in dist/): ${files.join(', ')}`)
}

function printRun(reporter: Reporter, run: RunReport, show: (ms: number) => string): void {
  reporter.line(`sent ${run.sent}, failed ${run.failed}, deferred ${run.deferred}, held ${run.held}${run.recovered ? `, recovered ${run.recovered}` : ''}${run.paused ? ` — paused: ${run.paused.reason}` : ''}`)
  for (const f of run.failures) {
    if (f.deferred) reporter.warn(`${f.email}: ${f.error} (retried later)`)
    else reporter.error(`${f.email}: ${f.error}`)
  }
  for (const w of run.warnings) reporter.warn(w)
  if (run.suppressed.length > 0) reporter.line(`added to the suppression file: ${run.suppressed.join(', ')}`)
  if (run.nextDue !== undefined) reporter.line(`next due: ${show(run.nextDue)}`)
}

/**
 * Progress of a sending run with real counts: the messages settled out of
 * those due (the plan's count for `send`; unknown for `dispatch`), and,
 * while they render, the PDFs (one per language and variant).
 */
function progressFor(reporter: Reporter, dist: CliDistribution) {
  const progress = startProgress(reporter, 'Sending')
  const settled = new Set<string>()
  let sent = 0
  let failed = 0
  let total = 0
  let pdfs = 0
  const show = (): void => {
    const c = dist.contents
    const pdfTotal = Math.max(c.started, pdfs)
    const parts = [
      ...(c.started > 0 && c.done < pdfTotal ? [`rendering PDFs ${c.done}/${pdfTotal}`] : []),
      ...(sent + failed > 0 ? [`sent ${sent}${failed > 0 ? `, failed ${failed}` : ''}`] : []),
    ]
    progress.update(settled.size, total, parts.join(', '))
  }
  dist.contents.watch(show)
  return {
    onPlanned: (plan: Plan) => {
      total = plan.counts.due
      const due = plan.jobs.filter((job) => job.why === 'vetted-under-embargo' || job.why === 'no-embargo' || job.sendAt <= dist.ctx.now())
      pdfs = new Set(due.map((job) => `${job.lng}\0${job.why === 'vetted-under-embargo'}`)).size
      show()
    },
    onProgress: (event: { type: string; key: string }) => {
      if (event.type === 'sent') sent++
      if (event.type === 'failed') failed++
      if (event.type === 'sent' || event.type === 'failed' || event.type === 'held' || event.type === 'cancelled') settled.add(event.key)
      show()
    },
    stop: () => progress.stop(),
  }
}

/** `press send <slug> [--dry-run] [--test <addr>]`. */
export async function runSend(reporter: Reporter, slug: string, flags: { dryRun: boolean; test?: string; wait: boolean }): Promise<number> {
  const { office, dist, now } = await open(reporter, flags.test === undefined)
  const show = instantFormatter(office, slug)
  try {
    if (flags.dryRun) {
      const result = await dryRun(dist.ctx, slug)
      const ok = result.plan.errors.length === 0
      if (reporter.flags.json) reporter.json({ ok, slug, dryRun: true, transport: result.transport, now: iso(now), plan: jsonTimes(result.plan) })
      else {
        printPlan(reporter, result.plan, now, show)
        reporter.line(`dry run: nothing was sent and no connection opened (transport: ${result.transport})`)
      }
      return ok ? 0 : 1
    }
    if (flags.test !== undefined) {
      // The PDFs (one per language) are most of the wait.
      const progress = startProgress(reporter, 'Preparing test copies')
      const languages = Object.keys(office.releases.find((r) => r.slug === slug)?.texts ?? {}).length
      dist.contents.watch(() => progress.update(dist.contents.done, Math.max(languages, dist.contents.started), 'rendering the PDFs'))
      let sent
      try {
        sent = await sendTest(dist.ctx, slug, flags.test)
      } finally {
        progress.stop()
      }
      if (reporter.flags.json) reporter.json({ ok: true, slug, test: flags.test, sent, embargoedPdfs: embargoedPdfs(office, slug, now) })
      else {
        for (const s of sent) reporter.line(`test copy (${s.lng}${s.subjectVariant.embargoed ? ', embargoed' : ''}) ${outboxFile(office, s.receipt.response) ?? `sent to ${flags.test}`}: ${s.messageId}`)
        printEmbargoedPdfs(reporter, embargoedPdfs(office, slug, now))
      }
      return 0
    }
    const progress = progressFor(reporter, dist)
    let result
    try {
      result = await planDistribution(dist.ctx, slug, { wait: flags.wait, onProgress: progress.onProgress, onPlanned: progress.onPlanned })
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
      printRun(reporter, result.run, show)
      if (c.later > 0 && result.plan.lift !== undefined) reporter.line(`${c.later} held until the lift at ${show(result.plan.lift)}: run \`press worker\`, or \`press dispatch\` from cron`)
      printEmbargoedPdfs(reporter, embargoedPdfs(office, slug, now))
    }
    return ok ? 0 : 1
  } finally {
    await dist.close()
  }
}

/** `press schedule <slug> --at <instant>`. */
export async function runSchedule(reporter: Reporter, slug: string, at: string): Promise<number> {
  const atMs = parseInstant(at, '--at', reporter.flags.cwd)
  const { office, dist } = await open(reporter, true)
  const show = instantFormatter(office, slug)
  try {
    const result = await schedule(dist.ctx, slug, atMs)
    const ok = result.plan.errors.length === 0
    if (reporter.flags.json) reporter.json({ ok, slug, at: iso(atMs), plan: jsonTimes(result.plan), enqueued: result.enqueued })
    else {
      reporter.line(`scheduled ${result.plan.counts.jobs} message${result.plan.counts.jobs === 1 ? '' : 's'} of ${slug} for ${show(atMs)}: ${result.enqueued.added} new, ${result.enqueued.updated} moved`)
      if (result.plan.lift !== undefined && result.plan.lift > atMs) reporter.line(`recipients not vetted for embargoes (embargo: no in the press list) get it at the lift, ${show(result.plan.lift)}, not before`)
    }
    return ok ? 0 : 1
  } finally {
    await dist.close()
  }
}

/** `press dispatch`. */
export async function runDispatch(reporter: Reporter, flags: { wait: boolean }): Promise<number> {
  const { office, dist, now } = await open(reporter, false)
  const show = instantFormatter(office)
  const progress = progressFor(reporter, dist)
  try {
    const run = await dispatch(dist.ctx, { wait: flags.wait, onProgress: progress.onProgress })
    progress.stop()
    if (reporter.flags.json) reporter.json({ ok: run.failed === 0, now: iso(now), ...(jsonTimes(run) as object) })
    else printRun(reporter, run, show)
    return run.failed > 0 ? 1 : 0
  } finally {
    progress.stop()
    await dist.close()
  }
}

/** `press worker`: dispatch continuously; rebuild the public site at each lift. */
export async function runWorker(reporter: Reporter): Promise<number> {
  // Its output is a log: every line carries the wall-clock time.
  reporter = withTimestamps(reporter)
  const { office, dist } = await open(reporter, false, 'running')
  const show = instantFormatter(office)
  const controller = new AbortController()
  const stop = (): void => controller.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  reporter.line('worker running; Ctrl-C to stop')
  try {
    const report = await worker(dist.ctx, {
      signal: controller.signal,
      onLift: async (slug, lift) => {
        reporter.line(`${instantFormatter(office, slug)(lift)}: embargo of ${slug} lifted; rebuilding the public site`)
        // Read the office again: releases may have been edited since the worker started.
        const fresh = await openOffice(reporter)
        if (!fresh.office) {
          reporter.diagnostics(fresh.messages)
          reporter.error(`the site was not rebuilt at the lift of ${slug}: fix the errors above and run \`press build\``)
          return
        }
        const built = await buildSite(fresh.office, { now: dist.ctx.now() }, { env: reporter.io.env })
        reporter.line(`published ${built.published.length} releases (${built.pages.rendered} pages rendered)`)
      },
      onRun: (run) => {
        if (run.attempted > 0) printRun(reporter, run, show)
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
  const { office, dist, now } = await open(reporter, false)
  const show = instantFormatter(office, slug)
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
    if (result.nextDue !== undefined) reporter.line(`next due: ${result.nextDue <= now ? 'now' : show(result.nextDue)}`)
    for (const f of result.failures) reporter.line(`failed: ${f.email} (${f.slug}): ${f.response ?? f.error ?? ''}`)
    for (const r of result.retrying) reporter.line(`${r.state}: ${r.email} (${r.slug}), next try ${show(r.dueAt)}${r.error ? `: ${r.error}` : ''}`)
    return 0
  } finally {
    await dist.close()
  }
}
