/** `press --help` wall time: a fresh `node bin/press.js --help` each run, median. */
import { log, median, pressBin, timeCommand } from '../lib/util.js'

/** Samples and median of the help figure. */
export interface HelpResult {
  readonly help_seconds: number
  readonly samples: { readonly help_seconds: number[] }
}

/** Run `press --help` `runs` times (after one warm-up run, for the file cache). */
export async function benchHelp(runs: number): Promise<HelpResult> {
  log(`help: ${runs} runs of node bin/press.js --help`)
  await timeCommand(process.execPath, [pressBin, '--help'])
  const samples: number[] = []
  for (let i = 0; i < runs; i++) samples.push((await timeCommand(process.execPath, [pressBin, '--help'])).seconds)
  return { help_seconds: median(samples), samples: { help_seconds: samples } }
}
