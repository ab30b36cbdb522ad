/**
 * The distribution context for the CLI: the office, its press list, the
 * content provider (templates + PDFs through one shared Chromium) and a
 * clock that starts at `--now` / PRESS_NOW (or the real time) and runs on.
 */
import type { VFileMessage } from 'vfile-message'
import { displayPath } from '../config.js'
import { hasErrors } from '../diagnostics.js'
import { createContentProvider } from '../distribute/content.js'
import type { DistributeContext } from '../distribute/commands.js'
import type { Office } from '../office.js'
import { loadPressList } from '../press-list/load.js'
import { findChromium } from '../render/find-chromium.js'
import type { PdfRenderer } from '../render/pdf.js'
import type { Recipient } from '../types.js'
import { openLedger } from '../distribute/queue/open-ledger.js'
import { unsubscribeTokenMaker } from '../recipients/secret.js'
import type { Reporter } from './io.js'

/** A context and how to release what it started. */
export interface CliDistribution {
  readonly ctx: DistributeContext
  readonly messages: readonly VFileMessage[]
  /** True when the press list has errors (sending must not start). */
  readonly listHasErrors: boolean
  close(): Promise<void>
}

/**
 * Create the distribution context of an office.
 *
 * @param office The loaded office.
 * @param reporter The run's reporter (environment).
 * @param start The instant the clock starts at (epoch ms).
 * @param options `transport` override; `frozen`: the clock stays at `start`
 *   (optional; default: it runs on from `start`); `list`: `eager` reads and
 *   validates the press list now (send, schedule), `lazy` only if a command
 *   asks for recipients (dispatch, worker, status never do: with a 100,000-row
 *   list that saves about 85 MB and 1.4 s).
 */
export async function openDistribution(
  office: Office,
  reporter: Reporter,
  start: number,
  options: { transport?: string; frozen?: boolean; list?: 'eager' | 'lazy' } = {},
): Promise<CliDistribution> {
  const { config } = office
  const readList = () =>
    loadPressList(config.paths.pressList, displayPath(config, config.paths.pressList), {
      locales: config.locales,
      ...(config.lists ? { lists: config.lists } : {}),
    })
  const list = options.list === 'lazy' ? undefined : await readList()
  let renderer: Promise<PdfRenderer> | undefined
  const pdf = (): Promise<PdfRenderer> => {
    // puppeteer is imported only when a PDF is actually rendered.
    renderer ??= import('../render/pdf.js').then(({ createPdfRenderer }) =>
      createPdfRenderer({
        executablePath: findChromium(config.pdf.chromium, reporter.io.env),
        timeoutMs: config.pdf.timeout,
        ...(config.pdf.concurrency ? { concurrency: config.pdf.concurrency } : {}),
      }),
    )
    return renderer
  }
  // A rehearsed worker needs a clock that starts at --now and runs on, to
  // reach lifts. A one-shot command given --now must not: with a lift one
  // second away, the seconds spent rendering PDFs would carry the run past
  // the lift, and vetted recipients would get the unembargoed version.
  const offset = start - Date.now()
  const now = options.frozen === true ? () => start : () => Date.now() + offset
  let lazyList: Promise<readonly Recipient[]> | undefined
  const recipients = list ? [...list.recipients] : () => (lazyList ??= readList().then((l) => l.recipients))
  // Opened only for a URL: the commands open the SQLite queue themselves (and
  // a dry run must not create .press/queue.db).
  const queueUrl = reporter.flags.queue ?? reporter.io.env['PRESS_QUEUE']
  const queue = queueUrl ? await openLedger({ statePath: config.paths.state, queueUrl }) : undefined
  const ctx: DistributeContext = {
    statePath: config.paths.state,
    mail: {
      ...config.mail,
      ...(options.transport !== undefined ? { transport: options.transport } : {}),
      unsubscribe: { ...config.mail.unsubscribe, token: unsubscribeTokenMaker(config.paths.state, config.site.url, reporter.io.env) },
      translations: config.translations,
    } as DistributeContext['mail'],
    releases: (slug) => office.releases.find((r) => r.slug === slug),
    listReleases: () => office.releases,
    recipients,
    suppressionsPath: config.paths.suppressions,
    content: createContentProvider(office, pdf),
    now,
    locales: config.locales,
    ...(queue ? { ledger: queue.ledger } : {}),
  }
  return {
    ctx,
    messages: list?.messages ?? [],
    listHasErrors: list ? hasErrors(list.messages) : false,
    async close() {
      if (renderer) await (await renderer).close()
      if (queue) await queue.close()
    },
  }
}
