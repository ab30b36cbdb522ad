/**
 * Messages between the render pool (main thread) and its workers
 * (render-worker.ts). Everything here is structured-clonable.
 *
 * Each task has a slot in a shared Int32Array: the main thread writes
 * `dispatched` (or `local` when it renders the page itself), the worker
 * writes `done` after posting the result, so the main thread can block on
 * the slot (Atomics.wait) inside a synchronous producer and then take the
 * result with receiveMessageOnPort.
 */
import type { MessagePort } from 'node:worker_threads'
import type { Config } from '../config.js'
import type { Catalogs } from '../i18n/catalogs.js'
import type { ReleasePageInput, RenderedPage } from './build.js'

/** Slot states in the shared task array. */
export const slot = Object.freeze({ free: 0, dispatched: 1, done: 2, local: 3 })

/** What a worker starts with (its workerData). */
export interface WorkerInit {
  readonly config: Config
  readonly resources: Catalogs['resources']
  /** Hash of the templates the main thread loaded: a worker that reads different ones refuses to render. */
  readonly templatesHash: string
  /** Int32Array slots, one per task. */
  readonly slots: SharedArrayBuffer
  /** Where results go. */
  readonly port: MessagePort
}

/** Main → worker: render one page. */
export interface RenderTask {
  readonly id: number
  readonly page: ReleasePageInput
}

/** Worker → main, on the result port. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'page'; readonly id: number; readonly rendered: RenderedPage }
  /** The page could not be rendered in the worker; the main thread renders it again and reports its own error. */
  | { readonly type: 'failed'; readonly id: number; readonly reason: string }
