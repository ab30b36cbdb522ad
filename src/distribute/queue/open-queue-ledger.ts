/**
 * Pick the ledger a command uses: the embedded SQLite queue in the state
 * folder by default, or the shared Redis one for a `redis://` / `rediss://`
 * queue URL (`--queue`), so several dispatchers on several machines send one
 * distribution together.
 */
import { join } from 'node:path'
import { UsageError } from '../../errors.js'
import { redactUrl } from '../../secrets.js'
import type { Ledger } from './ledger.js'
import { openRedisLedger, type RedisLedgerOptions } from './redis-ledger.js'
import { openSqliteLedger } from './sqlite-ledger.js'

/** Where the queue lives. */
export interface LedgerSpec {
  /** The private state folder (`.press`); the SQLite queue is `<statePath>/queue.db`. */
  readonly statePath: string
  /** `redis://[user:pass@]host[:port][/db][?prefix=name]`; absent or empty for SQLite. */
  readonly queueUrl?: string | undefined
  /** Lease timings and ioredis options for the Redis ledger (optional; tests). */
  readonly redis?: RedisLedgerOptions
}

/**
 * Open the ledger named by `spec`.
 *
 * @param spec
 *   State folder and optional queue URL.
 * @returns
 *   The ledger and how to close it.
 * @throws {UsageError}
 *   For a queue URL that is not `redis://` or `rediss://`.
 * @throws {QueueUnavailableError}
 *   When the Redis server cannot be reached.
 */
export async function openQueueLedger(spec: LedgerSpec): Promise<{ ledger: Ledger; close(): Promise<void> }> {
  const url = spec.queueUrl?.trim()
  if (url === undefined || url === '') {
    const ledger = openSqliteLedger(join(spec.statePath, 'queue.db'))
    return { ledger, close: () => ledger.close() }
  }
  if (!/^rediss?:\/\//i.test(url)) {
    throw new UsageError(
      `Unknown queue "${redactUrl(url)}": give a Redis URL such as redis://127.0.0.1:6379 (optionally ?prefix=office-a), or leave --queue out to use the embedded SQLite queue in .press/.`,
    )
  }
  const ledger = await openRedisLedger(url, spec.redis ?? {})
  return { ledger, close: () => ledger.close() }
}
