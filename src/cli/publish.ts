/**
 * Publish the public site as the office is now: read it again (release
 * files may have just been edited) and build `dist/` for `now`. Used by the
 * worker (at start, at each lift, after an edit) and by `press lift` /
 * `press withdraw` / `press send --correction`.
 */
import { displayPath } from '../config.js'
import { buildSite, type BuildTarget, type SiteChanges } from '../site/build-site.js'
import { deployFailure, runDeploy } from '../site/deploy.js'
import { printDeploy } from './commands/build.js'
import { openOffice } from './context.js'
import type { Reporter } from './io.js'

/** Options of `publishSite`. */
export interface PublishOptions {
  /** Build into this folder instead of dist/ (a rehearsal; optional). */
  readonly target?: BuildTarget | undefined
  /** Deploy the changes (the worker's deployer, which retries); default: run `deploy:` once, unless `target`. */
  readonly deploy?: ((changes: SiteChanges) => Promise<void>) | undefined
  /** Print the "published" line only when something changed, and say why it was rebuilt (optional). */
  readonly reason?: 'start' | 'change'
}

/**
 * Rebuild the site for `now` (dist/, or a rehearsal's folder) and deploy it
 * when it changed. An office with errors, or a build its own checks stopped,
 * is reported and left unpublished (the previous site stays).
 *
 * @param reporter The run's reporter.
 * @param now The instant to build for, epoch ms.
 * @param options Target folder, deploy, reason (optional).
 * @returns True when the site was built.
 */
export async function publishSite(reporter: Reporter, now: number, options: PublishOptions = {}): Promise<boolean> {
  const notRebuilt =
    'the public site was not rebuilt: fix the errors above and run `press build` (a running worker reads the office again after the next edit)'
  const fresh = await openOffice(reporter)
  if (!fresh.office) {
    reporter.diagnostics(fresh.messages)
    reporter.error(notRebuilt)
    return false
  }
  const { target } = options
  const built = await buildSite(fresh.office, { now }, { env: reporter.io.env, ...(target ? { target } : {}) })
  if (built.messages.some((m) => m.fatal === true)) {
    reporter.diagnostics(built.messages)
    reporter.error(notRebuilt)
    return false
  }
  if (options.reason !== 'start' || built.changes.changed.length > 0) {
    const where = target ? ` in ${displayPath(fresh.office.config, target.distDir)}/ (rehearsal)` : ''
    reporter.line(
      `${options.reason === 'change' ? 'the office changed; ' : ''}published ${built.published.length} release${built.published.length === 1 ? '' : 's'} (${built.pages.rendered} page${built.pages.rendered === 1 ? '' : 's'} rendered)${where}`,
    )
  }
  if (options.deploy) await options.deploy(built.changes)
  else if (!target) {
    const deploy = await runDeploy(fresh.office.config, built.changes, { now: Date.now(), env: reporter.io.env })
    if (deploy) {
      printDeploy(reporter, deploy)
      if (!deploy.ok) reporter.error(deployFailure(deploy))
    }
  }
  return true
}
