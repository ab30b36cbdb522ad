/**
 * Configuration: defaults < pressroom.yaml < environment (`PRESS_*`) < flags,
 * resolved once into a frozen Config. pressroom.yaml is validated with the
 * same positioned diagnostics as releases.
 */
import { readFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { z } from 'zod'
import type { VFileMessage } from 'vfile-message'
import { parseYaml, placeOf, validateYaml, type YamlData } from './yaml-data.js'
import { diagnostic } from './diagnostics.js'
import type { Contact } from './types.js'
import { isValidZone, knownZones } from './embargo/zones.js'
import { didYouMeanSuffix } from './did-you-mean.js'
import { PressError } from './errors.js'
import { rememberSecretSetting } from './secrets.js'
import { mailboxProblem } from './address.js'
import { contactSchema, emailAddress } from './contact-schema.js'

const source = 'press:config'

const configSchema = z.object({
  organisation: z
    .object({ name: z.string().min(1), url: z.string().optional(), logo: z.string().optional() })
    .default({ name: 'Press Office' }),
  site: z.object({ url: z.string().min(1) }).default({ url: 'https://press.example.org' }),
  locales: z.array(z.string().min(2)).min(1).default(['en', 'ru']),
  defaultLocale: z.string().optional(),
  embargo: z.object({ zones: z.array(z.string()).default([]) }).default({ zones: [] }),
  contacts: z
    .union([z.array(contactSchema), z.record(z.string(), z.array(contactSchema))], {
      error: 'should be a list of contacts, or a list per language (`en: [...]`, `ru: [...]`)',
    })
    .default([]),
  lists: z.array(z.string()).optional(),
  pdf: z
    .object({
      format: z.enum(['A4', 'Letter']).default('A4'),
      chromium: z.string().optional(),
      timeout: z.number().int().positive().default(30_000),
      concurrency: z.number().int().positive().optional(),
    })
    .default({ format: 'A4', timeout: 30_000 }),
  mail: z
    .object({
      from: z
        .string()
        .superRefine((value, ctx) => {
          const problem = mailboxProblem(value)
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
        })
        .default('Press Office <press@example.org>'),
      transport: z.string().default('outbox'),
      maxConnections: z.number().int().positive().default(5),
      rate: z.object({ messages: z.number().int().positive(), perSeconds: z.number().positive() }).optional(),
      dkim: z.object({ domainName: z.string(), keySelector: z.string(), privateKey: z.string() }).optional(),
      unsubscribe: z.object({ mailto: emailAddress.optional(), url: z.string().optional() }).default({}),
      failureThreshold: z.number().min(0).max(1).optional(),
      inbox: z.string().optional(),
      bounces: z
        .object({
          folder: z.string().min(1).default('Processed'),
          temporary: z
            .object({ count: z.number().int().positive().default(3), days: z.number().positive().default(7) })
            .default({ count: 3, days: 7 }),
        })
        .default({ folder: 'Processed', temporary: { count: 3, days: 7 } }),
    })
    .default({
      from: 'Press Office <press@example.org>',
      transport: 'outbox',
      maxConnections: 5,
      unsubscribe: {},
      bounces: { folder: 'Processed', temporary: { count: 3, days: 7 } },
    }),
  translations: z.enum(['lenient', 'strict']).default('lenient'),
  // A shell command run after every build that changed dist/ (see site/deploy.ts).
  deploy: z
    .union([z.string().min(1), z.object({ command: z.string().min(1), timeout: z.number().int().positive().optional() })], {
      error: 'should be a shell command, or `{command, timeout}` (timeout in ms)',
    })
    .optional(),
  typography: z
    .union([z.enum(['on', 'off']), z.boolean(), z.object({ disable: z.array(z.string().min(1)).default([]) })], {
      error: 'should be `on`, `off`, or `{disable: [rule, …]}` with Typograf rule names such as `common/nbsp/afterShortWord`',
    })
    .default('on'),
  hyphenation: z.union([z.enum(['on', 'off']), z.boolean()], { error: 'should be `on` or `off`' }).default('on'),
  // No longer used (pages render on the main thread); accepted with a warning so older offices still load.
  build: z.unknown().optional(),
  paths: z
    .object({
      releases: z.string().default('releases'),
      templates: z.string().default('templates'),
      locales: z.string().default('locales'),
      dist: z.string().default('dist'),
      state: z.string().default('.press'),
      pressList: z.string().default('press-list.csv'),
      suppressions: z.string().default('suppressions.csv'),
      deliveries: z.string().default('deliveries'),
    })
    .default({
      releases: 'releases',
      templates: 'templates',
      locales: 'locales',
      dist: 'dist',
      state: '.press',
      pressList: 'press-list.csv',
      suppressions: 'suppressions.csv',
      deliveries: 'deliveries',
    }),
})

type FileConfig = z.infer<typeof configSchema>

/** The resolved, frozen configuration of one office. */
export interface Config {
  /** Absolute path of the office directory. */
  readonly root: string
  readonly organisation: { readonly name: string; readonly url?: string; readonly logo?: string }
  readonly site: { readonly url: string }
  readonly locales: readonly string[]
  readonly defaultLocale: string
  readonly embargo: { readonly zones: readonly string[] }
  /** Default media contacts (the default language's when given per language). */
  readonly contacts: readonly Contact[]
  /** Media contacts per language, when `contacts:` is given per language. */
  readonly contactsByLng: Readonly<Record<string, readonly Contact[]>>
  readonly lists?: readonly string[]
  readonly pdf: { readonly format: 'A4' | 'Letter'; readonly chromium?: string; readonly timeout: number; readonly concurrency?: number }
  readonly mail: FileConfig['mail']
  readonly translations: 'lenient' | 'strict'
  /** `deploy`: the command run (by `sh -c`, in the office) after a build changed dist/, and its time limit in ms (optional). */
  readonly deploy?: { readonly command: string; readonly timeout: number }
  /** Typography of rendered text (see render/typography.ts). */
  readonly typography: { readonly enabled: boolean; readonly disable: readonly string[] }
  /** Soft hyphens in PDFs (see render/hyphenate.ts). */
  readonly hyphenation: boolean
  /** Absolute paths. */
  readonly paths: Readonly<FileConfig['paths']>
  /** Hash of everything in the config that affects rendered output. */
  readonly renderHash: string
}

/** Flags that override configuration (all optional). */
export interface ConfigOverrides {
  readonly smtpUrl?: string
  readonly chromium?: string
}

/** How long a deploy command may run, ms, unless `deploy.timeout` says otherwise (10 minutes). */
const deployTimeout = 600_000

/** The config file's name. */
export const configFileName = 'pressroom.yaml'

/**
 * Read and resolve the configuration of the office in `root`.
 *
 * @param root The office directory.
 * @param env Environment (PRESS_SMTP_URL, PRESS_CHROMIUM_PATH, PRESS_PDF_FORMAT, PRESS_TRANSLATIONS).
 * @param overrides Values from command-line flags (optional).
 * @returns The config (undefined when pressroom.yaml has errors) and messages.
 */
export async function loadConfig(
  root: string,
  env: NodeJS.ProcessEnv,
  overrides: ConfigOverrides = {},
): Promise<{ config?: Config; messages: VFileMessage[] }> {
  const absRoot = path.resolve(root)
  let text = ''
  try {
    text = await readFile(path.join(absRoot, configFileName), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  return resolveConfig(absRoot, text, env, overrides)
}

/**
 * Resolve configuration from the text of pressroom.yaml (pure).
 *
 * @param root Absolute office directory.
 * @param text Contents of pressroom.yaml ('' when absent).
 * @param env Environment overrides.
 * @param overrides Flag overrides.
 * @returns The config (undefined on errors) and messages.
 */
export function resolveConfig(
  root: string,
  text: string,
  env: NodeJS.ProcessEnv,
  overrides: ConfigOverrides = {},
): { config?: Config; messages: VFileMessage[] } {
  const parsed = parseYaml(text, configFileName, 0, source)
  if (!parsed.data) return { messages: parsed.messages }
  const data = parsed.data
  const known = Object.keys(configSchema.shape)
  const { value, messages } = validateYaml(configSchema, data, source, known)
  if (!value) return { messages }

  const defaultLocale = value.defaultLocale ?? value.locales[0] ?? 'en'
  if (!value.locales.includes(defaultLocale)) {
    messages.push(
      diagnostic(
        configFileName,
        placeOf(data, ['defaultLocale']),
        'error',
        `defaultLocale \`${defaultLocale}\` is not in locales (${value.locales.join(', ')}); add it to \`locales\``,
        'config-default-locale',
        source,
      ),
    )
  }
  value.embargo.zones.forEach((zone, index) => {
    if (!isValidZone(zone)) {
      messages.push(
        diagnostic(
          configFileName,
          placeOf(data, ['embargo', 'zones', index]),
          'error',
          `unknown time zone \`${zone}\`; use an IANA name such as \`Europe/Moscow\` or \`UTC\`${didYouMeanSuffix(zone, knownZones())}`,
          'config-bad-zone',
          source,
        ),
      )
    }
  })
  if (value.build !== undefined) {
    const where = isWorkersSetting(value.build) ? ['build', 'workers'] : ['build']
    messages.push(
      diagnostic(
        configFileName,
        placeOf(data, where, 'key'),
        'warning',
        '`build.workers` is no longer used: pages are rendered on the main thread (worker threads made builds no faster); remove `build:` from pressroom.yaml',
        'config-obsolete',
        source,
      ),
    )
  }
  const contactsByLng = Array.isArray(value.contacts) ? {} : value.contacts
  for (const lng of Object.keys(contactsByLng)) {
    if (!value.locales.includes(lng)) {
      messages.push(
        diagnostic(
          configFileName,
          placeOf(data, ['contacts', lng], 'key'),
          'error',
          `contacts for \`${lng}\`, which is not in locales (${value.locales.join(', ')})`,
          'config-contacts-locale',
          source,
        ),
      )
    }
  }
  const defaultContacts = Array.isArray(value.contacts)
    ? value.contacts
    : (value.contacts[defaultLocale] ?? Object.values(value.contacts)[0] ?? [])
  if (!/^https?:\/\//.test(value.site.url)) {
    messages.push(
      diagnostic(
        configFileName,
        placeOf(data, ['site', 'url']),
        'error',
        `site.url should be an absolute http(s) URL such as https://press.example.org, got "${value.site.url}"`,
        'config-site-url',
        source,
      ),
    )
  }
  // Links printed on every page and in every email: only web and mail addresses, never `javascript:` or `data:`.
  const links: ReadonlyArray<[readonly string[], string | undefined, RegExp, string]> = [
    [['organisation', 'url'], value.organisation.url, /^(?:https?:\/\/|mailto:)/i, 'an http(s) or mailto: URL such as https://example.org'],
    [
      ['organisation', 'logo'],
      value.organisation.logo,
      /^(?:https?:\/\/|(?![a-z][a-z0-9+.-]*:)[^\\]*$)/i,
      'an http(s) URL or a file under templates/assets/, e.g. logo.svg',
    ],
    [
      ['mail', 'unsubscribe', 'url'],
      value.mail.unsubscribe.url,
      /^https?:\/\//i,
      'an https URL such as https://press.example.org/unsubscribe',
    ],
  ]
  for (const [where, link, allowed, expected] of links) {
    if (link === undefined) continue
    if (!allowed.test(link.trim()) || /[\u0000-\u001f\u007f]/.test(link)) {
      messages.push(
        diagnostic(
          configFileName,
          placeOf(data, [...where]),
          'error',
          `${where.join('.')} should be ${expected}; got "${link.replace(/[\u0000-\u001f\u007f]/g, '?')}"`,
          'config-url-scheme',
          source,
        ),
      )
    }
  }
  if (messages.some((m) => m.fatal)) return { messages }

  // An environment value that is set but not understood is an error, not
  // silently ignored: `PRESS_PDF_FORMAT=letter` must not quietly print A4.
  const format = envChoice(env, 'PRESS_PDF_FORMAT', ['A4', 'Letter'] as const) ?? value.pdf.format
  const chromium = overrides.chromium ?? (env['PRESS_CHROMIUM_PATH'] || undefined) ?? value.pdf.chromium
  const transport = (overrides.smtpUrl ?? (env['PRESS_SMTP_URL'] || undefined) ?? value.mail.transport).trim()
  // Whatever is printed later, these secrets are scrubbed from it (src/secrets.ts).
  rememberSecretSetting(value.mail.transport)
  rememberSecretSetting(transport)
  const inbox = (env['PRESS_INBOX_URL'] || undefined) ?? value.mail.inbox
  const translations = envChoice(env, 'PRESS_TRANSLATIONS', ['lenient', 'strict'] as const) ?? value.translations
  const abs = (p: string): string => path.resolve(root, p)
  const paths = {
    releases: abs(value.paths.releases),
    templates: abs(value.paths.templates),
    locales: abs(value.paths.locales),
    dist: abs(value.paths.dist),
    state: abs(value.paths.state),
    pressList: abs(value.paths.pressList),
    suppressions: abs(value.paths.suppressions),
    deliveries: abs(value.paths.deliveries),
  }
  messages.push(...checkOwnedPaths(root, paths, data))
  if (messages.some((m) => m.fatal)) return { messages }
  const siteUrl = value.site.url.replace(/\/+$/, '')
  const typography =
    typeof value.typography === 'object'
      ? { enabled: true, disable: value.typography.disable }
      : { enabled: value.typography === 'on' || value.typography === true, disable: [] }
  const hyphenation = value.hyphenation === 'on' || value.hyphenation === true
  const renderRelevant = {
    typography,
    hyphenation,
    organisation: value.organisation,
    site: siteUrl,
    locales: value.locales,
    defaultLocale,
    zones: value.embargo.zones,
    contacts: value.contacts,
    format,
  }
  const config: Config = {
    root,
    organisation: stripUndefined(value.organisation),
    site: { url: siteUrl },
    locales: value.locales,
    defaultLocale,
    embargo: { zones: value.embargo.zones },
    contacts: defaultContacts.map(stripUndefined),
    contactsByLng: Object.fromEntries(Object.entries(contactsByLng).map(([lng, list]) => [lng, list.map(stripUndefined)])),
    ...(value.lists ? { lists: value.lists } : {}),
    pdf: stripUndefined({ format, chromium, timeout: value.pdf.timeout, concurrency: value.pdf.concurrency }),
    mail: { ...stripUndefined({ ...value.mail, inbox }), transport } as FileConfig['mail'],
    translations,
    ...(value.deploy === undefined
      ? {}
      : {
          deploy:
            typeof value.deploy === 'string'
              ? { command: value.deploy, timeout: deployTimeout }
              : { command: value.deploy.command, timeout: value.deploy.timeout ?? deployTimeout },
        }),
    typography,
    hyphenation,
    paths,
    renderHash: createHash('sha256').update(JSON.stringify(renderRelevant)).digest('hex').slice(0, 16),
  }
  return { config: deepFreeze(config), messages }
}

/** `inner` is `outer` or below it (lexically; both absolute). */
function within(outer: string, inner: string): boolean {
  const relative = path.relative(outer, inner)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/**
 * `paths.dist` and `paths.state` must be folders Pressroom owns: a build
 * replaces everything in dist/, so neither may be the office, a folder
 * above it, or overlap a source (releases, templates, catalogs, the press
 * list, suppressions, pressroom.yaml) or each other.
 */
function checkOwnedPaths(root: string, paths: Readonly<FileConfig['paths']>, data: YamlData): VFileMessage[] {
  const messages: VFileMessage[] = []
  const sources: ReadonlyArray<[string, string]> = [
    ['paths.releases', paths.releases],
    ['paths.templates', paths.templates],
    ['paths.locales', paths.locales],
    ['paths.pressList', paths.pressList],
    ['paths.suppressions', paths.suppressions],
    [configFileName, path.join(root, configFileName)],
  ]
  for (const key of ['dist', 'state'] as const) {
    const target = paths[key]
    const written = data.doc.getIn(['paths', key])
    const shown = `paths.${key}${written === undefined ? '' : ` "${String(written)}"`}`
    const owner = key === 'dist' ? 'a build replaces everything in it' : 'it holds the queue and caches'
    let problem: string | undefined
    if (within(target, root)) problem = target === root ? 'is the office folder itself' : 'is a folder above the office'
    else {
      const other = key === 'dist' ? paths.state : paths.dist
      const clash = [...sources, ...(key === 'dist' ? [['paths.state', other] as [string, string]] : [])].find(
        ([, source]) => within(source, target) || within(target, source),
      )
      if (clash) problem = `overlaps ${clash[0]} (${displayPath({ root }, clash[1]) || '.'})`
    }
    if (problem === undefined) continue
    messages.push(
      diagnostic(
        configFileName,
        placeOf(data, ['paths', key]),
        'error',
        `${shown} ${problem}; ${owner}, so it must be a folder of its own, e.g. \`${key === 'dist' ? 'dist' : '.press'}\``,
        'config-paths-owned',
        source,
      ),
    )
  }
  return messages
}

/** An environment variable that cannot be used as set. */
export class EnvError extends PressError {
  override readonly code = 'PRESS_ENV'
}

/** `env[name]` as one of `choices` (any case); undefined when unset or empty; EnvError otherwise. */
function envChoice<C extends string>(env: NodeJS.ProcessEnv, name: string, choices: readonly C[]): C | undefined {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return undefined
  const found = choices.find((c) => c.toLowerCase() === raw.trim().toLowerCase())
  if (found === undefined)
    throw new EnvError(`${name}=${JSON.stringify(raw)} is not one of ${choices.join(', ')}; fix or unset the environment variable`)
  return found
}

/** `build:` as written by an office from before: a map with a `workers` key. */
function isWorkersSetting(build: unknown): boolean {
  return typeof build === 'object' && build !== null && Object.hasOwn(build, 'workers')
}

type Defined<T> = { [K in keyof T]: Exclude<T[K], undefined> }

/** Drop keys whose value is undefined (for exactOptionalPropertyTypes). */
export function stripUndefined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/** Relative path from the office root, for messages. */
export function displayPath(config: Pick<Config, 'root'>, absolute: string): string {
  const relative = path.relative(config.root, absolute)
  return relative.split(path.sep).join('/')
}

/** Absolute path of a release folder. */
export function releaseDir(config: Pick<Config, 'paths'>, release: { readonly slug: string }): string {
  return path.join(config.paths.releases, release.slug)
}
