/**
 * Locate the Chromium binary Pressroom drives. Puppeteer is installed with its
 * browser download skipped, so the system Chromium is the normal case.
 */
import { accessSync, constants, statSync } from 'node:fs'
import path from 'node:path'
import { executablePath as puppeteerExecutablePath } from 'puppeteer'
import { ChromiumNotFoundError } from '../errors.js'

/** Well-known absolute locations, in the order they are tried. */
export const systemChromiumPaths: readonly string[] = Object.freeze([
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
])

/** Names looked up on `PATH` after the well-known locations. */
export const chromiumCommandNames: readonly string[] = Object.freeze([
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
])

/** Seams for tests; production code passes nothing. */
export interface FindChromiumOptions {
  /** Absolute paths tried after the env variable (default: {@link systemChromiumPaths}). */
  readonly systemPaths?: readonly string[]
  /** Returns puppeteer's cached browser path, or throws (default: puppeteer's `executablePath()`). */
  readonly puppeteerPath?: () => string
}

/**
 * Find the Chromium executable.
 *
 * Order: `configured` (pressroom.yaml `pdf.chromium`) > `env.PUPPETEER_EXECUTABLE_PATH`
 * > `/usr/bin/chromium`, `/usr/bin/chromium-browser`, `/usr/bin/google-chrome(-stable)`
 * > those names on `env.PATH` > puppeteer's own cache (if that file exists).
 * An explicitly configured path (option or env) that is not an executable file is
 * an error rather than a silent fallback, so a typo in the config is noticed.
 *
 * @param configured Path from the config (optional); relative paths resolve against the cwd.
 * @param env Environment to read `PUPPETEER_EXECUTABLE_PATH` and `PATH` from.
 * @param options Test seams (optional).
 * @returns Absolute path of an executable file.
 * @throws {ChromiumNotFoundError} listing every location tried.
 */
export function findChromium(configured: string | undefined, env: NodeJS.ProcessEnv, options?: FindChromiumOptions): string {
  if (configured !== undefined && configured !== '') {
    return explicit(path.resolve(configured), 'pdf.chromium')
  }
  const fromEnv = env['PUPPETEER_EXECUTABLE_PATH']
  if (fromEnv !== undefined && fromEnv !== '') {
    return explicit(path.resolve(fromEnv), 'PUPPETEER_EXECUTABLE_PATH')
  }

  const tried: string[] = []
  for (const candidate of options?.systemPaths ?? systemChromiumPaths) {
    tried.push(candidate)
    if (isExecutableFile(candidate)) return candidate
  }

  const dirs = (env['PATH'] ?? '').split(path.delimiter).filter((dir) => path.isAbsolute(dir))
  for (const name of chromiumCommandNames) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name)
      if (isExecutableFile(candidate)) return candidate
    }
  }
  tried.push(`${chromiumCommandNames.join('/')} on PATH`)

  let cached: string | undefined
  try {
    cached = (options?.puppeteerPath ?? puppeteerExecutablePath)()
  } catch {
    // No browser configured for puppeteer: nothing more to try.
  }
  if (cached !== undefined && cached !== '') {
    tried.push(cached)
    if (isExecutableFile(cached)) return cached
  } else {
    tried.push("puppeteer's browser cache")
  }

  throw new ChromiumNotFoundError(tried)
}

function explicit(candidate: string, source: string): string {
  if (isExecutableFile(candidate)) return candidate
  throw new ChromiumNotFoundError([`${candidate} (from ${source}; not an executable file)`])
}

function isExecutableFile(candidate: string): boolean {
  try {
    // statSync follows symlinks, as /usr/bin/chromium often is one.
    if (!statSync(candidate).isFile()) return false
    accessSync(candidate, constants.X_OK)
    return true
  } catch {
    return false
  }
}
