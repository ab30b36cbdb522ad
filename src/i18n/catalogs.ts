/**
 * Locale catalogs: `locales/<lng>/<namespace>.json` in i18next JSON v4.
 * Loading keeps positions (JSON is parsed as YAML with a line counter) so the
 * parity check can point at the key: missing in another language, a plural
 * lacking a form the language needs, interpolation variables that differ.
 */
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import type { VFileMessage } from 'vfile-message'
import { diagnostic, type Place } from '../diagnostics.js'
import { hashOf } from '../hash.js'
import { readSafeFile, UnsafeFileError } from '../safe-file.js'
import { decodeUtf8, notUtf8Diagnostic } from '../release/decode-utf8.js'
import { parseYaml, placeOf, type YamlData } from '../yaml-data.js'

const source = 'press:i18n'

/** Nested catalog data of one namespace. */
export type CatalogTree = { readonly [key: string]: string | CatalogTree }

/** All catalogs: language → namespace → tree, plus where each key sits. */
export interface Catalogs {
  readonly resources: Readonly<Record<string, Readonly<Record<string, CatalogTree>>>>
  /** `lng` → `ns:dotted.key` → file and place. */
  readonly places: ReadonlyMap<string, ReadonlyMap<string, { file: string; place: Place }>>
  /** Hash of every catalog file, for build caches. */
  readonly hash: string
}

/**
 * Read all catalogs of the given languages.
 *
 * @param dir Absolute path of `locales/`.
 * @param shownDir The same path as shown in messages (e.g. `locales`).
 * @param locales Languages of the office.
 * @returns Catalogs and messages (invalid JSON, missing folders).
 */
export async function loadCatalogs(
  dir: string,
  shownDir: string,
  locales: readonly string[],
): Promise<{ catalogs: Catalogs; messages: VFileMessage[] }> {
  const messages: VFileMessage[] = []
  const resources: Record<string, Record<string, CatalogTree>> = {}
  const places = new Map<string, Map<string, { file: string; place: Place }>>()
  const hashParts: string[] = []
  for (const lng of locales) {
    resources[lng] = {}
    const keyPlaces = new Map<string, { file: string; place: Place }>()
    places.set(lng, keyPlaces)
    let names: string[]
    try {
      names = (await readdir(path.join(dir, lng))).filter((n) => n.endsWith('.json')).sort()
    } catch {
      messages.push(
        diagnostic(
          `${shownDir}/${lng}`,
          undefined,
          'error',
          `no catalogs for \`${lng}\`; create ${shownDir}/${lng}/common.json`,
          'catalog-missing',
          source,
        ),
      )
      continue
    }
    for (const name of names) {
      const ns = name.slice(0, -5)
      const file = `${shownDir}/${lng}/${name}`
      let text: string
      try {
        const decoded = decodeUtf8(readSafeFile(path.join(dir, lng, name), dir, file, 4 * 1024 * 1024))
        if (!decoded.ok) {
          messages.push(notUtf8Diagnostic(file, decoded, 'catalog as UTF-8', source))
          continue
        }
        text = decoded.text
      } catch (error) {
        if (!(error instanceof UnsafeFileError)) throw error
        messages.push(diagnostic(file, undefined, 'error', error.message.slice(file.length + 2), `unsafe-file-${error.reason}`, source))
        continue
      }
      hashParts.push(file, text)
      const parsed = parseYaml(text, file, 0, source)
      if (!parsed.data) {
        messages.push(...parsed.messages.map((m) => Object.assign(m, { reason: m.reason.replace('invalid YAML', 'invalid JSON') })))
        continue
      }
      const tree = parsed.data.value
      if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) {
        messages.push(diagnostic(file, undefined, 'error', 'a catalog is a JSON object of keys and strings', 'catalog-not-object', source))
        continue
      }
      resources[lng][ns] = tree as CatalogTree
      collectPlaces(parsed.data, tree as CatalogTree, [], ns, file, keyPlaces, messages)
    }
  }
  return { catalogs: { resources, places, hash: hashOf(...hashParts) }, messages }
}

function collectPlaces(
  data: YamlData,
  tree: CatalogTree,
  prefix: string[],
  ns: string,
  file: string,
  out: Map<string, { file: string; place: Place }>,
  messages: VFileMessage[],
): void {
  for (const [key, value] of Object.entries(tree)) {
    const keyPath = [...prefix, key]
    if (typeof value === 'string') out.set(`${ns}:${keyPath.join('.')}`, { file, place: placeOf(data, keyPath, 'key') })
    else if (value !== null && typeof value === 'object' && !Array.isArray(value))
      collectPlaces(data, value, keyPath, ns, file, out, messages)
    else
      messages.push(
        diagnostic(
          file,
          placeOf(data, keyPath),
          'error',
          `\`${keyPath.join('.')}\` should be a string or an object of strings`,
          'catalog-bad-value',
          source,
        ),
      )
  }
}

/** Flatten a tree to `dotted.key` → string. */
export function flattenCatalog(tree: CatalogTree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const full = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(full, value)
    else for (const [k, v] of flattenCatalog(value, full)) out.set(k, v)
  }
  return out
}

const pluralSuffix = /_(zero|one|two|few|many|other)$/

/** The plural categories a language needs (`ru`: one, few, many, other). */
export function pluralForms(lng: string): string[] {
  return new Intl.PluralRules(lng).resolvedOptions().pluralCategories.slice()
}

/** Interpolation variables used in a string: `{{count}}` → `count`. */
export function variablesOf(text: string): Set<string> {
  const out = new Set<string>()
  for (const match of text.matchAll(/\{\{\s*-?\s*([\w.]+)\s*(?:,[^}]*)?\}\}/g)) out.add(match[1]!)
  return out
}

/**
 * Check catalogs across languages (pure): keys present in one language and
 * missing in another, plurals lacking a form, differing interpolation variables.
 *
 * @param catalogs Loaded catalogs.
 * @param locales Languages of the office.
 * @returns Messages, each at the key's place.
 */
export function checkCatalogs(catalogs: Catalogs, locales: readonly string[]): VFileMessage[] {
  const messages: VFileMessage[] = []
  // lng -> base key (ns:key without plural suffix) -> { forms, variables }
  const info = new Map<string, Map<string, { forms: Set<string>; variables: Set<string>; firstKey: string }>>()
  for (const lng of locales) {
    const byBase = new Map<string, { forms: Set<string>; variables: Set<string>; firstKey: string }>()
    for (const [ns, tree] of Object.entries(catalogs.resources[lng] ?? {})) {
      for (const [key, value] of flattenCatalog(tree)) {
        const match = pluralSuffix.exec(key)
        const base = `${ns}:${match ? key.slice(0, match.index) : key}`
        const entry = byBase.get(base) ?? { forms: new Set<string>(), variables: new Set<string>(), firstKey: `${ns}:${key}` }
        if (match) entry.forms.add(match[1]!)
        for (const v of variablesOf(value)) entry.variables.add(v)
        byBase.set(base, entry)
      }
    }
    info.set(lng, byBase)
  }
  const where = (lng: string, key: string): { file: string; place: Place | undefined } => {
    const found = catalogs.places.get(lng)?.get(key)
    return found ?? { file: `locales/${lng}`, place: undefined }
  }
  for (const lng of locales) {
    const mine = info.get(lng)!
    const needed = pluralForms(lng)
    for (const [base, entry] of mine) {
      const at = where(lng, entry.firstKey)
      if (entry.forms.size > 0) {
        const missing = needed.filter((form) => !entry.forms.has(form))
        if (missing.length > 0) {
          messages.push(
            diagnostic(
              at.file,
              at.place,
              'error',
              `plural \`${base}\` lacks the ${lng} form${missing.length > 1 ? 's' : ''} ${missing.map((f) => `\`${base.split(':')[1]}_${f}\``).join(', ')} (${lng} needs ${needed.join(', ')})`,
              'plural-missing-form',
              source,
            ),
          )
        }
      }
      if (entry.forms.size > 0 && !entry.variables.has('count') && beyondOne(lng).length > 0) {
        // "Контакт для СМИ" as `_one` is also printed for 21 and 31 contacts:
        // a plural form that does not show the number reads wrong there.
        messages.push(
          diagnostic(
            at.file,
            at.place,
            'error',
            `plural \`${base}\` does not print {{count}}, but the ${lng} \`one\` form is also used for ${beyondOne(lng).join(', ')}…; print {{count}} in every form, or use separate keys for one and several`,
            'plural-without-count',
            source,
          ),
        )
      }
      for (const other of locales) {
        if (other === lng) continue
        const theirs = info.get(other)!.get(base)
        if (!theirs) {
          messages.push(
            diagnostic(
              at.file,
              at.place,
              'error',
              `key \`${base}\` is in ${lng} but missing in ${other}; add it to locales/${other}/${base.split(':')[0]}.json`,
              'catalog-missing-key',
              source,
            ),
          )
          continue
        }
        if (entry.forms.size > 0 && theirs.forms.size === 0) {
          const there = where(other, theirs.firstKey)
          const key = base.split(':')[1]
          messages.push(
            diagnostic(
              there.file,
              there.place,
              'error',
              `\`${key}\` is a plain string in ${other} but has plural forms in ${lng}; write ${pluralForms(other)
                .map((f) => `\`${key}_${f}\``)
                .join(', ')} (${other} needs ${pluralForms(other).join(', ')})`,
              'plural-plain-mix',
              source,
            ),
          )
          continue
        }
        if (lng < other) {
          const a = [...entry.variables].filter((v) => v !== 'count').sort()
          const b = [...theirs.variables].filter((v) => v !== 'count').sort()
          if (a.join(',') !== b.join(',')) {
            messages.push(
              diagnostic(
                at.file,
                at.place,
                'error',
                `key \`${base}\` uses ${fmtVars(a)} in ${lng} but ${fmtVars(b)} in ${other}; the same variables must appear in every language`,
                'catalog-variables-differ',
                source,
              ),
            )
          }
        }
      }
    }
  }
  return messages
}

/** Numbers other than 1 (up to 101) that fall in a language's `one` plural category: `ru` → 21, 31, 41. */
function beyondOne(lng: string): number[] {
  const rules = new Intl.PluralRules(lng)
  const out: number[] = []
  for (let n = 2; n <= 101 && out.length < 3; n++) if (rules.select(n) === 'one') out.push(n)
  return out
}

function fmtVars(vars: readonly string[]): string {
  return vars.length === 0 ? 'no variables' : vars.map((v) => `{{${v}}}`).join(', ')
}
