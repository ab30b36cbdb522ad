/** `press build`: the public site (and PDFs) for now, or for `--now`. */
import { nearMatches } from '../../did-you-mean.js'
import { displayPath } from '../../config.js'
import { ContentError } from '../../errors.js'
import { hasErrors, diagnosticJson } from '../../diagnostics.js'
import { DeployError, deployFailure, runDeploy, type DeployOutcome } from '../../site/deploy.js'
import { instantFormatter } from '../format-instant.js'
import { buildSite } from '../../site/build-site.js'
import { checkRendered } from '../../check-rendered.js'
import { checkReadiness } from '../../release/readiness.js'
import { commandNow, failOnContentErrors, nowIsGiven, openOffice } from '../context.js'
import type { Reporter } from '../io.js'
import { startProgress } from '../progress.js'
import { isRehearsal, rehearsalSite } from '../rehearsal.js'

/** Flags of `press build`. */
export interface BuildFlags {
  readonly pdf: boolean
  readonly only?: string
  readonly drafts: boolean
}

/** Published releases listed one per line in the summary up to this many (all with --verbose). */
const listLimit = 10

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** Run `press build`; returns the exit code. */
export async function runBuild(reporter: Reporter, flags: BuildFlags): Promise<number> {
  const started = performance.now()
  const now = commandNow(reporter)
  const { office, messages } = await openOffice(reporter)
  if (!office) {
    reporter.diagnostics(messages)
    if (reporter.flags.json) reporter.json({ ok: false, diagnostics: messages.map(diagnosticJson) })
    throw new ContentError(messages.filter((m) => m.fatal).length)
  }
  if (flags.only !== undefined && !office.releases.some((r) => r.slug === flags.only)) {
    reporter.diagnostics(messages)
    const near = nearMatches(
      flags.only,
      office.releases.map((r) => r.slug),
    )
    reporter.error(
      `no release \`${flags.only}\` in ${displayPath(office.config, office.config.paths.releases)}/${near.length > 0 ? `; did you mean ${near.map((s) => `\`${s}\``).join(', or ')}?` : ''} (\`press translate status\` lists every release)`,
    )
    if (reporter.flags.json) reporter.json({ ok: false, error: { code: 'PRESS_RELEASE_NOT_FOUND', message: `no release ${flags.only}` } })
    return 1
  }
  // The same checks as `press check` for what the build prints; buildSite
  // repeats them for its other callers, this stops before the progress bar.
  const problems = [
    ...checkRendered(office),
    ...(await checkReadiness(
      office.config,
      office.releases.filter((r) => flags.only === undefined || r.slug === flags.only),
      now,
    )),
  ]
  if (hasErrors(problems)) failOnContentErrors(reporter, [...messages, ...problems])
  // A --now later than the clock is a rehearsal: its own folder, never dist/, never deployed.
  const rehearsal = isRehearsal(reporter, now, Date.now())
  const target = rehearsal ? rehearsalSite(office.config.paths.state, now) : undefined
  const progress = startProgress(reporter, 'Building')
  // Real totals per kind from the plan: pages (and feeds, indexes) and PDFs advance at their own pace.
  const planned = { text: 0, pdf: 0, copy: 0 }
  const finished = { text: 0, pdf: 0, copy: 0 }
  const detail = (): string => `pages ${finished.text}/${planned.text}${planned.pdf > 0 ? `, PDFs ${finished.pdf}/${planned.pdf}` : ''}`
  let report
  try {
    report = await buildSite(
      office,
      { now, drafts: flags.drafts, pdf: flags.pdf, ...(flags.only !== undefined ? { only: flags.only } : {}) },
      {
        env: reporter.io.env,
        onPlanned: (counts) => {
          Object.assign(planned, counts)
          progress.update(0, counts.text + counts.pdf + counts.copy, detail())
        },
        onProgress: (done, total, output) => {
          finished[output.kind]++
          progress.update(done, total, detail())
        },
        ...(target ? { target } : {}),
      },
    )
  } finally {
    progress.stop()
  }
  const all = [...messages, ...report.messages]
  const deploy =
    rehearsal || hasErrors(all) ? undefined : await runDeploy(office.config, report.changes, { now: Date.now(), env: reporter.io.env })
  const ok = !hasErrors(all)
  const warnings = all.filter((m) => m.fatal === false).length
  const seconds = (performance.now() - started) / 1000
  const outDir = displayPath(office.config, target?.distDir ?? office.config.paths.dist)
  reporter.diagnostics(all)
  if (reporter.flags.json) {
    if (deploy?.ok === false) reporter.error(deployFailure(deploy))
    reporter.json({
      ok: ok && deploy?.ok !== false,
      now: new Date(now).toISOString(),
      dist: outDir,
      rehearsal,
      changed: report.changes.changed.length,
      removed: report.changes.removed.length,
      deploy: deploy === undefined ? null : { ...deploy, at: new Date(deploy.at).toISOString() },
      published: report.published,
      held: report.held.map((h) => ({
        slug: h.slug,
        reason: h.reason,
        ...(h.lift !== undefined ? { lift: new Date(h.lift).toISOString() } : {}),
      })),
      pages: report.pages,
      pdfs: report.pdfs,
      files: report.files,
      warnings,
      seconds: Math.round(seconds * 100) / 100,
      diagnostics: all.map(diagnosticJson),
    })
    return ok && deploy?.ok !== false ? 0 : 1
  }
  const languages = report.published.reduce((n, r) => n + r.languages.length, 0)
  const dist = outDir || '.'
  reporter.line(`${reporter.paint('green', 'Built')} ${dist}/${nowIsGiven(reporter) ? ` as of ${instantFormatter(office)(now)}` : ''}`)
  if (rehearsal)
    reporter.line(
      `  ${reporter.paint('yellow', 'rehearsal')}  --now is later than the clock: the site went to ${dist}/, not ${displayPath(office.config, office.config.paths.dist) || '.'}/, and nothing was deployed`,
    )
  reporter.line(`  published  ${plural(report.published.length, 'release')}, ${plural(languages, 'language version')}`)
  if (report.published.length <= listLimit || reporter.flags.verbose) {
    const width = Math.max(0, ...report.published.map((r) => r.slug.length))
    for (const r of report.published) reporter.line(`             ${r.slug.padEnd(width)}  ${r.languages.join(' ')}`)
  } else {
    reporter.line('             (--verbose lists them)')
  }
  for (const held of report.held) {
    const why =
      held.reason === 'embargo' && held.lift !== undefined
        ? `embargoed until ${instantFormatter(office, held.slug)(held.lift)}`
        : 'draft (--drafts includes it)'
    reporter.line(`  held back  ${held.slug}: ${reporter.paint('yellow', why)}`)
  }
  reporter.line(`  pages      ${report.pages.rendered} rendered, ${report.pages.reused} reused`)
  reporter.line(`  PDFs       ${flags.pdf ? `${report.pdfs.rendered} rendered, ${report.pdfs.reused} reused` : 'skipped (--no-pdf)'}`)
  reporter.line(`  warnings   ${warnings === 0 ? '0' : reporter.paint('yellow', String(warnings))}`)
  reporter.line(`  time       ${seconds.toFixed(1)} s`)
  if (deploy) printDeploy(reporter, deploy)
  if (!ok) throw new ContentError(all.filter((m) => m.fatal).length)
  if (deploy?.ok === false) throw new DeployError(deployFailure(deploy))
  return 0
}

/**
 * Say how the deploy command went: one line when it worked (its output
 * with --verbose); a failure is thrown by the caller with {@link deployFailure}.
 *
 * @param reporter The run's reporter.
 * @param deploy The outcome.
 */
export function printDeploy(reporter: Reporter, deploy: DeployOutcome): void {
  if (!deploy.ok) return
  reporter.line(`  deploy     ok in ${deploy.seconds.toFixed(1)} s (${plural(deploy.changed, 'file')} changed, ${deploy.removed} removed)`)
  for (const line of deploy.output.trimEnd().split('\n').filter(Boolean).slice(-20)) reporter.detail(`    | ${line}`)
}
