/**
 * `press new`: a new release folder with the source file and one stub per
 * other language. The source starts as `status: draft`, so nothing is
 * published until the press officer marks it ready.
 */
import { mkdir, writeFile, access } from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../config.js'
import { displayPath } from '../config.js'
import { PressError, ReleaseExistsError, UsageError } from '../errors.js'
import { slugPattern } from './schema.js'
import { isIsoDate } from '../embargo/time.js'

/**
 * The text `press new` writes for a person to replace. A ready release that
 * still carries any of it is an error (release/readiness.ts), so a stub
 * marked `status: ready` is never published or sent as it is.
 */
export const scaffoldPlaceholders: readonly RegExp[] = [
  /Headline in sentence case, under 100 characters/,
  /One sentence that says why it matters/,
  /First paragraph: who, what, when, where, why\./,
  /A quote from your spokesperson/,
  /\bName Surname\b/,
  /Translation of [\w-]+\.md into [\w-]+\./,
  // A translation stub's title: "[ru] Headline…".
  /^\[[a-z]{2,3}(?:-[A-Za-z]+)?\] /,
]

/**
 * The date a new release gets: the one its slug starts with
 * (`2031-03-14-water-report` → 2031-03-14), else today.
 *
 * @param slug The new release's folder name.
 * @param today Today as YYYY-MM-DD.
 * @returns YYYY-MM-DD.
 */
export function scaffoldDate(slug: string, today: string): string {
  const written = /^(\d{4}-\d{2}-\d{2})(?:-|$)/.exec(slug)?.[1]
  return written !== undefined && isIsoDate(written) ? written : today
}

/**
 * Create `releases/<slug>/` with stubs.
 *
 * @param config The office configuration.
 * @param slug Folder name.
 * @param values `title` (optional, '' for a placeholder) and `date` (YYYY-MM-DD).
 * @returns The files created, relative to the office.
 */
export async function scaffoldRelease(config: Config, slug: string, values: { title: string; date: string }): Promise<string[]> {
  if (!slugPattern.test(slug)) {
    throw new UsageError(`bad slug \`${slug}\`: use lowercase letters, digits and single hyphens, e.g. ${values.date}-water-report`)
  }
  const dir = path.join(config.paths.releases, slug)
  try {
    await access(dir)
    throw new ReleaseExistsError(`${displayPath(config, dir)} already exists; choose another slug`)
  } catch (error) {
    if (error instanceof PressError) throw error
  }
  await mkdir(dir, { recursive: true })
  const created: string[] = []
  const title = values.title.trim() || 'Headline in sentence case, under 100 characters'
  const quote = (s: string): string => JSON.stringify(s)
  const source = [
    '---',
    `title: ${quote(title)}`,
    'subtitle: "One sentence that says why it matters"',
    `date: ${values.date}`,
    'dateline: Geneva',
    '# embargo: 2031-03-14T09:00:00-04:00    # an instant with an offset, or add embargo_zone: America/New_York',
    'tags: []',
    '# lists: [health-desk]                   # press-list segments; default: everyone',
    '# attachments: [report.pdf]              # files in this folder',
    'status: draft                            # set to ready to publish',
    '---',
    '',
    'First paragraph: who, what, when, where, why.',
    '',
    '"A quote from your spokesperson," said Name Surname, Role.',
    '',
  ].join('\n')
  const sourceFile = path.join(dir, `${config.defaultLocale}.md`)
  await writeFile(sourceFile, source, { flag: 'wx' })
  created.push(displayPath(config, sourceFile))
  for (const lng of config.locales) {
    if (lng === config.defaultLocale) continue
    const stub = [
      '---',
      `title: ${quote(`[${lng}] ${title}`)}`,
      'subtitle: ""',
      'dateline: ""',
      'status: draft   # set to ready when the translation is done; until then it is not published or sent',
      '# source_hash: set by the translator; see `press translate status`',
      '---',
      '',
      `Translation of ${config.defaultLocale}.md into ${lng}.`,
      '',
    ].join('\n')
    const file = path.join(dir, `${lng}.md`)
    await writeFile(file, stub, { flag: 'wx' })
    created.push(displayPath(config, file))
  }
  return created
}
