/**
 * Translation functions over the catalogs: one i18next instance per build,
 * a fixed `t` per language. Missing keys fall back to the default language
 * and are collected so the build can warn about them.
 */
import i18next, { type TFunction } from 'i18next'
import { builtinLiftWording } from '../embargo/lift-wording.js'
import type { Catalogs, CatalogTree } from './catalogs.js'

/** Translate `key` with interpolation values in one language. */
export type Translate = (key: string, values?: Readonly<Record<string, unknown>>) => string

/** Translators for every language of the office. */
export interface Translator {
  /** A translate function bound to a language. */
  readonly forLng: (lng: string) => Translate
  /** Keys that were missing, as `lng ns:key`, found so far. */
  readonly missing: ReadonlySet<string>
}

/**
 * Create translators from loaded catalogs.
 *
 * @param catalogs Loaded catalogs.
 * @param locales Languages of the office.
 * @param fallback Language used when a key is missing (the default locale).
 * @returns A translator.
 */
export function createTranslator(catalogs: Catalogs, locales: readonly string[], fallback: string): Translator {
  const missing = new Set<string>()
  const namespaces = [...new Set(Object.values(catalogs.resources).flatMap((byNs) => Object.keys(byNs)))]
  const instance = i18next.createInstance()
  void instance.init({
    resources: withBuiltinLiftWording(catalogs.resources, locales) as Record<string, Record<string, Record<string, unknown>>>,
    supportedLngs: [...locales],
    fallbackLng: fallback,
    ns: namespaces.length > 0 ? namespaces : ['common'],
    defaultNS: 'common',
    initAsync: false,
    // Templates escape their output; escaping here too would double-escape.
    interpolation: { escapeValue: false },
    returnNull: false,
    saveMissing: true,
    missingKeyHandler: (lngs, ns, key) => {
      for (const lng of lngs) missing.add(`${lng} ${ns}:${key}`)
    },
  })
  const cache = new Map<string, TFunction>()
  const memo = new Map<string, Map<string, string>>()
  // Lookups with interpolation values too (`release.mediaContact` with
  // `count: 1`, `release.about` with the organisation's name are the same
  // on every page): i18next takes 15-20 µs for each.
  const memoWithValues = new Map<string, Map<string, string>>()
  // One translate function per language for the whole run, so callers (the
  // template's `t` filter) can key their own caches on it.
  const translates = new Map<string, Translate>()
  return {
    missing,
    forLng(lng) {
      const made = translates.get(lng)
      if (made) return made
      let t = cache.get(lng)
      if (!t) {
        t = instance.getFixedT(lng)
        cache.set(lng, t)
      }
      const fixed = t
      // Templates ask for the same labels on every page, and i18next's lookup
      // is a large part of a page render: plain lookups are memoized per language.
      let plain = memo.get(lng)
      if (!plain) memo.set(lng, (plain = new Map()))
      const memoized = plain
      const lookup = (key: string, values: Readonly<Record<string, unknown>> | undefined): string => {
        // i18next's missing-key handler only fires when no language has the
        // key; a key found only in the fallback language is "found". Ask for
        // the details to record those too, as this module promises.
        const details = fixed(key, { ...(values as Record<string, unknown>), returnDetails: true }) as unknown as {
          res: unknown
          usedLng?: string
          usedNS?: string
        }
        if (details.usedLng !== undefined && details.usedLng !== lng) {
          missing.add(`${lng} ${details.usedNS ?? 'common'}:${key.includes(':') ? key.slice(key.indexOf(':') + 1) : key}`)
        }
        return String(details.res)
      }
      let withValues = memoWithValues.get(lng)
      if (!withValues) memoWithValues.set(lng, (withValues = new Map()))
      const memoizedWithValues = withValues
      const translate: Translate = (key, values) => {
        if (values !== undefined) {
          const memoKey = valuesKey(key, values)
          if (memoKey === undefined) return lookup(key, values)
          if (memoKey !== key) {
            let found = memoizedWithValues.get(memoKey)
            if (found === undefined) {
              // A long preview session meets new dates all the time: start over rather than grow without bound.
              if (memoizedWithValues.size >= maxMemoized) memoizedWithValues.clear()
              memoizedWithValues.set(memoKey, (found = lookup(key, values)))
            }
            return found
          }
        }
        let found = memoized.get(key)
        if (found === undefined) memoized.set(key, (found = lookup(key, undefined)))
        return found
      }
      translates.set(lng, translate)
      return translate
    },
  }
}

const maxMemoized = 10_000

/**
 * The memo key of a lookup with values: `key` itself when there are no
 * values, undefined when a value is not a string, number or boolean (an
 * object may print differently next time, so it is not memoized). Names
 * and values are length-prefixed, so two different lookups never share a
 * key; the type keeps `count: 1` and `count: '1'` apart (i18next
 * pluralizes numbers only).
 */
function valuesKey(key: string, values: Readonly<Record<string, unknown>>): string | undefined {
  let out = key
  for (const name of Object.keys(values)) {
    const value = values[name]
    let text: string
    if (typeof value === 'string') text = `s${value}`
    else if (typeof value === 'number') text = Object.is(value, -0) ? 'n-0' : `n${value}`
    else if (typeof value === 'boolean') text = `b${value}`
    else return undefined
    out += `\u0000${name.length}:${name}${text.length}:${text}`
  }
  return out
}

/**
 * The office's catalogs with Pressroom's built-in lift wording under each
 * English or Russian `common:embargo.*` key the office does not set (see
 * `builtinLiftWording`). The office's catalogs themselves are not changed.
 */
function withBuiltinLiftWording(resources: Catalogs['resources'], locales: readonly string[]): Catalogs['resources'] {
  const out: Record<string, Record<string, CatalogTree>> = { ...resources }
  for (const lng of locales) {
    const builtin = (builtinLiftWording as Readonly<Record<string, Readonly<Record<string, string>>>>)[lng]
    if (builtin === undefined) continue
    const byNs = resources[lng] ?? {}
    const common = byNs['common'] ?? {}
    const own = common['embargo']
    const embargo = typeof own === 'object' && own !== null ? { ...builtin, ...own } : { ...builtin }
    out[lng] = { ...byNs, common: { ...common, embargo } }
  }
  return out
}
