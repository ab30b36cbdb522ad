/**
 * src/address.ts is the one home of e-mail address patterns: the strict
 * validator for every address we send to or from, and `looksLikeAddress`
 * for text we only read (suppression lines, bounce reports, link text).
 * A new address regex elsewhere in src/ fails here (character classes
 * that merely include `@` are not address patterns).
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { addressProblem, looksLikeAddress } from '../src/address.js'
import { parseDeliveryStatus } from '../src/recipients/dsn.js'

const src = new URL('../src/', import.meta.url)

/** Regex literals in src/ with something repeated before an `@` that are no address validators (file: pattern source), and why. */
const notAddressPatterns: ReadonlyMap<string, string> = new Map([
  ['secrets.ts: /\\b[a-z][a-z0-9+.-]*:\\/\\/[^\\s/?#"\'`<>()[\\]{},;]*@[^\\s"\'`<>()[\\]{},;]*/', 'a URL with user info, to redact'],
  ['secrets.ts: /^[^/]*\\/\\/(?:[^:@]*:)?\\*{4}@/', 'a URL whose password is already redacted'],
  ['recipients/classify.ts: /^([^+@]+)\\+([^=@]+)=([^@]+)@(.+)$/', 'our own VERP return path, taken apart'],
  [
    "distribute/smtp-pool.ts: /^[\\w!#$%&'*+\\-/=?^`{|}~.]+@[\\w!#$%&'*+\\-/=?^`{|}~.]+$/",
    "addresses nodemailer's envelope parser takes unchanged (a fast path, compared with nodemailer's own result in tests)",
  ],
  ['render/parse-markdown.ts: /(?:^|\\s)[\\w.+-]+@/', 'whether a body may hold an e-mail autolink literal (the GFM extension decides)'],
])

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await sourceFiles(full)))
    else if (entry.name.endsWith('.ts')) out.push(full)
  }
  return out
}

describe('one home for address patterns', () => {
  test('no regex literal with `@` outside src/address.ts, except the listed non-address ones', async () => {
    const root = new URL('.', src).pathname
    const found: string[] = []
    for (const file of await sourceFiles(root)) {
      const relative = path.relative(root, file).split(path.sep).join('/')
      if (relative === 'address.ts') continue
      const text = await readFile(file, 'utf8')
      // A regex literal (after `=`, `(`, `||`, `&&` or `return`) with something repeated right before an `@`: the shape of an address pattern.
      for (const match of text.matchAll(/(?:=|\(|\|\||&&|return)\s*\/((?:\\.|\[(?:\\.|[^\]])*\]|[^/\n\\[])+)\/[dgimsuy]*/g)) {
        const key = `${relative}: /${match[1]}/`
        if (/[+*}]\)?@/.test(match[1]!) && !notAddressPatterns.has(key)) found.push(key)
      }
    }
    expect(
      found,
      'an address pattern outside src/address.ts: use addressProblem (strict) or looksLikeAddress (read-only text) instead',
    ).toEqual([])
  })

  test('looksLikeAddress: one @, text on both sides, a dot in the domain, no blanks or brackets', () => {
    for (const text of ['jane@example.com', 'ivan@пример.рф', 'o.neil+press@news.example.co.uk'])
      expect(looksLikeAddress(text), text).toBe(true)
    for (const text of [
      'jane@localhost',
      'a b@example.com',
      '<jane@example.com>',
      'a@b@example.com',
      'jane@example.com,',
      '"j"@example.com',
      '@example.com',
      'jane@',
      'jane@example.',
    ]) {
      expect(looksLikeAddress(text), text).toBe(false)
    }
    // Everything the strict validator accepts also looks like an address.
    for (const text of ['jane@example.com', "o'neil@example.ie", 'A_B-c@Example.COM', 'ivan@xn--e1afmkfd.xn--p1ai']) {
      expect(addressProblem(text)).toBeUndefined()
      expect(looksLikeAddress(text)).toBe(true)
    }
  })

  test('a bounce report names its recipient only when it looks like an address', () => {
    const report = (recipient: string): string =>
      `Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; ${recipient}\nAction: failed\nStatus: 5.1.1\n`
    expect(parseDeliveryStatus(report('<Jane@Example.com>')).map((s) => s.recipient)).toEqual(['jane@example.com'])
    expect(parseDeliveryStatus(report('not an address')).map((s) => s.recipient)).toEqual([])
  })
})
