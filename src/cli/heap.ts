/**
 * Peak memory of the long sending commands. `press dispatch` and `press
 * worker` allocate fast (a ~200 KB message every millisecond or so) while
 * keeping little alive (~40 MB); V8's default heap growing lets the old
 * space grow to several times that between full collections, so the peak
 * RSS rose with the length of the list (240 MB at 20,000 recipients). A
 * fixed growing factor of 1.5 keeps it flat (~165 MB) for a few percent of
 * GC time. `--heap-growing-percent` is read by V8 whenever it sets the next
 * collection's limit, so it takes effect when set at run time: no re-exec,
 * and no other command (nor `press --help`) pays anything.
 */
import v8 from 'node:v8'

/** The V8 flag set for the sending commands. */
export const sendingHeapFlag = '--heap-growing-percent=50'

const heapFlags = /(^|\s)--(heap-growing-percent|heap_growing_percent|max-old-space-size|max_old_space_size|max-heap-size|max_heap_size)\b/

/**
 * The flag to set, or undefined when the user already chose a heap setting
 * (in the node command line or NODE_OPTIONS), which then wins.
 *
 * @param execArgv
 *   Node's own arguments (`process.execArgv`).
 * @param nodeOptions
 *   `NODE_OPTIONS` (optional).
 * @returns
 *   `--heap-growing-percent=50`, or undefined.
 */
export function heapFlagFor(execArgv: readonly string[], nodeOptions: string | undefined): string | undefined {
  if (heapFlags.test(execArgv.join(' ')) || heapFlags.test(nodeOptions ?? '')) return undefined
  return sendingHeapFlag
}

/**
 * Keep the heap of a sending command from growing with the list (see the
 * file comment). Process-wide, so only the CLI calls it, for dispatch and
 * worker.
 *
 * @param env
 *   The environment (NODE_OPTIONS is read from it).
 * @returns
 *   The flag set, or undefined when the user's own setting was kept.
 */
export function limitHeapGrowth(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const flag = heapFlagFor(process.execArgv, env['NODE_OPTIONS'])
  if (flag !== undefined) v8.setFlagsFromString(flag)
  return flag
}
