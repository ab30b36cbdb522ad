/** Replacing an output folder whole, and cleaning up after builds that died doing it. */
import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { isPidAlive } from '../is-pid-alive.js'

/**
 * Replace `distDir` with the complete folder `tmp` in one rename (the old
 * folder is moved aside first and removed after; put back if the rename fails).
 *
 * @param tmp A complete output folder beside `distDir`.
 * @param distDir The folder to replace (may not exist yet).
 * @param stateDir Absolute .press/ path (created when missing).
 */
export async function swapIn(tmp: string, distDir: string, stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true })
  const old = path.join(path.dirname(distDir), `.${path.basename(distDir)}.old-${process.pid}-${randomBytes(4).toString('hex')}`)
  let moved = false
  try {
    await rename(distDir, old)
    moved = true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  try {
    await rename(tmp, distDir)
  } catch (error) {
    if (moved) await rename(old, distDir)
    throw error
  }
  if (moved) await rm(old, { recursive: true, force: true })
}

/**
 * Remove the temp and moved-aside folders of `base` (`.<base>.tmp-<pid>-…`,
 * `.<base>.old-<pid>-…`) left in `parent` by builds that died.
 *
 * @param parent The folder that holds the output folder.
 * @param base The output folder's name.
 */
export async function removeStaleTemps(parent: string, base: string): Promise<void> {
  let names: string[]
  try {
    names = await readdir(parent)
  } catch {
    return
  }
  await Promise.all(
    names
      .filter((name) => name.startsWith(`.${base}.tmp-`) || name.startsWith(`.${base}.old-`))
      // Leave the folders of a build still running (e.g. the worker's rebuild at a lift).
      .filter((name) => !isAlive(Number(/\.(?:tmp|old)-(\d+)-/.exec(name)?.[1])))
      .map((name) => rm(path.join(parent, name), { recursive: true, force: true })),
  )
}

/** True when `pid` is a running process other than this one (this process's own leftovers are stale). */
function isAlive(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isPidAlive(pid)
}
