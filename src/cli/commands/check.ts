/** `press check`: validate everything; exit 1 when anything is an error. */
import { checkOffice } from '../../check.js'
import { displayPath } from '../../config.js'
import { diagnosticJson, hasErrors } from '../../diagnostics.js'
import { loadOffice } from '../../office.js'
import { commandNow, officeRoot } from '../context.js'
import type { Reporter } from '../io.js'

/** Run `press check`; returns the exit code. */
export async function runCheck(reporter: Reporter): Promise<number> {
  const now = commandNow(reporter)
  // The office as far as it loads: a release with errors must not hide the
  // press list's or the other releases' problems, nor zero the counts.
  const root = officeRoot(reporter)
  reporter.detail(`office: ${root}`)
  const started = performance.now()
  const { office, messages } = await loadOffice(root, { releaseCache: true, env: reporter.io.env })
  if (office)
    reporter.detail(
      `loaded ${office.releases.length} release${office.releases.length === 1 ? '' : 's'} in ${office.config.locales.join(', ')} (${Math.round(performance.now() - started)} ms)`,
    )
  const report = office ? await checkOffice(office, now) : { messages: [], releases: 0, recipients: 0 }
  const all = [...messages, ...report.messages]
  const errors = all.filter((m) => m.fatal === true).length
  const warnings = all.filter((m) => m.fatal === false).length
  // Releases that did not load are counted from their errors' files (releases/<slug>/…).
  const broken = new Set<string>()
  if (office) {
    const prefix = `${displayPath(office.config, office.config.paths.releases)}/`
    const loaded = new Set(office.releases.map((r) => r.slug))
    for (const m of all) {
      const file = m.file ?? ''
      if (m.fatal !== true || !file.startsWith(prefix)) continue
      const slug = file.slice(prefix.length).split('/')[0]!
      if (slug !== '' && !loaded.has(slug)) broken.add(slug)
    }
  }
  const releases = report.releases + broken.size
  if (reporter.flags.json) {
    reporter.json({ ok: errors === 0, errors, warnings, releases, recipients: report.recipients, diagnostics: all.map(diagnosticJson) })
  } else {
    reporter.diagnostics(all)
    const counts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`
    const summary = office
      ? `${releases} release${releases === 1 ? '' : 's'}${broken.size > 0 ? ` (${broken.size} with errors)` : ''}, ${report.recipients} recipient${report.recipients === 1 ? '' : 's'}: ${counts}`
      : `${counts}: the configuration could not be read, so nothing else was checked; fix it and run \`press check\` again`
    reporter.line(errors > 0 ? `${reporter.paint('red', '✖')} ${summary}` : `${reporter.paint('green', '✔')} ${summary}`)
  }
  return hasErrors(all) ? 1 : 0
}
