/**
 * The recipients' service of one office, wired from its config: secrets,
 * store, press-list languages, catalogs. Used by `press serve` and
 * `press worker --serve`.
 */
import { stat } from 'node:fs/promises'
import { displayPath } from '../config.js'
import type { Office } from '../office.js'
import { loadPressList } from '../press-list/load.js'
import { normalizeEmail } from '../address.js'
import { loadSecrets } from './secret.js'
import { createRecipientsApp, startRecipientsServer, type RecipientsServer, type ServeEvent } from './server.js'
import { openRecipientStore } from './store.js'

/** Options of `openRecipientsService`. */
export interface RecipientsServiceOptions {
  readonly port: number
  readonly host?: string
  readonly env: NodeJS.ProcessEnv
  /** The clock, epoch ms. */
  readonly now: () => number
  readonly onEvent?: (event: ServeEvent) => void
}

/** A running service: the server plus what it opened. */
export interface RecipientsService extends RecipientsServer {
  /** The path of the unsubscribe endpoint. */
  readonly path: string
}

/**
 * Start the recipients' HTTP service of an office.
 *
 * @param office
 *   The loaded office.
 * @param options
 *   Port, host, environment, clock, log.
 * @returns
 *   The running service; `close()` it.
 */
export async function openRecipientsService(office: Office, options: RecipientsServiceOptions): Promise<RecipientsService> {
  const { config } = office
  const secrets = loadSecrets(config.paths.state, options.env)
  const store = openRecipientStore(config.paths.state)
  const path = config.mail.unsubscribe.url ? new URL(config.mail.unsubscribe.url, 'https://x.invalid').pathname : '/unsubscribe'
  // The press list is read again only when the file changed.
  let languages: { mtime: number; byEmail: Map<string, string> } | undefined
  const languageOf = async (email: string): Promise<string | undefined> => {
    const mtime = await stat(config.paths.pressList).then(
      (s) => s.mtimeMs,
      () => -1,
    )
    if (languages?.mtime !== mtime) {
      const list = await loadPressList(config.paths.pressList, displayPath(config, config.paths.pressList), {
        locales: config.locales,
        ...(config.lists ? { lists: config.lists } : {}),
      })
      languages = { mtime, byEmail: new Map(list.recipients.map((r) => [normalizeEmail(r.email), r.lng])) }
    }
    return languages.byEmail.get(email)
  }
  const from = /<([^>]+)>/.exec(config.mail.from)?.[1] ?? config.mail.from
  const mailto = config.mail.unsubscribe.mailto?.replace(/^mailto:/i, '')
  const contact = mailto || (config.contacts.find((c) => c.email)?.email ?? from)
  const app = createRecipientsApp({
    secrets,
    office: config.site.url,
    suppressionsPath: config.paths.suppressions,
    store,
    now: options.now,
    basePath: path,
    locales: config.locales,
    defaultLocale: config.defaultLocale,
    languageOf,
    translate: (lng) => office.translator.forLng(lng),
    organisation: config.organisation.name,
    contact,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  })
  let server: RecipientsServer
  try {
    server = await startRecipientsServer(app, { port: options.port, ...(options.host ? { host: options.host } : {}) })
  } catch (error) {
    store.close()
    throw error
  }
  return {
    url: server.url,
    port: server.port,
    path,
    async close() {
      await server.close()
      store.close()
    },
  }
}
