/**
 * The catalog keys templates print (`{{ 'release.about' | t: org: org.name }}`),
 * found in the template sources, and a check of them against the catalogs:
 * a key no language has, and a key printed with a `count` that is a plain
 * string (so "5 releases" cannot be said in Russian). Pure.
 */
import type { VFileMessage } from 'vfile-message'
import { diagnostic } from '../diagnostics.js'
import { flattenCatalog, pluralForms, type Catalogs } from './catalogs.js'

const source = 'press:i18n'

/** One use of the `t` filter on a literal key. */
export interface TemplateKeyUse {
  /** `ns:key` (namespace `common` when none is written). */
  readonly key: string
  /** Whether the filter passes `count:`. */
  readonly count: boolean
  /** e.g. `templates/partials/contacts.liquid`. */
  readonly file: string
  readonly line: number
  readonly column: number
}

const use = /(['"])([\w.:-]+)\1\s*\|\s*t\b(\s*:[^|}%]*)?/g

/**
 * Find the literal keys passed to the `t` filter.
 *
 * @param sources Template texts by name relative to templates/.
 * @param shownDir templates/ as shown in messages.
 * @returns Every use, in file order.
 */
export function templateKeyUses(sources: ReadonlyMap<string, string>, shownDir: string): TemplateKeyUse[] {
  const out: TemplateKeyUse[] = []
  for (const [name, text] of sources) {
    for (const match of text.matchAll(use)) {
      const before = text.slice(0, match.index)
      const line = before.split('\n').length
      const column = match.index - before.lastIndexOf('\n')
      const key = match[2]!.includes(':') ? match[2]! : `common:${match[2]!}`
      out.push({ key, count: /\bcount\s*:/.test(match[3] ?? ''), file: `${shownDir}/${name}`, line, column })
    }
  }
  return out
}

/**
 * Check template keys against the catalogs of every language: each key must
 * exist in some language (a key missing in only one is reported by
 * `checkCatalogs` at the catalog), and a key printed with a count must have
 * plural forms in every language that has it.
 *
 * @param uses What {@link templateKeyUses} found.
 * @param catalogs Loaded catalogs.
 * @param locales Languages of the office.
 * @returns Messages at the template's place.
 */
export function checkTemplateKeys(uses: readonly TemplateKeyUse[], catalogs: Catalogs, locales: readonly string[]): VFileMessage[] {
  const messages: VFileMessage[] = []
  const keysOf = new Map<string, Set<string>>()
  for (const lng of locales) {
    const keys = new Set<string>()
    for (const [ns, tree] of Object.entries(catalogs.resources[lng] ?? {}))
      for (const key of flattenCatalog(tree).keys()) keys.add(`${ns}:${key}`)
    keysOf.set(lng, keys)
  }
  const reported = new Set<string>()
  for (const found of uses) {
    const place = { line: found.line, column: found.column }
    const [ns, key] = [found.key.slice(0, found.key.indexOf(':')), found.key.slice(found.key.indexOf(':') + 1)]
    const has = (lng: string) => {
      const keys = keysOf.get(lng)!
      return keys.has(found.key) || pluralForms(lng).some((form) => keys.has(`${found.key}_${form}`))
    }
    if (!locales.some(has)) {
      if (reported.has(found.key)) continue
      reported.add(found.key)
      messages.push(
        diagnostic(
          found.file,
          place,
          'error',
          `\`${key}\` is not in any catalog; add it to ${locales.map((lng) => `locales/${lng}/${ns}.json`).join(' and ')}`,
          'template-key-missing',
          source,
        ),
      )
      continue
    }
    // A key plural in one language and plain in another is reported by checkCatalogs.
    if (!found.count || locales.some((lng) => pluralForms(lng).some((form) => keysOf.get(lng)!.has(`${found.key}_${form}`)))) continue
    for (const lng of locales) {
      if (!keysOf.get(lng)!.has(found.key) || reported.has(`${lng} ${found.key}`)) continue
      reported.add(`${lng} ${found.key}`)
      messages.push(
        diagnostic(
          found.file,
          place,
          'error',
          `\`${key}\` is printed with a count here, but locales/${lng}/${ns}.json has one plain string for it; write ${pluralForms(lng)
            .map((f) => `\`${key}_${f}\``)
            .join(', ')}`,
          'template-key-not-plural',
          source,
        ),
      )
    }
  }
  return messages
}
