import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ChromiumNotFoundError } from '../../src/errors.js'
import { findChromium } from '../../src/render/find-chromium.js'

let dir: string
let configured: string
let fromEnv: string
let system: string
let notExecutable: string
let onPath: string
let cached: string
let pathDir: string

async function executable(file: string): Promise<string> {
  await writeFile(file, '#!/bin/sh\nexit 0\n')
  await chmod(file, 0o755)
  return file
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pressroom-find-chromium-'))
  configured = await executable(path.join(dir, 'configured-chrome'))
  fromEnv = await executable(path.join(dir, 'env-chrome'))
  system = await executable(path.join(dir, 'system-chrome'))
  cached = await executable(path.join(dir, 'cached-chrome'))
  notExecutable = path.join(dir, 'plain-file')
  await writeFile(notExecutable, 'not a program')
  pathDir = path.join(dir, 'bin')
  await mkdir(pathDir)
  onPath = await executable(path.join(pathDir, 'chromium-browser'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const noCache = (): string => {
  throw new Error('no browser in the cache')
}

describe('findChromium', () => {
  test('the configured path wins over the env variable and the system', () => {
    expect(findChromium(configured, { PUPPETEER_EXECUTABLE_PATH: fromEnv, PATH: pathDir }, { systemPaths: [system] })).toBe(configured)
  })

  test('PUPPETEER_EXECUTABLE_PATH wins over the system', () => {
    expect(findChromium(undefined, { PUPPETEER_EXECUTABLE_PATH: fromEnv, PATH: pathDir }, { systemPaths: [system] })).toBe(fromEnv)
    expect(findChromium('', { PUPPETEER_EXECUTABLE_PATH: fromEnv }, { systemPaths: [system] })).toBe(fromEnv)
  })

  test('well-known system paths come before PATH, and non-executables are skipped', () => {
    expect(findChromium(undefined, { PATH: pathDir }, { systemPaths: [notExecutable, dir, system] })).toBe(system)
  })

  test('then the browser names on PATH', () => {
    const env = { PATH: ['relative/ignored', path.join(dir, 'missing'), pathDir].join(path.delimiter) }
    expect(findChromium(undefined, env, { systemPaths: [notExecutable], puppeteerPath: () => cached })).toBe(onPath)
  })

  test("then puppeteer's cache, if the file exists", () => {
    expect(findChromium(undefined, { PATH: '' }, { systemPaths: [], puppeteerPath: () => cached })).toBe(cached)
  })

  test('nothing found: ChromiumNotFoundError lists what was tried', () => {
    const missing = path.join(dir, 'not-there', 'chrome')
    let error: unknown
    try {
      findChromium(undefined, { PATH: '' }, { systemPaths: [notExecutable], puppeteerPath: () => missing })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ChromiumNotFoundError)
    const message = (error as Error).message
    expect(message).toContain(notExecutable)
    expect(message).toContain('on PATH')
    expect(message).toContain(missing)
    expect(message).toContain('PUPPETEER_EXECUTABLE_PATH')
    expect((error as ChromiumNotFoundError).code).toBe('PRESS_CHROMIUM_NOT_FOUND')

    expect(() => findChromium(undefined, {}, { systemPaths: [], puppeteerPath: noCache })).toThrow(/puppeteer's browser cache/)
  })

  test('an explicit path that is not an executable file is an error, not a silent fallback', () => {
    expect(() => findChromium(notExecutable, { PATH: pathDir }, { systemPaths: [system] })).toThrow(ChromiumNotFoundError)
    expect(() => findChromium(notExecutable, {}, { systemPaths: [system] })).toThrow(/from pdf\.chromium/)
    expect(() => findChromium(undefined, { PUPPETEER_EXECUTABLE_PATH: path.join(dir, 'nope') }, { systemPaths: [system] })).toThrow(
      /from PUPPETEER_EXECUTABLE_PATH/,
    )
  })

  test.skipIf(!existsSync('/usr/bin/chromium'))('finds the Debian Chromium by default', () => {
    expect(findChromium(undefined, { PATH: '' })).toBe('/usr/bin/chromium')
  })
})
