/**
 * `node build/bench/compare-checkouts.js <A> <B> [--rounds N] [--releases N]`:
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
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = []
  let rounds = 5
  let releases = 200
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--rounds') rounds = Number(argv[++i])
    else if (arg === '--releases') releases = Number(argv[++i])
    else positional.push(path.resolve(arg))
  }
  if (positional.length !== 2 || !(rounds > 0) || !(releases > 0)) {
    throw new Error('usage: node build/bench/compare-checkouts.js <checkout A> <checkout B> [--rounds 5] [--releases 200]')
  }
  return { a: positional[0]!, b: positional[1]!, rounds, releases }
}

type Side = 'A' | 'B'
type Measure = (side: Side, round: number) => Promise<number>

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
  const press = (side: Side, cwd: string, ...argv: string[]): Promise<number> =>
    timeCommand(process.execPath, [path.join(checkouts[side], 'bin', 'press.js'), ...argv], { cwd, env }).then((t) => t.seconds)

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

  const samples: Record<string, { A: number[]; B: number[] }> = {}
  for (const name of Object.keys(measures)) samples[name] = { A: [], B: [] }
  // One unmeasured round warms the file cache and both sides' first-run costs.
  for (let round = 0; round <= args.rounds; round++) {
    const order: Side[] = round % 2 === 0 ? ['A', 'B'] : ['B', 'A']
    for (const [name, measure] of Object.entries(measures)) {
      for (const side of order) {
        const seconds = await measure(side, round)
        if (round > 0) samples[name]![side].push(seconds)
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
    '| measure | A median s | B median s | B/A | A samples | B samples |',
    '|---|---|---|---|---|---|',
  ]
  for (const [name, { A, B }] of Object.entries(samples)) {
    lines.push(
      `| ${name} | ${round(median(A))} | ${round(median(B))} | ${round(median(B) / median(A), 2)} | ${A.map((s) => round(s, 2)).join(', ')} | ${B.map((s) => round(s, 2)).join(', ')} |`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}

await main()
