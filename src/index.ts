/**
 * Pressroom as a library: load an office, check it, build its public site,
 * plan and send a distribution, and change a release after planning — the
 * same functions the `press` command line calls. Re-exports only.
 *
 * ```ts
 * import { loadOffice, checkOffice, buildSite } from 'pressroom'
 * const { office, messages } = await loadOffice('/srv/newsroom')
 * if (office) await buildSite(office, { now: Date.now() })
 * ```
 */
export { loadOffice, type Office, type LoadOfficeOptions } from './office.js'
export { loadConfig, type Config } from './config.js'
export { checkOffice, type CheckReport } from './check.js'
export { buildSite, type BuildReport } from './site/build-site.js'
export { planSends, type Plan, type SendJob } from './distribute/plan.js'
export {
  dispatch,
  dryRun,
  planAndSend,
  schedule,
  sendTest,
  status,
  worker,
  type DistributeContext,
  type MailConfig,
  type SendOptions,
} from './distribute/commands.js'
export { liftEmbargo, recipientsStatus, retryRelease, sendCorrection, withdrawRelease } from './distribute/changes.js'
export { decide, type HandOver, type OfficeView } from './distribute/decide.js'
export { embargoDecision, isPublic, isUnderEmbargo } from './embargo/policy.js'
export { createContentProvider } from './distribute/content.js'
export { PressError } from './errors.js'
export type { Contact, Embargo, Lng, Recipient, Release, ReleaseText } from './types.js'
