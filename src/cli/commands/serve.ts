/** `press serve`: the one-click unsubscribe endpoint, until Ctrl+C. */
import type { ServeEvent } from '../../recipients/server.js'
import { openRecipientsService, type RecipientsService } from '../../recipients/open-service.js'
import type { Office } from '../../office.js'
import { commandNow, failOnContentErrors, nowIsGiven, openOffice } from '../context.js'
import type { Reporter } from '../io.js'

/** Flags of `press serve`. */
export interface ServeFlags {
  readonly port: number
  readonly host: string
}

const loopback = new Set(['127.0.0.1', 'localhost', '::1'])

/** One log line per unsubscribe, resubscribe or refusal. */
export function serveEventLine(event: ServeEvent): string {
  const who = event.email ? ` ${event.email}${event.slug ? ` (${event.slug})` : ''}` : ''
  if (event.action === 'refused') return `refused${who}: ${event.reason} (HTTP ${event.status})`
  return `${event.action.replace('-', ' ')}${who}: ${event.reason}`
}

/**
 * Start the service for a loaded office and print where it listens.
 *
 * @param reporter The run's reporter.
 * @param office The office.
 * @param flags Port and host.
 * @param now The clock.
 * @returns The running service.
 */
export async function startServe(reporter: Reporter, office: Office, flags: ServeFlags, now: () => number): Promise<RecipientsService> {
  const service = await openRecipientsService(office, {
    port: flags.port,
    host: flags.host,
    env: reporter.io.env,
    now,
    onEvent: (event) => {
      const line = serveEventLine(event)
      if (event.action === 'refused') reporter.warn(line)
      else reporter.line(line)
    },
  })
  reporter.line(`unsubscribe endpoint: ${service.url}${service.path} (POST one-click, GET confirmation page)`)
  if (!office.config.mail.unsubscribe.url)
    reporter.warn(
      '`mail.unsubscribe.url` is not set, so messages carry no one-click link; set it to the public URL your reverse proxy forwards here',
    )
  if (!loopback.has(flags.host)) reporter.warn(`listening on ${flags.host}, not loopback: put it behind your reverse proxy with HTTPS`)
  return service
}

/**
 * Run `press serve` until SIGINT or SIGTERM.
 *
 * @param reporter The run's reporter.
 * @param flags Port and host.
 * @returns The exit code (0 after a clean shutdown).
 */
export async function runServe(reporter: Reporter, flags: ServeFlags): Promise<number> {
  const start = commandNow(reporter)
  const startedAt = Date.now()
  const now = nowIsGiven(reporter) ? () => start + (Date.now() - startedAt) : () => Date.now()
  const { office, messages } = await openOffice(reporter)
  if (!office) failOnContentErrors(reporter, messages, 'the server was not started')
  const service = await startServe(reporter, office, flags, now)
  reporter.line('Press Ctrl+C to stop.')
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await service.close()
  return 0
}
