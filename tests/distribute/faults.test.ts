/**
 * The fault matrix over real SMTP: 4xx and dropped connections are retried
 * with backoff, 5xx are recorded and the rest goes on, hard bounces are
 * suppressed, a failure threshold pauses the run, passwords never leak, and
 * two dispatchers never both send.
 */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, test } from 'vitest'
import { LockedError } from '../../src/errors.js'
import { dispatch, planAndSend, schedule, status } from '../../src/distribute/commands.js'
import { classifySendError, createMailer } from '../../src/distribute/mailer.js'
import { redactUrl } from '../../src/secrets.js'
import { startSmtpSink, type SinkFault, type SmtpSink } from '../helpers/smtp-sink.js'
import { crowd, LIFT, makeContext, makeOffice, makeRelease, person } from './fixtures/office.js'

const sinks: SmtpSink[] = []
async function sinkWith(faults: SinkFault[], auth?: { user: string; pass: string }): Promise<SmtpSink> {
  const sink = await startSmtpSink({ faults, ...(auth ? { auth } : {}) })
  sinks.push(sink)
  return sink
}
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close()
})

const slug = '2031-03-14-water-report'

describe('fault matrix', () => {
  test('421/451 and a dropped connection are retried then delivered; 550 is recorded, suppressed, and the rest arrives', async () => {
    const sink = await sinkWith([
      { stage: 'rcpt', code: 421, to: 'greylist@example.com', times: 2 },
      { stage: 'data', code: 451, to: 'busy@example.com', times: 1 },
      { stage: 'data', drop: true, to: 'drop@example.com', times: 1 },
      { stage: 'rcpt', code: 550, message: '5.1.1 <gone@example.com>: user unknown', to: 'gone@example.com' },
      { stage: 'data', code: 554, message: '5.7.1 message refused', to: 'refused@example.com' },
      { stage: 'data', delayMs: 300, to: 'slow@example.com', times: 1 },
    ])
    const names = ['greylist', 'busy', 'drop', 'gone', 'refused', 'slow', 'ok1', 'ok2', 'ok3']
    const office = makeOffice()
    const ctx = makeContext(
      office,
      [makeRelease({ embargo: false })],
      names.map((n) => person(`${n}@example.com`, 'en', false)),
      sink.url,
      { clock: { t: LIFT } },
    )
    const events: string[] = []
    const result = await planAndSend(ctx, slug, { onProgress: (e) => events.push(`${e.type}:${e.email}`) })
    const run = result.run
    expect(run).toMatchObject({ sent: 7, failed: 2, deferred: 0 })
    expect(run.retried).toBeGreaterThanOrEqual(4)
    const arrived = sink.messages.map((m) => m.to[0]!.split('@')[0]).sort()
    expect(arrived).toEqual(['busy', 'drop', 'greylist', 'ok1', 'ok2', 'ok3', 'slow'])
    expect(new Set(arrived).size).toBe(arrived.length)
    expect(sink.rcptAttempts.get('greylist@example.com')).toBe(3)
    expect(events.filter((e) => e === 'deferred:greylist@example.com')).toHaveLength(2)

    const rows = Object.fromEntries((await status(ctx)).failures.map((r) => [r.email, r]))
    expect(rows['gone@example.com']).toMatchObject({ state: 'failed', responseCode: 550 })
    expect(rows['gone@example.com']!.error).toMatch(/550 5\.1\.1 <gone@example\.com>: user unknown/)
    expect(rows['refused@example.com']).toMatchObject({ state: 'failed', responseCode: 554 })
    expect(run.failures.find((f) => f.email === 'gone@example.com')).toMatchObject({ kind: 'permanent', responseCode: 550 })
    // Hard bounce (5xx on RCPT) suppressed; a 5xx on DATA is not an address problem.
    expect(run.suppressed).toEqual(['gone@example.com'])
    const suppressions = readFileSync(office.suppressionsPath, 'utf8')
    expect(suppressions).toMatch(/^gone@example\.com # hard bounce: 550/m)
    expect(suppressions).not.toContain('refused@')
    // Planning again: the bounced address is skipped as suppressed; nothing is re-sent.
    const again = await planAndSend(ctx, slug)
    expect(again.plan.skipped).toEqual([expect.objectContaining({ email: 'gone@example.com', reason: 'suppressed' })])
    expect(again.run.sent).toBe(0)
    expect(sink.messages).toHaveLength(7)
  })

  test('a long backoff is left for the next run; a socket timeout counts as temporary', async () => {
    const sink = await sinkWith([
      { stage: 'rcpt', code: 450, to: 'later@example.com', times: 1 },
      { stage: 'data', delayMs: 1500, to: 'timeout@example.com', times: 1 },
    ])
    const office = makeOffice()
    const ctx = makeContext(
      office,
      [makeRelease({ embargo: false })],
      [person('later@example.com', 'en', true), person('timeout@example.com', 'en', true)],
      sink.url,
      {
        clock: { t: LIFT },
        retry: { baseMs: 60_000, inRunMaxWaitMs: 1_000 },
        smtpTimeouts: { socket: 700, connection: 2_000 },
      },
    )
    const first = await planAndSend(ctx, slug)
    expect(first.run).toMatchObject({ sent: 0, deferred: 2, failed: 0 })
    expect(first.run.nextDue).toBe(LIFT + 60_000)
    expect(first.run.failures.map((f) => f.kind)).toEqual(['temporary', 'temporary'])
    // Not due yet.
    ctx.clock.t = LIFT + 59_999
    expect((await dispatch(ctx)).attempted).toBe(0)
    ctx.clock.t = LIFT + 60_000
    const second = await dispatch(ctx)
    expect(second).toMatchObject({ sent: 2, deferred: 0 })
    // The timed-out message may or may not have been taken by the sink; never more than twice, always with one Message-ID.
    const timeouts = sink.to('timeout@example.com')
    expect(timeouts.length).toBeGreaterThanOrEqual(1)
    expect(new Set(timeouts.map((m) => m.messageId)).size).toBe(1)
    expect(sink.to('later@example.com')).toHaveLength(1)
  })

  test('retries stop after maxAttempts; a failure threshold pauses the run', async () => {
    const sink = await sinkWith([
      { stage: 'rcpt', code: 451, to: 'never@example.com' },
      { stage: 'rcpt', code: 550, to: /^r\d+@bad\.example$/ },
    ])
    const office = makeOffice()
    const people = [person('never@example.com', 'en', true), ...crowd(30, 'bad.example')]
    const ctx = makeContext(office, [makeRelease({ embargo: false })], people, sink.url, {
      clock: { t: LIFT },
      retry: { baseMs: 10, maxMs: 20, maxAttempts: 3, inRunMaxWaitMs: 1_000 },
    })
    const paused = await planAndSend({ ...ctx, mail: { ...ctx.mail, failureThreshold: 0.5 } }, slug)
    expect(paused.run.paused?.reason).toMatch(/attempts failed \(threshold 50%\); the run was paused/)
    const left = (await status(ctx)).counts
    expect(left.planned).toBeGreaterThan(0)
    expect(left.failed + left.deferred).toBeGreaterThanOrEqual(10)
    ctx.clock.t = LIFT + 1000
    const rest = await dispatch(ctx)
    expect(rest.paused).toBeUndefined()
    const final = await status(ctx)
    expect(final.counts).toMatchObject({ failed: 31, planned: 0, deferred: 0 })
    expect(final.failures.find((r) => r.email === 'never@example.com')).toMatchObject({ attempts: 3 })
    expect(final.failures.find((r) => r.email === 'never@example.com')!.error).toMatch(/^gave up after 3 attempts: 451/)
  })
})

describe('credentials', () => {
  test('passwords never appear in errors, reports, the ledger or descriptions', async () => {
    const secret = 'S3cr3t-pa55/w:rd'
    const sink = await sinkWith([], { user: 'press', pass: 'right-password' })
    const office = makeOffice()
    const badUrl = `smtp://press:${encodeURIComponent(secret)}@127.0.0.1:${sink.port}`
    const ctx = makeContext(office, [makeRelease({ embargo: false })], [person('a@example.com', 'en', true)], badUrl, {
      clock: { t: LIFT },
      retry: { maxAttempts: 1 },
    })
    const result = await planAndSend(ctx, slug)
    expect(result.run.failed).toBe(1)
    const everything =
      JSON.stringify([result, await status(ctx)]) + String((await import('node:fs')).readFileSync(`${office.statePath}/queue.db`))
    expect(everything).not.toContain(secret)
    expect(everything).not.toContain(encodeURIComponent(secret))
    expect(everything).toMatch(/535 Authentication failed/)
    const mailer = createMailer(badUrl, { statePath: office.statePath })
    expect(mailer.description).toBe(`smtp://press:****@127.0.0.1:${sink.port}`)
    await mailer.close()
    expect(redactUrl('smtps://u:p%40ss@mail.example.org:465')).toBe('smtps://u:****@mail.example.org:465')
    expect(() => createMailer(`ftp://u:${secret}@x`, { statePath: office.statePath })).toThrow(/`ftp:\/\/\*\*\*\*`/)
    // The right password works.
    const good = await planAndSend({ ...ctx, mail: { ...ctx.mail, transport: sink.url }, statePath: `${office.statePath}-2` }, slug)
    expect(good.run.sent).toBe(1)
  })

  test('error classification', () => {
    const kind = (e: object): string => classifySendError(Object.assign(new Error('x'), e)).kind
    expect(kind({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' })).toBe('permanent')
    expect(kind({ code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' })).toBe('temporary')
    expect(kind({ code: 'EENVELOPE' })).toBe('permanent')
    expect(kind({ code: 'EMESSAGE', responseCode: 552 })).toBe('permanent')
    for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET']) expect(kind({ code })).toBe('temporary')
    expect(kind({})).toBe('temporary')
    expect(classifySendError(Object.assign(new Error('x'), { responseCode: 550, command: 'RCPT TO' })).hardBounce).toBe(true)
    expect(classifySendError(Object.assign(new Error('x'), { responseCode: 554, command: 'DATA' })).hardBounce).toBe(false)
  })
})

describe('two dispatchers', () => {
  test('the second gets LockedError (exit 75) or, with wait, queues behind; each message is sent once', async () => {
    const sink = await sinkWith([{ stage: 'data', delayMs: 30 }])
    const office = makeOffice()
    const ctx = makeContext(office, [makeRelease({ embargo: false })], crowd(40), sink.url, { clock: { t: LIFT } })
    await schedule(ctx, slug, LIFT)
    const [a, b] = await Promise.allSettled([dispatch(ctx), dispatch(ctx)])
    const outcomes = [a, b].map((r) => r.status)
    expect(outcomes.sort()).toEqual(['fulfilled', 'rejected'])
    const rejected = [a, b].find((r): r is PromiseRejectedResult => r.status === 'rejected')!
    expect(rejected.reason).toBeInstanceOf(LockedError)
    expect((rejected.reason as LockedError).exitCode).toBe(75)
    expect(sink.messages).toHaveLength(40)

    // With wait: both finish, the second finds nothing left.
    const ctx2 = makeContext(makeOffice(), [makeRelease({ embargo: false })], crowd(40, 'example.net'), sink.url, { clock: { t: LIFT } })
    await schedule(ctx2, slug, LIFT)
    const [c, d] = await Promise.all([dispatch(ctx2, { wait: true }), dispatch(ctx2, { wait: true })])
    expect(c.sent + d.sent).toBe(40)
    expect(sink.messages).toHaveLength(80)
    expect(new Set(sink.messages.map((m) => m.to[0])).size).toBe(80)
  })
})
