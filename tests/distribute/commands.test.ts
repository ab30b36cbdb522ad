/**
 * The command functions the CLI calls: dry run, test sends, the outbox
 * transport, strict translations, status, and the worker's lift callback.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { simpleParser } from 'mailparser'
import { afterEach, describe, expect, test } from 'vitest'
import { dispatch, dryRun, planAndSend, schedule, sendTest, status, worker } from '../../src/distribute/commands.js'
import { DraftReleaseError, ReleaseNotFoundError, StrictTranslationError } from '../../src/distribute/errors.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js'
import { HOUR, LIFT, makeContext, makeOffice, makeRelease, person, write } from './fixtures/office.js'

const sinks: SmtpSink[] = []
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close()
})
async function sink(): Promise<SmtpSink> {
  const s = await startSmtpSink()
  sinks.push(s)
  return s
}

const slug = '2031-03-14-water-report'
const list = [
  person('vet@example.com', 'en', true, { name: 'Vera' }),
  person('ivan@example.ru', 'ru', false, { name: 'Иван' }),
  person('greta@example.de', 'de', false, { name: 'Greta' }),
  person('gone@example.com', 'en', false),
  person('sport@example.com', 'en', false, { lists: ['sports'] }),
]

describe('dryRun', () => {
  test('returns who, language, when and why, with counts; opens no connection and no queue', async () => {
    const s = await sink()
    const office = makeOffice()
    write(office.suppressionsPath, 'gone@example.com # unsubscribed\n')
    const ctx = makeContext(
      office,
      [makeRelease({ lists: ['health'] })],
      list.map((r) => (r.lists.length ? r : { ...r, lists: ['health'] })),
      s.url,
      { clock: { t: LIFT - HOUR } },
    )
    const { plan, transport } = await dryRun(ctx, slug)
    expect(transport).toBe(s.url)
    expect(plan.jobs.map((j) => [j.email, j.lng, j.fallback, j.sendAt, j.why])).toEqual([
      ['vet@example.com', 'en', false, LIFT - HOUR, 'vetted-under-embargo'],
      ['ivan@example.ru', 'ru', false, LIFT, 'general-at-lift'],
      ['greta@example.de', 'en', true, LIFT, 'general-at-lift'],
    ])
    expect(plan.skipped.map((x) => [x.email, x.reason])).toEqual([
      ['gone@example.com', 'suppressed'],
      ['sport@example.com', 'not-in-lists'],
    ])
    expect(plan.counts).toMatchObject({
      recipients: 5,
      jobs: 3,
      due: 1,
      later: 2,
      fallback: 1,
      skipped: { suppressed: 1, 'not-in-lists': 1 },
    })
    expect(s.connections).toBe(0)
    expect(existsSync(office.statePath)).toBe(false)
    await expect(dryRun(ctx, 'nope')).rejects.toThrow(ReleaseNotFoundError)
  })
})

describe('outbox transport', () => {
  test('writes one .eml per recipient atomically under .press/outbox/<slug>/', async () => {
    const office = makeOffice()
    const ctx = makeContext(office, [makeRelease()], list.slice(0, 3), 'outbox', { clock: { t: LIFT } })
    const result = await planAndSend(ctx, slug)
    expect(result.run.sent).toBe(3)
    const dir = join(office.statePath, 'outbox', slug)
    expect(readdirSync(dir).sort()).toEqual(['greta@example.de.eml', 'ivan@example.ru.eml', 'vet@example.com.eml'])
    const mail = await simpleParser(readFileSync(join(dir, 'ivan@example.ru.eml')))
    expect(mail.subject).toBe('Вода небезопасна')
    expect((mail.to as { value: unknown[] }).value).toEqual([{ address: 'ivan@example.ru', name: 'Иван' }])
    expect(mail.attachments.map((a) => a.filename)).toEqual([`${slug}.ru.pdf`, 'report.csv'])
    expect((await status(ctx)).failures).toEqual([])
    expect((await status(ctx, slug)).bySlug[slug]).toMatchObject({ sent: 3 })
  })
})

describe('sendTest', () => {
  test('one copy per language, marked TEST, without touching the queue', async () => {
    const s = await sink()
    const office = makeOffice()
    const ctx = makeContext(office, [makeRelease()], list, s.url, { clock: { t: LIFT - HOUR } })
    const sent = await sendTest(ctx, slug, 'desk@example.org')
    expect(sent.map((x) => x.lng)).toEqual(['en', 'ru'])
    expect(s.messages).toHaveLength(2)
    const subjects = (await Promise.all(s.messages.map((m) => m.parse()))).map((m) => m.subject)
    expect(subjects).toEqual(['TEST: EMBARGOED UNTIL 09:00 EDT: Water unsafe', 'TEST: ЭМБАРГО ДО 09:00 EDT: Вода небезопасна'])
    expect(new Set(s.messages.map((m) => m.messageId)).size).toBe(2)
    expect(existsSync(join(office.statePath, 'queue.db'))).toBe(false)
    expect((await status(ctx)).counts.sent).toBe(0)
  })
})

describe('refusals', () => {
  test('strict translations stop the send with a clear message; drafts and unknown slugs are refused', async () => {
    const office = makeOffice()
    const strict = makeContext(office, [makeRelease({ staleRu: true })], list.slice(0, 3), 'outbox', { clock: { t: LIFT } })
    const ctx = { ...strict, mail: { ...strict.mail, translations: 'strict' as const } }
    const error = await planAndSend(ctx, slug).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrictTranslationError)
    expect((error as Error).message).toMatch(/translations: strict.*2 recipients/s)
    expect((error as Error).message).toMatch(/no de translation for greta@example\.de/)
    expect((error as Error).message).toMatch(/ru translation of .* is stale/)
    expect(existsSync(join(office.statePath, 'queue.db'))).toBe(false)
    const lenient = await dryRun(strict, slug)
    expect(lenient.plan.jobs.map((j) => [j.email, j.fallback, j.stale])).toEqual([
      ['vet@example.com', false, false],
      ['ivan@example.ru', false, true],
      ['greta@example.de', true, false],
    ])
    const draft = makeContext(office, [makeRelease({ status: 'draft' })], list, 'outbox', { clock: { t: LIFT } })
    await expect(planAndSend(draft, slug)).rejects.toThrow(DraftReleaseError)
    await expect(schedule(draft, 'missing', LIFT)).rejects.toThrow(ReleaseNotFoundError)
  })
})

describe('schedule and status', () => {
  test('schedule --at sends vetted at `at`, unvetted never before the lift; status shows next due', async () => {
    const s = await sink()
    const office = makeOffice()
    const ctx = makeContext(office, [makeRelease()], list.slice(0, 2), s.url, { clock: { t: LIFT - 5 * HOUR } })
    const planned = await schedule(ctx, slug, LIFT - 2 * HOUR)
    expect(planned.enqueued.added).toBe(2)
    expect(planned.plan.jobs.map((j) => j.sendAt)).toEqual([LIFT - 2 * HOUR, LIFT])
    let st = await status(ctx)
    expect(st.counts.planned).toBe(2)
    expect(st.nextDue).toBe(LIFT - 2 * HOUR)
    expect((await dispatch(ctx)).sent).toBe(0)
    ctx.clock.t = LIFT - 2 * HOUR
    expect((await dispatch(ctx)).sent).toBe(1)
    st = await status(ctx)
    expect(st.nextDue).toBe(LIFT)
    ctx.clock.t = LIFT - 1
    expect((await dispatch(ctx)).sent).toBe(0)
    ctx.clock.t = LIFT
    expect((await dispatch(ctx)).sent).toBe(1)
    expect(s.messages.map((m) => m.to[0])).toEqual(['vet@example.com', 'ivan@example.ru'])
  })
})

describe('worker', () => {
  test('sends vetted mail, calls onLift at the lift, then sends the rest; stops on abort', async () => {
    const s = await sink()
    const office = makeOffice()
    const start = Date.now()
    const lift = LIFT
    const offset = lift - 600 - start // the lift is 600 ms after the worker starts
    const ctx = makeContext(
      office,
      [makeRelease({ embargo: lift }), makeRelease({ slug: 'other-release', embargo: lift + 400 })],
      list.slice(0, 2),
      s.url,
      {
        now: () => Date.now() + offset,
      },
    )
    await schedule(ctx, slug, ctx.now())
    const controller = new AbortController()
    const lifts: Array<[string, number, number]> = []
    const done = worker(ctx, {
      signal: controller.signal,
      maxSleepMs: 200,
      onLift: (liftSlug, at) => {
        lifts.push([liftSlug, at, s.messages.length])
      },
    })
    await s.waitForMessages(1, 5_000)
    expect(s.messages[0]!.to).toEqual(['vet@example.com'])
    await s.waitForMessages(2, 5_000)
    expect(ctx.now()).toBeGreaterThanOrEqual(lift)
    expect(lifts[0]).toEqual([slug, lift, 1])
    controller.abort()
    const report = await done
    expect(report.sent).toBe(2)
    expect(report.lifts.map((l) => l.slug)).toContain(slug)
  })

  test('onLift also fires for releases with no queued mail, when listReleases is given', async () => {
    const office = makeOffice()
    const start = Date.now()
    const offset = LIFT - 300 - start
    const release = makeRelease({ slug: 'site-only', embargo: LIFT })
    const ctx = makeContext(office, [release], [], 'outbox', { now: () => Date.now() + offset, listReleases: () => [release] })
    const controller = new AbortController()
    const seen: string[] = []
    const done = worker(ctx, {
      signal: controller.signal,
      maxSleepMs: 100,
      onLift: (liftSlug) => {
        seen.push(liftSlug)
        controller.abort()
      },
    })
    await done
    expect(seen).toEqual(['site-only'])
  })

  test('prepareLift: once per lift, woken up prepareAheadMs before it (not at the lift), without holding up the loop', async () => {
    const office = makeOffice()
    const start = Date.now()
    const offset = LIFT - 3000 - start // the lift is 3 s after the worker starts
    const release = makeRelease({ slug: 'site-only', embargo: LIFT })
    const ctx = makeContext(office, [release], [], 'outbox', { now: () => Date.now() + offset, listReleases: () => [release] })
    const controller = new AbortController()
    const events: Array<[string, string, number]> = []
    let finishPreparing: () => void = () => undefined
    const done = worker(ctx, {
      signal: controller.signal,
      prepareAheadMs: 2000,
      prepareLift: (liftSlug, at) => {
        events.push(['prepare', liftSlug, ctx.now() - at])
        // Still running at the lift: the worker does not wait for it.
        return new Promise<void>((resolve) => (finishPreparing = resolve))
      },
      onLift: (liftSlug, at) => {
        events.push(['lift', liftSlug, ctx.now() - at])
        finishPreparing()
        controller.abort()
      },
    })
    await done
    expect(events.map(([what, which]) => [what, which])).toEqual([
      ['prepare', 'site-only'],
      ['lift', 'site-only'],
    ])
    // Not at the start (the lift was further than 2 s away), but woken up for it
    // before the lift: sleeping until the next due (the lift) would have missed it.
    expect(events[0]![2]).toBeGreaterThanOrEqual(-2000)
    expect(events[0]![2]).toBeLessThan(0)
    expect(events[1]![2]).toBeGreaterThanOrEqual(0)
  })
})
