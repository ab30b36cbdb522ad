/**
 * Whether a release marked ready is ready to go out: no text `press new`
 * left for a person to replace (an error at its line and column), and no
 * release date in the future without an embargo (a warning: such a release
 * is published and sent at once, which is rarely what a future date means).
 * Shared by `press check`, `press build` and `press send`.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { VFileMessage } from 'vfile-message'
import type { Config } from '../config.js'
import { diagnostic } from '../diagnostics.js'
import type { Release, ReleaseText } from '../types.js'
import { scaffoldPlaceholders } from './scaffold.js'

const source = 'press:release'

/** A placeholder found in a text: 1-based line and column in the file, and what was found. */
export interface PlaceholderHit {
  readonly line: number
  readonly column: number
  readonly found: string
}

/**
 * Find scaffold placeholders in the text of a release file.
 *
 * @param file The whole file (frontmatter and body).
 * @returns Every hit, in file order.
 */
export function findPlaceholders(file: string): PlaceholderHit[] {
  const hits: PlaceholderHit[] = []
  const lines = file.split('\n')
  lines.forEach((text, index) => {
    // A stub title is `title: "[ru] …"`: look at the value, not the key.
    const value = /^title:\s*["']?/.exec(text)
    for (const pattern of scaffoldPlaceholders) {
      const anchored = pattern.source.startsWith('^')
      const subject = anchored ? (value ? text.slice(value[0].length) : undefined) : text
      if (subject === undefined) continue
      const match = pattern.exec(subject)
      if (match) hits.push({ line: index + 1, column: match.index + 1 + (anchored ? value![0].length : 0), found: match[0].trim() })
    }
  })
  return hits
}

/** Whether a text (title, subtitle, dateline, body) holds any placeholder: cheap, no file read. */
function hasPlaceholder(text: ReleaseText): boolean {
  const fields = [text.title, text.subtitle ?? '', text.dateline ?? '', text.body]
  return scaffoldPlaceholders.some((pattern) =>
    fields.some((field) => (pattern.source.startsWith('^') ? field === text.title && pattern.test(field) : pattern.test(field))),
  )
}

/**
 * Check ready releases for placeholders and future dates without an embargo.
 *
 * @param config The office's config (paths).
 * @param releases The releases to check (drafts are skipped).
 * @param now The instant treated as now (epoch ms).
 * @returns Messages: errors for placeholders, warnings for future dates.
 */
export async function checkReadiness(config: Pick<Config, 'root'>, releases: readonly Release[], now: number): Promise<VFileMessage[]> {
  const messages: VFileMessage[] = []
  const today = new Date(now).toISOString().slice(0, 10)
  for (const release of releases) {
    if (release.status !== 'ready') continue
    for (const text of Object.values(release.texts)) {
      if (!hasPlaceholder(text)) continue
      // Read the file only when there is something to locate.
      const file = await readFile(path.join(config.root, text.path), 'utf8').catch(() => '')
      const hits = findPlaceholders(file)
      if (hits.length === 0) hits.push({ line: 1, column: 1, found: 'text from `press new`' })
      for (const hit of hits) {
        messages.push(
          diagnostic(
            text.path,
            { line: hit.line, column: hit.column },
            'error',
            `"${hit.found}" is placeholder text from \`press new\`, but the ${text.lng === release.source ? 'release' : 'translation'} is marked ready; replace it, or set \`status: draft\``,
            'placeholder-text',
            source,
          ),
        )
      }
    }
    if (!release.embargo && release.date > today) {
      messages.push(
        diagnostic(
          release.texts[release.source]!.path,
          undefined,
          'warning',
          `date ${release.date} is in the future but there is no embargo: the release is published and sent as soon as it is built or sent; add an \`embargo:\` for the time it may go out, or set today's date`,
          'future-date-no-embargo',
          source,
        ),
      )
    }
  }
  return messages
}
