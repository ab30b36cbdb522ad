/**
 * The `press` command line: parse flags, call the library, print the
 * report, return the exit code (0 ok, 1 user error, 2 usage, 75 locked).
 * Command modules are imported lazily so `press --help` stays fast.
 */
import { Command, CommanderError, Option } from 'commander'
import { PressError, UsageError } from '../errors.js'
import { Reporter, type GlobalFlags, type Io } from './io.js'

const examples: Record<string, string> = {
  build: 'press build --now 2031-06-10T13:00:00Z',
  check: 'press check --json',
  'translate status': 'press translate status',
  new: 'press new 2031-03-14-water-report',
  send: 'press send 2031-03-14-water-report --dry-run',
  schedule: 'press schedule 2031-03-14-water-report --at 2031-03-14T09:00:00-04:00',
  dispatch: 'press dispatch',
  worker: 'press worker',
  status: 'press status 2031-03-14-water-report',
  preview: 'press preview --port 4000',
}

/**
 * Run the CLI.
 *
 * @param argv Arguments after `press`.
 * @param io Streams and environment (optional; defaults to the process's).
 * @returns The exit code.
 */
export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let code = 0
  let debug = argv.includes('--debug')
  const program = new Command('press')
  const run = (action: (reporter: Reporter, ...args: any[]) => Promise<number>) =>
    async (...args: any[]) => {
      const command = args[args.length - 1] as Command
      const flags = globalFlags(command)
      debug = flags.debug
      code = await action(new Reporter(io, flags), ...args.slice(0, -1))
    }

  program
    .description('Bilingual press releases: newsroom pages, print-ready PDFs and embargo-aware distribution.')
    .version('0.1.0', '--version')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .addHelpText('after', `\nRun \`press <command> --help\` for a command's options and an example.\nExample:\n  press build && press send 2031-03-14-water-report --dry-run\n`)

  const withGlobals = (command: Command): Command =>
    command
      .option('-C, --cwd <dir>', 'the office directory', '.')
      .option('--json', 'print one JSON document on stdout (messages go to stderr)', false)
      .option('-q, --quiet', 'print errors only', false)
      .option('-v, --verbose', 'print more detail on stderr', false)
      .option('--debug', 'show stack traces of internal errors', false)
      .addHelpText('after', () => `\nExample:\n  ${examples[commandPath(command)] ?? 'press --help'}\n`)

  withGlobals(program.command('build'))
    .description('build the public site (pages, PDFs, feeds, sitemap) into dist/')
    .option('--no-pdf', 'skip PDF rendering')
    .option('--only <slug>', 're-render only this release; keep the others as they are in dist/')
    .option('--drafts', 'include releases with status: draft', false)
    .option('--now <instant>', 'treat this instant as now (or PRESS_NOW), e.g. 2031-06-10T13:00:00Z')
    .action(
      run(async (reporter, options: { pdf: boolean; only?: string; drafts: boolean }) => {
        const { runBuild } = await import('./commands/build.js')
        return runBuild(reporter, { pdf: options.pdf, drafts: options.drafts, ...(options.only !== undefined ? { only: options.only } : {}) })
      }),
    )

  withGlobals(program.command('check'))
    .description('validate releases, catalogs, templates and the press list')
    .option('--now <instant>', 'treat this instant as now (or PRESS_NOW)')
    .action(
      run(async (reporter) => {
        const { runCheck } = await import('./commands/check.js')
        return runCheck(reporter)
      }),
    )

  const translate = program.command('translate').description('translation state of releases')
  withGlobals(translate.command('status'))
    .description('per release and language: up to date, stale (the source changed since source_hash) or missing')
    .action(
      run(async (reporter) => {
        const { runTranslateStatus } = await import('./commands/translate.js')
        return runTranslateStatus(reporter)
      }),
    )

  withGlobals(program.command('new'))
    .description('scaffold a release: the source file and translation stubs (status: draft)')
    .argument('<slug>', 'folder name: lowercase letters, digits and single hyphens, e.g. 2031-03-14-water-report')
    .option('--title <title>', 'the headline', '')
    .action(
      run(async (reporter, slug: string, options: { title: string }) => {
        const { runNew } = await import('./commands/new.js')
        return runNew(reporter, slug, options.title)
      }),
    )

  withGlobals(program.command('send'))
    .description("plan a release's distribution and send what is due now (vetted recipients under embargo; everyone without one)")
    .argument('<slug>', 'the release')
    .option('--dry-run', 'print the plan (who, language, when, why) and send nothing', false)
    .option('--test <address>', 'send one copy per language to this address, subject marked TEST; the queue is not touched')
    .option('--wait', 'wait for a running dispatch instead of exiting 75', false)
    .option('--now <instant>', 'treat this instant as now (or PRESS_NOW)')
    .action(
      run(async (reporter, slug: string, options: { dryRun: boolean; test?: string; wait: boolean }) => {
        const { runSend } = await import('./commands/send.js')
        return runSend(reporter, slug, options)
      }),
    )

  withGlobals(program.command('schedule'))
    .description("plan a release's distribution for later; never before the lift for unvetted recipients")
    .argument('<slug>', 'the release')
    .requiredOption('--at <instant>', 'when to send, with a time zone, e.g. 2031-03-14T09:00:00-04:00')
    .option('--now <instant>', 'treat this instant as now (or PRESS_NOW)')
    .action(
      run(async (reporter, slug: string, options: { at: string }) => {
        const { runSchedule } = await import('./commands/send.js')
        return runSchedule(reporter, slug, options.at)
      }),
    )

  withGlobals(program.command('dispatch'))
    .description('send everything due and exit (for cron)')
    .option('--wait', 'wait for a running dispatch instead of exiting 75', false)
    .option('--now <instant>', 'treat this instant as now (or PRESS_NOW)')
    .action(
      run(async (reporter, options: { wait: boolean }) => {
        const { runDispatch } = await import('./commands/send.js')
        return runDispatch(reporter, options)
      }),
    )

  withGlobals(program.command('worker'))
    .description('send continuously, and rebuild the public site at each embargo lift')
    .option('--now <instant>', 'start the clock at this instant (or PRESS_NOW); it runs on from there')
    .action(
      run(async (reporter) => {
        const { runWorker } = await import('./commands/send.js')
        return runWorker(reporter)
      }),
    )

  withGlobals(program.command('status'))
    .description('what is planned, sent, failed, and next due')
    .argument('[slug]', 'one release (default: all)')
    .option('--now <instant>', 'treat this instant as now (or PRESS_NOW)')
    .action(
      run(async (reporter, slug: string | undefined) => {
        const { runStatus } = await import('./commands/send.js')
        return runStatus(reporter, slug)
      }),
    )

  withGlobals(program.command('preview'))
    .description('serve the office with embargoed releases marked, live reload and a dashboard')
    .option('-p, --port <n>', 'port (0 = any free port)', '4000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--now <instant>', 'treat this instant as now (or PRESS_NOW)')
    .action(
      run(async (reporter, options: { port: string; host: string }) => {
        const port = Number(options.port)
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${options.port} is not a port number (0–65535)`)
        const { runPreview } = await import('./commands/preview.js')
        return runPreview(reporter, { port, host: options.host })
      }),
    )

  try {
    await program.parseAsync(argv as string[], { from: 'user' })
    if (argv.length === 0) {
      program.outputHelp()
    }
  } catch (error) {
    return handleError(error, io, debug)
  }
  return code
}

function commandPath(command: Command): string {
  const names: string[] = []
  for (let c: Command | null = command; c && c.parent; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

function globalFlags(command: Command): GlobalFlags {
  const o = command.optsWithGlobals<Record<string, unknown>>()
  return {
    cwd: String(o['cwd'] ?? '.'),
    json: o['json'] === true,
    quiet: o['quiet'] === true,
    verbose: o['verbose'] === true,
    debug: o['debug'] === true,
    ...(typeof o['now'] === 'string' ? { now: o['now'] } : {}),
  }
}

function handleError(error: unknown, io: Io, debug: boolean): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0
    return 2
  }
  if (error instanceof PressError) {
    io.stderr.write(`error: ${error.message}\n`)
    for (let cause = error.cause; cause instanceof Error; cause = cause.cause) io.stderr.write(`  caused by: ${cause.message}\n`)
    if (debug && error.stack) io.stderr.write(`${error.stack}\n`)
    return error.exitCode
  }
  const message = error instanceof Error ? error.message : String(error)
  io.stderr.write(`error: internal error: ${message}\n`)
  io.stderr.write(debug && error instanceof Error && error.stack ? `${error.stack}\n` : 'Run again with --debug for details, and report it if it persists.\n')
  return 1
}

void Option
