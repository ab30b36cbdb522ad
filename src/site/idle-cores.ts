/**
 * How many cores are idle right now, measured over a stretch of the build
 * itself (from `sampleCpu()` at its start to the moment workers are
 * chosen). The load average answers a different question: it trails the
 * last minute, so it still counts the build just before this one, or the
 * last test run, long after they ended.
 */
import { cpus } from 'node:os'

/** Machine-wide CPU time so far, in ms summed over cores. */
export interface CpuSample {
  readonly busy: number
  readonly idle: number
}

/**
 * The machine's CPU counters now.
 *
 * @returns Busy and idle ms since boot, summed over cores.
 */
export function sampleCpu(): CpuSample {
  let busy = 0
  let idle = 0
  for (const { times } of cpus()) {
    busy += times.user + times.nice + times.sys + times.irq
    idle += times.idle
  }
  return { busy, idle }
}

/**
 * Cores idle on average between two samples.
 *
 * @param from The earlier sample.
 * @param to The later sample.
 * @param cores Cores the counters cover.
 * @returns Idle cores (0..cores), or undefined when the stretch is too short
 *   to say (under 100 ms of CPU time per core: the counters tick every 10 ms).
 */
export function idleCores(from: CpuSample, to: CpuSample, cores: number): number | undefined {
  const idle = to.idle - from.idle
  const total = idle + (to.busy - from.busy)
  if (cores <= 0 || total < 100 * cores) return undefined
  return (idle / total) * cores
}

/** The counters when this module was first imported: for `press build`, the command's start. */
export const processStart: CpuSample = sampleCpu()
