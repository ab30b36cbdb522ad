/**
 * HTML site builds: Pressroom's cold `press build --no-pdf` and its rebuild
 * after editing one release, against Hugo's full build of a minimal
 * multilingual site over the same Markdown. Rounds alternate
 * (Pressroom cold, Pressroom incremental, Hugo) and the ratios use medians.
 */
import { appendFile, mkdir, readdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { generateReleases, writeHugoSite, writeOffice } from '../lib/corpus.js'
import { log, median, pressBin, timeCommand, workDir } from '../lib/util.js'

/** Figures of the HTML section. */
export interface HtmlResult {
  readonly html_releases: number
  readonly html_pages: number
  readonly press_cold_seconds: number
  readonly press_incremental_seconds: number
  readonly hugo_seconds: number
  readonly html_cold_vs_hugo: number
  readonly incremental_vs_hugo_full: number
  readonly samples: {
    readonly press_cold_seconds: number[]
    readonly press_incremental_seconds: number[]
    readonly hugo_seconds: number[]
  }
}

/**
 * Build `releases` × 2 locales `rounds` times each way.
 *
 * @param hugo The hugo binary.
 */
export async function benchHtml(releases: number, rounds: number, hugo: string): Promise<HtmlResult> {
  const corpus = generateReleases(releases)
  const office = await writeOffice(path.join(workDir, `html-office-${releases}`), corpus)
  const site = await writeHugoSite(path.join(workDir, `html-hugo-${releases}`), corpus)
  log(`html: corpus of ${releases} releases × 2 locales written; ${rounds} alternating rounds`)
  const edited = path.join(office, 'releases', corpus[Math.floor(releases / 2)]!.slug, 'en.md')

  // Outputs of earlier rounds are moved aside and deleted after the last
  // round, not right before a build: ext4 skips inodes freed in the last
  // minutes when it allocates new ones, so deleting 4,000 files and folders
  // just before a build made every round slower than the last (Hugo went
  // 1.1 s → 2.9 s over ten rounds) and the ratio a measure of the file system.
  // Trash left by an interrupted run goes now, before anything is timed.
  for (const name of await readdir(workDir))
    if (name.startsWith('html-trash-')) await rm(path.join(workDir, name), { recursive: true, force: true })
  const trash = path.join(workDir, `html-trash-${process.pid}`)
  let moved = 0
  const moveAside = async (dir: string): Promise<void> => {
    await mkdir(trash, { recursive: true })
    try {
      await rename(dir, path.join(trash, String(moved++)))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  const pressCold = async (): Promise<number> => {
    await moveAside(path.join(office, 'dist'))
    await moveAside(path.join(office, '.press'))
    return (await timeCommand(process.execPath, [pressBin, 'build', '--no-pdf', '--quiet', '-C', office])).seconds
  }
  const pressIncremental = async (round: number): Promise<number> => {
    // A real edit: one more paragraph in one release's source text.
    await appendFile(edited, `\nAn update added in benchmark round ${round}, with new figures from the field team.\n`)
    return (await timeCommand(process.execPath, [pressBin, 'build', '--no-pdf', '--quiet', '-C', office])).seconds
  }
  const hugoFull = async (): Promise<number> => {
    await moveAside(path.join(site, 'public'))
    await moveAside(path.join(site, 'resources'))
    const cache = path.join(site, '.hugo-cache')
    await moveAside(cache)
    return (await timeCommand(hugo, ['--quiet', '-s', site, '-d', 'public', '--cacheDir', cache])).seconds
  }

  // Warm the file cache and both programs' first-run costs once, unmeasured.
  await hugoFull()
  const cold: number[] = []
  const incremental: number[] = []
  const hugoTimes: number[] = []
  for (let round = 1; round <= rounds; round++) {
    // Alternate which side goes first so neither always runs on a warmer machine.
    if (round % 2 === 0) hugoTimes.push(await hugoFull())
    cold.push(await pressCold())
    incremental.push(await pressIncremental(round))
    if (round % 2 === 1) hugoTimes.push(await hugoFull())
    log(
      `html round ${round}: press cold ${cold.at(-1)!.toFixed(2)} s, incremental ${incremental.at(-1)!.toFixed(2)} s, hugo ${hugoTimes.at(-1)!.toFixed(2)} s`,
    )
  }
  await rm(trash, { recursive: true, force: true })
  const pressColdMedian = median(cold)
  const pressIncMedian = median(incremental)
  const hugoMedian = median(hugoTimes)
  return {
    html_releases: releases,
    html_pages: releases * 2,
    press_cold_seconds: pressColdMedian,
    press_incremental_seconds: pressIncMedian,
    hugo_seconds: hugoMedian,
    html_cold_vs_hugo: pressColdMedian / hugoMedian,
    incremental_vs_hugo_full: pressIncMedian / hugoMedian,
    samples: { press_cold_seconds: cold, press_incremental_seconds: incremental, hugo_seconds: hugoTimes },
  }
}
