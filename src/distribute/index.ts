/**
 * Distribution: plan, compose, queue and send a release to the press list.
 * Re-exports only.
 */
export * from './commands.js'
export * from './compose.js'
export * from './dispatch.js'
export * from './errors.js'
export * from './mailer.js'
export * from './plan.js'
export * from './queue/ledger.js'
export * from './queue/sqlite-ledger.js'
