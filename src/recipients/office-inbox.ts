/**
 * `processInbox` wired from an office's config: the press list, the
 * releases, the store. Used by `press inbox` and by the worker each round.
 */
import { displayPath } from '../config.js'
import { PressError } from '../errors.js'
import { parseFrom } from '../distribute/compose.js'
import type { Office } from '../office.js'
import { loadPressList } from '../press-list/load.js'
import { normalizeEmail } from '../address.js'
import { processInbox, type InboxReport } from './inbox.js'
import { openRecipientStore } from './store.js'

/** What to do when there is no mailbox to read. */
export const noInboxMessage =
  'No mailbox to read: set `mail.inbox: imaps://user:password@mail.example.org/INBOX` in pressroom.yaml (or PRESS_INBOX_URL).'

/** `mail.inbox` is not set. */
export class NoInboxError extends PressError {
  override readonly code = 'PRESS_NO_INBOX'
}

/**
 * Read the office's mailbox once (`mail.inbox`).
 *
 * @param office
 *   The loaded office (its config must set `mail.inbox`).
 * @param now
 *   The clock, epoch ms.
 * @returns
 *   What was done with each message.
 */
export async function readOfficeInbox(office: Office, now: () => number): Promise<InboxReport> {
  const { config } = office
  const url = config.mail.inbox
  if (!url) throw new NoInboxError(noInboxMessage)
  const list = await loadPressList(config.paths.pressList, displayPath(config, config.paths.pressList), {
    locales: config.locales,
    ...(config.lists ? { lists: config.lists } : {}),
  })
  const emails = new Set(list.recipients.map((r) => normalizeEmail(r.email)))
  const from = parseFrom(config.mail.from)
  const store = openRecipientStore(config.paths.state)
  try {
    return await processInbox({
      url,
      processedFolder: config.mail.bounces.folder,
      temporary: config.mail.bounces.temporary,
      ...(config.mail.unsubscribe.mailto ? { unsubscribeAddress: config.mail.unsubscribe.mailto.replace(/^mailto:/i, '') } : {}),
      fromAddress: from.address,
      domain: from.domain,
      slugs: office.releases.map((r) => r.slug),
      onList: (email) => emails.has(email),
      suppressionsPath: config.paths.suppressions,
      store,
      now,
    })
  } finally {
    store.close()
  }
}
