/**
 * Operational errors of distribution (no file position), one class per code.
 */
import { PressError } from '../errors.js'
import type { PlanError } from './plan.js'

/** `press send`/`schedule` named a release that does not exist. */
export class ReleaseNotFoundError extends PressError {
  override readonly code = 'PRESS_RELEASE_NOT_FOUND'
  constructor(slug: string) {
    super(`There is no release \`${slug}\`. Check the folder name under releases/ (\`press check\` lists the releases).`)
  }
}

/** A draft cannot be sent. */
export class DraftReleaseError extends PressError {
  override readonly code = 'PRESS_RELEASE_DRAFT'
  constructor(slug: string) {
    super(`The release \`${slug}\` is a draft; nothing was planned. Set \`status: ready\` in its frontmatter to send it (\`--dry-run\` shows the plan anyway).`)
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
