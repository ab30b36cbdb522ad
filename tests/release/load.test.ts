/** Loading release folders: sources, translations, inheritance, translation state. */
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { formatDiagnostic } from '../../src/diagnostics.js'
import { contentHashOf, loadRelease, loadReleases } from '../../src/release/load.js'
import { translationStates } from '../../src/release/translation-status.js'
import { makeOffice, removeOffices } from '../helpers/office.js'

afterAll(removeOffices)

async function load(files: Record<string, string>, slug = '2031-03-14-x') {
  const prefixed = Object.fromEntries(Object.entries(files).map(([name, text]) => [`releases/${slug}/${name}`, text]))
  const dir = await makeOffice({ withReleases: false, files: prefixed })
  const { config } = await loadConfig(dir, {})
  const result = await loadRelease(config!, path.join(dir, 'releases', slug))
  return { ...result, report: result.messages.map(formatDiagnostic) }
}

const en = '---\ntitle: Water Report\nsubtitle: Sub\ndate: 2031-03-14\ntags: [water]\nattachments: [data.csv]\n---\n\nBody text.\n'

describe('loadRelease', () => {
  test('source and translation: inheritance, body line, defaults from config', async () => {
    const { release, report } = await load({ 'en.md': en, 'ru.md': '---\ntitle: Доклад\n---\n\nТекст.\n', 'data.csv': 'a\n' })
    expect(report).toEqual([])
    expect(release).toMatchObject({
      slug: '2031-03-14-x',
      source: 'en',
      date: '2031-03-14',
      tags: ['water'],
      attachments: ['data.csv'],
      boilerplate: 'about',
      status: 'ready',
      lists: [],
    })
    expect(release!.contacts).toEqual([{ name: 'Ana Ruiz', role: 'Media Officer', phone: '+41 22 000 0000', email: 'media@example.org' }])
    expect(release!.texts['en']).toMatchObject({ title: 'Water Report', subtitle: 'Sub', bodyLine: 8, path: 'releases/2031-03-14-x/en.md' })
    expect(release!.texts['ru']).toMatchObject({ title: 'Доклад', body: '\nТекст.\n', bodyLine: 4 })
  })

  test('a translation setting an inherited key gets a warning, not an error', async () => {
    const { release, report } = await load({ 'en.md': en, 'ru.md': '---\ntitle: Доклад\ntags: [вода]\n---\n\nТекст.\n', 'data.csv': 'a\n' })
    expect(release?.tags).toEqual(['water'])
    expect(report).toEqual([
      'releases/2031-03-14-x/ru.md:3:1: warning: `tags` is inherited from en.md and ignored here; tags are translated in locales/ru/tags.json',
    ])
  })

  test('a release written in Russian (`source: ru`) without an English version', async () => {
    const { release, report } = await load({ 'ru.md': '---\ntitle: Доклад\ndate: 2031-03-14\nsource: ru\n---\n\nТекст.\n' })
    expect(report).toEqual([])
    expect(release?.source).toBe('ru')
    expect(Object.keys(release!.texts)).toEqual(['ru'])
  })

  test('only a translation and no source: an error that says how to fix it', async () => {
    const { release, report } = await load({ 'ru.md': '---\ntitle: Доклад\ndate: 2031-03-14\n---\n\nТекст.\n' })
    expect(release).toBeUndefined()
    expect(report).toEqual([expect.stringMatching(/^releases\/2031-03-14-x\/ru\.md:2:1: error: no en\.md .*add `source: ru`/)])
  })

  test('a file that is not an office language is a warning', async () => {
    const { release, report } = await load({ 'en.md': en, 'de.md': '---\ntitle: Bericht\n---\n', 'data.csv': 'a\n' })
    expect(release).toBeDefined()
    expect(report).toEqual([
      expect.stringMatching(/^releases\/2031-03-14-x\/de\.md:1:1: warning: `de\.md` is not a language of this office/),
    ])
  })

  test('source_hash as written, even when YAML would read it as a number', async () => {
    for (const hash of ['0123456789012345', '1234e56789012345', '"70b679cebf9717d4"']) {
      const { release, report } = await load({
        'en.md': en,
        'ru.md': `---\ntitle: Доклад\nsource_hash: ${hash}\n---\n\nТекст.\n`,
        'data.csv': 'a\n',
      })
      expect(report).toEqual([])
      expect(release!.texts['ru']!.sourceHash).toBe(hash.replace(/"/g, ''))
    }
  })

  test('a release with an error is left out of loadReleases, with its messages', async () => {
    const dir = await makeOffice({ files: { 'releases/2031-03-01-broken/en.md': '---\ntitle: Broken\ndate: 2031-13-01\n---\n' } })
    const { config } = await loadConfig(dir, {})
    const { releases, messages } = await loadReleases(config!)
    expect(releases.map((r) => r.slug)).toEqual(['2031-03-14-water-report', '2031-02-20-briefing'])
    expect(messages.map(formatDiagnostic)).toEqual([expect.stringMatching(/^releases\/2031-03-01-broken\/en\.md:3:7: error: `date`/)])
  })
})

describe('translationStates', () => {
  test('source, up to date, stale, unrecorded, missing', async () => {
    const source = { title: 'Water Report', subtitle: 'Sub', body: '\nBody text.\n' }
    const hash = contentHashOf(source)
    const upToDate = await load({ 'en.md': en, 'ru.md': `---\ntitle: Доклад\nsource_hash: ${hash}\n---\n`, 'data.csv': 'a\n' })
    expect(translationStates(upToDate.release!, ['en', 'ru', 'fr']).map((s) => s.state)).toEqual(['source', 'up-to-date', 'missing'])
    const stale = await load({
      'en.md': en.replace('Body text.', 'Body text, changed.'),
      'ru.md': `---\ntitle: Доклад\nsource_hash: ${hash}\n---\n`,
      'data.csv': 'a\n',
    })
    expect(translationStates(stale.release!, ['en', 'ru'])[1]).toMatchObject({ state: 'stale', recorded: hash })
    const unrecorded = await load({ 'en.md': en, 'ru.md': '---\ntitle: Доклад\n---\n', 'data.csv': 'a\n' })
    expect(translationStates(unrecorded.release!, ['en', 'ru'])[1]!.state).toBe('unrecorded')
    // Only translatable content counts: tags are not part of the hash.
    const retagged = await load({
      'en.md': en.replace('tags: [water]', 'tags: [water, health]'),
      'ru.md': `---\ntitle: Доклад\nsource_hash: ${hash}\n---\n`,
      'data.csv': 'a\n',
    })
    expect(translationStates(retagged.release!, ['en', 'ru'])[1]!.state).toBe('up-to-date')
  })
})
