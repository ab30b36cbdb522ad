/**
 * The worker's view of edits: watch the office's inputs (releases,
 * templates, catalogs, the press list, the suppression file, the config)
 * and wake whoever subscribed, so an edit is acted on at once rather than
 * at the next scheduled round.
 */
import path from 'node:path'
import type { Config } from '../config.js'
import { watchOffice as watchPaths } from '../preview/watch.js'

/** A running watcher with one subscriber at a time. */
export interface WorkerWatcher {
  /** Call `wake` after each burst of changes; returns an unsubscribe function. */
  subscribe(wake: () => void): () => void
  close(): Promise<void>
}

/**
 * Watch an office for the worker.
 *
 * @param config The office's config.
 * @returns The watcher, once its first scan is done.
 */
export async function watchOffice(config: Config): Promise<WorkerWatcher> {
  let listener: (() => void) | undefined
  const { paths } = config
  const watcher = await watchPaths(
    [paths.releases, paths.templates, paths.locales, paths.pressList, paths.suppressions, path.join(config.root, 'pressroom.yaml')],
    () => listener?.(),
    50,
  )
  return {
    subscribe(wake) {
      listener = wake
      return () => {
        if (listener === wake) listener = undefined
      }
    },
    close: () => watcher.close(),
  }
}
