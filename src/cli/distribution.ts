/**
 * The distribution context for the CLI: the office, its press list, the
 * content provider (templates + PDFs through one shared Chromium) and a
 * clock that starts at `--now` / PRESS_NOW (or the real time) and runs on.
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
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
import { openQueueLedger } from '../distribute/queue/open-queue-ledger.js'
import { openOffice } from './context.js'
import type { ContentFor } from '../distribute/compose.js'
import { unsubscribeTokenMaker } from '../recipients/secret.js'
import type { Reporter } from './io.js'
import { rehearsalDir } from './rehearsal.js'

/** A context and how to release what it started. */
export interface CliDistribution {
  readonly ctx: DistributeContext
  readonly messages: readonly VFileMessage[]
  /** True when the press list has errors (sending must not start). */
  readonly listHasErrors: boolean
  /** A rehearsal: the outbox and queue of `.press/rehearsal/`, whatever the transport and `--queue`. */
  readonly rehearsal: boolean
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
 *   list that saves about 85 MB and 1.4 s); `rehearsal`: deliver to the
 *   outbox and queue of `.press/rehearsal/` (optional; default false).
 */
export async function openDistribution(
  office: Office,
  reporter: Reporter,
  start: number,
  options: { transport?: string; frozen?: boolean; list?: 'eager' | 'lazy'; rehearsal?: boolean } = {},
): Promise<CliDistribution> {
  const { config } = office
  let current = office
  const rehearsal = options.rehearsal === true
  const readList = () =>
    loadPressList(config.paths.pressList, displayPath(config, config.paths.pressList), {
      locales: config.locales,
      ...(config.lists ? { lists: config.lists } : {}),
    })
  const fileStamp = (file: string): string => {
    try {
      const st = statSync(file)
      return `${st.size}:${st.mtimeMs}:${st.ino}`
    } catch {
      return 'missing'
    }
  }
  let listStamp = fileStamp(config.paths.pressList)
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
  let eager: readonly Recipient[] | undefined = list ? [...list.recipients] : undefined
  const recipients = (): Iterable<Recipient> | Promise<Iterable<Recipient>> => eager ?? (lazyList ??= readList().then((l) => l.recipients))
  let content = createContentProvider(office, pdf)
  const officeStamp = (o: Office): string => JSON.stringify([o.templates.hash, o.releases.map((r) => [r.slug, r.inputHash, r.status])])
  let stamp = officeStamp(office)
  /** Read the office and the press list again; true when either changed. */
  const refresh = async (): Promise<boolean> => {
    let changed = false
    const nowList = fileStamp(config.paths.pressList)
    if (nowList !== listStamp) {
      listStamp = nowList
      const fresh = await readList()
      if (hasErrors(fresh.messages)) {
        reporter.diagnostics(fresh.messages)
        reporter.warn(`${displayPath(config, config.paths.pressList)} has errors; the press list as it was is used until they are fixed`)
      } else {
        if (eager !== undefined) eager = [...fresh.recipients]
        lazyList = Promise.resolve(fresh.recipients)
        changed = true
      }
    }
    const fresh = await openOffice(reporter)
    if (!fresh.office) {
      reporter.diagnostics(fresh.messages)
      reporter.warn('the office has errors; releases as they were are used until they are fixed')
      return changed
    }
    const next = officeStamp(fresh.office)
    if (next !== stamp) {
      stamp = next
      current = fresh.office
      content = createContentProvider(current, pdf)
      changed = true
    }
    return changed
  }
  // Opened only for a URL: the commands open the SQLite queue themselves (and
  // a dry run must not create .press/queue.db).
  // A rehearsal never touches the real queue (a Redis one included).
  const queueUrl = rehearsal ? undefined : (reporter.flags.queue ?? reporter.io.env['PRESS_QUEUE'])
  const queue = queueUrl ? await openQueueLedger({ statePath: config.paths.state, queueUrl }) : undefined
  const contents = {
    started: 0,
    done: 0,
    listeners: [] as Array<() => void>,
    watch(listener: () => void) {
      this.listeners.push(listener)
    },
  }
  const ctx: DistributeContext = {
    // A rehearsal's queue.db and outbox/ live in .press/rehearsal/.
    statePath: rehearsal ? rehearsalDir(config.paths.state) : config.paths.state,
    mail: {
      ...config.mail,
      ...(rehearsal ? { transport: 'outbox' } : options.transport !== undefined ? { transport: options.transport } : {}),
      unsubscribe: { ...config.mail.unsubscribe, token: unsubscribeTokenMaker(config.paths.state, config.site.url, reporter.io.env) },
      translations: config.translations,
    } as DistributeContext['mail'],
    releases: (slug) => current.releases.find((r) => r.slug === slug),
    listReleases: () => current.releases,
    recipients,
    suppressionsPath: config.paths.suppressions,
    content: trackContents((slug, lng, variant) => content(slug, lng, variant), contents),
    refresh,
    inputsStamp: () => `${fileStamp(config.paths.pressList)}|${fileStamp(config.paths.suppressions)}`,
    root: config.root,
    // A rehearsal keeps its own delivery record: the office's must only say who really got what.
    deliveriesPath: rehearsal ? join(rehearsalDir(config.paths.state), 'deliveries') : config.paths.deliveries,
    now,
    locales: config.locales,
    ...(queue ? { ledger: queue.ledger } : {}),
  }
  return {
    ctx,
    messages: list?.messages ?? [],
    listHasErrors: list ? hasErrors(list.messages) : false,
    rehearsal,
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
