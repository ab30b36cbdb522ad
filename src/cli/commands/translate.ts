/** `press translate status`: a table of releases × languages. */
import { diagnosticJson } from '../../diagnostics.js'
import { translationStates } from '../../release/translation-status.js'
import { commandNow, failOnContentErrors, openOffice } from '../context.js'
import type { Reporter } from '../io.js'

/** Run `press translate status`; returns the exit code. */
export async function runTranslateStatus(reporter: Reporter): Promise<number> {
  // Taken like every command's --now (and checked the same way); the states do not depend on it.
  commandNow(reporter)
  const { office, messages } = await openOffice(reporter)
  if (!office) failOnContentErrors(reporter, messages, 'no status was computed')
  const rows = office.releases.map((release) => ({
    slug: release.slug,
    source: release.source,
    languages: translationStates(release, office.config.locales),
  }))
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
      const colour =
        s.state === 'stale' || s.state === 'missing' ? 'yellow' : s.state === 'up-to-date' || s.state === 'source' ? 'green' : 'dim'
      return reporter.paint(colour, label.padEnd(12))
    })
    reporter.line(`${row.slug.padEnd(width)}  ${cells.join('')}`.trimEnd())
  }
  // The next step for every row that needs one: the exact line to add, or the command.
  const steps = rows.flatMap((r) =>
    r.languages.flatMap((l) => {
      const file = l.path ?? `${r.slug}/${l.lng}.md`
      if (l.state === 'stale') return [`${file}: update the text from ${r.source}.md, then set source_hash: ${l.current}`]
      if (l.state === 'unrecorded')
        return [
          `${file}: no source_hash; if it matches ${r.source}.md as it is now, add the line source_hash: ${l.current} to its frontmatter`,
        ]
      if (l.state === 'draft') return [`${file}: a draft; set status: ready when the translation is done`]
      return []
    }),
  )
  if (steps.length > 0) reporter.line('')
  for (const line of steps) reporter.line(`  ${line}`)
  const missing = rows.filter((r) => r.languages.some((l) => l.state === 'missing')).length
  if (missing > 0)
    reporter.line(
      `  missing: optional; to add one, copy the source file to <lang>.md in the release folder, translate it, then run \`press translate status\` for its source_hash`,
    )
  return 0
}
