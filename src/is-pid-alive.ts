/**
 * True when a process with this id exists on this machine (one owned by
 * another user counts: signalling it is refused, not unknown).
 *
 * @param pid
 *   Process id.
 * @returns
 *   Whether it is running.
 */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
