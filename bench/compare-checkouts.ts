/**
 * `node build/bench/compare-checkouts.js <A> <B> [--rounds N] [--releases N] [--only a,b]`:
 * did a change (a refactor, a dependency bump) make Pressroom slower? Runs
 * the `press` of two checkouts (each already compiled: `build/` present) on
 * the same generated office, alternating A/B/A/B with the side that goes
 * first alternating too, and prints the medians and the ratio B/A of each:
 *
 * - `help`: `press --help`;
 * - `html_cold`: `press build --no-pdf` with no `dist/` and no `.press/`;
 * - `html_incremental`: the same build right after a paragraph is appended to one release;
 * - `pdf_cold`: `press build` of a small office (PDFs on), no `.press/` cache;
 * - `plan_and_outbox`: `press send` of one release to the outbox for a generated press list.
 *
 * The offices are generated once (same bytes for both sides) under
 * bench/.work/compare/. A ratio near 1 means no change; the machine is
 * shared, so only a ratio outside the spread of the samples means anything.
 */
import { appendFile, cp, mkdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { generateReleases, writeOffice } from './lib/corpus.js'
import { log, median, round, timeCommand, workDir } from './lib/util.js'

interface Args {
  readonly a: string
  readonly b: string
  readonly rounds: number
  readonly releases: number
  /** Measures to run (default all). */
  readonly only: readonly string[] | undefined
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = []
  let rounds = 5
  let releases = 200
  let only: string[] | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--rounds') rounds = Number(argv[++i])
    else if (arg === '--releases') releases = Number(argv[++i])
    else if (arg === '--only') only = (argv[++i] ?? '').split(',')
    else positional.push(path.resolve(arg))
  }
  if (positional.length !== 2 || !(rounds > 0) || !(releases > 0)) {
    throw new Error(
      'usage: node build/bench/compare-checkouts.js <checkout A> <checkout B> [--rounds 5] [--releases 200] [--only help,html_cold,html_incremental,pdf_cold,plan_and_outbox]',
    )
  }
  return { a: positional[0]!, b: positional[1]!, rounds, releases, only }
}

type Side = 'A' | 'B'
/** Wall time, and the CPU time (user + system) of the process and everything it waited for (Chromium included). */
interface Sample {
  readonly wall: number
  readonly cpu: number
}
type Measure = (side: Side, round: number) => Promise<Sample>

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const base = path.join(workDir, 'compare')
  await rm(base, { recursive: true, force: true })
  const corpus = generateReleases(args.releases)
  const template = await writeOffice(path.join(base, 'html-template'), corpus)
  const pdfTemplate = await writeOffice(path.join(base, 'pdf-template'), corpus.slice(0, 6))
  const mailTemplate = await writeOffice(path.join(base, 'mail-template'), corpus.slice(0, 1), { recipients: 2_000 })
  const env = { ...process.env, PRESS_REHEARSAL: 'off' }
  const trash = path.join(base, 'trash')
  let moved = 0
  const aside = async (dir: string): Promise<void> => {
    await mkdir(trash, { recursive: true })
    await rename(dir, path.join(trash, String(moved++))).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error
    })
  }
  // Each side gets its own copy of each office, so neither reuses the other's caches.
  const checkouts: Record<Side, string> = { A: args.a, B: args.b }
  const officeOf = async (template: string, name: string, side: Side): Promise<string> => {
    const dir = path.join(base, `${name}-${side}`)
    await aside(dir)
    await cp(template, dir, { recursive: true })
    return dir
  }
  // bash's `times` prints its children's user and system time last: the CPU figure is far less
  // sensitive than the wall time to a shared machine's disk and neighbours.
  const press = async (side: Side, cwd: string, ...argv: string[]): Promise<Sample> => {
    const script = 'node "$0" "$@" >/dev/null; rc=$?; times >&2; exit $rc'
    const timed = await timeCommand('bash', ['-c', script, path.join(checkouts[side], 'bin', 'press.js'), ...argv], { cwd, env })
    const last = timed.stderr.trim().split('\n').at(-1) ?? ''
    const seconds = [...last.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]))
    if (seconds.length !== 2) throw new Error(`cannot read the CPU time from bash's \`times\`: ${last}`)
    return { wall: timed.seconds, cpu: seconds[0]! + seconds[1]! }
  }

  const measures: Record<string, Measure> = {
    help: (side) => press(side, base, '--help'),
    html_cold: async (side) => press(side, await officeOf(template, 'html', side), 'build', '--no-pdf', '--quiet'),
    html_incremental: async (side, round) => {
      const office = path.join(base, `html-${side}`)
      await appendFile(
        path.join(office, 'releases', corpus[Math.floor(corpus.length / 2)]!.slug, 'en.md'),
        `\nAn update added in comparison round ${round}.\n`,
      )
      return press(side, office, 'build', '--no-pdf', '--quiet')
    },
    pdf_cold: async (side) => press(side, await officeOf(pdfTemplate, 'pdf', side), 'build', '--quiet'),
    plan_and_outbox: async (side) => press(side, await officeOf(mailTemplate, 'mail', side), 'send', corpus[0]!.slug, '--quiet'),
  }

  for (const name of Object.keys(measures)) if (args.only && !args.only.includes(name)) delete measures[name]
  if (args.only?.includes('html_incremental') && !args.only.includes('html_cold'))
    throw new Error('html_incremental needs html_cold (it edits the office html_cold builds)')
  const samples: Record<string, { A: Sample[]; B: Sample[] }> = {}
  for (const name of Object.keys(measures)) samples[name] = { A: [], B: [] }
  // One unmeasured round warms the file cache and both sides' first-run costs.
  for (let round = 0; round <= args.rounds; round++) {
    const order: Side[] = round % 2 === 0 ? ['A', 'B'] : ['B', 'A']
    for (const [name, measure] of Object.entries(measures)) {
      for (const side of order) {
        const sample = await measure(side, round)
        if (round > 0) samples[name]![side].push(sample)
      }
    }
    log(`compare: round ${round}${round === 0 ? ' (warm-up)' : ''} done`)
  }
  await rm(trash, { recursive: true, force: true })
  const lines = [
    `A = ${args.a}`,
    `B = ${args.b}`,
    `${args.rounds} alternating rounds, ${args.releases} releases × 2 locales`,
    '',
    '| measure | wall A | wall B | wall B/A | CPU A | CPU B | CPU B/A | wall samples A / B (s) |',
    '|---|---|---|---|---|---|---|---|',
  ]
  for (const [name, { A, B }] of Object.entries(samples)) {
    const wall = (list: Sample[]): number => median(list.map((s) => s.wall))
    const cpu = (list: Sample[]): number => median(list.map((s) => s.cpu))
    const shown = (list: Sample[]): string => list.map((s) => round(s.wall, 2)).join(', ')
    lines.push(
      `| ${name} | ${round(wall(A))} | ${round(wall(B))} | ${round(wall(B) / wall(A), 2)} | ${round(cpu(A))} | ${round(cpu(B))} | ${round(cpu(B) / cpu(A), 2)} | ${shown(A)} / ${shown(B)} |`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}

await main()
