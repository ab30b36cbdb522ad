/**
 * Worker threads rendering release pages (Markdown → HTML + page template)
 * for a build, while the main thread writes files, drives Chromium and
 * renders pages too.
 *
 * The writer asks for pages one at a time through synchronous producers, in
 * plan order, and renders them on the main thread. Workers take pages from
 * the other end of the list, so both sides work until they meet; when the
 * writer reaches a page a worker has, `take` blocks on the page's slot
 * (Atomics.wait, one page's render at most) and takes the result with
 * receiveMessageOnPort. A page a worker fails on is rendered
 * again on the main thread, which reports the error as a single-threaded
 * build would. The output is byte-identical: both sides run renderReleasePage.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'
import type { Config } from '../config.js'
import type { Catalogs } from '../i18n/catalogs.js'
import type { ReleasePageInput, RenderedPage } from './build.js'
import { slot, type RenderTask, type WorkerInit, type WorkerMessage } from './render-protocol.js'

/** Pages a worker holds at once: one to render, one queued. */
const depth = 2
/** Rounds of 50 ms the main thread waits for a worker's page before rendering it itself. */
const patience = 100

/** Options of {@link createRenderPool}. */
export interface RenderPoolOptions {
  /** Worker threads to start (at least 1). */
  readonly workers: number
  readonly config: Config
  readonly resources: Catalogs['resources']
  readonly templatesHash: string
  /** The pages to render, in the order the writer asks for them; a page's index is its id. */
  readonly pages: readonly ReleasePageInput[]
}

/** A running pool. */
export interface RenderPool {
  /**
   * The page with this id rendered by a worker, or undefined when the caller
   * must render it itself (no worker had it, or the worker failed). Blocks
   * while a worker is rendering it. Call at most once per id.
   */
  take(id: number): RenderedPage | undefined
  /** Terminate the workers. Safe to call more than once. */
  close(): Promise<void>
}

interface Lane {
  readonly worker: Worker
  readonly port: MessagePort
  readonly inFlight: Set<number>
  ready: boolean
  dead: boolean
}

/**
 * Start `options.workers` render workers for `options.pages`.
 *
 * @param options Worker count, the office's config, catalogs and templates hash, the pages.
 * @returns The pool; close it in `finally`.
 */
export function createRenderPool(options: RenderPoolOptions): RenderPool {
  const { pages } = options
  const buffer = new SharedArrayBuffer(Math.max(1, pages.length) * Int32Array.BYTES_PER_ELEMENT)
  const slots = new Int32Array(buffer)
  const results = new Map<number, RenderedPage>()
  const failed = new Set<number>()
  // Workers take pages from the end of the list while the writer renders from
  // the start on the main thread; they meet somewhere in between.
  let next = pages.length - 1
  let closed = false

  const dispatch = (lane: Lane): void => {
    if (closed || lane.dead || !lane.ready) return
    while (lane.inFlight.size < depth && next >= 0) {
      const id = next--
      // The main thread took this page already.
      if (Atomics.load(slots, id) !== slot.free) continue
      Atomics.store(slots, id, slot.dispatched)
      lane.inFlight.add(id)
      lane.worker.postMessage({ id, page: pages[id]! } satisfies RenderTask)
    }
  }
  const handle = (lane: Lane, message: WorkerMessage): void => {
    if (message.type === 'ready') lane.ready = true
    else {
      lane.inFlight.delete(message.id)
      if (message.type === 'page') results.set(message.id, message.rendered)
      else failed.add(message.id)
    }
    dispatch(lane)
  }
  const lose = (lane: Lane): void => {
    // A worker that died (or could not start) gives its pages back to the main thread.
    lane.dead = true
    for (const id of lane.inFlight) failed.add(id)
    lane.inFlight.clear()
  }

  const lanes: Lane[] = []
  for (let i = 0; i < options.workers; i++) {
    const { port1, port2 } = new MessageChannel()
    const init: WorkerInit = { config: options.config, resources: options.resources, templatesHash: options.templatesHash, slots: buffer, port: port2 }
    const worker = new Worker(workerUrl(), { workerData: init, transferList: [port2] })
    const lane: Lane = { worker, port: port1, inFlight: new Set(), ready: false, dead: false }
    port1.on('message', (message: WorkerMessage) => handle(lane, message))
    worker.on('error', () => lose(lane))
    worker.on('exit', () => lose(lane))
    lanes.push(lane)
  }

  /** Handle every message already queued, without waiting for the event loop. */
  const drain = (): void => {
    for (const lane of lanes) {
      for (let received = receiveMessageOnPort(lane.port); received !== undefined; received = receiveMessageOnPort(lane.port)) {
        handle(lane, received.message as WorkerMessage)
      }
    }
  }

  return {
    take(id) {
      if (id < 0 || id >= pages.length) return undefined
      // The writer renders pages in batches without returning to the event
      // loop, where the workers' results and 'ready' would otherwise wait:
      // handle them here, so a worker gets its next page within one page's
      // render instead of idling until the batch ends (a 1,000-release build
      // with one worker: 232–275 of 2,000 pages from the worker before,
      // 889–920 after).
      drain()
      const taken = (): RenderedPage | undefined => {
        const result = results.get(id)
        if (result !== undefined) results.delete(id)
        return result
      }
      let result = taken()
      if (result !== undefined) return result
      if (Atomics.compareExchange(slots, id, slot.free, slot.local) === slot.free) return undefined
      for (let round = 0; round < patience; round++) {
        drain()
        result = taken()
        if (result !== undefined || failed.has(id) || Atomics.load(slots, id) === slot.local) return result
        Atomics.wait(slots, id, slot.dispatched, 50)
      }
      // A worker that stopped answering: the main thread renders the page (the same bytes).
      drain()
      return taken()
    },
    async close() {
      if (closed) return
      closed = true
      await Promise.all(
        lanes.map(async (lane) => {
          lane.port.close()
          await lane.worker.terminate()
        }),
      )
    },
  }
}

/**
 * How many render workers a build uses.
 *
 * @param setting `build.workers` / `PRESS_BUILD_WORKERS`: `auto` or a count (0 = none).
 * @param pages Pages this build renders.
 * @param host Cores; the cores idle while this build loaded and planned
 *   (see idle-cores.ts: the main thread was busy then, so it is not among
 *   them), when measured; the 1-minute load average otherwise.
 * @returns 0 for none. `auto`: none below 100 pages; otherwise one per idle
 *   core but one, since the main thread's garbage collector and file writes
 *   keep a core busy beside it (on 2 cores one worker made a 1,000-release
 *   build no faster: medians 4.32 vs 4.17 s), so at most the cores less two. Without a
 *   measurement, the load average beyond 1 (the build itself) counts as
 *   cores taken.
 */
export function workerCount(setting: 'auto' | number, pages: number, host: { readonly cpus: number; readonly load: number; readonly idle?: number | undefined }): number {
  if (pages === 0) return 0
  if (setting !== 'auto') return Math.min(setting, pages)
  if (pages < 100) return 0
  const idle = host.idle !== undefined ? Math.round(host.idle) : Math.floor(host.cpus - Math.max(0, host.load - 1))
  return Math.max(0, Math.min(idle - 1, host.cpus - 2))
}

/** The compiled worker: beside this module in build/, or in build/ when this module runs from its TypeScript source (tests). */
function workerUrl(): URL {
  const here = import.meta.url
  return here.endsWith('.ts') ? new URL('../../build/src/site/render-worker.js', here) : new URL('./render-worker.js', here)
}
