/**
 * The translate functions memoize lookups (with and without interpolation
 * values); a memoized answer must be what i18next gives for the same call
 * in a fresh translator, and missing keys must still be collected.
 */
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { loadCatalogs, type Catalogs } from '../../src/i18n/catalogs.js'
import { createTranslator } from '../../src/i18n/localize.js'
import { repoRoot } from '../helpers/office.js'
import { prng } from '../../bench/lib/prng.js'

let catalogs: Catalogs

beforeAll(async () => {
  const loaded = await loadCatalogs(path.join(repoRoot, 'locales'), 'locales', ['en', 'ru'])
  expect(loaded.messages).toEqual([])
  catalogs = loaded.catalogs
})

const keys = [
  'release.mediaContact',
  'release.mediaContacts',
  'index.count',
  'release.about',
  'release.published',
  'release.dateline',
  'release.fallbackNotice',
  'index.fallback',
  'print.page',
  'lang.name',
  'release.embargoNotice',
  'boilerplate:about',
  'no.such.key',
  'release.noSuchKey',
]
const values: ReadonlyArray<Readonly<Record<string, unknown>> | undefined> = [
  undefined,
  {},
  { count: 1 },
  { count: '1' },
  { count: 2 },
  { count: 5 },
  { count: 21 },
  { count: 0 },
  { count: -0 },
  { count: 1.5 },
  { org: 'Wellspring' },
  { org: 'Other' },
  { date: '12 May 2026' },
  { place: 'GENEVA', date: '12 May 2026' },
  { date: '12 May 2026', place: 'GENEVA' },
  { place: 'GENEVA, 12', date: 'May 2026' },
  { language: 'English' },
  { page: 1, total: 2 },
  { lift: true },
  { org: '' },
  { count: 1, org: 'x' },
]

describe('createTranslator: memoized lookups', () => {
  test('give what a fresh translator gives, call after call', () => {
    const memoized = createTranslator(catalogs, ['en', 'ru'], 'en')
    const random = prng(6)
    for (let i = 0; i < 400; i++) {
      const lng = random() < 0.5 ? 'en' : 'ru'
      const key = keys[Math.floor(random() * keys.length)]!
      const value = values[Math.floor(random() * values.length)]
      const fresh = createTranslator(catalogs, ['en', 'ru'], 'en').forLng(lng)(key, value)
      expect(memoized.forLng(lng)(key, value), `${lng} ${key} ${JSON.stringify(value)}`).toBe(fresh)
    }
  })

  test('missing keys are collected once looked up, memoized or not', () => {
    const repeated = createTranslator(catalogs, ['en', 'ru'], 'en')
    for (let i = 0; i < 3; i++) {
      repeated.forLng('ru')('no.such.key', { count: 1 })
      repeated.forLng('ru')('other.missing')
    }
    const once = createTranslator(catalogs, ['en', 'ru'], 'en')
    once.forLng('ru')('no.such.key', { count: 1 })
    once.forLng('ru')('other.missing')
    expect([...repeated.missing].sort()).toEqual([...once.missing].sort())
    expect(repeated.missing.has('ru common:no.such.key')).toBe(true)
    expect(repeated.missing.has('ru common:other.missing')).toBe(true)
  })

  test('an object value is looked up every time', () => {
    const t = createTranslator(catalogs, ['en', 'ru'], 'en').forLng('en')
    let org = 'First'
    const value = { org: { toString: () => org } }
    expect(t('release.about', value)).toContain('First')
    org = 'Second'
    expect(t('release.about', value)).toContain('Second')
  })
})
