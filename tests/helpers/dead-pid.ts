import { spawnSync } from 'node:child_process'

/** The pid of a process that has just exited (for a lock left by a dead holder). */
export function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString())
}
