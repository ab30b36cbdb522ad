/**
 * Hyphenation for print: soft hyphens (U+00AD) from the `hyphen` package's
 * TeX patterns (`en-us`, `ru`), because Chromium's `hyphens: auto` does
 * nothing without its own dictionaries. Only body text: never in headings,
 * never in a word that starts with a capital (names, and the rare sentence
 * start it costs), in all-caps words, words with digits, code or URLs.
 * Chromium shows a soft hyphen only where it breaks a line, and its PDF
 * text has none (see the PDF extraction tests). Pure.
 */
import { createRequire } from 'node:module'
import type { Element, Root } from 'hast'
import type language from 'hyphen/en-us/index.js'
import { eachTextRun } from './typography.js'

type Hyphenate = typeof language.hyphenateSync

// TeX's \lefthyphenmin / \righthyphenmin, and the package module of each
// language's patterns. A module is loaded on first use: reading the
// patterns costs about 0.2 s a language, which a build without PDFs (and
// every other command) must not pay.
const byLanguage: Readonly<Record<string, { module: string; left: number; right: number }>> = {
  en: { module: 'hyphen/en-us/index.js', left: 2, right: 3 },
  ru: { module: 'hyphen/ru/index.js', left: 2, right: 2 },
}
const loaded = new Map<string, Hyphenate>()

function hyphenatorFor(module: string): Hyphenate {
  let found = loaded.get(module)
  if (found === undefined) {
    found = (createRequire(import.meta.url)(module) as typeof language).hyphenateSync
    loaded.set(module, found)
  }
  return found
}

const soft = '\u00ad'
const minLength = 7
const headings = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'th', 'caption', 'figcaption'])
const word = /\p{Ll}[\p{Ll}\u0301]{6,}/gu
const cache = new Map<string, string>()

/**
 * One word with soft hyphens where the patterns allow a break (at most
 * `left` letters before the first and `right` after the last).
 *
 * @param text A lowercase word.
 * @param lng Its language (`en`, `ru`; others are returned as they are).
 * @returns The word with soft hyphens.
 */
export function hyphenateWord(text: string, lng: string): string {
  const rules = byLanguage[lng.toLowerCase().split('-')[0]!]
  if (!rules || text.length < minLength) return text
  const key = `${lng}\u0000${text}`
  let found = cache.get(key)
  if (found === undefined) {
    const parts = hyphenatorFor(rules.module)(text, { hyphenChar: soft, minWordLength: minLength }).split(soft)
    // Join pieces that would leave fewer letters than the language allows at either end.
    while (parts.length > 1 && parts[0]!.length < rules.left) parts.splice(0, 2, parts[0]! + parts[1]!)
    while (parts.length > 1 && parts.at(-1)!.length < rules.right) parts.splice(-2, 2, parts.at(-2)! + parts.at(-1)!)
    found = parts.join(soft)
    if (cache.size > 50_000) cache.clear()
    cache.set(key, found)
  }
  return found
}

/**
 * Insert soft hyphens into the body text of a HAST tree, in place.
 *
 * @param tree The body's tree.
 * @param lng Its language.
 */
export function hyphenateTree(tree: Root | Element, lng: string): void {
  if (!byLanguage[lng.toLowerCase().split('-')[0]!]) return
  eachTextRun(tree, (tokens, block) => {
    if (block.type === 'element' && headings.has(block.tagName)) return
    for (const token of tokens) {
      // A word is lowercase from its first letter on: a capital marks a name (or an acronym).
      if (token.kind === 'text')
        token.node.value = token.node.value.replace(word, (found, offset: number, all: string) =>
          /[\p{L}\d@./:_]/u.test(all[offset - 1] ?? '') ? found : hyphenateWord(found, lng),
        )
    }
  })
}
