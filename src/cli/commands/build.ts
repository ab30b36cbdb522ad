/** `press build`: the public site (and PDFs) for now, or for `--now`. */
import { displayPath } from '../../config.js'
import { ContentError } from '../../errors.js'
import { hasErrors, diagnosticJson } from '../../diagnostics.js'
import { formatInstantUtc } from '../../embargo/time.js'
import { buildSite } from '../../site/run-build.js'
import { checkRendered } from '../../check-rendered.js'
import { checkReadiness } from '../../release/readiness.js'
import { commandNow, failOnContentErrors, nowIsGiven, openOffice } from '../context.js'
import type { Reporter } from '../io.js'
import { startProgress } from '../progress.js'

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
    reporter.error(`no release \`${flags.only}\` in ${displayPath(office.config, office.config.paths.releases)}/; \`press translate status\` lists the releases`)
    if (reporter.flags.json) reporter.json({ ok: false, error: { code: 'PRESS_RELEASE_NOT_FOUND', message: `no release ${flags.only}` } })
    return 1
  }
  // The same checks as `press check` for what the build prints; buildSite
  // repeats them for its other callers, this stops before the progress bar.
  const problems = [...checkRendered(office), ...(await checkReadiness(office.config, office.releases.filter((r) => flags.only === undefined || r.slug === flags.only), now))]
  if (hasErrors(problems)) failOnContentErrors(reporter, [...messages, ...problems])
  const progress = startProgress(reporter, 'Building')
  let report
  try {
    report = await buildSite(office, { now, drafts: flags.drafts, pdf: flags.pdf, ...(flags.only !== undefined ? { only: flags.only } : {}) }, { env: reporter.io.env, onProgress: (done, total) => progress.update(done, total) })
  } finally {
    progress.stop()
  }
  const all = [...messages, ...report.messages]
  const ok = !hasErrors(all)
  const warnings = all.filter((m) => m.fatal === false).length
  const seconds = (performance.now() - started) / 1000
  reporter.diagnostics(all)
  if (reporter.flags.json) {
    reporter.json({
      ok,
      now: new Date(now).toISOString(),
      dist: displayPath(office.config, office.config.paths.dist),
      published: report.published,
      held: report.held.map((h) => ({ slug: h.slug, reason: h.reason, ...(h.lift !== undefined ? { lift: new Date(h.lift).toISOString() } : {}) })),
      pages: report.pages,
      pdfs: report.pdfs,
      files: report.files,
      warnings,
      seconds: Math.round(seconds * 100) / 100,
      diagnostics: all.map(diagnosticJson),
    })
    return ok ? 0 : 1
  }
  const languages = report.published.reduce((n, r) => n + r.languages.length, 0)
  const dist = displayPath(office.config, office.config.paths.dist) || '.'
  reporter.line(`${reporter.paint('green', 'Built')} ${dist}/${nowIsGiven(reporter) ? ` as of ${formatInstantUtc(now)}` : ''}`)
  reporter.line(`  published  ${plural(report.published.length, 'release')}, ${plural(languages, 'language version')}`)
  if (report.published.length <= listLimit || reporter.flags.verbose) {
    const width = Math.max(0, ...report.published.map((r) => r.slug.length))
    for (const r of report.published) reporter.line(`             ${r.slug.padEnd(width)}  ${r.languages.join(' ')}`)
  } else {
    reporter.line('             (--verbose lists them)')
  }
  for (const held of report.held) {
    const why = held.reason === 'embargo' && held.lift !== undefined ? `embargoed until ${formatInstantUtc(held.lift)}` : 'draft (--drafts includes it)'
    reporter.line(`  held back  ${held.slug}: ${reporter.paint('yellow', why)}`)
  }
  reporter.line(`  pages      ${report.pages.rendered} rendered, ${report.pages.reused} reused`)
  reporter.line(`  PDFs       ${flags.pdf ? `${report.pdfs.rendered} rendered, ${report.pdfs.reused} reused` : 'skipped (--no-pdf)'}`)
  reporter.line(`  warnings   ${warnings === 0 ? '0' : reporter.paint('yellow', String(warnings))}`)
  reporter.line(`  time       ${seconds.toFixed(1)} s`)
  if (!ok) throw new ContentError(all.filter((m) => m.fatal).length)
  return 0
}
