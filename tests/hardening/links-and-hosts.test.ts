/**
 * Low items: only web and mail links in pressroom.yaml (never
 * `javascript:`), and the preview's Host check on every address it listens
 * on, with a non-loopback `--host` refused unless `--expose` is given.
 */
import http from 'node:http'
import { afterAll, describe, expect, test } from 'vitest'
import { resolveConfig } from '../../src/config.js'
import { hostAllowed, isLoopbackHost } from '../../src/preview/host-check.js'
import { startPreview } from '../../src/preview/server.js'
import { expectNoStack, press } from '../cli/run.js'
import { makeOffice, removeOffices } from '../helpers/office.js'

afterAll(removeOffices)

describe('URLs in pressroom.yaml', () => {
  const bad: ReadonlyArray<[string, string, RegExp]> = [
    [
      'organisation.url',
      'organisation:\n  name: X\n  url: "javascript:alert(document.cookie)"\n',
      /^pressroom\.yaml:3:8: organisation\.url should be an http\(s\) or mailto: URL/,
    ],
    ['organisation.url (case, spaces)', 'organisation:\n  name: X\n  url: " JavaScript:alert(1)"\n', /organisation\.url should be/],
    [
      'organisation.url (data:)',
      'organisation:\n  name: X\n  url: "data:text/html,<script>alert(1)</script>"\n',
      /organisation\.url should be/,
    ],
    [
      'organisation.logo',
      'organisation:\n  name: X\n  logo: "javascript:alert(1)"\n',
      /organisation\.logo should be an http\(s\) URL or a file/,
    ],
    [
      'mail.unsubscribe.url',
      'mail:\n  unsubscribe:\n    url: "javascript:alert(1)"\n',
      /^pressroom\.yaml:3:10: mail\.unsubscribe\.url should be an https URL/,
    ],
    ['mail.unsubscribe.url (vbscript)', 'mail:\n  unsubscribe:\n    url: "vbscript:msgbox"\n', /mail\.unsubscribe\.url should be/],
  ]
  test.each(bad)('%s: a located config error', (_name, yaml, pattern) => {
    const { config, messages } = resolveConfig('/office', yaml, {})
    expect(config).toBeUndefined()
    expect(messages.map((m) => `${m.file}:${m.line}:${m.column}: ${m.reason}`)).toContainEqual(expect.stringMatching(pattern))
  })

  test('http(s), mailto and an asset name are accepted', () => {
    const yaml =
      'organisation:\n  name: X\n  url: mailto:press@example.org\n  logo: logo.svg\nmail:\n  unsubscribe:\n    url: https://press.example.org/u\n'
    expect(resolveConfig('/office', yaml, {}).messages).toEqual([])
  })

  test('press check refuses it, and press build writes nothing', async () => {
    const dir = await makeOffice({ files: { 'pressroom.yaml': 'organisation:\n  name: X\n  url: "javascript:alert(1)"\n' } })
    const check = await press(['check', '-C', dir])
    expect(check.code).toBe(1)
    expect(check.stderr).toMatch(/pressroom\.yaml:3:8: error: organisation\.url should be/)
    const build = await press(['build', '--no-pdf', '-C', dir])
    expect(build.code).toBe(1)
    expectNoStack(build)
  })
})

function get(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.2', port, path: '/__press/', headers: { host } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      .on('error', reject)
  })
}

describe('the preview Host check', () => {
  test('hostAllowed: names other than localhost are refused, IP literals answered', () => {
    for (const host of ['evil.example', 'evil.example:4000', 'press.example.org', '127.0.0.2.nip.io:4000', undefined])
      expect(hostAllowed(host)).toBe(false)
    for (const host of ['localhost:4000', '127.0.0.1:4000', '127.0.0.2:4000', '[::1]:4000', '192.168.1.20:4000', 'LOCALHOST'])
      expect(hostAllowed(host)).toBe(true)
    expect(isLoopbackHost('127.0.0.2')).toBe(true)
    expect(isLoopbackHost('0.0.0.0')).toBe(false)
  })

  test('on 127.0.0.2 the check stays on: a rebound name gets 403', async () => {
    const dir = await makeOffice()
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PRESS_')))
    const preview = await startPreview(dir, { port: 0, host: '127.0.0.2', env, now: () => Date.parse('2031-04-01T00:00:00Z') })
    try {
      const port = Number(new URL(preview.url).port)
      expect(await get(port, `evil.example:${port}`)).toBe(403)
      expect(await get(port, `127.0.0.2:${port}`)).toBe(200)
    } finally {
      await preview.close()
    }
  })

  test('press preview --host 0.0.0.0 without --expose is a usage error', async () => {
    const dir = await makeOffice()
    const run = await press(['preview', '--host', '0.0.0.0', '--port', '0', '-C', dir], { timeoutMs: 20_000 })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--host 0\.0\.0\.0 is not a loopback address.*add --expose/)
    expectNoStack(run)
  })
})
