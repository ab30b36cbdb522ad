/**
 * `paths.dist` and `paths.state` must be folders Pressroom owns. A build
 * used to delete pressroom.yaml, releases/, templates/ and the press list
 * with `dist: "."`, empty the parent with `dist: ".."`, and wipe any
 * existing folder given by absolute path. Now: a located config error for
 * the office, an ancestor or an overlap with a source, and a non-empty
 * folder without the build marker (or the last build's manifest) is
 * refused, never emptied.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { mkdtempSync } from 'node:fs'
import { afterAll, describe, expect, test } from 'vitest'
import { resolveConfig } from '../../src/config.js'
import { expectNoStack, press } from '../cli/run.js'
import { buildJson, hashTree, listFiles, makeOffice, removeOffices } from '../helpers/office.js'

const now = '2031-04-01T00:00:00Z'
afterAll(removeOffices)

async function officeWithPaths(paths: string): Promise<string> {
  const dir = await makeOffice()
  const yaml = await readFile(path.join(dir, 'pressroom.yaml'), 'utf8')
  await writeFile(path.join(dir, 'pressroom.yaml'), `${yaml}paths:\n${paths}`)
  return dir
}

describe('config: dist and state are folders of their own', () => {
  const cases: ReadonlyArray<[string, RegExp]> = [
    ['  dist: "."\n', /pressroom\.yaml:\d+:9: error: paths\.dist "\." is the office folder itself; a build replaces everything in it/],
    ['  dist: ".."\n', /paths\.dist "\.\." is a folder above the office/],
    ['  dist: /\n', /paths\.dist "\/" is a folder above the office/],
    ['  dist: releases\n', /paths\.dist "releases" overlaps paths\.releases \(releases\)/],
    ['  dist: templates/site\n', /paths\.dist "templates\/site" overlaps paths\.templates/],
    ['  dist: locales/..\n', /paths\.dist "locales\/\.\." is the office folder itself/],
    ['  dist: press-list.csv\n', /paths\.dist "press-list\.csv" overlaps paths\.pressList/],
    ['  dist: .press\n', /paths\.dist "\.press" overlaps paths\.state/],
    ['  state: "."\n', /paths\.state "\." is the office folder itself/],
    ['  state: releases/.press\n', /paths\.state "releases\/\.press" overlaps paths\.releases/],
  ]

  test.each(cases)('%s → check and build refuse it, and the office is untouched', async (paths, pattern) => {
    const dir = await officeWithPaths(paths)
    const before = await hashTree(dir)
    const check = await press(['check', '-C', dir])
    expect(check.code).toBe(1)
    expect(check.stderr + check.stdout).toMatch(pattern)
    const build = await press(['build', '--no-pdf', '--now', now, '-C', dir])
    expect(build.code).toBe(1)
    expectNoStack(build)
    expect(build.stderr).toMatch(pattern)
    expect(await hashTree(dir)).toEqual(before)
  })

  test('the default paths and an absolute dist elsewhere are accepted', () => {
    expect(resolveConfig('/office', '', {}).messages).toEqual([])
    expect(resolveConfig('/office', 'paths:\n  dist: /srv/www/press\n  state: /var/lib/press\n', {}).messages).toEqual([])
  })
})

describe('the build marker', () => {
  test('a non-empty folder that Pressroom did not write is refused, not emptied', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'pressroom-not-ours-'))
    try {
      await writeFile(path.join(outside, 'thesis.docx'), 'years of work')
      await mkdir(path.join(outside, 'photos'))
      await writeFile(path.join(outside, 'photos', 'a.jpg'), 'jpg')
      const dir = await officeWithPaths(`  dist: ${outside}\n`)
      const run = await press(['build', '--no-pdf', '--now', now, '--json', '-C', dir])
      expect(run.code).toBe(1)
      const doc = JSON.parse(run.stdout) as { ok: boolean; error: { code: string; message: string } }
      expect(doc.error.code).toBe('PRESS_DIST_NOT_OURS')
      expect(doc.error.message).toMatch(/is not empty and was not written by `press build`.*never empties a folder it does not own/)
      expect(await listFiles(outside)).toEqual(['photos/a.jpg', 'thesis.docx'])
    } finally {
      await rm(outside, { recursive: true, force: true })
    }
  })

  test('a dist/ Pressroom wrote carries the marker and is rebuilt; a hand-made file in it is removed', async () => {
    const dir = await makeOffice()
    expect((await buildJson(dir, ['--no-pdf', '--now', now])).run.code).toBe(0)
    expect(await listFiles(path.join(dir, 'dist'))).toContain('.pressroom-build')
    await writeFile(path.join(dir, 'dist', 'by-hand.txt'), 'x')
    expect((await buildJson(dir, ['--no-pdf', '--now', now])).run.code).toBe(0)
    expect(await listFiles(path.join(dir, 'dist'))).not.toContain('by-hand.txt')
  })

  test('a dist/ built before the marker existed is recognised by the last build manifest', async () => {
    const dir = await makeOffice()
    expect((await buildJson(dir, ['--no-pdf', '--now', now])).run.code).toBe(0)
    // As the previous version left it: no marker, the manifest in .press/.
    await rm(path.join(dir, 'dist', '.pressroom-build'))
    const again = await buildJson(dir, ['--no-pdf', '--now', now])
    expect(again.run.code, again.run.stderr).toBe(0)
    expect(await listFiles(path.join(dir, 'dist'))).toContain('.pressroom-build')
    // A full rebuild (swap) after a template edit works too.
    await rm(path.join(dir, 'dist', '.pressroom-build'))
    await writeFile(path.join(dir, 'templates', 'page.liquid'), `${await readFile(path.join(dir, 'templates', 'page.liquid'), 'utf8')}\n`)
    expect((await buildJson(dir, ['--no-pdf', '--now', now])).run.code).toBe(0)
  })
})
