/**
 * The template engine: LiquidJS with auto-escaping. Only values wrapped in
 * `SafeHtml` (the rendered body, the boilerplate) print as HTML; everything
 * else is escaped. Templates get a `t` filter (catalog strings in the page's
 * language) and an `asset` filter (URL of a file in templates/assets/).
 */
import { statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { Liquid, type Template } from 'liquidjs'
import { PressError } from '../errors.js'
import { escapeHtml } from './escape-html.js'
import { hashOf } from '../hash.js'
import { inspectFile, readSafeFile, UnsafeFileError } from '../safe-file.js'
import type { Translate } from '../i18n/localize.js'

/** HTML that must not be escaped (already sanitized or produced by Pressroom). */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html
  }
  toJSON(): string {
    return this.html
  }
}

/**
 * A template that cannot be parsed or rendered (an unknown filter, a missing
 * partial, a syntax error): the designer's mistake, reported with the
 * template's file, line and column, never as an internal error.
 */
export class TemplateError extends PressError {
  override readonly code = 'PRESS_TEMPLATE'
}

/**
 * Turn a LiquidJS error into a TemplateError. LiquidJS appends
 * `, file:<abs>, line:<n>, col:<n>` to its messages (the innermost first when
 * errors are nested), which is where the mistake is.
 *
 * @param error What LiquidJS threw.
 * @param dir Absolute templates/ folder (paths are shown relative to its parent).
 * @param name The template being parsed or rendered.
 */
function templateError(error: unknown, dir: string, name: string): TemplateError {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
  const located = /^(.*?), file:(.*?), line:(\d+), col:(\d+)/.exec(message)
  const shown = (file: string): string => path.relative(path.dirname(dir), file).split(path.sep).join('/')
  const where = located ? `${shown(located[2]!)}:${located[3]}:${located[4]}` : `${shown(path.join(dir, `${name}.liquid`))}`
  const reason = (located ? located[1]! : message).replace(/, line:\d+, col:\d+$/, '')
  // A located message says it all; keep the cause only when there was no place.
  return new TemplateError(`${where}: ${reason} (fix the template, or restore it from the sample office)`, located ? {} : { cause: error })
}

/** The templates a press office can edit. */
export type TemplateName = 'page' | 'index' | 'chooser' | 'print' | 'email'

/** Per-render helpers. */
export interface RenderHelpers {
  readonly t: Translate
  /** URL of an asset for this output (relative to the page, or a mount URL in print). */
  readonly asset: (name: string) => string
}

/** Parsed templates and a hash of everything under templates/. */
export interface Templates {
  readonly dir: string
  readonly hash: string
  /** Asset files under templates/assets/, relative names with `/`. */
  readonly assets: readonly string[]
  /** Text of every `.liquid` file, by name relative to templates/ (for checks of the catalog keys they use). */
  readonly sources: ReadonlyMap<string, string>
  render(name: TemplateName, data: Readonly<Record<string, unknown>>, helpers: RenderHelpers): string
}

/**
 * Read and parse every template under `dir`.
 *
 * @param dir Absolute path of templates/.
 * @returns Parsed templates.
 */
export async function loadTemplates(dir: string): Promise<Templates> {
  const files = await listFiles(dir)
  const contents = files.map((f) => [f, readSafeFile(path.join(dir, f), dir, `templates/${f}`)] as const)
  const hash = hashOf(...contents.flatMap(([f, c]) => [f, c]))
  const engine = new Liquid({
    root: [dir],
    extname: '.liquid',
    cache: true,
    strictFilters: true,
    ownPropertyOnly: true,
    outputEscape: (value: unknown) => (value instanceof SafeHtml ? value.html : escapeHtml(value == null ? '' : String(value))),
  })
  // `{{ 'key' | t }}` without arguments gives the same text for the same
  // translate function on every page; a page prints dozens of labels.
  const plainLabels = new WeakMap<Translate, Map<string, string>>()
  engine.registerFilter('t', function (this: { context: { globals: Record<string, unknown> } }, key: unknown, ...args: unknown[]) {
    const helpers = this.context.globals['__helpers'] as RenderHelpers
    if (args.length === 0) {
      let labels = plainLabels.get(helpers.t)
      if (labels === undefined) plainLabels.set(helpers.t, (labels = new Map()))
      const name = String(key)
      let text = labels.get(name)
      if (text === undefined) labels.set(name, (text = helpers.t(name, {})))
      return text
    }
    const values: Record<string, unknown> = {}
    for (const arg of args) if (Array.isArray(arg) && arg.length === 2) values[String(arg[0])] = arg[1]
    return helpers.t(String(key), values)
  })
  engine.registerFilter('asset', function (this: { context: { globals: Record<string, unknown> } }, name: unknown) {
    const helpers = this.context.globals['__helpers'] as RenderHelpers
    return helpers.asset(String(name))
  })
  const parsed = new Map<TemplateName, Template[]>()
  const names: TemplateName[] = ['page', 'index', 'chooser', 'print', 'email']
  for (const name of names) {
    if (!files.includes(`${name}.liquid`)) continue
    try {
      parsed.set(name, engine.parseFileSync(name))
    } catch (error) {
      throw templateError(error, dir, name)
    }
  }
  return {
    dir,
    hash,
    assets: files.filter((f) => f.startsWith('assets/')).map((f) => f.slice('assets/'.length)),
    sources: new Map(contents.filter(([f]) => f.endsWith('.liquid')).map(([f, c]) => [f, c.toString('utf8')])),
    render(name, data, helpers) {
      const template = parsed.get(name)
      if (!template) throw new TemplateError(`${path.basename(dir)}/${name}.liquid is missing; restore it from the sample office`)
      try {
        return engine.renderSync(template, data, { globals: { __helpers: helpers } }) as string
      } catch (error) {
        throw templateError(error, dir, name)
      }
    },
  }
}

function isFolderSync(file: string): boolean {
  try {
    return statSync(file).isDirectory()
  } catch {
    return false
  }
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  let entries
  try {
    entries = await readdir(path.join(dir, prefix), { withFileTypes: true })
  } catch {
    return out
  }
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)))
    else if (entry.isFile()) out.push(rel)
    else {
      // A link is used only when it stays inside templates/ (see safe-file.ts); a link to a folder there is skipped.
      const verdict = inspectFile(path.join(dir, rel), dir)
      if (verdict.ok) out.push(rel)
      else if (!(verdict.reason === 'not-regular' && isFolderSync(path.join(dir, rel))))
        throw new UnsafeFileError(`templates/${rel}`, verdict)
    }
  }
  return out.sort()
}
