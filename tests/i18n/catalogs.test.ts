/**
 * Catalog parity (SPEC §3): a key present in one language and missing in the
 * other, a Russian plural lacking a form, interpolation variables that
 * differ — each reported at the key's file:line:col. Golden report in
 * tests/fixtures/catalogs/<case>/report.txt; the sample catalogs are clean.
 */
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { formatDiagnostic, sortDiagnostics } from '../../src/diagnostics.js'
import { checkCatalogs, loadCatalogs, pluralForms, variablesOf } from '../../src/i18n/catalogs.js'
import { fixturesDir, repoRoot } from '../helpers/office.js'

describe('checkCatalogs', () => {
  test('fixture pair: missing key, plural lacking _few, differing variables (golden report)', async () => {
    const dir = path.join(fixturesDir, 'catalogs', 'parity')
    const { catalogs, messages: loadMessages } = await loadCatalogs(dir, 'locales', ['en', 'ru'])
    expect(loadMessages).toEqual([])
    const messages = checkCatalogs(catalogs, ['en', 'ru'])
    const report = sortDiagnostics(messages).map(formatDiagnostic).join('\n') + '\n'
    await expect(report).toMatchFileSnapshot(path.join(dir, 'report.txt'))
    // Each problem once, at the right key (lines as in the fixture files).
    expect(report.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^locales\/en\/common\.json:4:5: error: key `common:release\.about` uses \{\{org\}\} in en but \{\{name\}\} in ru/,
      ),
      expect.stringMatching(/^locales\/en\/common\.json:5:5: error: key `common:release\.tags` is in en but missing in ru/),
      expect.stringMatching(/^locales\/ru\/common\.json:6:5: error: key `common:release\.extra` is in ru but missing in en/),
      expect.stringMatching(
        /^locales\/ru\/common\.json:9:5: error: plural `common:index\.count` lacks the ru form `index\.count_few` \(ru needs few, many, one, other\)$/,
      ),
    ])
    expect(messages.every((m) => m.fatal === true)).toBe(true)
  })

  test('the sample office catalogs have no messages', async () => {
    const { catalogs, messages } = await loadCatalogs(path.join(repoRoot, 'locales'), 'locales', ['en', 'ru'])
    expect(messages.map(String)).toEqual([])
    expect(checkCatalogs(catalogs, ['en', 'ru']).map(String)).toEqual([])
  })

  test('invalid JSON in a catalog is located', async () => {
    const { mkdtemp, mkdir, writeFile, rm } = await import('node:fs/promises')
    const os = await import('node:os')
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pressroom-catalogs-'))
    try {
      await mkdir(path.join(dir, 'en'))
      await writeFile(path.join(dir, 'en', 'common.json'), '{\n  "a": "x",\n  "b": "y"\n  "c": "z"\n}\n')
      const { messages } = await loadCatalogs(dir, 'locales', ['en'])
      expect(messages.map(formatDiagnostic)).toEqual([expect.stringMatching(/^locales\/en\/common\.json:4:\d+: error: invalid JSON: /)])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('plural categories and variables', () => {
    expect(pluralForms('ru')).toEqual(['few', 'many', 'one', 'other'])
    expect(pluralForms('en')).toEqual(['one', 'other'])
    expect([...variablesOf('{{count}} of {{ total }} by {{- name}}, {{date, datetime}}')]).toEqual(['count', 'total', 'name', 'date'])
  })
})
