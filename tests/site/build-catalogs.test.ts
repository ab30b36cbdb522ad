/**
 * `press build` runs the same catalog and template-key checks as
 * `press check` for what it prints, and an error stops it: nothing is
 * written to dist/ (issue 14, part 1). Each case edits the sample office's
 * catalogs the way a translator might.
 */
import { access, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { copySampleOffice, removeOffices, runPress } from '../helpers/office.js'

afterAll(removeOffices)

type Edit = (catalog: Record<string, Record<string, string>>) => void

async function officeWith(lng: string, edit: Edit): Promise<string> {
  const dir = await copySampleOffice()
  const file = path.join(dir, 'locales', lng, 'common.json')
  const catalog = JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, string>>
  edit(catalog)
  await writeFile(file, JSON.stringify(catalog, null, 2) + '\n')
  return dir
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  )

describe.each([
  [
    'a key deleted from ru',
    'ru',
    (c: Record<string, Record<string, string>>) => delete c['release']!['forImmediateRelease'],
    /locales\/en\/common\.json:\d+:\d+: error: key `common:release\.forImmediateRelease` is in en but missing in ru/,
  ],
  [
    'a ru plural form deleted',
    'ru',
    (c: Record<string, Record<string, string>>) => delete c['index']!['count_many'],
    /locales\/ru\/common\.json:\d+:\d+: error: plural `common:index\.count` lacks the ru form `index\.count_many`/,
  ],
  [
    'a variable renamed in ru',
    'ru',
    (c: Record<string, Record<string, string>>) => (c['release']!['about'] = 'Об организации: {{organization}}'),
    /error: key `common:release\.about` uses \{\{org\}\} in en but \{\{organization\}\} in ru/,
  ],
  [
    'a ru plain key where en has plural forms',
    'ru',
    (c: Record<string, Record<string, string>>) => {
      const index = c['index']!
      for (const form of ['one', 'few', 'many', 'other']) delete index[`count_${form}`]
      index['count'] = '{{count}} пресс-релизов'
    },
    /locales\/ru\/common\.json:\d+:\d+: error: `index\.count` is a plain string in ru but has plural forms in en; write `index\.count_few`, `index\.count_many`, `index\.count_one`, `index\.count_other`/,
  ],
  [
    'a heading plural without the number (21 would be "Контакт")',
    'ru',
    (c: Record<string, Record<string, string>>) => {
      Object.assign(c['release']!, {
        mediaContacts_one: 'Контакт для СМИ',
        mediaContacts_few: 'Контакты для СМИ',
        mediaContacts_many: 'Контакты для СМИ',
        mediaContacts_other: 'Контакты для СМИ',
      })
      delete c['release']!['mediaContacts']
    },
    /locales\/ru\/common\.json:\d+:\d+: error: plural `common:release\.mediaContacts` does not print \{\{count\}\}, but the ru `one` form is also used for 21, 31, 41…/,
  ],
  [
    'a key templates print that no language has',
    'both',
    (c: Record<string, Record<string, string>>) => delete c['nav']!['skip'],
    /templates\/index\.liquid:\d+:\d+: error: `nav\.skip` is not in any catalog; add it to locales\/en\/common\.json and locales\/ru\/common\.json/,
  ],
])('%s', (_name, lng, edit, expected) => {
  test('check and build both exit 1 with the located error; dist/ is not written', async () => {
    const dir = lng === 'both' ? await officeWith('en', edit) : await officeWith(lng, edit)
    if (lng === 'both') {
      const file = path.join(dir, 'locales', 'ru', 'common.json')
      const catalog = JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, string>>
      edit(catalog)
      await writeFile(file, JSON.stringify(catalog, null, 2) + '\n')
    }
    const check = await runPress(['check', '-C', dir])
    expect(check.code, check.stdout + check.stderr).toBe(1)
    expect(check.stdout + check.stderr).toMatch(expected)
    const build = await runPress(['build', '-C', dir, '--no-pdf'])
    expect(build.code, build.stdout + build.stderr).toBe(1)
    expect(build.stderr).toMatch(expected)
    expect(build.stdout + build.stderr).not.toMatch(/Built/)
    expect(await exists(path.join(dir, 'dist'))).toBe(false)
  })
})

test('the sample office builds, and 1 and 2 contacts get the singular and plural headings', async () => {
  const dir = await copySampleOffice()
  const build = await runPress(['build', '-C', dir, '--no-pdf'])
  expect(build.code, build.stderr).toBe(0)
  const ru = await readFile(path.join(dir, 'dist', 'ru', '2026-05-12-river-sampling', 'index.html'), 'utf8')
  expect(ru).toMatch(/Контакты? для СМИ/)
})

test('an unknown Typograf rule in typography.disable stops check and build, with a did-you-mean', async () => {
  const dir = await copySampleOffice()
  const config = path.join(dir, 'pressroom.yaml')
  await writeFile(config, (await readFile(config, 'utf8')).replace('typography: on', 'typography:\n  disable: [ru/dash/mian, ru/nbsp/*]'))
  const check = await runPress(['check', '-C', dir])
  expect(check.code).toBe(1)
  expect(check.stdout + check.stderr).toMatch(
    /pressroom\.yaml:1:1: error: typography\.disable: no Typograf rule `ru\/dash\/mian` \(did you mean `ru\/dash\/main`\?\)/,
  )
  expect(check.stdout + check.stderr).not.toMatch(/ru\/nbsp\/\*/)
  const build = await runPress(['build', '-C', dir, '--no-pdf'])
  expect(build.code).toBe(1)
  expect(await exists(path.join(dir, 'dist'))).toBe(false)
})
