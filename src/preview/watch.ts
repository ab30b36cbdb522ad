/**
 * Watch the files an office is made of and call back once per burst of
 * changes: an editor's save is often several events (write, rename, chmod),
 * and a `git checkout` is hundreds.
 */
import { watch, type FSWatcher } from 'chokidar'

/** A running watcher. */
export interface OfficeWatcher {
  /** Watch these paths too (already watched ones are ignored). */
  add(paths: readonly string[]): void
  close(): Promise<void>
}

/**
 * Start watching `paths` (files or folders, recursively; a path that does
 * not exist yet is picked up when it appears).
 *
 * @param paths Absolute paths.
 * @param onChange Called after `debounceMs` without further events.
 * @param debounceMs Quiet time before the callback (default 25).
 * @returns The watcher, once its initial scan is done (so no later edit is missed).
 */
export async function watchOffice(
  paths: readonly string[],
  onChange: (changed: readonly string[]) => void,
  debounceMs = 25,
): Promise<OfficeWatcher> {
  const watched = new Set(paths)
  const watcher: FSWatcher = watch([...paths], {
    ignoreInitial: true,
    // Editor droppings and the like never change what the office renders.
    ignored: (file: string) => /(^|[/\\])(\.git|node_modules)([/\\]|$)|(~|\.swp|\.swx|\.tmp)$|[/\\]\.#/.test(file),
  })
  let timer: NodeJS.Timeout | undefined
  let changed: string[] = []
  watcher.on('all', (_event, file) => {
    changed.push(file)
    clearTimeout(timer)
    timer = setTimeout(() => {
      const batch = changed
      changed = []
      onChange(batch)
    }, debounceMs)
  })
  // An unreadable folder must not take the preview down; the next reload reports what is wrong.
  watcher.on('error', () => {})
  await new Promise<void>((resolve) => watcher.once('ready', resolve))
  return {
    add(more) {
      const fresh = more.filter((p) => !watched.has(p))
      for (const p of fresh) watched.add(p)
      if (fresh.length > 0) watcher.add(fresh)
    },
    async close() {
      clearTimeout(timer)
      await watcher.close()
    },
  }
}
