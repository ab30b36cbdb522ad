/**
 * `press send`, `press schedule`, `press dispatch`, `press worker`,
 * `press status`: distribution through the durable queue.
 */
import { diagnosticJson } from '../../diagnostics.js'
import { LockedError } from '../../errors.js'
import { formatInstantUtc } from '../../embargo/time.js'
import { displayPath } from '../../config.js'
import { embargoedPdfs } from '../embargoed-pdfs.js'
import { instantFormatter } from '../format-instant.js'
import { shownHost } from '../../distribute/queue/queue-lock.js'
import { dispatch, dryRun, planAndSend, schedule, sendTest, status, worker, type SendOptions } from '../../distribute/commands.js'
import type { RunReport } from '../../distribute/dispatch.js'
import { redactUrl } from '../../secrets.js'
import type { Plan, SendJob } from '../../distribute/plan.js'
import { publishSite } from '../publish.js'
import { watchOffice } from '../watch-office.js'
import { commandNow, failOnContentErrors, nowIsGiven, officeRoot, openOffice, parseInstant } from '../context.js'
import { openDistribution, type CliDistribution } from '../distribution.js'
import type { Reporter } from '../io.js'
import { startProgress, withTimestamps } from '../progress.js'
import type { Office } from '../../office.js'
import type { Release } from '../../types.js'
import { isPublic } from '../../embargo/policy.js'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { isRehearsal, rehearsalDir, rehearsalSite } from '../rehearsal.js'
import { EnvError, loadConfig } from '../../config.js'
import { deployFailure, deployRetryDelay, readDeployRecord, runDeploy, type DeployRecord } from '../../site/deploy.js'
import { discardPrepared, prepareSite, publishPrepared, removeStagings, stampOffice, type PreparedSite } from '../../site/prepare.js'
import { manifestPathOf } from '../../site/manifest.js'
import { buildSite, type SiteChanges } from '../../site/build-site.js'
import { checkReadiness } from '../../release/readiness.js'
import { checkRendered } from '../../check-rendered.js'
import { hasErrors } from '../../diagnostics.js'
import { DraftReleaseError } from '../../distribute/errors.js'

/**
 * Open the office and its distribution context. With `--now` the clock of a
 * one-shot command stays at that instant; `worker` asks for a running clock.
 */
async function open(
  reporter: Reporter,
  needList: boolean,
  clock: 'frozen-if-given' | 'running' = 'frozen-if-given',
): Promise<{ office: Office; dist: CliDistribution; now: number }> {
  const now = commandNow(reporter)
  const { office, messages } = await openOffice(reporter)
  if (!office) failOnContentErrors(reporter, messages, 'nothing was sent or planned')
  const rehearsal = isRehearsal(reporter, now, Date.now())
  const dist = await openDistribution(office, reporter, now, {
    frozen: clock === 'frozen-if-given' && nowIsGiven(reporter),
    list: needList ? 'eager' : 'lazy',
    rehearsal,
  })
  if (needList && dist.listHasErrors) {
    await dist.close()
    failOnContentErrors(reporter, [...messages, ...dist.messages], 'nothing was sent or planned')
  }
  reporter.detail(`transport: ${redactUrl(dist.ctx.mail.transport)}`)
  reporter.diagnostics(messages.filter((m) => m.fatal !== undefined))
  if (rehearsal) {
    const dir = displayPath(office.config, rehearsalDir(office.config.paths.state))
    reporter.line(
      `${reporter.paint('yellow', 'rehearsal')}: --now is later than the clock, so nothing reaches a journalist or the public: mail goes to ${dir}/outbox/ whatever the transport, through a queue of its own (${dir}/queue.db); the real queue is untouched`,
    )
  }
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
  const skipped =
    Object.entries(c.skipped)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k.replace(/-/g, ' ')}`)
      .join(', ') || 'none'
  const languages = Object.entries(c.byLanguage)
    .map(([lng, n]) => `${lng} ${n}`)
    .join(', ')
  reporter.line('')
  reporter.line(
    `${c.jobs} message${c.jobs === 1 ? '' : 's'}${languages ? ` (${languages})` : ''}: ${c.due} now, ${c.later} later${plan.lift !== undefined ? `; lift ${show(plan.lift)}` : ''}`,
  )
  reporter.line(`${c.vetted} vetted; ${c.fallback} fallback language; ${c.stale} stale translation; skipped: ${skipped}`)
}

/** In lenient mode a stale translation goes out as it is: say to whom. */
function printStale(reporter: Reporter, slug: string, plan: Plan): void {
  const stale = plan.jobs.filter((job) => job.stale)
  for (const lng of new Set(stale.map((job) => job.lng))) {
    const who = stale.filter((job) => job.lng === lng).map((job) => job.email)
    reporter.warn(
      `${who.length} recipient${who.length === 1 ? '' : 's'} get${who.length === 1 ? 's' : ''} the stale ${lng} translation of ${slug}: ${who.join(', ')}`,
    )
  }
}

/** `written to .press/outbox/…` when the transport is the outbox (its receipt names the file). */
function outboxFile(office: Office, response: string): string | undefined {
  return response.startsWith('outbox ') ? `written to ${displayPath(office.config, response.slice('outbox '.length))}` : undefined
}

function printEmbargoedPdfs(reporter: Reporter, files: readonly string[]): void {
  if (files.length > 0) reporter.line(`embargoed PDFs (notice on every page; private, not in dist/): ${files.join(', ')}`)
}

function printRun(reporter: Reporter, run: RunReport, show: (ms: number) => string): void {
  reporter.line(
    `sent ${run.sent}, failed ${run.failed}, deferred ${run.deferred}, held ${run.held}${run.recovered ? `, recovered ${run.recovered}` : ''}${run.paused ? ` — paused: ${run.paused.reason}` : ''}`,
  )
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
    // Placeholder text from `press new` in a ready release stops the send (and its dry run) like the build.
    if (flags.test === undefined) {
      const readiness = await checkReadiness(
        office.config,
        office.releases.filter((r) => r.slug === slug),
        now,
      )
      if (readiness.some((m) => m.fatal === true)) failOnContentErrors(reporter, readiness, 'nothing was sent or planned')
    }
    if (flags.dryRun) {
      const result = await dryRun(dist.ctx, slug)
      // Under `translations: strict` the dry run fails exactly when the real send would: a draft fails there too.
      if (office.config.translations === 'strict' && office.releases.find((r) => r.slug === slug)?.status === 'draft') {
        if (!reporter.flags.json) printPlan(reporter, result.plan, now, instantFormatter(office, slug))
        throw new DraftReleaseError(slug)
      }
      const ok = result.plan.errors.length === 0
      if (reporter.flags.json)
        reporter.json({
          ok,
          slug,
          dryRun: true,
          transport: result.transport,
          now: iso(now),
          rehearsal: dist.rehearsal,
          plan: jsonTimes(result.plan),
        })
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
      if (reporter.flags.json)
        reporter.json({
          ok: true,
          slug,
          test: flags.test,
          rehearsal: dist.rehearsal,
          sent,
          embargoedPdfs: embargoedPdfs(office, slug, now),
        })
      else {
        for (const s of sent)
          reporter.line(
            `test copy (${s.lng}${s.subjectVariant.embargoed ? ', embargoed' : ''}) ${outboxFile(office, s.receipt.response) ?? `sent to ${flags.test}`}: ${s.messageId}`,
          )
        printEmbargoedPdfs(reporter, embargoedPdfs(office, slug, now))
      }
      return 0
    }
    const progress = progressFor(reporter, dist)
    let result
    try {
      result = await planAndSend(dist.ctx, slug, {
        wait: flags.wait,
        onWait: waitingNote(reporter),
        onProgress: progress.onProgress,
        onPlanned: progress.onPlanned,
      })
    } catch (error) {
      // The plan was saved before the lock was asked for; say so, so nobody re-plans by hand.
      if (error instanceof LockedError)
        throw new LockedError(
          `${error.message} The plan of ${slug} was saved in the queue; the next \`press dispatch\` (or the worker) sends what is due.`,
        )
      throw error
    } finally {
      progress.stop()
    }
    const ok = result.plan.errors.length === 0 && result.run.failed === 0
    // The public PDFs are known now: rendered into the PDF cache (private),
    // the lift's site and mail need not render them, even with a worker
    // started just before the lift (PRESS_PREPARE_AHEAD=0: not ahead).
    if (result.plan.counts.later > 0 && result.plan.lift !== undefined && prepareAheadMs(reporter.io.env) > 0)
      await renderPublicAhead(reporter, dist, slug)
    if (reporter.flags.json)
      reporter.json({
        ok,
        slug,
        now: iso(now),
        rehearsal: dist.rehearsal,
        plan: jsonTimes(result.plan),
        enqueued: result.enqueued,
        run: jsonTimes(result.run),
      })
    else {
      const c = result.plan.counts
      reporter.line(
        `planned ${c.jobs} message${c.jobs === 1 ? '' : 's'} of ${slug} (${result.enqueued.added} new, ${result.enqueued.kept} already queued or sent)`,
      )
      printRun(reporter, result.run, show)
      printStale(reporter, slug, result.plan)
      if (c.later > 0 && result.plan.lift !== undefined)
        reporter.line(`${c.later} held until the lift at ${show(result.plan.lift)}: run \`press worker\`, or \`press dispatch\` from cron`)
      printEmbargoedPdfs(reporter, embargoedPdfs(office, slug, now))
    }
    return ok ? 0 : 1
  } finally {
    await dist.close()
  }
}

/** Render the public version of a release's mail (and so its public PDFs, into the cache) ahead of its lift; a failure only warns. */
async function renderPublicAhead(reporter: Reporter, dist: CliDistribution, slug: string): Promise<void> {
  const release = await dist.ctx.releases(slug)
  const languages = release
    ? Object.keys(release.texts).filter((lng) => dist.ctx.locales === undefined || dist.ctx.locales.includes(lng))
    : []
  try {
    for (const lng of languages) await dist.ctx.content(slug, lng, { embargoed: false, test: false })
    reporter.detail(`rendered the public PDFs of ${slug} (${languages.join(', ')}) ahead of the lift`)
  } catch (error) {
    reporter.warn(
      `could not render the public PDFs of ${slug} ahead of the lift (${error instanceof Error ? error.message : String(error)}); the worker renders them`,
    )
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
      reporter.line(
        `scheduled ${result.plan.counts.jobs} message${result.plan.counts.jobs === 1 ? '' : 's'} of ${slug} for ${show(atMs)}: ${result.enqueued.added} new, ${result.enqueued.updated} moved`,
      )
      if (result.plan.lift !== undefined && result.plan.lift > atMs)
        reporter.line(
          `recipients not vetted for embargoes (embargo: no in the press list) get it at the lift, ${show(result.plan.lift)}, not before`,
        )
    }
    return ok ? 0 : 1
  } finally {
    await dist.close()
  }
}

/** `press dispatch`. */
/** `--wait`: say who has the queue, once, so a silent wait is not mistaken for a hang. */
function waitingNote(reporter: Reporter): NonNullable<SendOptions['onWait']> {
  return (holder) =>
    reporter.note(
      `waiting: another dispatch (pid ${holder.pid} on ${shownHost(holder.host)}, since ${new Date(holder.since).toISOString()}) is sending from this queue…`,
    )
}

export async function runDispatch(reporter: Reporter, flags: { wait: boolean }): Promise<number> {
  const { office, dist, now } = await open(reporter, false)
  const show = instantFormatter(office)
  const progress = progressFor(reporter, dist)
  try {
    const run = await dispatch(dist.ctx, { wait: flags.wait, onWait: waitingNote(reporter), onProgress: progress.onProgress })
    progress.stop()
    if (reporter.flags.json)
      reporter.json({ ok: run.failed === 0, now: iso(now), rehearsal: dist.rehearsal, ...(jsonTimes(run) as object) })
    else printRun(reporter, run, show)
    return run.failed > 0 ? 1 : 0
  } finally {
    progress.stop()
    await dist.close()
  }
}

/**
 * Whether dist/ holds exactly the releases public at `now` (a folder per
 * release in some language): a worker started after a lift, or after a
 * withdrawal, finds it is not, and publishes at once.
 */
function publicSiteIsCurrent(releases: readonly Release[], distDir: string, now: number): boolean {
  const expected = new Set(releases.filter((r) => isPublic(r, now)).map((r) => r.slug))
  const found = new Set<string>()
  let languages: string[]
  try {
    languages = readdirSync(distDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'assets')
      .map((d) => d.name)
  } catch {
    return expected.size === 0
  }
  for (const lng of languages) {
    for (const entry of readdirSync(path.join(distDir, lng), { withFileTypes: true })) if (entry.isDirectory()) found.add(entry.name)
  }
  return found.size === expected.size && [...expected].every((slug) => found.has(slug))
}

/**
 * How long before a lift the worker prepares its public site and mail:
 * PRESS_PREPARE_AHEAD seconds (default 60; 0 = rebuild at the lift instead).
 */
function prepareAheadMs(env: NodeJS.ProcessEnv): number {
  const raw = env['PRESS_PREPARE_AHEAD']
  if (raw === undefined || raw.trim() === '') return 60_000
  if (!/^\d+(\.\d+)?$/.test(raw.trim()))
    throw new EnvError(
      `PRESS_PREPARE_AHEAD=${JSON.stringify(raw)} is not a number of seconds (0 turns preparing off); fix or unset the environment variable`,
    )
  return Math.round(Number(raw) * 1000)
}

/**
 * `press worker`: dispatch continuously; publish the public site at each lift
 * (prepared ahead), then its mail; follow edits; with `serve`, also the
 * unsubscribe endpoint; with `mail.inbox`, read the mailbox each round.
 */
export async function runWorker(reporter: Reporter, serve?: { port: number; host: string }): Promise<number> {
  // Its output is a log: every line carries the wall-clock time.
  reporter = withTimestamps(reporter)
  // Stamped before the office is loaded, so the office loaded at start can
  // serve the first preparation (a worker started just before a lift).
  const early = await loadConfig(officeRoot(reporter), reporter.io.env)
  let startStamp = early.config ? await stampOffice(early.config) : undefined
  const { dist, office } = await open(reporter, false, 'running')
  let startOffice: Office | undefined = office
  const { config } = office
  const show = instantFormatter(office)
  const recipients = await startRecipients(reporter, office, dist.ctx.now, serve)
  let watcher: Awaited<ReturnType<typeof watchOffice>> | undefined
  const controller = new AbortController()
  const stop = (): void => controller.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const ahead = prepareAheadMs(reporter.io.env)
  // A rehearsal builds into .press/rehearsal/<lift>/ and never deploys.
  const targetFor = (lift: number) => (dist.rehearsal ? rehearsalSite(config.paths.state, lift) : undefined)
  // One site per lift instant (releases lifting together share it), and the instants already published.
  const sites = new Map<number, Promise<PreparedSite | undefined>>()
  const publishedAt = new Set<number>()
  const deploys = dist.rehearsal ? undefined : startDeployer(reporter, config, controller.signal)
  // Staging folders left by a worker that was killed before its lift.
  if (!dist.rehearsal)
    await removeStagings(config.paths.state, { distDir: config.paths.dist, manifestPath: manifestPathOf(config.paths.state) })
  reporter.line('worker running; Ctrl-C to stop')

  /** Build the site as of the lift into a staging folder, ahead of it. */
  const prepareSiteFor = async (lift: number): Promise<PreparedSite | undefined> => {
    try {
      // Stamped before loading: a file touched after this is seen at the lift.
      // The office loaded at start serves while no dispatch round has run (it is fresh).
      const reuse = startOffice !== undefined && startStamp !== undefined ? { office: startOffice, stamp: startStamp } : undefined
      const stamp = reuse?.stamp ?? (await stampOffice(config))
      const fresh = reuse ?? (await openOffice(reporter))
      if (!fresh.office) return undefined
      const target = targetFor(lift)
      return await prepareSite(fresh.office, { now: lift, env: reporter.io.env, stamp, ...(target ? { target } : {}) })
    } catch (error) {
      reporter.warn(
        `could not prepare the site for the lift at ${formatInstantUtc(lift)} (${error instanceof Error ? error.message : String(error)}); it is built at the lift instead`,
      )
      return undefined
    }
  }

  /** The site of the lift and the public version of the release's mail, ahead of it. */
  const prepare = async (slug: string, lift: number): Promise<void> => {
    const started = performance.now()
    let site = sites.get(lift)
    if (site === undefined) {
      site = prepareSiteFor(lift)
      sites.set(lift, site)
    }
    const prepared = await site
    // The first general message then needs no render: its content (and PDF, from the cache the build filled) is ready.
    const release = await dist.ctx.releases(slug)
    for (const lng of release ? Object.keys(release.texts).filter((l) => config.locales.includes(l)) : []) {
      await dist.ctx.content(slug, lng, { embargoed: false, test: false }).catch(() => undefined)
    }
    reporter.line(
      `prepared the public ${prepared ? 'site and ' : ''}mail of ${slug} for its lift at ${formatInstantUtc(lift)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    )
  }

  /** Build the site as the office is now (rehearsal folder or dist/), then deploy it (retried by the deployer). */
  const publishNow = async (reason: 'start' | 'change'): Promise<void> => {
    const now = dist.ctx.now()
    await publishSite(reporter, now, {
      target: targetFor(now),
      reason,
      deploy: deploys ? (changes) => deploys.deploy(changes) : async () => {},
    })
  }

  try {
    watcher = await watchOffice(office.config)
    const report = await worker(dist.ctx, {
      signal: controller.signal,
      ...(ahead > 0 ? { prepareAheadMs: ahead, prepareLift: prepare } : {}),
      // A worker started after a lift publishes at once what is due; an edit is published when seen.
      onStart: async () => {
        if (
          !dist.rehearsal &&
          !publicSiteIsCurrent(dist.ctx.listReleases ? await dist.ctx.listReleases() : office.releases, config.paths.dist, dist.ctx.now())
        )
          await publishNow('start')
      },
      onChange: async () => {
        startOffice = startStamp = undefined
        await publishNow('change')
      },
      watch: watcher.subscribe,
      onLift: async (slug, lift) => {
        if (publishedAt.has(lift)) {
          reporter.line(`${formatInstantUtc(lift)}: embargo of ${slug} lifted; it is in the site published at this lift`)
          return
        }
        const prepared = await sites.get(lift)
        sites.delete(lift)
        const target = targetFor(lift)
        const published = (changed: SiteChanges): void =>
          reporter.line(
            `${formatInstantUtc(lift)}: embargo of ${slug} lifted; published the site prepared for it (${changed.changed.length} files changed)${target ? ` in ${displayPath(config, target.distDir)}/ (rehearsal)` : ''}`,
          )
        let changes: SiteChanges | undefined
        let unusable = prepared === undefined
        // No file of the office touched since it was prepared: swap it in, nothing to load or plan.
        if (prepared?.stamp !== undefined && prepared.stamp === (await stampOffice(config))) {
          const result = await publishPrepared(prepared, { stateDir: config.paths.state })
          if (result.published) published((changes = result.changes))
          else {
            unusable = true
            reporter.line(`${formatInstantUtc(lift)}: embargo of ${slug} lifted; ${result.reason}, so it is rebuilt`)
          }
        }
        // Otherwise read the office again (releases may have been edited since the site was prepared, or since the worker started).
        const fresh = changes === undefined ? await openOffice(reporter) : undefined
        // The build's own checks (catalogs, placeholder text) stop it before anything is written.
        const problems = fresh?.office ? checkRendered(fresh.office) : []
        if ((fresh && !fresh.office) || hasErrors(problems)) {
          if (prepared) await discardPrepared(prepared)
          reporter.diagnostics(fresh?.office ? problems : (fresh?.messages ?? []))
          reporter.error(`the site was not rebuilt at the lift of ${slug}: fix the errors above and run \`press build\``)
          return
        }
        if (prepared && !unusable && changes === undefined && fresh?.office) {
          const result = await publishPrepared(prepared, {
            stateDir: config.paths.state,
            verify: { office: fresh.office, now: dist.ctx.now() },
          })
          if (result.published) published((changes = result.changes))
          else reporter.line(`${formatInstantUtc(lift)}: embargo of ${slug} lifted; ${result.reason}, so it is rebuilt`)
        }
        if (changes === undefined && fresh?.office) {
          if (!prepared) reporter.line(`${formatInstantUtc(lift)}: embargo of ${slug} lifted; rebuilding the public site`)
          const built = await buildSite(fresh.office, { now: dist.ctx.now() }, { env: reporter.io.env, ...(target ? { target } : {}) })
          changes = built.changes
          reporter.line(
            `published ${built.published.length} releases (${built.pages.rendered} pages rendered)${target ? ` in ${displayPath(config, target.distDir)}/ (rehearsal)` : ''}`,
          )
        }
        publishedAt.add(lift)
        // The lift's mail goes out after the deploy: its links point at the public pages.
        if (changes !== undefined) await deploys?.deploy(changes)
      },
      onRun: async (run) => {
        startOffice = startStamp = undefined
        if (run.attempted > 0) printRun(reporter, run, show)
        await recipients.round()
      },
    })
    if (reporter.flags.json) reporter.json({ ok: report.failed === 0, rehearsal: dist.rehearsal, ...(jsonTimes(report) as object) })
    else reporter.line(`worker stopped: ${report.sent} sent, ${report.failed} failed in ${report.rounds} rounds`)
    return 0
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await watcher?.close()
    await recipients.close()
    await deploys?.stop()
    // Sites prepared for lifts not reached: no staging folder is left beside dist/.
    for (const pending of sites.values()) {
      const prepared = await pending
      if (prepared) await discardPrepared(prepared)
    }
    await dist.close()
  }
}

/**
 * The worker's deploys: run the deploy command for a lift's changes, and
 * retry a failed one with backoff (5 s, doubling, at most 5 minutes) until
 * it succeeds or the worker stops. A failure left by an earlier run is
 * retried at start.
 */
function startDeployer(
  reporter: Reporter,
  config: Office['config'],
  signal: AbortSignal,
): { deploy(changes: SiteChanges): Promise<void>; stop(): Promise<void> } | undefined {
  if (config.deploy === undefined) return undefined
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  const run = (changes: SiteChanges): Promise<void> => {
    clearTimeout(timer)
    running = running.then(async () => {
      if (signal.aborted) return
      let outcome
      try {
        outcome = await runDeploy(config, changes, { now: Date.now(), env: reporter.io.env })
      } catch (error) {
        reporter.error(`the deploy could not start: ${error instanceof Error ? error.message : String(error)}`)
        return
      }
      if (outcome === undefined) return
      if (outcome.ok) {
        reporter.line(`deployed in ${outcome.seconds.toFixed(1)} s (${outcome.changed} changed, ${outcome.removed} removed)`)
        for (const line of outcome.output.trimEnd().split('\n').filter(Boolean).slice(-20)) reporter.detail(`  | ${line}`)
        return
      }
      const delay = deployRetryDelay(outcome.failures)
      reporter.error(`${deployFailure(outcome)}\n  next try in ${Math.round(delay / 1000)} s`)
      if (!signal.aborted) timer = setTimeout(() => void run({ changed: [], removed: [] }), delay)
    })
    return running
  }
  void readDeployRecord(config.paths.state).then((record) => {
    if (record?.pending && record.last?.ok === false) void run({ changed: [], removed: [] })
  })
  return {
    deploy: run,
    // A deploy still running is waited for; a retry not yet started is dropped (the record keeps it pending).
    stop: async () => {
      clearTimeout(timer)
      await running
    },
  }
}

/** The deploy record as `press status --json` shows it (instants as ISO 8601). */
function deployJson(record: DeployRecord | undefined): unknown {
  if (record === undefined) return null
  return { ...record, ...(record.last ? { last: { ...record.last, at: iso(record.last.at) } } : {}), lastOk: iso(record.lastOk) }
}

/** One line on the last deploy: ok, or failed with what stays pending. */
function deployLine(record: DeployRecord): string {
  const last = record.last!
  if (last.ok)
    return `deploy: ok at ${formatInstantUtc(last.at)} (${last.changed} changed, ${last.removed} removed, ${last.seconds.toFixed(1)} s)`
  const how = last.timedOut ? 'killed after deploy.timeout' : `exit ${last.code ?? 'signal'}`
  const pending = record.pending
    ? `${record.pending.changed.length} changed and ${record.pending.removed.length} removed files pending`
    : 'nothing pending'
  const said = last.output.trimEnd().split('\n').filter(Boolean).at(-1)
  return `deploy: FAILED at ${formatInstantUtc(last.at)} (${how}, ${last.failures} attempt${last.failures === 1 ? '' : 's'} in a row); ${pending}; the worker retries, or run \`press build\`${said ? `: ${said}` : ''}`
}

/** The worker's recipients' side (src/recipients): the HTTP endpoint, and the inbox read once per round. */
async function startRecipients(
  reporter: Reporter,
  office: Office,
  now: () => number,
  serve: { port: number; host: string } | undefined,
): Promise<{ round: () => Promise<void>; close: () => Promise<void> }> {
  const service = serve ? await (await import('./serve.js')).startServe(reporter, office, serve, now) : undefined
  const inbox = office.config.mail.inbox ? (await import('./inbox.js')).inboxRound : undefined
  let lastRead: number | undefined
  return {
    round: async () => {
      // Rounds can be 5 s apart while mail is due; one IMAP login a minute is enough.
      if (!inbox || (lastRead !== undefined && now() - lastRead < 60_000)) return
      lastRead = now()
      // A mailbox that cannot be read must not stop the sending.
      await inbox(reporter, office, now).catch((error: Error) => reporter.error(error.message))
    },
    close: async () => service?.close(),
  }
}

/** `press status [<slug>]`. */
export async function runStatus(reporter: Reporter, slug: string | undefined): Promise<number> {
  const { office, dist, now } = await open(reporter, false)
  const show = instantFormatter(office, slug)
  try {
    const result = await status(dist.ctx, slug)
    const deploy = office.config.deploy === undefined ? undefined : await readDeployRecord(office.config.paths.state)
    if (reporter.flags.json) {
      reporter.json({
        ok: true,
        now: iso(now),
        ...(jsonTimes(result) as object),
        deploy: deployJson(deploy),
        diagnostics: dist.messages.map(diagnosticJson),
      })
      return 0
    }
    const slugs = Object.keys(result.bySlug)
    if (slugs.length === 0) reporter.line(slug ? `nothing planned for ${slug}` : 'nothing planned yet; run `press send <slug>`')
    for (const s of slugs) {
      const c = result.bySlug[s]!
      reporter.line(
        `${s}: ${Object.entries(c)
          .filter(([, n]) => n > 0)
          .map(([state, n]) => `${n} ${state}`)
          .join(', ')}`,
      )
    }
    if (result.nextDue !== undefined) reporter.line(`next due: ${result.nextDue <= now ? 'now' : show(result.nextDue)}`)
    for (const f of result.failures) reporter.line(`failed: ${f.email} (${f.slug}): ${f.response ?? f.error ?? ''}`)
    for (const r of result.retrying)
      reporter.line(`${r.state}: ${r.email} (${r.slug}), next try ${show(r.dueAt)}${r.error ? `: ${r.error}` : ''}`)
    if (deploy?.last) reporter.line(deployLine(deploy))
    return 0
  } finally {
    await dist.close()
  }
}
