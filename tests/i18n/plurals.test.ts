/**
 * Russian plurals through the real catalogs (locales/ru/common.json) and
 * i18next: 1 → one, 2 → few, 5 → many, 11 → many, 21 → one, 22 → few; and
 * dates in the page's language with Intl.
 */
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { loadCatalogs, type Catalogs } from '../../src/i18n/catalogs.js'
import { createTranslator, type Translator } from '../../src/i18n/localize.js'
import { formatDate } from '../../src/embargo/time.js'
import { repoRoot } from '../helpers/office.js'

let translator: Translator

beforeAll(async () => {
  const { catalogs, messages } = await loadCatalogs(path.join(repoRoot, 'locales'), 'locales', ['en', 'ru'])
  expect(messages).toEqual([])
  translator = createTranslator(catalogs, ['en', 'ru'], 'en')
})

describe('Russian plural forms (real catalogs)', () => {
  test.each([
    [1, '1 пресс-релиз'],
    [2, '2 пресс-релиза'],
    [5, '5 пресс-релизов'],
    [11, '11 пресс-релизов'],
    [21, '21 пресс-релиз'],
    [22, '22 пресс-релиза'],
  ])('index.count %i → %s', (count, expected) => {
    expect(translator.forLng('ru')('index.count', { count })).toBe(expected)
  })

  test('the contacts heading has no number, so it is two keys, not a plural (21 contacts are "Контакты")', () => {
    const t = translator.forLng('ru')
    expect(t('release.mediaContact')).toBe('Контакт для СМИ')
    expect(t('release.mediaContacts')).toBe('Контакты для СМИ')
  })

  test('English 1 and 2', () => {
    const t = translator.forLng('en')
    expect(t('index.count', { count: 1 })).toBe('1 release')
    expect(t('index.count', { count: 2 })).toBe('2 releases')
    expect(t('release.mediaContact')).toBe('Media contact')
    expect(t('release.mediaContacts')).toBe('Media contacts')
  })

  test('each Russian category picks its own form (not a fallback to _other)', () => {
    const tree = { n_one: 'one', n_few: 'few', n_many: 'many', n_other: 'other' }
    const catalogs: Catalogs = {
      resources: { en: { common: { n_one: 'one', n_other: 'other' } }, ru: { common: tree } },
      places: new Map(),
      hash: 'x',
    }
    const t = createTranslator(catalogs, ['en', 'ru'], 'en').forLng('ru')
    expect([1, 2, 5, 11, 21, 22, 1.5].map((count) => t('n', { count }))).toEqual(['one', 'few', 'many', 'many', 'one', 'few', 'other'])
  })

  test('a key missing in ru falls back to en and is recorded as missing', () => {
    const catalogs: Catalogs = { resources: { en: { common: { only: 'English only' } }, ru: { common: {} } }, places: new Map(), hash: 'x' }
    const tr = createTranslator(catalogs, ['en', 'ru'], 'en')
    expect(tr.forLng('ru')('only')).toBe('English only')
    expect([...tr.missing]).toContain('ru common:only')
  })
})

describe('dates in the page language', () => {
  test('Intl long dates', () => {
    expect(formatDate('2012-06-05', 'ru')).toBe('5 июня 2012 г.')
    expect(formatDate('2031-03-14', 'ru')).toBe('14 марта 2031 г.')
    expect(formatDate('2031-03-14', 'en')).toBe('14 March 2031')
  })
})
