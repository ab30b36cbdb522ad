/**
 * pressroom.yaml: located errors (file:line:col at the offending value),
 * unknown keys as warnings, defaults, and environment overrides.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { EnvError, loadConfig, resolveConfig } from '../src/config.js'
import { formatDiagnostic } from '../src/diagnostics.js'

const root = '/office'
const report = (text: string): string[] => resolveConfig(root, text, {}).messages.map(formatDiagnostic)

describe('pressroom.yaml diagnostics', () => {
  test('unknown zone in embargo.zones: at the list item, with a did-you-mean', () => {
    const text = 'locales: [en, ru]\nembargo:\n  zones: [UTC, Europe/Moskow]\n'
    expect(report(text)).toEqual([
      'pressroom.yaml:3:16: error: unknown time zone `Europe/Moskow`; use an IANA name such as `Europe/Moscow` or `UTC` (did you mean `Europe/Moscow`?)',
    ])
    expect(resolveConfig(root, text, {}).config).toBeUndefined()
  })

  test('abbreviations are not zones (EST has no daylight saving, BST is Dhaka to ICU)', () => {
    expect(report('embargo:\n  zones:\n    - EST\n    - BST\n')).toEqual([
      expect.stringMatching(/^pressroom\.yaml:3:7: error: unknown time zone `EST`/),
      expect.stringMatching(/^pressroom\.yaml:4:7: error: unknown time zone `BST`/),
    ])
  })

  test('defaultLocale not among locales: at the value', () => {
    expect(report('locales: [en, ru]\ndefaultLocale: de\n')).toEqual([
      'pressroom.yaml:2:16: error: defaultLocale `de` is not in locales (en, ru); add it to `locales`',
    ])
  })

  test('wrong types: at each value, all at once', () => {
    expect(report('locales: en\npdf:\n  format: A3\n  timeout: soon\n')).toEqual([
      'pressroom.yaml:1:10: error: `locales` should be a list, got "en"',
      'pressroom.yaml:3:11: error: `pdf.format` should be one of `A4`, `Letter`, got "A3"',
      'pressroom.yaml:4:12: error: `pdf.timeout` should be a number, got "soon"',
    ])
  })

  test('unknown key: a warning with a did-you-mean; the config still resolves', () => {
    const result = resolveConfig(root, 'organization:\n  name: X\n', {})
    expect(result.messages.map(formatDiagnostic)).toEqual([
      'pressroom.yaml:1:1: warning: unknown key `organization`; it is ignored (did you mean `organisation`?)',
    ])
    expect(result.config?.organisation.name).toBe('Press Office')
  })

  test('invalid YAML and a site URL without scheme', () => {
    expect(report('site:\n  url: press.example.org\n')).toEqual([
      'pressroom.yaml:2:8: error: site.url should be an absolute http(s) URL such as https://press.example.org, got "press.example.org"',
    ])
    expect(report('locales: [en, ru\n')).toEqual([expect.stringMatching(/^pressroom\.yaml:\d+:\d+: error: invalid YAML: /)])
  })

  test('no pressroom.yaml: defaults, absolute paths, frozen', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pressroom-config-'))
    try {
      const { config, messages } = await loadConfig(dir, {})
      expect(messages).toEqual([])
      expect(config).toMatchObject({ locales: ['en', 'ru'], defaultLocale: 'en', pdf: { format: 'A4' }, mail: { transport: 'outbox' } })
      expect(config!.paths.dist).toBe(path.join(dir, 'dist'))
      expect(config!.paths.state).toBe(path.join(dir, '.press'))
      expect(Object.isFrozen(config)).toBe(true)
      expect(Object.isFrozen(config!.paths)).toBe(true)
      await writeFile(path.join(dir, 'pressroom.yaml'), 'defaultLocale: ru\nsite: { url: "https://press.example.org/" }\n')
      const again = await loadConfig(dir, {})
      expect(again.config?.defaultLocale).toBe('ru')
      // A trailing slash would give `//en/` URLs.
      expect(again.config?.site.url).toBe('https://press.example.org')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('environment overrides', () => {
  const text = 'mail:\n  transport: outbox\npdf:\n  format: A4\n'

  test('PRESS_SMTP_URL replaces the transport; PRESS_PDF_FORMAT the paper size (and the render hash)', () => {
    const plain = resolveConfig(root, text, {}).config!
    const env = resolveConfig(root, text, { PRESS_SMTP_URL: 'smtp://127.0.0.1:2525', PRESS_PDF_FORMAT: 'Letter' }).config!
    expect(plain.mail.transport).toBe('outbox')
    expect(env.mail.transport).toBe('smtp://127.0.0.1:2525')
    expect(plain.pdf.format).toBe('A4')
    expect(env.pdf.format).toBe('Letter')
    expect(env.renderHash).not.toBe(plain.renderHash)
  })

  test('flags win over the environment', () => {
    const config = resolveConfig(root, text, { PRESS_SMTP_URL: 'smtp://127.0.0.1:2525' }, { smtpUrl: 'smtp://127.0.0.1:2626' }).config!
    expect(config.mail.transport).toBe('smtp://127.0.0.1:2626')
  })

  test('an empty variable is unset; any case is accepted; anything else is an error, not silently ignored', () => {
    expect(resolveConfig(root, text, { PRESS_SMTP_URL: '', PRESS_PDF_FORMAT: '' }).config).toMatchObject({
      mail: { transport: 'outbox' },
      pdf: { format: 'A4' },
    })
    expect(resolveConfig(root, text, { PRESS_PDF_FORMAT: 'letter' }).config?.pdf.format).toBe('Letter')
    expect(() => resolveConfig(root, text, { PRESS_PDF_FORMAT: 'A3' })).toThrow(EnvError)
    expect(() => resolveConfig(root, text, { PRESS_PDF_FORMAT: 'A3' })).toThrow('PRESS_PDF_FORMAT="A3" is not one of A4, Letter')
    expect(() => resolveConfig(root, text, { PRESS_TRANSLATIONS: 'strickt' })).toThrow(/PRESS_TRANSLATIONS/)
  })
})

describe('build.workers (no longer used)', () => {
  test('an office that still sets it loads, with a located warning that says to remove it', () => {
    for (const text of ['build:\n  workers: 3\n', 'build:\n  workers: many\n']) {
      const { config, messages } = resolveConfig(root, text, {})
      expect(config).toBeDefined()
      expect(messages.map(formatDiagnostic)).toEqual([
        'pressroom.yaml:2:3: warning: `build.workers` is no longer used: pages are rendered on the main thread (worker threads made builds no faster); remove `build:` from pressroom.yaml',
      ])
    }
    expect(report('build: {}\n')).toEqual([expect.stringMatching(/^pressroom\.yaml:1:1: warning: `build\.workers` is no longer used/)])
    expect(resolveConfig(root, '', {}).messages).toEqual([])
  })

  test('PRESS_BUILD_WORKERS is not read: whatever it says, the config is the same', () => {
    expect(resolveConfig(root, '', { PRESS_BUILD_WORKERS: 'lots' }).config).toEqual(resolveConfig(root, '', {}).config)
  })
})

describe('typography, hyphenation and contacts per language (issue 14)', () => {
  const config = (text: string) => resolveConfig(root, text, {}).config!

  test('typography: on by default; off; or rules switched off', () => {
    expect(config('').typography).toEqual({ enabled: true, disable: [] })
    expect(config('typography: off\n').typography).toEqual({ enabled: false, disable: [] })
    expect(config('typography:\n  disable: [ru/dash/*]\n').typography).toEqual({ enabled: true, disable: ['ru/dash/*'] })
    expect(config('hyphenation: off\n').hyphenation).toBe(false)
    expect(config('').hyphenation).toBe(true)
    expect(report('typography: maybe\n')[0]).toMatch(/^pressroom\.yaml:1:13: error: .*should be `on`, `off`, or `\{disable: \[rule, …\]\}`/)
    // Typography is part of what every render depends on.
    expect(config('typography: off\n').renderHash).not.toBe(config('').renderHash)
  })

  test('contacts per language: the default language is the default list', () => {
    const c = config(
      'locales: [en, ru]\ncontacts:\n  en: [{ name: Mira Castell, email: media@example.org }]\n  ru: [{ name: Нина Орлова, email: press.ru@example.org }]\n',
    )
    expect(c.contacts).toEqual([{ name: 'Mira Castell', email: 'media@example.org' }])
    expect(c.contactsByLng['ru']).toEqual([{ name: 'Нина Орлова', email: 'press.ru@example.org' }])
    expect(report('locales: [en, ru]\ncontacts:\n  de: [{ name: X }]\n')).toEqual([
      expect.stringMatching(/^pressroom\.yaml:3:3: error: contacts for `de`, which is not in locales \(en, ru\)/),
    ])
  })
})
