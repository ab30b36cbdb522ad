/**
 * Operational errors of distribution (no file position), one class per code.
 */
import { PressError } from '../errors.js'
import type { PlanError } from './plan.js'
import { nearMatches } from '../did-you-mean.js'

/** `press send`/`schedule` named a release that does not exist. */
export class ReleaseNotFoundError extends PressError {
  override readonly code = 'PRESS_RELEASE_NOT_FOUND'
  /**
   * @param slug The slug given.
   * @param known The office's release slugs, for a did-you-mean (optional).
   */
  constructor(slug: string, known: readonly string[] = []) {
    super(releaseNotFoundMessage(slug, known))
  }
}

/** A draft cannot be sent. */
export class DraftReleaseError extends PressError {
  override readonly code = 'PRESS_RELEASE_DRAFT'
  constructor(slug: string) {
    super(
      `The release \`${slug}\` is a draft; nothing was planned. Set \`status: ready\` in its frontmatter to send it (\`--dry-run\` shows the plan anyway).`,
    )
  }
}

/** `translations: strict` and a recipient would get a missing or stale translation. */
export class StrictTranslationError extends PressError {
  override readonly code = 'PRESS_TRANSLATION_STRICT'
  readonly problems: readonly PlanError[]
  constructor(slug: string, problems: readonly PlanError[]) {
    const first = problems.slice(0, 5).map((p) => `  - ${p.message}`)
    const more = problems.length > 5 ? [`  - … and ${problems.length - 5} more (see \`press send ${slug} --dry-run\`)`] : []
    super(
      [
        `Not sending ${slug}: with \`translations: strict\`, ${problems.length} recipient${problems.length === 1 ? '' : 's'} would get a missing or stale translation:`,
        ...first,
        ...more,
      ].join('\n'),
    )
    this.problems = problems
  }
}

/**
 * `There is no release \`x\`. Did you mean \`y\`? …` with the near matches
 * among the office's releases and the command that lists them all.
 */
export function releaseNotFoundMessage(slug: string, known: readonly string[]): string {
  const near = nearMatches(slug, known)
  const suggestion = near.length === 0 ? '' : ` Did you mean ${near.map((s) => `\`${s}\``).join(', or ')}?`
  return `There is no release \`${slug}\`.${suggestion} The slug is the folder name under releases/; \`press translate status\` lists every release.`
}

/** The mail transport could not be set up (bad URL, unknown name, unreadable DKIM key). */
export class TransportConfigError extends PressError {
  override readonly code = 'PRESS_TRANSPORT'
}
