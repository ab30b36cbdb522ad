/** `press inbox`: read the mailbox once (for cron); also one worker round's inbox step. */
import { redactUrl } from '../../secrets.js'
import type { Office } from '../../office.js'
import type { InboxItem, InboxReport } from '../../recipients/inbox.js'
import { NoInboxError, noInboxMessage, readOfficeInbox } from '../../recipients/office-inbox.js'
import { commandNow, failOnContentErrors, openOffice } from '../context.js'
import type { Reporter } from '../io.js'

/** One line per message handled. */
export function inboxItemLine(item: InboxItem): string {
  const who = item.email ? ` ${item.email}${item.slug ? ` (${item.slug})` : ''}` : ''
  return `${item.action}${who}: ${item.reason}`
}

/**
 * Read the inbox of an office and print what was done.
 *
 * @param reporter The run's reporter.
 * @param office The office.
 * @param now The clock.
 * @returns The report.
 */
export async function inboxRound(reporter: Reporter, office: Office, now: () => number): Promise<InboxReport> {
  reporter.detail(`inbox: ${redactUrl(office.config.mail.inbox ?? '')}`)
  const report = await readOfficeInbox(office, now)
  for (const item of report.items) {
    if (item.action === 'left' && item.kind === 'malformed') reporter.warn(`inbox message ${item.uid} "${item.subject}": ${item.reason}`)
    else if (item.action === 'left') reporter.detail(`inbox message ${item.uid} "${item.subject}": ${item.reason}`)
    else reporter.line(`inbox: ${inboxItemLine(item)}`)
  }
  return report
}

/**
 * `press inbox`.
 *
 * @param reporter The run's reporter.
 * @returns The exit code.
 */
export async function runInbox(reporter: Reporter): Promise<number> {
  const start = commandNow(reporter)
  const { office, messages } = await openOffice(reporter)
  if (!office) failOnContentErrors(reporter, messages, 'the mailbox was not read')
  if (!office.config.mail.inbox) throw new NoInboxError(noInboxMessage)
  const report = await inboxRound(reporter, office, () => start)
  const count = (action: InboxItem['action']): number => report.items.filter((i) => i.action === action).length
  if (reporter.flags.json) {
    reporter.json({ ok: true, folder: report.folder, suppressed: report.suppressed, items: report.items })
  } else {
    reporter.line(
      `inbox ${report.folder}: ${report.items.length} message${report.items.length === 1 ? '' : 's'} read; ${count('suppressed')} suppressed, ${count('counted')} temporary failures counted, ${count('ignored')} ignored, ${count('left')} left unread for a person`,
    )
  }
  return 0
}
