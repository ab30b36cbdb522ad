/** `press translate status`: a table of releases × languages. */
import { diagnosticJson } from '../../diagnostics.js'
import { translationStates } from '../../release/translation-status.js'
import { failOnContentErrors, openOffice } from '../context.js'
import type { Reporter } from '../io.js'

/** Run `press translate status`; returns the exit code. */
export async function runTranslateStatus(reporter: Reporter): Promise<number> {
  const { office, messages } = await openOffice(reporter)
  if (!office) failOnContentErrors(reporter, messages, 'no status was computed')
  const rows = office.releases.map((release) => ({ slug: release.slug, source: release.source, languages: translationStates(release, office.config.locales) }))
  if (reporter.flags.json) {
    reporter.json({ ok: true, locales: office.config.locales, releases: rows, diagnostics: messages.map(diagnosticJson) })
    return 0
  }
  reporter.diagnostics(messages)
  const width = Math.max(8, ...rows.map((r) => r.slug.length))
  reporter.line(`${'release'.padEnd(width)}  ${office.config.locales.map((l) => l.padEnd(12)).join('')}`)
  for (const row of rows) {
    const cells = row.languages.map((s) => {
      const label = s.state === 'unrecorded' ? 'no hash' : s.state
      const colour = s.state === 'stale' || s.state === 'missing' ? 'yellow' : s.state === 'up-to-date' || s.state === 'source' ? 'green' : 'dim'
      return reporter.paint(colour, label.padEnd(12))
    })
    reporter.line(`${row.slug.padEnd(width)}  ${cells.join('')}`.trimEnd())
  }
  const stale = rows.flatMap((r) => r.languages.filter((l) => l.state === 'stale').map((l) => `${r.slug}/${l.lng}.md: set source_hash: ${l.current} once the translation is updated`))
  for (const line of stale) reporter.line(`  ${line}`)
  return 0
}
