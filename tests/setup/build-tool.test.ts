import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { staleReason } from './build-tool.js'

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

/** A repository-shaped folder: each file is written and given its time (seconds since the epoch). */
async function tree(files: Readonly<Record<string, number>>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pressroom-stale-'))
  dirs.push(dir)
  for (const name of Object.keys(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true })
    await writeFile(path.join(dir, name), '')
  }
  // Times last, folders included, so creating a file does not touch a folder's time again.
  for (const [name, time] of Object.entries(files)) {
    for (let part = path.dirname(name); part !== '.'; part = path.dirname(part)) await utimes(path.join(dir, part), time, time)
  }
  for (const [name, time] of Object.entries(files)) await utimes(path.join(dir, name), time, time)
  return dir
}

describe('staleReason (the global set-up compiles build/ only when it is stale)', () => {
  const compiled = { 'build/src/cli/main.js': 2000, 'build/bundle/press.cjs': 2001 }

  test('current: every source is older than the compiled CLI', async () => {
    expect(
      staleReason(await tree({ 'src/cli/main.ts': 1000, 'src/embargo/time.ts': 1000, 'tsconfig.json': 1000, ...compiled })),
    ).toBeUndefined()
  })

  test('a source edited after the compile', async () => {
    expect(staleReason(await tree({ 'src/cli/main.ts': 1000, 'src/embargo/time.ts': 3000, ...compiled }))).toBe(
      'src changed after the last compile',
    )
  })

  test('a source deleted after the compile (its folder changed)', async () => {
    const dir = await tree({ 'src/embargo/time.ts': 1000, 'src/embargo/zones.ts': 1000, ...compiled })
    await rm(path.join(dir, 'src/embargo/zones.ts'))
    expect(staleReason(dir)).toBe('src changed after the last compile')
  })

  test('the bundle older than tsc output, or missing', async () => {
    expect(staleReason(await tree({ 'src/cli/main.ts': 1000, 'build/src/cli/main.js': 2000, 'build/bundle/press.cjs': 1500 }))).toBe(
      'build/bundle/press.cjs is older than build/src/cli/main.js',
    )
    expect(staleReason(await tree({ 'src/cli/main.ts': 1000, 'build/src/cli/main.js': 2000 }))).toBe('build/bundle/press.cjs is missing')
    expect(staleReason(await tree({ 'src/cli/main.ts': 1000 }))).toBe('build/src/cli/main.js is missing')
  })

  test('the bundler script changed', async () => {
    expect(staleReason(await tree({ 'src/cli/main.ts': 1000, 'scripts/bundle.mjs': 2500, ...compiled }))).toBe(
      'scripts/bundle.mjs changed after the last compile',
    )
  })
})
