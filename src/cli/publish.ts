/**
 * Publish the public site as the office is now: read it again (release
 * files may have just been edited) and build `dist/` for `now`. Used by the
 * worker (at start, at each lift, after an edit) and by `press lift` /
 * `press withdraw` / `press send --correction`.
 */
import { buildSite } from '../site/run-build.js'
import { deployFailure, runDeploy } from '../site/deploy.js'
import { printDeploy } from './commands/build.js'
import { openOffice } from './context.js'
import type { Reporter } from './io.js'

/**
 * Rebuild `dist/` for `now` and run the `deploy:` command when it changed;
 * an office with errors is reported and left unpublished (the previous
 * `dist/` stays). Never called for a rehearsal.
 *
 * @param reporter The run's reporter.
 * @param now The instant to build for, epoch ms.
 * @returns True when the site was built.
 */
export async function publishSite(reporter: Reporter, now: number): Promise<boolean> {
  const fresh = await openOffice(reporter)
  if (!fresh.office) {
    reporter.diagnostics(fresh.messages)
    reporter.error('the public site was not rebuilt: fix the errors above and run `press build`')
    return false
  }
  const built = await buildSite(fresh.office, { now }, { env: reporter.io.env })
  reporter.line(`published ${built.published.length} release${built.published.length === 1 ? '' : 's'} (${built.pages.rendered} page${built.pages.rendered === 1 ? '' : 's'} rendered)`)
  const deploy = await runDeploy(fresh.office.config, built.changes, { now: Date.now(), env: reporter.io.env })
  if (deploy) {
    printDeploy(reporter, deploy)
    if (!deploy.ok) reporter.error(deployFailure(deploy))
  }
  return true
}
