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
import type { ContentFor } from '../distribute/compose.js'
import type { Reporter } from './io.js'

/** A context and how to release what it started. */
export interface CliDistribution {
  readonly ctx: DistributeContext
  readonly messages: readonly VFileMessage[]
  /** True when the press list has errors (sending must not start). */
  readonly listHasErrors: boolean
  /** Message contents (each with its PDF) asked for and ready so far; `watch` is told of every change. */
  readonly contents: { started: number; done: number; watch(listener: () => void): void }
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
  const contents = { started: 0, done: 0, listeners: [] as Array<() => void>, watch(listener: () => void) { this.listeners.push(listener) } }
  const ctx: DistributeContext = {
    statePath: config.paths.state,
    mail: {
      ...config.mail,
      ...(options.transport !== undefined ? { transport: options.transport } : {}),
      translations: config.translations,
    } as DistributeContext['mail'],
    releases: (slug) => office.releases.find((r) => r.slug === slug),
    listReleases: () => office.releases,
    recipients,
    suppressionsPath: config.paths.suppressions,
    content: trackContents(createContentProvider(office, pdf), contents),
    now,
    locales: config.locales,
    ...(queue ? { ledger: queue.ledger } : {}),
  }
  return {
    ctx,
    messages: list?.messages ?? [],
    listHasErrors: list ? hasErrors(list.messages) : false,
    contents,
    async close() {
      if (renderer) await (await renderer).close()
      if (queue) await queue.close()
    },
  }
}

/**
 * Count the distinct message contents (release × language × variant, each a
 * PDF render the first time) as they are asked for and become ready, for
 * progress: rendering PDFs is the long part before the first message goes.
 */
function trackContents(content: ContentFor, counts: { started: number; done: number; listeners: Array<() => void> }): ContentFor {
  const seen = new Set<string>()
  const tell = (): void => {
    for (const listener of counts.listeners) listener()
  }
  return (slug, lng, variant) => {
    const key = `${slug}\0${lng}\0${variant.embargoed}\0${variant.test}`
    const result = content(slug, lng, variant)
    if (!seen.has(key)) {
      seen.add(key)
      counts.started++
      tell()
      result.then(
        () => {
          counts.done++
          tell()
        },
        () => undefined,
      )
    }
    return result
  }
}
