/**
 * `press send`, `press schedule`, `press dispatch`, `press worker`,
 * `press status`: distribution through the durable queue.
 */
import { ContentError } from '../../errors.js'
import { diagnosticJson } from '../../diagnostics.js'
import { formatInstantUtc } from '../../embargo/time.js'
import { dispatch, dryRun, planDistribution, schedule, sendTest, status, worker } from '../../distribute/commands.js'
import type { RunReport } from '../../distribute/dispatch.js'
import type { Plan } from '../../distribute/plan.js'
import { buildSite } from '../../site/run-build.js'
import { openOffice, resolveNow } from '../context.js'
import { openDistribution, type CliDistribution } from '../distribution.js'
import type { Reporter } from '../io.js'
import { startProgress } from '../progress.js'
import type { Office } from '../../office.js'

async function open(reporter: Reporter, needList: boolean): Promise<{ office: Office; dist: CliDistribution; now: number }> {
  const now = resolveNow(reporter.flags.now, reporter.io.env)
  const { office, messages } = await openOffice(reporter)
  if (!office) {
    reporter.diagnostics(messages)
    throw new ContentError(messages.filter((m) => m.fatal).length)
  }
  const dist = await openDistribution(office, reporter, now)
  if (needList && dist.listHasErrors) {
    reporter.diagnostics([...messages, ...dist.messages])
    await dist.close()
    throw new ContentError(dist.messages.filter((m) => m.fatal).length)
  }
  reporter.diagnostics(messages.filter((m) => m.fatal !== undefined))
  return { office, dist, now }
}

const when = (ms: number, now: number): string => (ms <= now + 5000 ? 'now' : formatInstantUtc(ms))

function printPlan(reporter: Reporter, plan: Plan, now: number): void {
  const rows = plan.jobs.map((job) => ({
    email: job.email,
    name: job.name,
    language: `${job.lng}${job.fallback ? ` (wanted ${job.wanted}: fallback)` : ''}${job.stale ? ' (stale translation)' : ''}`,
    when: when(job.sendAt, now),
    why: job.why,
  }))
  const widths = {
    email: Math.max(5, ...rows.map((r) => r.email.length)),
    language: Math.max(8, ...rows.map((r) => r.language.length)),
    when: Math.max(4, ...rows.map((r) => r.when.length)),
  }
  reporter.line(`${'email'.padEnd(widths.email)}  ${'language'.padEnd(widths.language)}  ${'when'.padEnd(widths.when)}  why`)
  for (const r of rows) reporter.line(`${r.email.padEnd(widths.email)}  ${r.language.padEnd(widths.language)}  ${r.when.padEnd(widths.when)}  ${r.why}`)
  for (const s of plan.skipped) reporter.line(`${s.email.padEnd(widths.email)}  ${'-'.padEnd(widths.language)}  ${'never'.padEnd(widths.when)}  skipped: ${s.reason}`)
  for (const e of plan.errors) reporter.error(`${e.email}: ${e.message}`)
  const c = plan.counts
  reporter.line(
    `${c.jobs} message${c.jobs === 1 ? '' : 's'}: ${c.due} now, ${c.later} later${plan.lift !== undefined ? ` (lift ${formatInstantUtc(plan.lift)})` : ''}; ${c.vetted} vetted; ${c.fallback} fallback; ${c.stale} stale; skipped ${Object.entries(c.skipped).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}`,
  )
}

function printRun(reporter: Reporter, run: RunReport): void {
  reporter.line(`sent ${run.sent}, failed ${run.failed}, deferred ${run.deferred}, held ${run.held}${run.recovered ? `, recovered ${run.recovered}` : ''}${run.paused ? ` — paused: ${run.paused.reason}` : ''}`)
  for (const f of run.failures) {
    if (f.deferred) reporter.line(`deferred: ${f.email}: ${f.error} (retried later)`)
    else reporter.error(`${f.email}: ${f.error}`)
  }
  for (const w of run.warnings) reporter.line(`warning: ${w}`)
  if (run.suppressed.length > 0) reporter.line(`added to the suppression file: ${run.suppressed.join(', ')}`)
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
  const { dist, now } = await open(reporter, !flags.test)
  try {
    if (flags.dryRun) {
      const result = await dryRun(dist.ctx, slug)
      if (reporter.flags.json) reporter.json({ slug, dryRun: true, transport: result.transport, now: new Date(now).toISOString(), plan: result.plan })
      else {
        printPlan(reporter, result.plan, now)
        reporter.line(`dry run: nothing was sent (transport would be ${result.transport})`)
      }
      return result.plan.errors.length > 0 ? 1 : 0
    }
    if (flags.test !== undefined) {
      const sent = await sendTest(dist.ctx, slug, flags.test)
      if (reporter.flags.json) reporter.json({ slug, test: flags.test, sent })
      else for (const s of sent) reporter.line(`test copy (${s.lng}) sent to ${flags.test}: ${s.messageId}`)
      return 0
    }
    const progress = progressFor(reporter, 0)
    let result
    try {
      result = await planDistribution(dist.ctx, slug, { wait: flags.wait, onProgress: progress.onProgress })
    } finally {
      progress.stop()
    }
    if (reporter.flags.json) reporter.json({ slug, plan: result.plan, enqueued: result.enqueued, run: result.run })
    else {
      const c = result.plan.counts
      reporter.line(`planned ${c.jobs} message${c.jobs === 1 ? '' : 's'} (${result.enqueued.added} new, ${result.enqueued.kept} already queued or sent)`)
      printRun(reporter, result.run)
      if (c.later > 0 && result.plan.lift !== undefined) reporter.line(`${c.later} held until the lift at ${formatInstantUtc(result.plan.lift)}: run \`press worker\` or \`press dispatch\` from cron`)
    }
    return result.plan.errors.length > 0 || result.run.failed > 0 ? 1 : 0
  } finally {
    await dist.close()
  }
}

/** `press schedule <slug> --at <instant>`. */
export async function runSchedule(reporter: Reporter, slug: string, at: string): Promise<number> {
  const atMs = resolveNow(at, {})
  const { dist } = await open(reporter, true)
  try {
    const result = await schedule(dist.ctx, slug, atMs)
    if (reporter.flags.json) reporter.json({ slug, at: new Date(atMs).toISOString(), plan: result.plan, enqueued: result.enqueued })
    else {
      reporter.line(`scheduled ${result.plan.counts.jobs} message${result.plan.counts.jobs === 1 ? '' : 's'} of ${slug} for ${formatInstantUtc(atMs)} (${result.enqueued.added} new, ${result.enqueued.updated} moved)`)
      if (result.plan.lift !== undefined && result.plan.lift > atMs) reporter.line(`recipients without embargo: yes get it at the lift, ${formatInstantUtc(result.plan.lift)}, not before`)
    }
    return result.plan.errors.length > 0 ? 1 : 0
  } finally {
    await dist.close()
  }
}

/** `press dispatch`. */
export async function runDispatch(reporter: Reporter, flags: { wait: boolean }): Promise<number> {
  const { dist } = await open(reporter, false)
  const progress = progressFor(reporter, 0)
  try {
    const run = await dispatch(dist.ctx, { wait: flags.wait, onProgress: progress.onProgress })
    progress.stop()
    if (reporter.flags.json) reporter.json(run)
    else printRun(reporter, run)
    return run.failed > 0 ? 1 : 0
  } finally {
    progress.stop()
    await dist.close()
  }
}

/** `press worker`: dispatch continuously; rebuild the public site at each lift. */
export async function runWorker(reporter: Reporter): Promise<number> {
  const { office, dist } = await open(reporter, false)
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
        const built = await buildSite(office, { now: dist.ctx.now() }, { env: reporter.io.env })
        reporter.line(`published ${built.published.length} releases (${built.pages.rendered} pages rendered)`)
      },
      onRun: (run) => {
        if (run.attempted > 0) printRun(reporter, run)
      },
    })
    if (reporter.flags.json) reporter.json(report)
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
      reporter.json({ ...result, nextDue: result.nextDue === undefined ? null : new Date(result.nextDue).toISOString(), diagnostics: dist.messages.map(diagnosticJson) })
      return 0
    }
    const slugs = Object.keys(result.bySlug)
    if (slugs.length === 0) reporter.line(slug ? `nothing planned for ${slug}` : 'nothing planned yet; run `press send <slug>`')
    for (const s of slugs) {
      const c = result.bySlug[s]!
      reporter.line(`${s}: ${Object.entries(c).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`).join(', ')}`)
    }
    if (result.nextDue !== undefined) reporter.line(`next due: ${when(result.nextDue, now)}`)
    for (const f of result.failures) reporter.line(`failed: ${f.email} (${f.slug}): ${f.response ?? f.error ?? ''}`)
    return 0
  } finally {
    await dist.close()
  }
}

