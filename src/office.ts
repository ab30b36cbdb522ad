/**
 * An office loaded for work: configuration, releases, catalogs and
 * templates, with every diagnostic found while reading them.
 */
import type { VFileMessage } from 'vfile-message'
import { displayPath, loadConfig, type Config, type ConfigOverrides } from './config.js'
import { loadCatalogs, type Catalogs } from './i18n/catalogs.js'
import { createTranslator, type Translator } from './i18n/localize.js'
import { openReleaseCache } from './release/cache.js'
import { loadReleases } from './release/load.js'
import { loadTemplates, type Templates } from './render/template.js'
import type { Release } from './types.js'
import { diagnostic } from './diagnostics.js'
import { UnsafeFileError } from './safe-file.js'

/** Everything a build, check or send needs from the office's files. */
export interface Office {
  readonly config: Config
  readonly releases: readonly Release[]
  readonly catalogs: Catalogs
  readonly translator: Translator
  readonly templates: Templates
}

/** Options for loading an office. */
export interface LoadOfficeOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly overrides?: ConfigOverrides
  /** Load only this release (other releases are not read). */
  readonly only?: string
  /** Reuse releases parsed by an earlier run from `.press/cache/releases/` (see release/cache.ts). */
  readonly releaseCache?: boolean
  /** Called after each release folder is read: the count done and the total (optional). */
  readonly onProgress?: (done: number, total: number) => void
}

/**
 * Load the office in `root`.
 *
 * @param root The office directory.
 * @param options Environment, flag overrides, release filter (optional).
 * @returns The office (undefined when the config itself is broken) and all messages.
 */
export async function loadOffice(root: string, options: LoadOfficeOptions = {}): Promise<{ office?: Office; messages: VFileMessage[] }> {
  const { config, messages } = await loadConfig(root, options.env ?? {}, options.overrides)
  if (!config) return { messages }
  const [loaded, catalogs, templates] = await Promise.all([
    (options.releaseCache ? openReleaseCache(config) : Promise.resolve(undefined)).then((cache) =>
      loadReleases(config, options.only, cache, options.onProgress),
    ),
    loadCatalogs(config.paths.locales, displayPath(config, config.paths.locales), config.locales),
    // A template file that is a link out of templates/ (or a FIFO, …) is a located error like any other.
    loadTemplates(config.paths.templates).catch((error: unknown) => {
      if (!(error instanceof UnsafeFileError)) throw error
      const [file = 'templates', ...reason] = error.message.split(': ')
      return diagnostic(file, undefined, 'error', reason.join(': '), `unsafe-file-${error.reason}`, 'press:templates')
    }),
  ])
  if (!('render' in templates)) return { messages: [...messages, ...loaded.messages, ...catalogs.messages, templates] }
  const translator = createTranslator(catalogs.catalogs, config.locales, config.defaultLocale)
  return {
    office: { config, releases: loaded.releases, catalogs: catalogs.catalogs, translator, templates },
    messages: [...messages, ...loaded.messages, ...catalogs.messages],
  }
}
