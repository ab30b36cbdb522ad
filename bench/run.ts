/**
 * `npm run bench [-- --quick] [-- --only html,pdf,mail,help,lift,preview]`: Pressroom
 * against the tools a user would pick instead, side by side in one run, as
 * ratios of medians over alternating rounds. Installs its baselines (hugo,
 * md-to-pdf), generates its corpus under bench/.work/, prints a table on
 * stdout and writes every figure and raw sample to bench/results/latest.json.
 * Method and numbers: bench/README.md.
 */
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { findChromium } from '../src/render/find-chromium.js'
import { benchHelp } from './sections/help.js'
import { benchHtml } from './sections/html.js'
import { benchLift } from './sections/lift.js'
import { benchMail } from './sections/mail.js'
import { benchPdf } from './sections/pdf.js'
import { benchPreview } from './sections/preview.js'
import { ensureHugo, ensureMdToPdf, versionOf } from './lib/setup.js'
import { log, repoRoot, round, workDir } from './lib/util.js'

type Section = 'help' | 'html' | 'pdf' | 'mail' | 'lift' | 'preview'
const allSections: readonly Section[] = ['help', 'html', 'pdf', 'mail', 'lift', 'preview']

/** Corpus sizes and rounds per mode. */
const sizes = {
  quick: {
    htmlReleases: 200,
    htmlRounds: 3,
    pdfReleases: 8,
    pdfRounds: 3,
    mailRecipients: 2_000,
    mailRounds: 2,
    helpRuns: 5,
    liftRounds: 2,
    previewReleases: 200,
    previewRounds: 5,
  },
  full: {
    htmlReleases: 1_000,
    htmlRounds: 5,
    pdfReleases: 50,
    pdfRounds: 5,
    mailRecipients: 100_000,
    mailRounds: 2,
    helpRuns: 11,
    liftRounds: 3,
    previewReleases: 1_000,
    previewRounds: 15,
  },
} as const

/** The targets: key, direction, bound. */
const targets = [
  { key: 'pdf_vs_raw_puppeteer', op: '>=', bound: 0.85, what: 'PDFs/s, Pressroom renderer / raw page.pdf()' },
  { key: 'pdf_speedup_vs_md_to_pdf', op: '>=', bound: 5, what: 's per PDF, md-to-pdf batch / press build' },
  { key: 'html_cold_vs_hugo', op: '<=', bound: 3, what: 'cold build --no-pdf / hugo' },
  { key: 'incremental_vs_hugo_full', op: '<=', bound: 0.1, what: 'rebuild after 1 edit / hugo full' },
  { key: 'mail_vs_raw_smtp', op: '>=', bound: 0.5, what: 'msg/s, press dispatch / raw SMTP' },
  { key: 'mail_peak_rss_mb', op: '<=', bound: 250, what: 'peak RSS of press dispatch, MB' },
  { key: 'help_seconds', op: '<=', bound: 0.25, what: 'press --help wall time, s' },
  { key: 'lift_site_seconds', op: '<=', bound: 1, what: 'lift → site swapped in and deployed, s (worker)' },
  { key: 'lift_first_mail_seconds', op: '<=', bound: 1, what: 'lift → first general message at the sink, s' },
  { key: 'preview_reload_ms', op: '<=', bound: 300, what: 'preview: save → changed page painted, ms (median)' },
  { key: 'preview_reload_vs_hugo_server', op: '<=', bound: 1, what: 'preview reload / hugo server reload, same edit' },
] as const

function parseArgs(argv: readonly string[]): { quick: boolean; only: Section[]; experiments: boolean } {
  let quick = false
  let experiments = false
  let only: Section[] = [...allSections]
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--quick') quick = true
    else if (arg === '--experiments') experiments = true
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (argv[++i] ?? '')
      only = value.split(',').map((s) => s.trim()) as Section[]
      const unknown = only.filter((s) => !allSections.includes(s))
      if (unknown.length > 0) throw new Error(`--only: unknown section(s) ${unknown.join(', ')}; choose from ${allSections.join(', ')}`)
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run bench [-- --quick] [-- --only help,html,pdf,mail,lift,preview] [-- --experiments]\n')
      process.exit(0)
    } else throw new Error(`unknown argument ${arg}; try --quick or --only html,pdf`)
  }
  return { quick, only, experiments }
}

function loadAverage(): number[] {
  return os.loadavg().map((n) => round(n, 2))
}

async function main(): Promise<void> {
  const { quick, only, experiments } = parseArgs(process.argv.slice(2))
  const mode = quick ? 'quick' : 'full'
  const size = sizes[mode]
  const started = performance.now()
  const loadStart = loadAverage()
  log(`mode ${mode}; sections ${only.join(', ')}; nproc ${os.availableParallelism()}; load average ${loadStart.join(' ')}`)
  await mkdir(workDir, { recursive: true })

  const hugo = only.includes('html') || only.includes('preview') ? ensureHugo() : undefined
  const mdToPdf = only.includes('pdf') ? await ensureMdToPdf() : undefined
  const chromium = findChromium(undefined, process.env)

  const results: Record<string, number> = {}
  const samples: Record<string, unknown> = {}
  const sectionLoad: Record<string, number[]> = {}
  const take = (section: string, result: { samples: unknown }): void => {
    const { samples: raw, ...figures } = result as { samples: unknown } & Record<string, number>
    for (const [key, value] of Object.entries(figures)) results[key] = round(value, 4)
    samples[section] = raw
  }

  for (const section of only) {
    sectionLoad[section] = loadAverage()
    if (section === 'help') take(section, await benchHelp(size.helpRuns))
    if (section === 'html') take(section, await benchHtml(size.htmlReleases, size.htmlRounds, hugo!))
    if (section === 'pdf') take(section, await benchPdf(size.pdfReleases, size.pdfRounds, mdToPdf!))
    if (section === 'mail') take(section, await benchMail(size.mailRecipients, size.mailRounds, experiments))
    if (section === 'lift') take(section, await benchLift(size.liftRounds))
    if (section === 'preview') take(section, await benchPreview(size.previewReleases, size.previewRounds, hugo!, chromium))
  }

  const verdicts = targets
    .filter((t) => results[t.key] !== undefined)
    .map((t) => {
      const value = results[t.key]!
      const met = t.op === '>=' ? value >= t.bound : value <= t.bound
      return { ...t, value, met }
    })
  const mdToPdfVersion = mdToPdf
    ? (JSON.parse(readFileSync(path.join(path.dirname(mdToPdf), '..', 'package.json'), 'utf8')) as { version: string }).version
    : undefined
  const report = {
    generated_at: new Date().toISOString(),
    mode,
    sections: only,
    experiments,
    seconds: round((performance.now() - started) / 1000, 1),
    machine: {
      nproc: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memory_gb: round(os.totalmem() / 2 ** 30, 1),
      load_average_start: loadStart,
      load_average_per_section: sectionLoad,
      load_average_end: loadAverage(),
      node: process.version,
      chromium: versionOf(chromium, ['--version']),
      ...(hugo ? { hugo: versionOf(hugo, ['version']) } : {}),
      ...(mdToPdfVersion ? { md_to_pdf: mdToPdfVersion } : {}),
    },
    sizes: size,
    ...results,
    targets: Object.fromEntries(verdicts.map((v) => [v.key, { target: `${v.op} ${v.bound}`, value: v.value, met: v.met }])),
    missed: verdicts.filter((v) => !v.met).map((v) => v.key),
    samples,
  }
  const out = path.join(repoRoot, 'bench', 'results', 'latest.json')
  await mkdir(path.dirname(out), { recursive: true })
  await writeFile(out, JSON.stringify(report, null, 2) + '\n')

  const lines: string[] = []
  lines.push(
    `Pressroom benchmark (${mode}) — ${report.machine.nproc} CPUs, load average ${loadStart.join(' ')} at start, ${report.machine.load_average_end.join(' ')} at end`,
  )
  const corpus: string[] = []
  if (results['html_releases'] !== undefined) corpus.push(`html ${results['html_releases']} releases × 2 locales`)
  if (results['pdf_documents'] !== undefined) corpus.push(`pdf ${results['pdf_documents']} documents`)
  if (results['preview_releases'] !== undefined) corpus.push(`preview ${results['preview_releases']} releases × 2 locales`)
  if (results['mail_recipients'] !== undefined)
    corpus.push(
      `mail ${results['mail_recipients']} recipients, ${results['mail_connections']} connections, ${results['mail_message_bytes']} B/message`,
    )
  if (corpus.length > 0) lines.push(`corpus: ${corpus.join('; ')}`)
  lines.push('')
  const rows: string[][] = [['key', 'what', 'value', 'target', '']]
  for (const v of verdicts) rows.push([v.key, v.what, String(round(v.value, 3)), `${v.op} ${v.bound}`, v.met ? 'ok' : 'MISSED'])
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  for (const [i, row] of rows.entries()) {
    lines.push(
      row
        .map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    if (i === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '))
  }
  lines.push('')
  const detail: Array<[string, string]> = [
    ['press_cold_seconds', 'Pressroom cold build --no-pdf, s'],
    ['press_incremental_seconds', 'Pressroom rebuild after one edit, s'],
    ['hugo_seconds', 'Hugo full build, s'],
    ['press_pdfs_per_second', 'Pressroom renderer, PDFs/s'],
    ['raw_pdfs_per_second', 'raw page.pdf(), PDFs/s (best concurrency)'],
    ['raw_best_concurrency', 'raw best page concurrency'],
    ['press_build_seconds_per_pdf', 'press build (pages + PDFs), s per PDF'],
    ['md_to_pdf_seconds_per_document', 'md-to-pdf batch, s per document'],
    ['press_messages_per_second', 'press dispatch, msg/s at the sink'],
    ['raw_messages_per_second', 'raw SMTP client, msg/s at the sink'],
    ['press_wall_messages_per_second', 'press dispatch, msg/s process wall time'],
    ['mail_peak_rss_mb', 'press dispatch peak RSS, MB'],
    ['mail_vs_raw_smtp_fast_dot_stuffing', 'experiment: dispatch with fast dot-stuffing / raw'],
    ['help_seconds', 'press --help, s'],
    ['lift_site_seconds', 'lift → site deployed, prepared ahead, s'],
    ['lift_site_seconds_rebuild', 'lift → site deployed, rebuilt at the lift, s'],
    ['lift_dist_seconds', 'lift → dist/ swapped, prepared ahead, s'],
    ['lift_dist_seconds_rebuild', 'lift → dist/ written, rebuilt at the lift, s'],
    ['lift_first_mail_seconds', 'lift → first mail, prepared ahead, s'],
    ['lift_first_mail_seconds_rebuild', 'lift → first mail, rebuilt at the lift, s'],
    ['preview_reload_ms', 'press preview, save → painted, ms (en.md)'],
    ['preview_reload_ru_ms', 'press preview, save → painted, ms (ru.md)'],
    ['preview_reload_sample_ms', 'press preview, sample office, ms (en.md)'],
    ['hugo_server_reload_ms', 'hugo server, save → painted, ms'],
  ]
  for (const [key, label] of detail) if (results[key] !== undefined) lines.push(`  ${label.padEnd(44)} ${round(results[key]!, 3)}`)
  lines.push(
    '',
    `missed: ${report.missed.length === 0 ? 'none' : report.missed.join(', ')}`,
    `written: ${path.relative(process.cwd(), out)} (${report.seconds} s)`,
  )
  process.stdout.write(lines.join('\n') + '\n')
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
