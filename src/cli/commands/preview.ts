/** `press preview`: serve the office with live reload until Ctrl+C. */
import path from 'node:path'
import { startPreview } from '../../preview/server.js'
import { resolveNow } from '../context.js'
import type { Reporter } from '../io.js'
import { UsageError } from '../../errors.js'
import { isLoopbackHost } from '../../preview/host-check.js'

/** Flags of `press preview`. */
export interface PreviewFlags {
  /** TCP port; 0 picks a free one (default in the CLI: 4000). */
  readonly port: number
  /** Interface to bind (default in the CLI: 127.0.0.1). */
  readonly host: string
  /** Opening a browser is not supported; `false` is accepted for symmetry with other tools. */
  readonly open?: false
  /** `--expose`: a non-loopback `--host` is allowed only with it. */
  readonly expose?: boolean
}

/**
 * Run `press preview` until SIGINT or SIGTERM.
 *
 * @param reporter The run's reporter.
 * @param flags Port and host.
 * @returns The exit code (0 after a clean shutdown).
 */
export async function runPreview(reporter: Reporter, flags: PreviewFlags): Promise<number> {
  if (!isLoopbackHost(flags.host) && flags.expose !== true) {
    throw new UsageError(
      `--host ${flags.host} is not a loopback address: anyone who can reach it could read embargoed and draft releases. Use 127.0.0.1 (the default), or add --expose if that is what you want.`,
    )
  }
  const env = reporter.io.env
  // With --now / PRESS_NOW the clock starts at that instant and runs on, so
  // a rehearsal still sees lift times pass.
  const startedAt = Date.now()
  const start = resolveNow(reporter.flags.now, env, reporter.flags.cwd)
  const now = (): number => start + (Date.now() - startedAt)
  const root = path.resolve(reporter.flags.cwd)

  let first = true
  const preview = await startPreview(root, {
    port: flags.port,
    host: flags.host,
    env,
    now,
    onReload(result) {
      const lines = [...result.errors, ...(reporter.flags.verbose || first ? result.warnings : [])]
      for (const line of lines) reporter.io.stderr.write(`${line}\n`)
      if (!first) {
        const what =
          result.changed.length > 0
            ? ` (${result.changed
                .map((file) => path.relative(root, file) || file)
                .slice(0, 3)
                .join(', ')}${result.changed.length > 3 ? ', …' : ''})`
            : ''
        if (result.ok)
          reporter.detail(
            `reloaded ${result.scope === 'release' ? 'the edited release' : 'the office'}${what} in ${Math.round(result.ms)} ms`,
          )
        else
          reporter.error(
            `${result.errors.length} error${result.errors.length === 1 ? '' : 's'}${what}; pages show them until the file is fixed`,
          )
      }
      first = false
    },
  })

  reporter.line(`${reporter.paint('green', 'Preview')} of ${root}`)
  reporter.line(`  site       ${preview.url}`)
  reporter.line(`  dashboard  ${preview.url}__press/`)
  reporter.line('  Pages reload when you save. Press Ctrl+C to stop.')
  if (!isLoopbackHost(flags.host)) {
    reporter.io.stderr.write(`warning: serving on ${flags.host}: anyone who can reach this address can read embargoed and draft releases\n`)
  }

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await preview.close()
  reporter.line('Preview stopped.')
  return 0
}
