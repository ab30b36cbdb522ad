/** `press build`: the public site (and PDFs) for now, or for `--now`. */
import { ContentError } from '../../errors.js'
import { hasErrors, diagnosticJson } from '../../diagnostics.js'
import { formatInstantUtc } from '../../embargo/time.js'
import { buildSite } from '../../site/run-build.js'
import { openOffice, resolveNow } from '../context.js'
import type { Reporter } from '../io.js'
import { startProgress } from '../progress.js'

/** Flags of `press build`. */
export interface BuildFlags {
  readonly pdf: boolean
  readonly only?: string
  readonly drafts: boolean
}

/** Run `press build`; returns the exit code. */
export async function runBuild(reporter: Reporter, flags: BuildFlags): Promise<number> {
  const started = performance.now()
  const now = resolveNow(reporter.flags.now, reporter.io.env)
  const { office, messages } = await openOffice(reporter)
  if (!office) {
    reporter.diagnostics(messages)
    if (reporter.flags.json) reporter.json({ ok: false, diagnostics: messages.map(diagnosticJson) })
    throw new ContentError(messages.filter((m) => m.fatal).length)
  }
  if (flags.only !== undefined && !office.releases.some((r) => r.slug === flags.only)) {
    reporter.diagnostics(messages)
    reporter.error(`no release \`${flags.only}\` in ${office.config.paths.releases}; see \`press translate status\` for the list`)
    return 1
  }
  const progress = startProgress(reporter, 'Building')
  let report
  try {
    report = await buildSite(office, { now, drafts: flags.drafts, pdf: flags.pdf, ...(flags.only !== undefined ? { only: flags.only } : {}) }, { env: reporter.io.env, onProgress: (done, total) => progress.update(done, total) })
  } finally {
    progress.stop()
  }
  const all = [...messages, ...report.messages]
  reporter.diagnostics(all)
  const seconds = (performance.now() - started) / 1000
  if (reporter.flags.json) {
    reporter.json({
      ok: !hasErrors(all),
      now: new Date(now).toISOString(),
      published: report.published,
      held: report.held.map((h) => ({ slug: h.slug, reason: h.reason, ...(h.lift !== undefined ? { lift: new Date(h.lift).toISOString() } : {}) })),
      pages: report.pages,
      pdfs: report.pdfs,
      files: report.files,
      warnings: all.filter((m) => m.fatal === false).length,
      seconds: Math.round(seconds * 100) / 100,
      diagnostics: all.map(diagnosticJson),
    })
    return 0
  }
  const languages = report.published.reduce((n, r) => n + r.languages.length, 0)
  reporter.line(`${reporter.paint('green', 'Built')} ${office.config.paths.dist}`)
  reporter.line(`  published  ${report.published.length} release${report.published.length === 1 ? '' : 's'} (${languages} language version${languages === 1 ? '' : 's'})`)
  for (const held of report.held) {
    reporter.line(`  held back  ${held.slug}: ${held.reason === 'embargo' ? `embargoed until ${formatInstantUtc(held.lift!)}` : 'draft (use --drafts to include)'}`)
  }
  reporter.line(`  pages      ${report.pages.rendered} rendered, ${report.pages.reused} reused`)
  reporter.line(`  PDFs       ${flags.pdf ? `${report.pdfs.rendered} rendered, ${report.pdfs.reused} reused` : 'skipped (--no-pdf)'}`)
  const warnings = all.filter((m) => m.fatal === false).length
  reporter.line(`  warnings   ${warnings}`)
  reporter.line(`  time       ${seconds.toFixed(2)} s`)
  return 0
}
