/**
 * The `press` command line: parse flags, call the library, print the
 * report, return the exit code (0 ok, 1 user error, 2 usage, 75 locked).
 * Command modules are imported lazily so `press --help` stays fast.
 */
import { Command, CommanderError } from 'commander'
import { PressError, UsageError } from '../errors.js'
import { Reporter, type GlobalFlags, type Io } from './io.js'
import { rememberSecretSetting, scrubKnownSecrets } from '../secrets.js'
import { queueFileError } from '../distribute/queue/queue-file-error.js'

/** Exit codes of `press`. */
export const exitCodes = { ok: 0, userError: 1, usage: 2, locked: 75 } as const

// Examples use the sample office's embargoed release, so they can be tried as printed.
const sample = '2031-06-10-annual-report-2030'
const examples: Record<string, readonly string[]> = {
  build: ['press build', 'press build --now 2031-06-10T13:00:00Z   # the site as it will be at the lift'],
  check: ['press check', 'press check --json'],
  'translate status': ['press translate status'],
  new: ['press new 2031-03-14-water-report --title "Water report"'],
  send: [
    `press send ${sample} --dry-run`,
    `press send ${sample} --test me@example.org`,
    `press send ${sample} --correction "en: The figure is 42, not 24." --correction "ru: Правильная цифра — 42, а не 24."`,
  ],
  schedule: [`press schedule ${sample} --at 2031-06-10T09:00:00-04:00`],
  dispatch: ['press dispatch            # e.g. every minute from cron'],
  worker: ['press worker'],
  status: ['press status', `press status ${sample} --recipients`],
  lift: [`press lift ${sample} --yes`],
  withdraw: [`press withdraw ${sample} --notify`],
  retry: [`press retry ${sample} --failed`],
  preview: ['press preview --port 4000'],
  serve: ['press serve --port 8025            # behind your reverse proxy, which forwards mail.unsubscribe.url here'],
  inbox: ['press inbox                        # e.g. every 10 minutes from cron'],
}

const globalsHeading = 'Global options:'
const queueHelp = 'share the queue in Redis, e.g. redis://127.0.0.1:6379 (or env PRESS_QUEUE); default: SQLite in .press/'
const nowHelp = 'act as if it were this instant, e.g. 2031-06-10T12:59:59Z (or env PRESS_NOW)'

/** An option of a command: flags, help text, and (optionally) a required value or a value parser. */
interface OptionSpec {
  readonly flags: string
  readonly description: string
  readonly required?: true
  readonly parse?: (value: string, previous: string[] | undefined) => string[]
}

/** What a command's action gets: the reporter, then Commander's positional arguments and options. */
// Commander passes positional arguments and options untyped; each action declares its own.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CommandAction = (reporter: Reporter, ...args: any[]) => Promise<number>

/** A command that runs: its help (description, arguments, options) and its action. */
interface RunSpec {
  readonly name: string
  readonly description: string
  readonly arguments?: ReadonlyArray<readonly [name: string, description: string]>
  readonly options?: readonly OptionSpec[]
  readonly action: CommandAction
}

/** A top-level command: one that runs, or a parent of subcommands (`press translate status`). */
type CommandSpec =
  | (RunSpec & { readonly group: string })
  | {
      readonly name: string
      readonly group: string
      readonly description: string
      readonly example: string
      readonly subcommands: readonly RunSpec[]
    }

const option = (flags: string, description: string): OptionSpec => ({ flags, description })
const nowOption = option('--now <instant>', nowHelp)
const queueOption = option('--queue <url>', queueHelp)
const waitOption = option('--wait', 'wait for a running dispatch instead of exiting 75')
const slugArgument = ['<slug>', 'the release'] as const
const publishing = 'Publishing:'
const distribution = 'Distribution:'
const recipients = 'Recipients:'

/**
 * Every command, in the order `press --help` lists them within their group.
 * Each action imports its command module itself (a literal import, so the
 * bundle keeps one chunk per command and `press --help` loads none).
 */
const commandTable: readonly CommandSpec[] = [
  {
    name: 'new',
    group: publishing,
    description: 'scaffold a release: the source file and translation stubs (status: draft)',
    arguments: [['<slug>', 'folder name: lowercase letters, digits and single hyphens, e.g. 2031-03-14-water-report']],
    options: [option('--title <title>', 'the headline (default: empty, to fill in)')],
    action: async (reporter, slug: string, options: { title?: string }) => {
      const { runNew } = await import('./commands/new.js')
      return runNew(reporter, slug, options.title ?? '')
    },
  },
  {
    name: 'check',
    group: publishing,
    description: 'validate releases, catalogs, templates and the press list',
    options: [nowOption],
    action: async (reporter) => {
      const { runCheck } = await import('./commands/check.js')
      return runCheck(reporter)
    },
  },
  {
    name: 'build',
    group: publishing,
    description: 'build the public site (pages, PDFs, feeds, sitemap) into dist/: only what is public now',
    options: [
      option('--no-pdf', 'skip PDF rendering'),
      option('--only <slug>', 're-render only this release; keep the others as they are in dist/'),
      option('--drafts', 'include releases with status: draft'),
      nowOption,
    ],
    action: async (reporter, options: { pdf: boolean; only?: string; drafts?: boolean }) => {
      const { runBuild } = await import('./commands/build.js')
      return runBuild(reporter, {
        pdf: options.pdf,
        drafts: options.drafts === true,
        ...(options.only !== undefined ? { only: options.only } : {}),
      })
    },
  },
  {
    name: 'translate',
    group: publishing,
    description: 'translation state of releases (see `press translate status`)',
    example: 'translate status',
    subcommands: [
      {
        name: 'status',
        description: 'per release and language: up to date, stale (the source changed since source_hash) or missing',
        options: [nowOption],
        action: async (reporter) => {
          const { runTranslateStatus } = await import('./commands/translate.js')
          return runTranslateStatus(reporter)
        },
      },
    ],
  },
  {
    name: 'preview',
    group: publishing,
    description: 'serve the office with embargoed releases marked, live reload and a dashboard',
    options: [
      option('-p, --port <n>', 'port (default 4000; 0 = any free port)'),
      option('--host <host>', 'address to listen on (default 127.0.0.1)'),
      option('--expose', 'allow a --host that is not a loopback address (anyone who reaches it can read embargoed releases)'),
      nowOption,
    ],
    action: async (reporter, options: { port?: string; host?: string; expose?: boolean }) => {
      const port = parsePort(options.port ?? '4000')
      const { runPreview } = await import('./commands/preview.js')
      return runPreview(reporter, { port, host: options.host ?? '127.0.0.1', expose: options.expose === true })
    },
  },
  {
    name: 'send',
    group: distribution,
    description: "plan a release's distribution and send what is due now (vetted recipients under embargo; everyone without one)",
    arguments: [slugArgument],
    options: [
      option('--dry-run', 'print the plan (who, language, when, why) and send nothing'),
      option('--test <address>', 'send one copy per language to this address, subject marked TEST; the queue is not touched'),
      {
        flags: '--correction <note>',
        description: 'send the corrected release to everyone already reached, with this note ("en: …", once per language; repeatable)',
        parse: (value, previous = []) => [...previous, value],
      },
      option('--correction-file <file>', 'the correction notes from a file, one "lang: note" line per language'),
      waitOption,
      nowOption,
      queueOption,
    ],
    action: async (
      reporter,
      slug: string,
      options: { dryRun?: boolean; test?: string; wait?: boolean; correction?: string[]; correctionFile?: string },
    ) => {
      if (options.correction !== undefined || options.correctionFile !== undefined) {
        if (options.dryRun || options.test !== undefined) throw new UsageError('--correction cannot be combined with --dry-run or --test')
        const { runCorrection } = await import('./commands/changes.js')
        return runCorrection(reporter, slug, {
          notes: options.correction ?? [],
          ...(options.correctionFile === undefined ? {} : { file: options.correctionFile }),
        })
      }
      const { runSend } = await import('./commands/send.js')
      return runSend(reporter, slug, {
        dryRun: options.dryRun === true,
        wait: options.wait === true,
        ...(options.test !== undefined ? { test: options.test } : {}),
      })
    },
  },
  {
    name: 'schedule',
    group: distribution,
    description: "plan a release's distribution for later; never before the lift for unvetted recipients",
    arguments: [slugArgument],
    options: [
      { flags: '--at <instant>', description: 'when to send, with a time zone, e.g. 2031-03-14T09:00:00-04:00', required: true },
      nowOption,
      queueOption,
    ],
    action: async (reporter, slug: string, options: { at: string }) => {
      const { runSchedule } = await import('./commands/send.js')
      return runSchedule(reporter, slug, options.at)
    },
  },
  {
    name: 'dispatch',
    group: distribution,
    description: 'send everything due and exit (for cron); exits 75 while another run sends',
    options: [waitOption, nowOption, queueOption],
    action: async (reporter, options: { wait?: boolean }) => {
      const { limitHeapGrowth } = await import('./heap.js')
      limitHeapGrowth(reporter.io.env)
      const { runDispatch } = await import('./commands/send.js')
      return runDispatch(reporter, { wait: options.wait === true })
    },
  },
  {
    name: 'worker',
    group: distribution,
    description: 'send continuously, follow edits, and publish the public site at each embargo lift (prepared ahead)',
    options: [
      option('--now <instant>', 'start the clock at this instant (or PRESS_NOW); it runs on from there'),
      queueOption,
      option('--serve', 'also run the unsubscribe endpoint of `press serve` in this process'),
      option('-p, --port <n>', 'with --serve: port (default 8025)'),
      option('--host <host>', 'with --serve: address to listen on (default 127.0.0.1)'),
    ],
    action: async (reporter, options: { serve?: boolean; port?: string; host?: string }) => {
      const { limitHeapGrowth } = await import('./heap.js')
      limitHeapGrowth(reporter.io.env)
      const { runWorker } = await import('./commands/send.js')
      const serve = options.serve === true ? { port: parsePort(options.port ?? '8025'), host: options.host ?? '127.0.0.1' } : undefined
      return runWorker(reporter, serve)
    },
  },
  {
    name: 'status',
    group: distribution,
    description: 'what is planned, sent, failed, and next due',
    arguments: [['[slug]', 'one release (default: all)']],
    options: [
      option('--recipients', 'with <slug>: each recipient, language, version, state, time, attempts, last reply and Message-ID'),
      nowOption,
      queueOption,
    ],
    action: async (reporter, slug: string | undefined, options: { recipients?: boolean }) => {
      if (options.recipients) {
        if (slug === undefined) throw new UsageError('--recipients needs a release: press status <slug> --recipients')
        const { runRecipients } = await import('./commands/changes.js')
        return runRecipients(reporter, slug)
      }
      const { runStatus } = await import('./commands/send.js')
      return runStatus(reporter, slug)
    },
  },
  {
    name: 'lift',
    group: distribution,
    description: 'lift the embargo now: publish the release, send the held mail, tell vetted recipients "lifted, effective immediately"',
    arguments: [slugArgument],
    options: [option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)'), nowOption, queueOption],
    action: async (reporter, slug: string, options: { yes?: boolean }) => {
      const { runLift } = await import('./commands/changes.js')
      return runLift(reporter, slug, { yes: options.yes === true })
    },
  },
  {
    name: 'serve',
    group: recipients,
    description: "one-click unsubscribe endpoint (RFC 8058) with confirmation pages in the recipient's language",
    options: [
      option('-p, --port <n>', 'port (default 8025; 0 = any free port)'),
      option('--host <host>', 'address to listen on (default 127.0.0.1)'),
      nowOption,
    ],
    action: async (reporter, options: { port?: string; host?: string }) => {
      const { runServe } = await import('./commands/serve.js')
      return runServe(reporter, { port: parsePort(options.port ?? '8025'), host: options.host ?? '127.0.0.1' })
    },
  },
  {
    name: 'withdraw',
    group: distribution,
    description: 'stop a distribution: cancel unsent mail, back to draft, off the public site; --notify tells those reached',
    arguments: [slugArgument],
    options: [option('--notify', 'send a "withdrawn, do not publish" notice to everyone who received it'), nowOption, queueOption],
    action: async (reporter, slug: string, options: { notify?: boolean }) => {
      const { runWithdraw } = await import('./commands/changes.js')
      return runWithdraw(reporter, slug, { notify: options.notify === true })
    },
  },
  {
    name: 'retry',
    group: distribution,
    description: 'put given-up (failed) and waiting (deferred) messages of a release back in the queue and send them',
    arguments: [slugArgument],
    options: [
      option('--failed', 'only failed messages'),
      option('--deferred', 'only deferred messages'),
      option('--include-suppressed', 'also addresses a hard bounce put in the suppression file (and take them out of it)'),
      nowOption,
      queueOption,
    ],
    action: async (reporter, slug: string, options: { failed?: boolean; deferred?: boolean; includeSuppressed?: boolean }) => {
      const { runRetry } = await import('./commands/changes.js')
      return runRetry(reporter, slug, {
        failed: options.failed === true,
        deferred: options.deferred === true,
        includeSuppressed: options.includeSuppressed === true,
      })
    },
  },
  {
    name: 'inbox',
    group: recipients,
    description: 'read the mailbox of mail.inbox once: bounces and mailto unsubscribes become suppressions',
    options: [nowOption],
    action: async (reporter) => {
      const { runInbox } = await import('./commands/inbox.js')
      return runInbox(reporter)
    },
  },
]

/** Give a command its arguments, options, the global options and its action. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Commander's action arguments
function register(command: Command, spec: RunSpec, run: (action: CommandAction) => (...args: any[]) => Promise<void>): void {
  for (const [name, description] of spec.arguments ?? []) command.argument(name, description)
  for (const o of spec.options ?? []) {
    if (o.required) command.requiredOption(o.flags, o.description)
    else if (o.parse) command.option(o.flags, o.description, o.parse)
    else command.option(o.flags, o.description)
  }
  addGlobals(command).action(run(spec.action))
}

/**
 * Run the CLI.
 *
 * @param argv Arguments after `press`.
 * @param io Streams and environment (optional; defaults to the process's).
 * @returns The exit code.
 */
export async function main(
  argv: readonly string[],
  rawIo: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  // Every byte printed goes through src/secrets.ts: the secrets of the
  // transport and queue URLs (environment, flags, pressroom.yaml) never
  // reach a terminal, a --json document or a log, whoever wrote the text.
  rememberSecretSetting(rawIo.env['PRESS_SMTP_URL'])
  rememberSecretSetting(rawIo.env['PRESS_QUEUE'])
  argv.forEach((arg, index) => {
    if (arg === '--queue') rememberSecretSetting(argv[index + 1])
    else if (arg.startsWith('--queue=')) rememberSecretSetting(arg.slice('--queue='.length))
  })
  const io: Io = { ...rawIo, stdout: scrubbingStream(rawIo.stdout), stderr: scrubbingStream(rawIo.stderr) }
  let code = 0
  let reporter: Reporter | undefined
  const program = new Command('press')
  const run =
    (action: CommandAction) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Commander's action arguments
    async (...args: any[]) => {
      const command = args[args.length - 1] as Command
      reporter = new Reporter(io, globalFlags(command))
      code = await action(reporter, ...args.slice(0, -1))
    }

  program
    .description('Bilingual press releases: newsroom pages, print-ready PDFs and embargo-aware distribution.')
    .usage('<command> [options]')
    .version('0.1.0', '--version', 'print the version of press')
    .helpOption('-h, --help', 'show help for a command')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .configureHelp({ showGlobalOptions: false })
    .exitOverride()
  // On the program too, so `press -C <dir> build` works as well as `press build -C <dir>`.
  addGlobals(program)
  program.addHelpText(
    'after',
    [
      '',
      'Exit codes: 0 success, 1 user error (diagnostics printed), 2 usage error,',
      '            75 the queue is locked by another run.',
      'Run `press <command> --help` for its options and an example.',
      '',
      'Examples:',
      '  press check && press build',
      `  press send ${sample} --dry-run`,
      '  press -C ~/newsroom status',
      '',
    ].join('\n'),
  )

  for (const spec of commandTable) {
    const registered = program.command(spec.name).helpGroup(spec.group).description(spec.description)
    if ('subcommands' in spec) {
      registered.addHelpText('after', () => exampleText(spec.example))
      for (const sub of spec.subcommands) register(registered.command(sub.name).description(sub.description), sub, run)
    } else {
      register(registered, spec, run)
    }
  }

  // Listed last, after the Publishing and Distribution groups.
  program.commandsGroup('Other:').helpCommand('help [command]', 'show help for a command')
  // `press status | head -1` closes the pipe early; that is not an error.
  if (rawIo.stdout === process.stdout) {
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0)
      throw error
    })
  }

  try {
    await program.parseAsync(withoutHelpOnUnknownCommand(program, argv), { from: 'user' })
  } catch (error) {
    const json = reporter?.flags.json ?? argv.includes('--json')
    return handleError(error, io, {
      debug: reporter?.flags.debug ?? argv.includes('--debug'),
      json: json && reporter?.wroteJson !== true,
      color: reporter?.color ?? false,
    })
  }
  return code
}

/**
 * `press lfit --help` would print the general help and exit 0 (Commander
 * answers `--help` before it looks at the command); without the help flag,
 * Commander reports the unknown command with a did-you-mean and we exit 2,
 * the same as `press lfit`.
 */
function withoutHelpOnUnknownCommand(program: Command, argv: readonly string[]): string[] {
  const args = [...argv]
  if (!args.some((a) => a === '-h' || a === '--help')) return args
  let parent = program
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') break
    if (arg === '-C' || arg === '--cwd') {
      i++
      continue
    }
    if (arg.startsWith('-')) continue
    if (parent.commands.length === 0) break
    const known = parent.commands.find((c) => c.name() === arg || c.aliases().includes(arg))
    if (known) {
      parent = known
      continue
    }
    if (parent === program && arg === 'help') break
    return args.filter((a) => a !== '-h' && a !== '--help')
  }
  return args
}

/** A `--port` value, or a usage error. */
function parsePort(text: string): number {
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port ${text} is not a port number (0–65535)`)
  return port
}

/** The global options, in their own help group; no defaults, so the program's and the command's values merge. */
function addGlobals(command: Command): Command {
  command
    .optionsGroup(globalsHeading)
    .option('-C, --cwd <dir>', 'the office directory (default: the current directory)')
    .option('--json', 'print one JSON document on stdout; messages go to stderr')
    .option('-q, --quiet', 'print errors only')
    .option('-v, --verbose', 'print more detail on stderr')
    .option('--debug', 'show stack traces of internal errors')
  if (command.parent) {
    // -h is global too; listed with the others rather than among the command's own options.
    command.helpOption('-h, --help', 'show this help')
    const path = commandPath(command)
    command
      .showHelpAfterError(`(run \`press ${path} --help\` for its options and an example)`)
      .addHelpText('after', () => exampleText(path))
  } else {
    command.showHelpAfterError('(run `press --help` for the commands)')
  }
  return command
}

function exampleText(path: string): string {
  const list = examples[path] ?? []
  return list.length === 0 ? '' : `\nExample${list.length === 1 ? '' : 's'}:\n${list.map((e) => `  ${e}`).join('\n')}\n`
}

function commandPath(command: Command): string {
  const names: string[] = []
  for (let c: Command | null = command; c && c.parent; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

function globalFlags(command: Command): GlobalFlags {
  const o = command.optsWithGlobals<Record<string, unknown>>()
  return {
    cwd: typeof o['cwd'] === 'string' ? o['cwd'] : '.',
    json: o['json'] === true,
    quiet: o['quiet'] === true,
    verbose: o['verbose'] === true,
    debug: o['debug'] === true,
    ...(typeof o['now'] === 'string' ? { now: o['now'] } : {}),
    ...(typeof o['queue'] === 'string' ? { queue: o['queue'] } : {}),
  }
}

/** A stream whose `write` scrubs known secrets from text (see src/secrets.ts); everything else is the stream's own. */
function scrubbingStream<S extends NodeJS.WritableStream>(stream: S): S {
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'write') {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...args: unknown[]) => boolean)(typeof chunk === 'string' ? scrubKnownSecrets(chunk) : chunk, ...rest)
      }
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

function handleError(error: unknown, io: Io, options: { debug: boolean; json: boolean; color: boolean }): number {
  const writeJson = (code: string, message: string): void => {
    if (options.json) io.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } }, null, 2)}\n`)
  }
  const label = options.color ? '\x1b[31merror\x1b[39m' : 'error'
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return exitCodes.ok
    // `press help` exits 0; `press` or `press translate` alone printed help on stderr: a usage error.
    if (error.code === 'commander.help') return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage
    // Commander has already printed `error: …` and the did-you-mean on stderr.
    writeJson('PRESS_USAGE', error.message.replace(/^error: /, ''))
    return exitCodes.usage
  }
  if (error instanceof PressError) {
    io.stderr.write(`${label}: ${error.message}\n`)
    for (let cause = error.cause; cause instanceof Error; cause = cause.cause) io.stderr.write(`  caused by: ${cause.message}\n`)
    if (options.debug && error.stack) io.stderr.write(`${error.stack}\n`)
    writeJson(error.code, error.message)
    return error.exitCode
  }
  // SQLite failing on the queue file after it was opened (damaged pages, a lock held elsewhere): coded, not internal.
  const queueError = /^SQLITE_/.test(String((error as { code?: unknown } | undefined)?.code ?? ''))
    ? queueFileError('.press/queue.db', error)
    : undefined
  if (queueError) return handleError(queueError, io, options)
  const message = error instanceof Error ? error.message : String(error)
  io.stderr.write(`${label}: internal error: ${message}\n`)
  io.stderr.write(
    options.debug && error instanceof Error && error.stack
      ? `${error.stack}\n`
      : 'Run again with --debug for details, and report it if it persists.\n',
  )
  writeJson('PRESS_INTERNAL', message)
  return exitCodes.userError
}
