/**
 * `processInbox` wired from an office's config: the press list, the
 * releases, the store. Used by `press inbox` and by the worker each round.
 */
import { displayPath } from '../config.js'
import { parseFrom } from '../distribute/compose.js'
import type { Office } from '../office.js'
import { loadPressList } from '../press-list/load.js'
import { normalizeEmail } from '../address.js'
import { processInbox, type InboxReport } from './inbox.js'
import { openRecipientStore } from './store.js'

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
  if (!url) throw new Error('mail.inbox is not set')
  const list = await loadPressList(config.paths.pressList, displayPath(config, config.paths.pressList), { locales: config.locales, ...(config.lists ? { lists: config.lists } : {}) })
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
