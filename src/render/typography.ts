/**
 * Language-aware typography with Typograf (its `ru` and `en-US` rule sets):
 * «ёлочки» with „лапками“ inside in Russian, “” and ‘’ in English, em and en
 * dashes, a non-breaking space before a Russian dash, after short words and
 * inside numbers with units, ellipses, minus signs. One function for every
 * output: the body's HTML tree (page, PDF, email HTML, and the email's plain
 * text, which is made from that HTML) and the plain strings (title,
 * subtitle, dateline, subject). Pure.
 *
 * The tree is typeset per block (a paragraph, a list item, a cell), so that
 * quotes pair across inline markup (`"Люди *сказали*"`), but only its text
 * nodes change: code, pre, kbd, samp, links whose text is their URL or
 * e-mail address, and every attribute value are left as written.
 */
import typografImport from 'typograf'
import type { Element, ElementContent, Root, Text } from 'hast'
import { looksLikeAddress } from '../address.js'

// The package's types describe its CommonJS build (the class as `.default`);
// Node's import gives its ES build (the class itself). Either works here.
type TypografClass = typeof typografImport.default
const Typograf = ((typografImport as unknown as { default?: TypografClass }).default ?? typografImport) as unknown as TypografClass
type Typograf = InstanceType<TypografClass>

/** Typography settings of an office (`typography:` in pressroom.yaml). */
export interface TypographySettings {
  /** `typography: off` turns it off. */
  readonly enabled: boolean
  /** Typograf rule names (or masks such as `ru/nbsp/*`) switched off. */
  readonly disable: readonly string[]
}

/** Default: on, every default rule of the language. */
export const defaultTypography: TypographySettings = Object.freeze({ enabled: true, disable: Object.freeze([]) as readonly string[] })

// Rules Typograf lacks, added to its own rule sets (and switched off by
// name like any other):
Typograf.addRules([
  // A hyphen before a number after a space or an opening bracket is a minus
  // sign ("-5 °C" → "−5 °C"); not after a letter or digit, so ranges, phone
  // numbers and compounds keep their hyphen.
  { name: 'common/number/minusSign', handler: (text: string) => text.replace(/(^|[\s(\u00a0])-(?=\d)/g, '$1\u2212') },
  // A number stays on the line of its unit or counted word: "18 °C", "12 проб".
  {
    name: 'common/nbsp/beforeUnit',
    handler: (text: string) => text.replace(/(^|[\s\u00a0(\u2212])(\d[\d.,]*) (?=[°%‰℃]|\p{L})/gu, '$1$2\u00a0'),
  },
  // English single quotes: ‘temporary measures’ (Typograf turns only apostrophes inside words).
  {
    name: 'en-US/punctuation/singleQuote',
    handler: (text: string) =>
      text.replace(/(^|[\s\u00a0(“—])'(?=[^\s'])/g, '$1\u2018').replace(/([^\s\u00a0])'(?=[\s\u00a0.,;:!?)”]|$)/g, '$1\u2019'),
  },
  // Year ranges take an en dash in English too: 2025–2026.
  {
    name: 'en-US/dash/years',
    handler: (text: string) =>
      text.replace(/\b(1\d{3}|2\d{3})-(1\d{3}|2\d{3})\b/g, (all, a: string, b: string) => (Number(b) > Number(a) ? `${a}\u2013${b}` : all)),
  },
])

/**
 * Rules never run here: they trim or join lines and wrap or strip HTML,
 * which only make sense on a whole document, not on the text of one block
 * (and would move text between the nodes of the tree).
 */
const structural = [
  'common/space/trimLeft',
  'common/space/trimRight',
  'common/space/delLeadingBlanks',
  'common/space/delTrailingBlanks',
  'common/space/insertFinalNewline',
  'common/space/delRepeatN',
  'common/html/*',
  // "2031-03-14" in a release is a date as written (often an ISO reference), not to be rewritten as 14.03.2031.
  'ru/date/fromISO',
]

/** Typograf locales for a page language; none when Typograf has no rule set for it. */
function localesOf(lng: string): string[] | undefined {
  const base = lng.toLowerCase().split('-')[0]!
  if (base === 'ru') return ['ru', 'en-US']
  if (base === 'en') return [lng.toLowerCase() === 'en-gb' && Typograf.hasLocale('en-GB') ? 'en-GB' : 'en-US']
  return Typograf.hasLocale(lng) ? [lng] : undefined
}

const instances = new Map<string, Typograf | null>()

function typografFor(lng: string, settings: TypographySettings): Typograf | undefined {
  if (!settings.enabled) return undefined
  const key = `${lng}\u0000${settings.disable.join('\u0000')}`
  let found = instances.get(key)
  if (found === undefined) {
    const locale = localesOf(lng)
    found = locale
      ? new Typograf({ locale, disableRule: [...structural, ...settings.disable], htmlEntity: { type: 'default', onlyInvisible: false } })
      : null
    instances.set(key, found)
  }
  return found ?? undefined
}

/**
 * Names of every Typograf rule (to check `typography.disable`).
 *
 * @returns Rule names such as `ru/nbsp/afterShortWord`.
 */
export function typographyRuleNames(): string[] {
  return Typograf.getRules().map((rule: { name: string }) => rule.name)
}

// Text is handed to Typograf with `&`, `<` and `>` as private-use characters:
// as entities, its rules would see `&amp;` as a word and a semicolon.
const hidden: Record<string, string> = { '&': '\u{F0026}', '<': '\u{F003C}', '>': '\u{F003E}' }
const shown: Record<string, string> = { '\u{F0026}': '&', '\u{F003C}': '<', '\u{F003E}': '>' }
const hide = (text: string): string => text.replace(/[&<>]/g, (c) => hidden[c]!)
const show = (text: string): string => text.replace(/[\u{F0026}\u{F003C}\u{F003E}]/gu, (c) => shown[c]!)

// The same body is set for its page, its PDF and its emails in one run:
// Typograf costs about 0.1 ms a paragraph, so results are kept (bounded).
const results = new WeakMap<Typograf, Map<string, string>>()
const maxResults = 20_000

function executeCached(typograf: Typograf, text: string): string {
  let cache = results.get(typograf)
  if (cache === undefined) results.set(typograf, (cache = new Map()))
  let out = cache.get(text)
  if (out === undefined) {
    if (cache.size >= maxResults) cache.clear()
    out = typograf.execute(text)
    cache.set(text, out)
  }
  return out
}

/**
 * Typeset a run of tokens as one text, so quotes pair across inline tags:
 * the tags go to Typograf as they are (its rules know inline markup), a
 * verbatim piece as a one-letter placeholder in a span, and each text
 * token gets its own result back.
 *
 * @returns The typeset text of each token (undefined for the others), or undefined when the tags came back changed.
 */
function typesetTokens(typograf: Typograf, tokens: readonly Token[]): Array<string | undefined> | undefined {
  let joined = ''
  const tags: string[] = []
  const owners = new Map<number, number>()
  let slot = 0
  const tag = (text: string): void => {
    joined += text
    tags.push(text)
    slot++
  }
  for (const [index, token] of tokens.entries()) {
    if (token.kind === 'text') {
      if (owners.has(slot)) {
        tag('<span>')
        tag('</span>')
      }
      joined += hide(token.node.value)
      owners.set(slot, index)
    } else if (token.kind === 'skip') {
      tag('<span>')
      joined += 'x'
      tag('</span>')
    } else tag(token.kind === 'close' ? `</${token.tag}>` : `<${token.tag}>`)
  }
  const parts = executeCached(typograf, joined).split(/(<[^>]*>)/)
  if (parts.length !== 2 * tags.length + 1 || tags.some((sent, k) => parts[2 * k + 1] !== sent)) return undefined
  const out: Array<string | undefined> = tokens.map(() => undefined)
  for (const [at, index] of owners) out[index] = show(parts[2 * at]!)
  return out
}

/**
 * Typeset a plain string (a title, subtitle, dateline or subject).
 *
 * @param text The string as written.
 * @param lng Its language.
 * @param settings The office's typography settings.
 * @returns The typeset string (unchanged when typography is off or the language has no rule set).
 */
export function typesetText(text: string, lng: string, settings: TypographySettings): string {
  const typograf = typografFor(lng, settings)
  if (!typograf || text.trim() === '') return text
  return show(executeCached(typograf, hide(text)))
}

const phrasing = new Set([
  'a',
  'abbr',
  'b',
  'bdi',
  'bdo',
  'br',
  'cite',
  'code',
  'data',
  'del',
  'dfn',
  'em',
  'i',
  'img',
  'input',
  'ins',
  'kbd',
  'mark',
  'q',
  's',
  'samp',
  'small',
  'span',
  'strong',
  'sub',
  'sup',
  'time',
  'u',
  'var',
  'wbr',
])
const verbatim = new Set(['code', 'pre', 'kbd', 'samp', 'var', 'script', 'style', 'math', 'svg', 'textarea'])

/** A link whose text is its own URL or e-mail address (an autolink) is left as written. */
function isUrlText(node: Element, text: string): boolean {
  if (node.tagName !== 'a') return false
  const href = typeof node.properties?.['href'] === 'string' ? node.properties['href'] : ''
  const shown = text.trim()
  return (
    shown !== '' && (href === shown || href === `mailto:${shown}` || /^(https?:\/\/|www\.)\S+$/i.test(shown) || looksLikeAddress(shown))
  )
}

function textOf(node: ElementContent): string {
  if (node.type === 'text') return node.value
  if (node.type === 'element') return node.children.map(textOf).join('')
  return ''
}

/** A piece of a run of inline content: a text node, an inline tag, or a verbatim piece (code, a URL) that no rule may touch. */
export type Token =
  | { readonly kind: 'text'; readonly node: Text }
  | { readonly kind: 'open' | 'close' | 'void'; readonly tag: string }
  | { readonly kind: 'skip' }

const voidTags = new Set(['br', 'img', 'input', 'wbr'])

/**
 * Visit the blocks of a tree (paragraphs, list items, cells, headings…):
 * each maximal run of inline content under one block is handed to `each`
 * as tokens in document order.
 *
 * @param tree A HAST root or element.
 * @param each Called per run that has some non-blank text, with the block it is in.
 */
export function eachTextRun(tree: Root | Element, each: (tokens: readonly Token[], block: Root | Element) => void): void {
  const visit = (block: Root | Element): void => {
    let run: Token[] = []
    const flush = (): void => {
      if (run.some((token) => token.kind === 'text' && token.node.value.trim() !== '')) each(run, block)
      run = []
    }
    const collect = (parent: Root | Element): void => {
      for (const child of parent.children) {
        if (child.type === 'text') run.push({ kind: 'text', node: child })
        else if (child.type === 'element') {
          if (verbatim.has(child.tagName) || (phrasing.has(child.tagName) && isUrlText(child, textOf(child)))) run.push({ kind: 'skip' })
          else if (voidTags.has(child.tagName)) run.push({ kind: 'void', tag: child.tagName })
          else if (phrasing.has(child.tagName)) {
            run.push({ kind: 'open', tag: child.tagName })
            collect(child)
            run.push({ kind: 'close', tag: child.tagName })
          } else {
            flush()
            visit(child)
          }
        }
      }
    }
    collect(block)
    flush()
  }
  visit(tree)
}

/**
 * Typeset the text nodes of a HAST tree in place.
 *
 * @param tree The body's tree (after sanitizing).
 * @param lng The body's language.
 * @param settings The office's typography settings.
 */
export function typesetTree(tree: Root | Element, lng: string, settings: TypographySettings): void {
  const typograf = typografFor(lng, settings)
  if (!typograf) return
  eachTextRun(tree, (tokens) => {
    const out = typesetTokens(typograf, tokens)
    if (!out) return
    tokens.forEach((token, index) => {
      if (token.kind === 'text') token.node.value = out[index]!
    })
  })
}
