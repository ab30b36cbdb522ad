import type { QueuedJob } from './ledger.js'

/**
 * The earliest time a job may go: an unvetted row never before the lift
 * (the rule SQLite also states as a CHECK and every Redis script keeps).
 *
 * @param job
 *   Whether the recipient is vetted, the lift (optional) and the planned time.
 * @returns
 *   Epoch ms.
 */
export function clampSendAt(job: Pick<QueuedJob, 'vetted' | 'lift' | 'sendAt'>): number {
  return !job.vetted && job.lift !== undefined ? Math.max(job.sendAt, job.lift) : job.sendAt
}
