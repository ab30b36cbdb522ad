/**
 * The unsubscribe service through real HTTP on 127.0.0.1: the exact
 * RFC 8058 one-click POST mailbox providers send, the confirmation pages in
 * the recipient's language (also looked at in headless Chromium), forged,
 * stale and replayed tokens, and secret rotation.
 */
import { request } from 'node:http'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import puppeteer from 'puppeteer'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { loadOffice } from '../../src/office.js'
import { openRecipientsService, type RecipientsService } from '../../src/recipients/open-service.js'
import { recipientEvents } from '../../src/recipients/store.js'
import type { ServeEvent } from '../../src/recipients/server.js'
import { signToken } from '../../src/recipients/token.js'
import { findChromium } from '../../src/render/find-chromium.js'
import { makeOffice, removeOffices, repoRoot } from '../helpers/office.js'

const office = 'https://press.example.org'
const secret = 'current-secret-for-tests'
const slug = '2031-03-14-water-report'
const T0 = Date.parse('2031-03-14T13:00:00Z')
let clock = T0 + 3_600_000
let dir: string
let service: RecipientsService
let events: ServeEvent[] = []

const pressList = [
  'email,name,language,embargo,lists,outlet',
  'jane@example.com,Jane Doe,en,no,health-desk,Daily Example',
  'ivan@example.ru,Иван Петров,ru,yes,detention;health-desk,Example Gazette',
  'gone@example.com,Gone,en,no,health-desk,Example',
].join('\n')

async function start(env: Record<string, string>): Promise<RecipientsService> {
  const loaded = await loadOffice(dir, { env })
  return openRecipientsService(loaded.office!, { port: 0, env, now: () => clock, onEvent: (e) => events.push(e) })
}

beforeAll(async () => {
  dir = await makeOffice({
    files: {
      'press-list.csv': pressList,
      'pressroom.yaml': `${await readFile(path.join(repoRoot, 'tests/fixtures/office/pressroom.yaml'), 'utf8')}mail:\n  unsubscribe: { mailto: unsubscribe@example.org, url: "https://press.example.org/unsubscribe" }\n`,
    },
  })
  service = await start({ PRESS_SECRET: secret })
})
afterAll(async () => {
  await service?.close()
  await removeOffices()
})
beforeEach(async () => {
  events = []
  await writeFile(path.join(dir, 'suppressions.csv'), 'gone@example.com # hard bounce: 5.1.1 User unknown, 2031-03-01T00:00:00.000Z\n')
})

const tokenFor = (email: string, at = T0, key = secret): string => signToken(key, office, email, at, slug)
const suppressions = (): Promise<string> => readFile(path.join(dir, 'suppressions.csv'), 'utf8')

/** One raw HTTP request, bytes as given (what a mailbox provider's server sends). */
function http(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const url = new URL(target, service.url)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: `${url.pathname}${url.search}`,
        headers: { ...headers, ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }) },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** The one-click POST as RFC 8058 §3.1 shows it (multipart/form-data), with its boundary written correctly. */
const oneClick = (token: string) =>
  http(
    'POST',
    `/unsubscribe?t=${token}`,
    {
      'Content-Type': 'multipart/form-data; boundary=---FormBoundaryjWmhtjORrn',
      'User-Agent': 'Mozilla/5.0 (compatible; mail-provider unsubscriber)',
    },
    '-----FormBoundaryjWmhtjORrn\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n-----FormBoundaryjWmhtjORrn--\r\n',
  )

describe('press serve: one-click unsubscribe', () => {
  test('the exact multipart one-click POST suppresses at once, with reason and time; a repeat changes nothing', async () => {
    const res = await oneClick(tokenFor('jane@example.com'))
    expect(res.status).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(await suppressions()).toContain(`jane@example.com # unsubscribed (one-click, ${slug}), ${new Date(clock).toISOString()}\n`)
    const again = await oneClick(tokenFor('jane@example.com'))
    expect(again.status).toBe(200)
    expect((await suppressions()).match(/jane@example\.com/g)).toHaveLength(1)
    expect(events.map((e) => e.action)).toEqual(['unsubscribed', 'already-unsubscribed'])
    expect(recipientEvents(path.join(dir, '.press'), slug).get('jane@example.com')).toEqual({
      kind: 'unsubscribed',
      reason: 'one-click',
      at: clock,
    })
  })

  test('the urlencoded form of the POST works too; a POST without the one-click body is 400 and changes nothing', async () => {
    const bad = await http(
      'POST',
      `/unsubscribe?t=${tokenFor('ivan@example.ru')}`,
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      'List-Unsubscribe=Yes',
    )
    expect(bad.status).toBe(400)
    expect(await suppressions()).not.toContain('ivan@')
    const ok = await http(
      'POST',
      `/unsubscribe?t=${tokenFor('ivan@example.ru')}`,
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      'List-Unsubscribe=One-Click',
    )
    expect(ok.status).toBe(200)
    expect(await suppressions()).toContain('ivan@example.ru # unsubscribed (one-click')
  })

  test('forged, damaged, foreign and missing tokens are 4xx and change nothing', async () => {
    const before = await suppressions()
    const good = tokenFor('jane@example.com')
    const flipped = good.slice(0, 10) + (good[10] === 'A' ? 'B' : 'A') + good.slice(11)
    const cases: Array<[string, number]> = [
      [`/unsubscribe?t=${flipped}`, 403],
      [`/unsubscribe?t=${signToken('someone-elses-secret', office, 'jane@example.com', T0)}`, 403],
      [`/unsubscribe?t=${signToken(secret, 'https://other-office.example', 'jane@example.com', T0)}`, 403],
      [`/unsubscribe?t=${encodeURIComponent('jane@example.com')}`, 403],
      ['/unsubscribe?e=jane%40example.com', 400],
      ['/unsubscribe', 400],
      ['/unsubscribe?t=', 400],
    ]
    for (const [target, status] of cases) {
      const res = await http('POST', target, { 'Content-Type': 'application/x-www-form-urlencoded' }, 'List-Unsubscribe=One-Click')
      expect(res.status, target).toBe(status)
    }
    expect(await suppressions()).toBe(before)
    expect(events.every((e) => e.action === 'refused')).toBe(true)
  })

  test("GET shows a confirmation page in the recipient's language and changes nothing; its button unsubscribes", async () => {
    const ru = await http('GET', `/unsubscribe?t=${tokenFor('ivan@example.ru')}`, { 'Accept-Language': 'en' })
    expect(ru.status).toBe(200)
    expect(ru.text).toContain('<html lang="ru">')
    expect(ru.text).toContain('Больше не присылать наши пресс-релизы на адрес i***@example.ru?')
    expect(ru.text).toMatch(
      /<form method="post" action="\/unsubscribe\?t=u1[\w-]+"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Отписаться<\/button>/,
    )
    expect(ru.text).not.toContain('ivan@example.ru')
    const en = await http('GET', `/unsubscribe?t=${tokenFor('jane@example.com')}`)
    expect(en.text).toContain('<html lang="en">')
    expect(en.text).toContain('Stop sending our press releases to j***@example.com?')
    expect(await suppressions()).not.toMatch(/ivan|jane/)
    // Not on the list: the browser's language decides.
    const stranger = await http('GET', `/unsubscribe?t=${tokenFor('who@example.net')}`, { 'Accept-Language': 'ru-RU,ru;q=0.9,en;q=0.8' })
    expect(stranger.text).toContain('<html lang="ru">')
  })

  test('resubscribe after a mistaken click; the old token replayed afterwards is refused (410) and suppresses nobody', async () => {
    const token = tokenFor('jane@example.com')
    const res = await oneClick(token)
    const link = /href="([^"]+resubscribe[^"]+)"/.exec(res.text)?.[1]
    expect(link).toMatch(/^\/unsubscribe\/resubscribe\?t=u1/)
    const page = await http('GET', link!)
    expect(page.status).toBe(200)
    expect(page.text).toContain('Send our press releases to j***@example.com again?')
    expect(await suppressions()).toContain('jane@example.com')
    clock += 60_000
    const back = await http('POST', link!, { 'Content-Type': 'application/x-www-form-urlencoded' }, 'List-Unsubscribe=One-Click')
    expect(back.status).toBe(200)
    expect(await suppressions()).not.toContain('jane@example.com')

    clock += 60_000
    const replay = await oneClick(token)
    expect(replay.status).toBe(410)
    expect(await suppressions()).not.toContain('jane@example.com')
    // A message sent after the resubscribe carries a newer token, which works.
    const fresh = await oneClick(tokenFor('jane@example.com', clock))
    expect(fresh.status).toBe(200)
    expect(await suppressions()).toContain('jane@example.com')
    // The resubscribe link from before this unsubscribe is stale too.
    const oldLink = await http('POST', link!, { 'Content-Type': 'application/x-www-form-urlencoded' }, 'List-Unsubscribe=One-Click')
    expect(oldLink.status).toBe(410)
    expect(await suppressions()).toContain('jane@example.com')
  })

  test('a hard bounce cannot be undone through a resubscribe link', async () => {
    const res = await http(
      'POST',
      `/unsubscribe/resubscribe?t=${tokenFor('gone@example.com', clock + 1000)}`,
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      'x=1',
    )
    expect(res.status).toBe(409)
    expect(await suppressions()).toContain('gone@example.com # hard bounce')
  })

  test('unknown paths are 404; GET never needs a body; /healthz answers', async () => {
    expect((await http('GET', '/unsubscribe/other')).status).toBe(404)
    expect((await http('GET', '/healthz')).text).toBe('ok')
    // The footer link of every message (shared by all recipients, so without a token) explains instead of failing.
    const footer = await http('GET', '/unsubscribe', { 'Accept-Language': 'ru' })
    expect(footer.status).toBe(200)
    expect(footer.text).toContain('напишите на адрес unsubscribe@example.org с темой «отписаться»')
  })
})

describe('secret rotation', () => {
  test('after a rotation tokens of the previous secret still work; once it is dropped they are refused', async () => {
    const rotated = await start({ PRESS_SECRET: 'the-new-secret', PRESS_SECRET_PREVIOUS: secret })
    try {
      const old = tokenFor('ivan@example.ru')
      const url = new URL(`/unsubscribe?t=${old}`, rotated.url)
      expect((await fetch(url)).status).toBe(200)
      expect((await fetch(new URL(`/unsubscribe?t=${tokenFor('ivan@example.ru', T0, 'the-new-secret')}`, rotated.url))).status).toBe(200)
    } finally {
      await rotated.close()
    }
    const dropped = await start({ PRESS_SECRET: 'the-new-secret' })
    try {
      expect((await fetch(new URL(`/unsubscribe?t=${tokenFor('ivan@example.ru')}`, dropped.url))).status).toBe(403)
    } finally {
      await dropped.close()
    }
  })

  test('without PRESS_SECRET a secret is made once in .press/secret (mode 600) and reused', async () => {
    const first = await start({})
    await first.close()
    const file = path.join(dir, '.press', 'secret')
    const text = await readFile(file, 'utf8')
    expect(text).toMatch(/^[\w-]{43}\n$/)
    const { statSync } = await import('node:fs')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const second = await start({})
    await second.close()
    expect(await readFile(file, 'utf8')).toBe(text)
  })
})

describe('the confirmation pages in Chromium', () => {
  test('both languages render: heading, sentence and button visible (screenshots in <tmp>/pressroom-unsubscribe-screenshots/)', async () => {
    const browser = await puppeteer.launch({
      executablePath: findChromium(undefined, process.env),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    })
    const out = path.join(tmpdir(), 'pressroom-unsubscribe-screenshots')
    await mkdir(out, { recursive: true })
    try {
      const page = await browser.newPage()
      await page.setViewport({ width: 720, height: 520 })
      for (const [lng, email, button] of [
        ['en', 'jane@example.com', 'Unsubscribe'],
        ['ru', 'ivan@example.ru', 'Отписаться'],
      ] as const) {
        // Jane resubscribed in an earlier test: a token of a message sent now.
        await page.goto(`${service.url}/unsubscribe?t=${tokenFor(email, clock)}`)
        const shown = await page.evaluate(() => ({
          lang: document.documentElement.lang,
          h1: document.querySelector('h1')?.textContent,
          button: document.querySelector('button')?.textContent,
          width: document.querySelector('button')?.getBoundingClientRect().width ?? 0,
        }))
        expect(shown.lang).toBe(lng)
        expect(shown.button).toBe(button)
        expect(shown.width).toBeGreaterThan(60)
        const png = await page.screenshot({ path: path.join(out, `unsubscribe-${lng}.png`) as `${string}.png` })
        expect(png.length).toBeGreaterThan(5_000)
        // Clicking the button is the web-page unsubscribe.
        await Promise.all([page.waitForNavigation(), page.click('button')])
        expect(await page.evaluate(() => document.querySelector('main p:nth-of-type(2)')?.textContent)).toMatch(
          lng === 'ru' ? /^Готово/ : /^Done/,
        )
        await page.screenshot({ path: path.join(out, `unsubscribed-${lng}.png`) as `${string}.png` })
      }
      expect(await suppressions()).toMatch(/jane@example\.com # unsubscribed \(web page/)
    } finally {
      await browser.close()
    }
  }, 60_000)
})
