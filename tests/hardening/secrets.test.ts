/**
 * Secrets in URL-shaped settings (`PRESS_SMTP_URL`, `mail.transport`,
 * `--queue`, `PRESS_QUEUE`) never reach any output: errors, `--json`,
 * `--verbose`. A generated corpus of awkward credentials — spaces, `@`,
 * `:`, `/`, `%`, `#`, quotes, Cyrillic, a leading space, a token alone in
 * the user part, a bad port — goes through redactUrl and through every
 * output channel of the CLI.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import * as mailer from '../../src/distribute/mailer.js'
import { redactUrl, scrubSecrets, secretsOf } from '../../src/secrets.js'
import { press } from '../cli/run.js'
import { makeOffice, removeOffices } from '../helpers/office.js'

// Every secret carries `Zq7` so a leak is unmistakable in any output.
const passwords = [
  'Hunt er2Zq7',
  'Red@isZq7Secret',
  'p:a/s?s#Zq7',
  '100%Zq7real',
  `q"u'oteZq7\\`,
  'парольZq7',
  'Zq7 ',
  'a@b@cZq7',
  'Zq7%40enc',
]

interface Case {
  readonly name: string
  readonly url: string
  /** Pieces that must never be printed. */
  readonly secrets: readonly string[]
}

function corpus(scheme: 'smtp' | 'redis', port: number): Case[] {
  const out: Case[] = []
  for (const pw of passwords) {
    out.push({
      name: `${scheme} raw password ${JSON.stringify(pw)}`,
      url: `${scheme}://user:${pw}@127.0.0.1:${port}`,
      secrets: [pw.trim()],
    })
    out.push({
      name: `${scheme} encoded password ${JSON.stringify(pw)}`,
      url: `${scheme}://user:${encodeURIComponent(pw)}@127.0.0.1:${port}`,
      secrets: [pw.trim(), encodeURIComponent(pw)],
    })
  }
  out.push({ name: `${scheme} bad port`, url: `${scheme}://user:Hunt er2Zq7Pw@127.0.0.1:99999`, secrets: ['Hunt er2Zq7Pw', 'er2Zq7Pw'] })
  out.push({ name: `${scheme} leading space`, url: ` ${scheme}://user:LeadZq7@127.0.0.1:${port}`, secrets: ['LeadZq7'] })
  out.push({ name: `${scheme} token in the user part`, url: `${scheme}://TOKENZq7abc@127.0.0.1:${port}`, secrets: ['TOKENZq7abc'] })
  out.push({
    name: `${scheme} empty user`,
    url: `${scheme}://:Red@isSecretZq7@127.0.0.1:${port}`,
    secrets: ['isSecretZq7', 'Red@isSecretZq7'],
  })
  out.push({
    name: `${scheme} password in the query`,
    url: `${scheme}://127.0.0.1:${port}?password=QueryZq7&prefix=office`,
    secrets: ['QueryZq7'],
  })
  return out
}

const zq7 = /Zq7|%5AZq7/i

describe('redactUrl over the corpus', () => {
  test.each([...corpus('smtp', 1), ...corpus('redis', 1)])('$name', ({ url, secrets }) => {
    const shown = redactUrl(url)
    expect(shown).not.toMatch(zq7)
    for (const secret of secrets) expect(shown).not.toContain(secret)
    // Text that quotes the URL in any spelling is scrubbed too.
    const text = `failed: ${url} / ${decodeURIComponent(url.replace(/%(?![0-9a-f]{2})/gi, '%25'))} / ${secrets.join(' ')}`
    expect(scrubSecrets(text, [url])).not.toMatch(zq7)
    expect(secretsOf(url).length).toBeGreaterThan(0)
  })

  test('what may be shown is kept', () => {
    expect(redactUrl('smtps://press:pw@mail.example.org:465')).toBe('smtps://press:****@mail.example.org:465')
    expect(redactUrl('redis://127.0.0.1:6379/2?prefix=office-a')).toBe('redis://127.0.0.1:6379/2?prefix=office-a')
    expect(redactUrl('outbox')).toBe('outbox')
    expect(redactUrl('smtp://user:Hunt er2@host:99999')).toBe('smtp://****')
    expect(redactUrl('smtp://TOKEN@host')).toBe('smtp://****@host')
    // One home: src/secrets.ts; the mailer does not re-export it.
    expect(Object.keys(mailer)).not.toContain('redactUrl')
  })
})

describe('every output channel of the CLI', () => {
  let office: string
  const slug = '2031-03-14-water-report'
  const now = '2031-04-01T00:00:00Z'
  beforeAll(async () => {
    office = await makeOffice()
  })
  afterAll(removeOffices)

  const expectClean = (output: string, secrets: readonly string[]): void => {
    expect(output).not.toMatch(zq7)
    for (const secret of secrets) expect(output).not.toContain(secret)
  }

  // SMTP to a closed port on loopback: the dry run prints the transport, the test send fails to connect.
  test.each(corpus('smtp', 1))('PRESS_SMTP_URL: $name', async ({ url, secrets }) => {
    const env = { PRESS_SMTP_URL: url }
    const runs = await Promise.all([
      press(['send', slug, '--dry-run', '--verbose', '--now', now, '-C', office], { env }),
      press(['send', slug, '--test', 'desk@example.org', '--json', '--verbose', '--now', now, '-C', office], { env }),
      press(['send', slug, '--test', 'desk@example.org', '--now', now, '-C', office], { env }),
    ])
    expect(runs[1]!.code).not.toBe(0)
    for (const run of runs) expectClean(run.stdout + run.stderr, secrets)
  })

  test.each(corpus('redis', 1))('--queue and PRESS_QUEUE: $name', async ({ url, secrets }) => {
    const runs = await Promise.all([
      press(['status', '--queue', url, '--json', '--verbose', '-C', office]),
      press(['status', '--verbose', '-C', office], { env: { PRESS_QUEUE: url } }),
    ])
    for (const run of runs) {
      expect(run.code).not.toBe(0)
      expectClean(run.stdout + run.stderr, secrets)
    }
  })

  test.each(corpus('smtp', 1).filter((_, i) => i % 3 === 0))('mail.transport in pressroom.yaml: $name', async ({ url, secrets }) => {
    const dir = await makeOffice()
    const yaml = await readFile(path.join(dir, 'pressroom.yaml'), 'utf8')
    await writeFile(path.join(dir, 'pressroom.yaml'), `${yaml}mail:\n  transport: ${JSON.stringify(url)}\n`)
    const runs = await Promise.all([
      press(['send', slug, '--dry-run', '--verbose', '--json', '--now', now, '-C', dir]),
      press(['send', slug, '--test', 'desk@example.org', '--verbose', '--now', now, '-C', dir]),
      press(['check', '--verbose', '--json', '-C', dir]),
    ])
    for (const run of runs) expectClean(run.stdout + run.stderr, secrets)
  })
})
