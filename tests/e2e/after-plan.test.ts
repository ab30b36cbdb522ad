/**
 * After the plan, through the CLI with a real SMTP server on 127.0.0.1 and
 * the real clock (instants later than the real clock are rehearsals, which
 * reach no journalist): a worker follows an embargo moved while it runs
 * (the general list gets nothing at the old lift; vetted holders get one
 * notice in their language), a worker started after a lift publishes and
 * sends at once, a lost `.press/` mails nobody twice, and `press lift`,
 * `press send --correction` and `press withdraw --notify` reach the
 * recipients who hold the release, in English and Russian.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { openRecipientStore } from '../../src/recipients/store.js'
import { cleanEnv, press } from '../cli/run.js'
import { copySampleOffice, pressBin, removeOffices } from '../helpers/office.js'
import { startSmtpSink, type ReceivedMessage, type SmtpSink } from '../helpers/smtp-sink.js'

const slug = '2031-06-10-annual-report-2030'
const vetted = {
  'j.hartley@example.com': 'en',
  's.lindgren@example.net': 'en',
  'priya.raman@example.com': 'en',
  'e.volkova@example.net': 'ru',
  'o.kuznetsova@example.com': 'ru',
} as const
const general = {
  'm.duval@example.org': 'en',
  'a.sokolov@example.org': 'ru',
  'd.morozov@example.net': 'ru',
  'n.belova@example.org': 'ru',
} as const
const everyone = { ...vetted, ...general }

let sink: SmtpSink
let env: Record<string, string>
beforeAll(async () => {
  sink = await startSmtpSink()
  env = { PRESS_SMTP_URL: sink.url }
})
afterAll(async () => {
  await sink?.close()
  await removeOffices()
})

/** Set the sample release's embargo to an instant (UTC), or remove it. */
function setEmbargo(office: string, at: number | undefined): void {
  for (const lng of ['en', 'ru']) {
    const file = join(office, 'releases', slug, `${lng}.md`)
    let text = readFileSync(file, 'utf8').replace(/^embargo_zone:.*\n/m, '')
    text = text.replace(/^embargo:.*\n/m, '')
    if (at !== undefined && lng === 'en')
      text = text.replace(/^---\n/, `---\nembargo: ${new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z')}\n`)
    writeFileSync(file, text)
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

function startWorker(office: string): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
  const child = spawn(process.execPath, [pressBin, 'worker', '-C', office], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

const since = (n: number): ReceivedMessage[] => sink.messages.slice(n)
const toOf = (m: ReceivedMessage): string => m.to[0]!
async function subjects(messages: readonly ReceivedMessage[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const m of messages) out[toOf(m)] = (await m.parse()).subject ?? ''
  return out
}

describe('the worker follows the office', () => {
  test('an embargo moved later while the worker runs: nothing to the general list at the old lift; one notice to each vetted holder, in their language', async () => {
    const office = await copySampleOffice()
    const lift = Date.now() + 8_000
    setEmbargo(office, lift)
    const start = sink.messages.length
    const sent = await press(['send', slug, '-C', office], { env })
    expect(sent.code, sent.stderr).toBe(0)
    expect(since(start).map(toOf).sort()).toEqual(Object.keys(vetted).sort())

    const worker = startWorker(office)
    try {
      await until('the worker to start', () => worker.output().includes('worker running'))
      await sleep(500)
      const afterSend = sink.messages.length
      setEmbargo(office, lift + 3_600_000)
      await until('five notices', () => since(afterSend).length >= 5)
      // Past the old lift, with time to spare.
      await sleep(Math.max(0, lift + 3_000 - Date.now()))
      const got = since(afterSend)
      expect(got.map(toOf).sort(), worker.output()).toEqual(Object.keys(vetted).sort())
      const s = await subjects(got)
      for (const [email, lng] of Object.entries(vetted))
        expect(s[email]).toMatch(lng === 'ru' ? /^ЭМБАРГО ПЕРЕНЕСЕНО: / : /^EMBARGO CHANGED: /)
      const ru = await got.find((m) => toOf(m) === 'e.volkova@example.net')!.parse()
      expect(ru.text).toContain('Ранее было объявлено')
      expect(existsSync(join(office, 'dist', 'en', slug))).toBe(false)
    } finally {
      await worker.stop()
    }
  }, 60_000)

  test('a worker started after a lift publishes the release and sends the held mail at once', async () => {
    const office = await copySampleOffice()
    const lift = Date.now() + 2_000
    setEmbargo(office, lift)
    const start = sink.messages.length
    expect((await press(['send', slug, '-C', office], { env })).code).toBe(0)
    await sleep(Math.max(0, lift + 500 - Date.now()))
    const worker = startWorker(office)
    try {
      await until('the general list', () => since(start).length >= 9)
      await until('the page', () => existsSync(join(office, 'dist', 'ru', slug, 'index.html')))
      expect(since(start).map(toOf).sort()).toEqual(Object.keys(everyone).sort())
    } finally {
      await worker.stop()
    }
  }, 60_000)
})

describe('the press list as it is now, through the CLI', () => {
  test('a journalist removed from press-list.csv after planning is cancelled at the next dispatch, with the reason', async () => {
    const office = await copySampleOffice()
    setEmbargo(office, Date.now() + 3_600_000)
    const start = sink.messages.length
    expect((await press(['send', slug, '-C', office], { env })).code).toBe(0)
    expect(since(start)).toHaveLength(5)
    // Nothing changed: a dispatch sends nothing and cancels nothing.
    expect((await press(['dispatch', '-C', office], { env })).code).toBe(0)
    const list = join(office, 'press-list.csv')
    writeFileSync(
      list,
      readFileSync(list, 'utf8')
        .split('\n')
        .filter((line) => !line.startsWith('m.duval@'))
        .join('\n'),
    )
    const run = await press(['dispatch', '-C', office], { env })
    expect(run.code, run.stderr).toBe(0)
    const status = await press(['status', slug, '--recipients', '--json', '-C', office])
    const lines = (JSON.parse(status.stdout) as { recipients: Array<{ email: string; state: string; reply: string }> }).recipients
    expect(lines.find((l) => l.email === 'm.duval@example.org')).toMatchObject({ state: 'cancelled', reply: 'removed from the press list' })
    expect(lines.filter((l) => l.state === 'planned')).toHaveLength(3)
    expect(since(start)).toHaveLength(5)
  }, 60_000)
})

describe('the delivery record', () => {
  test('rm -rf .press, then press send: nobody already reached is mailed again; status still knows who got what', async () => {
    const office = await copySampleOffice()
    setEmbargo(office, undefined)
    const start = sink.messages.length
    expect((await press(['send', slug, '-C', office], { env })).code).toBe(0)
    expect(since(start)).toHaveLength(9)
    expect(
      readFileSync(join(office, 'deliveries', `${slug}.csv`), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(10)

    rmSync(join(office, '.press'), { recursive: true, force: true })
    const again = await press(['send', slug, '-C', office, '--json'], { env })
    expect(again.code, again.stderr).toBe(0)
    expect(since(start)).toHaveLength(9)
    const report = JSON.parse(again.stdout) as { run: { sent: number; recorded: number } }
    expect(report.run).toMatchObject({ sent: 0, recorded: 9 })

    // A bounce that `press inbox` matched to this release shows beside the delivery.
    const store = openRecipientStore(join(office, '.press'))
    store.record({
      slug,
      email: 'm.duval@example.org',
      kind: 'bounced',
      reason: '5.1.1 550 User unknown',
      at: Date.parse('2026-12-01T10:00:00Z'),
      source: 'imap:<test@x>',
    })
    store.close()
    const status = await press(['status', slug, '--recipients', '--json', '-C', office])
    const lines = (
      JSON.parse(status.stdout) as {
        recipients: Array<{ email: string; state: string; version: string; event: { kind: string; reason: string } | null }>
      }
    ).recipients
    expect(lines).toHaveLength(9)
    expect(lines.every((l) => l.state === 'sent' && l.version === 'public')).toBe(true)
    expect(lines.find((l) => l.email === 'm.duval@example.org')?.event).toMatchObject({ kind: 'bounced', reason: '5.1.1 550 User unknown' })
    const table = await press(['status', slug, '--recipients', '-C', office])
    expect(table.stdout).toMatch(/m\.duval@example\.org.*bounced: 5\.1\.1 550 User unknown/)
  }, 60_000)
})

describe('lift, correct, withdraw', () => {
  test('each reaches the holders once, in English and Russian; the site follows', async () => {
    const office = await copySampleOffice()
    setEmbargo(office, Date.now() + 3_600_000)
    let start = sink.messages.length
    expect((await press(['send', slug, '-C', office], { env })).code).toBe(0)
    expect(since(start)).toHaveLength(5)

    // Not on a terminal: confirmation by flag only.
    const asked = await press(['lift', slug, '-C', office], { env })
    expect(asked.code).toBe(2)
    expect(asked.stderr).toMatch(/--yes/)
    expect((await press(['lift', 'annual-report-2030', '--yes', '-C', office], { env })).code).toBe(1)

    start = sink.messages.length
    const lifted = await press(['lift', slug, '--yes', '--json', '-C', office], { env })
    expect(lifted.code, lifted.stderr).toBe(0)
    expect(JSON.parse(lifted.stdout)).toMatchObject({ ok: true, alreadyPublic: false, notices: 5, files: [`releases/${slug}/en.md`] })
    expect(existsSync(join(office, 'dist', 'en', slug, 'index.html'))).toBe(true)
    let s = await subjects(since(start))
    expect(Object.keys(s).sort()).toEqual(Object.keys(everyone).sort())
    for (const [email, lng] of Object.entries(vetted)) expect(s[email]).toMatch(lng === 'ru' ? /^ЭМБАРГО СНЯТО: / : /^EMBARGO LIFTED: /)
    for (const email of Object.keys(general)) expect(s[email]).not.toMatch(/EMBARGO|ЭМБАРГО/)
    // Already public: says so, sends nothing.
    start = sink.messages.length
    const twice = await press(['lift', slug, '--yes', '-C', office], { env })
    expect(twice.code).toBe(0)
    expect(twice.stdout).toMatch(/already public/)
    expect(since(start)).toHaveLength(0)

    // A correction needs every language.
    const partial = await press(['send', slug, '--correction', 'en: The report covers 41 facilities.', '-C', office], { env })
    expect(partial.code).toBe(2)
    expect(partial.stderr).toMatch(/no note in ru/)
    const corrected = await press(
      [
        'send',
        slug,
        '--correction',
        'en: The report covers 41 facilities.',
        '--correction',
        'ru: Доклад охватывает 41 учреждение.',
        '-C',
        office,
      ],
      { env },
    )
    expect(corrected.code, corrected.stderr).toBe(0)
    s = await subjects(since(start))
    expect(Object.keys(s).sort()).toEqual(Object.keys(everyone).sort())
    for (const [email, lng] of Object.entries(everyone)) expect(s[email]).toMatch(lng === 'ru' ? /^ИСПРАВЛЕНИЕ: / : /^CORRECTION: /)
    expect(readFileSync(join(office, 'dist', 'ru', slug, 'index.html'), 'utf8')).toContain('Доклад охватывает 41 учреждение.')
    expect(readFileSync(join(office, 'dist', 'en', slug, 'index.html'), 'utf8')).toContain('The report covers 41 facilities.')

    start = sink.messages.length
    const withdrawn = await press(['withdraw', slug, '--notify', '--json', '-C', office], { env })
    expect(withdrawn.code, withdrawn.stderr).toBe(0)
    expect(JSON.parse(withdrawn.stdout)).toMatchObject({ ok: true, notices: 9 })
    s = await subjects(since(start))
    for (const [email, lng] of Object.entries(everyone))
      expect(s[email]).toMatch(lng === 'ru' ? /^ОТОЗВАН, НЕ ПУБЛИКОВАТЬ: / : /^WITHDRAWN, DO NOT PUBLISH: /)
    expect(existsSync(join(office, 'dist', 'en', slug))).toBe(false)
    expect(readFileSync(join(office, 'releases', slug, 'en.md'), 'utf8')).toMatch(/^status: draft$/m)
    // A second withdraw tells nobody twice.
    start = sink.messages.length
    expect((await press(['withdraw', slug, '--notify', '-C', office], { env })).code).toBe(0)
    expect(since(start)).toHaveLength(0)

    const table = await press(['status', slug, '--recipients', '-C', office])
    expect(table.stdout).toMatch(/notice: withdrawn-/)
    expect(table.stdout).toMatch(/correction: correction-1/)
  }, 120_000)
})
