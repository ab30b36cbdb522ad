/**
 * `press check` as a library function: everything that can be wrong in an
 * office, as positioned diagnostics — releases, catalogs, templates, the
 * press list — plus each embargo echoed in UTC so a misread zone is visible.
 */
import { access, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { VFileMessage } from 'vfile-message'
import { displayPath } from './config.js'
import { diagnostic } from './diagnostics.js'
import { formatInstant } from './embargo/format-instant.js'
import { clockMismatchWarning } from './embargo/time.js'
import { checkRendered } from './check-rendered.js'
import type { Office } from './office.js'
import { loadPressList } from './press-list/load.js'
import { loadSuppressionFile } from './press-list/suppressions.js'
import { checkReadiness } from './release/readiness.js'
import { translationStates } from './release/translation-status.js'
import type { TemplateName } from './render/template.js'

const templateNames: readonly TemplateName[] = ['page', 'index', 'chooser', 'print', 'email']

/** What `press check` found beyond loading. */
export interface CheckReport {
  readonly messages: readonly VFileMessage[]
  readonly releases: number
  readonly recipients: number
}

/**
 * Check an office.
 *
 * @param office The loaded office.
 * @param now The instant treated as now (embargoes already lifted are not warned about).
 * @returns Messages (errors, warnings, info) and counts.
 */
export async function checkOffice(office: Office, now: number): Promise<CheckReport> {
  const { config } = office
  const messages: VFileMessage[] = [...checkRendered(office), ...(await checkReadiness(config, office.releases, now))]
  for (const name of templateNames) {
    try {
      await access(path.join(config.paths.templates, `${name}.liquid`))
    } catch {
      messages.push(
        diagnostic(
          displayPath(config, config.paths.templates),
          undefined,
          'error',
          `templates/${name}.liquid is missing; restore it from the sample office`,
          'template-missing',
          'press:templates',
        ),
      )
    }
  }
  for (const release of office.releases) {
    const source = release.texts[release.source]!
    if (release.embargo) {
      const lift = release.embargo.lift
      // At the `embargo:` line, so an editor jumps to the value being echoed.
      const place = await keyPlace(path.join(config.root, source.path), 'embargo')
      messages.push(
        diagnostic(
          source.path,
          place,
          'info',
          `embargo lifts at ${formatInstant(lift, release.embargo.zone)}${lift <= now ? ', already lifted' : ''}`,
          'embargo-utc',
          'press:embargo',
        ),
      )
      const mismatch = lift > now ? clockMismatchWarning(lift) : undefined
      if (mismatch) messages.push(diagnostic(source.path, place, 'warning', mismatch, 'embargo-dst-gap', 'press:embargo'))
    }
    for (const state of translationStates(release, config.locales)) {
      if (state.state === 'stale') {
        messages.push(
          diagnostic(
            state.path!,
            await keyPlace(path.join(config.root, state.path!), 'source_hash'),
            'warning',
            `translation is stale: ${release.source}.md changed since it was translated (source_hash ${state.recorded}, now ${state.current}); update the text, then set source_hash: ${state.current}`,
            'translation-stale',
            'press:translate',
          ),
        )
      }
    }
  }
  const list = await loadPressList(config.paths.pressList, displayPath(config, config.paths.pressList), {
    locales: config.locales,
    ...(config.lists ? { lists: config.lists } : {}),
  })
  messages.push(...list.messages)
  const suppressions = await loadSuppressionFile(config.paths.suppressions)
  const shown = displayPath(config, config.paths.suppressions)
  for (const problem of suppressions.problems) {
    messages.push(
      diagnostic(
        shown,
        { line: problem.line, column: problem.column },
        problem.severity,
        problem.message,
        'suppression-malformed',
        'press:suppressions',
      ),
    )
  }
  return { messages, releases: office.releases.length, recipients: list.recipients.length }
}

/**
 * Line and column of a top-level frontmatter key's value (`embargo: …` →
 * the column after the colon and spaces), or undefined when the file cannot
 * be read or has no such line.
 */
async function keyPlace(file: string, key: string): Promise<{ line: number; column: number } | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  const lines = text.split(/\r?\n/)
  const pattern = new RegExp(`^${key}\\s*:\\s*`)
  // Only inside the frontmatter block (between the first two `---` lines).
  const end = lines.indexOf('---', 1)
  for (let i = 1; i < (end === -1 ? lines.length : end); i++) {
    const m = pattern.exec(lines[i]!)
    if (m) return { line: i + 1, column: m[0].length + 1 }
  }
  return undefined
}
