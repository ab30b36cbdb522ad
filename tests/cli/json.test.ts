/**
 * `--json` on every reporting command: exactly one JSON document on stdout,
 * matching its schema, nothing else there, and no escape codes anywhere.
 * (send and dispatch with real content are checked in tests/e2e too.)
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { copySampleOffice, removeOffices } from '../helpers/office.js'
import { expectJson, press } from './run.js'
import {
  buildDoc,
  checkDoc,
  contentErrorDoc,
  dispatchDoc,
  dryRunDoc,
  errorDoc,
  newDoc,
  scheduleDoc,
  statusDoc,
  translateStatusDoc,
} from './schemas.js'

const embargoed = '2031-06-10-annual-report-2030'
const liftMinus1 = '2031-06-10T12:59:59Z'

let office: string

beforeAll(async () => {
  office = await copySampleOffice()
})
afterAll(removeOffices)

describe('one JSON document per reporting command', () => {
  test('check, translate status, new', async () => {
    // `new` runs after the two readers: run together, check could count the new release.
    const [check, translate] = await Promise.all([
      press(['check', '--json', '-C', office]),
      press(['translate', 'status', '--json', '-C', office]),
    ])
    const created = await press(['new', '2031-03-14-water-report', '--title', 'Water report', '--json', '-C', office])
    expect(check.code).toBe(0)
    const c = expectJson(check, checkDoc)
    expect(c).toMatchObject({ ok: true, errors: 0, releases: 5, recipients: 10 })
    expect(c.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'info', rule: 'embargo-utc', file: `releases/${embargoed}/en.md` }),
    )

    expect(translate.code).toBe(0)
    const t = expectJson(translate, translateStatusDoc)
    expect(t.locales).toEqual(['en', 'ru'])
    expect(t.releases.find((r) => r.slug === '2026-06-08-human-rights-council-briefing')?.languages.map((l) => l.state)).toEqual([
      'source',
      'missing',
    ])

    expect(created.code, created.stderr).toBe(0)
    expect(expectJson(created, newDoc)).toEqual({
      ok: true,
      slug: '2031-03-14-water-report',
      files: ['releases/2031-03-14-water-report/en.md', 'releases/2031-03-14-water-report/ru.md'],
    })
  })

  test('build (messages and progress go to stderr)', async () => {
    const dir = await copySampleOffice()
    const run = await press(['build', '--no-pdf', '--json', '--now', liftMinus1, '-C', dir])
    expect(run.code, run.stderr).toBe(0)
    const doc = expectJson(run, buildDoc)
    expect(doc.now).toBe('2031-06-10T12:59:59.000Z')
    expect(doc.held).toContainEqual({ slug: embargoed, reason: 'embargo', lift: '2031-06-10T13:00:00.000Z' })
    expect(doc.published.map((p) => p.slug).sort()).toEqual([
      '2026-01-27-lirsk-remand-centre',
      '2026-05-12-river-sampling',
      '2026-06-08-human-rights-council-briefing',
    ])
    expect(doc.pdfs).toEqual({ rendered: 0, reused: 0 })
  })

  test('send --dry-run, schedule, dispatch (nothing due), status', async () => {
    const dir = await copySampleOffice()
    const dry = await press(['send', embargoed, '--dry-run', '--json', '--now', liftMinus1, '-C', dir])
    expect(dry.code, dry.stderr).toBe(0)
    const plan = expectJson(dry, dryRunDoc).plan
    expect(plan.lift).toBe('2031-06-10T13:00:00.000Z')
    expect(plan.counts).toMatchObject({ jobs: 9, due: 5, later: 4, vetted: 5 })
    for (const job of plan.jobs) {
      expect(job.sendAt).toBe(job.vetted ? '2031-06-10T12:59:59.000Z' : '2031-06-10T13:00:00.000Z')
      expect(job.why).toBe(job.vetted ? 'vetted-under-embargo' : 'general-at-lift')
    }
    expect(plan.skipped).toEqual([{ email: 'tom.okafor@example.com', line: 3, reason: 'suppressed' }])

    const scheduled = await press([
      'schedule',
      embargoed,
      '--at',
      '2031-06-10T12:00:00Z',
      '--json',
      '--now',
      '2031-06-01T00:00:00Z',
      '-C',
      dir,
    ])
    expect(scheduled.code, scheduled.stderr).toBe(0)
    const s = expectJson(scheduled, scheduleDoc)
    expect(s.at).toBe('2031-06-10T12:00:00.000Z')
    expect(s.enqueued).toEqual({ added: 9, updated: 0, kept: 0, cancelled: 0 })

    const [dispatch, status] = await Promise.all([
      press(['dispatch', '--json', '--now', '2031-06-01T00:00:00Z', '-C', dir]),
      press(['status', '--json', '--now', '2031-06-01T00:00:00Z', '-C', dir]),
    ])
    expect(dispatch.code, dispatch.stderr).toBe(0)
    expect(expectJson(dispatch, dispatchDoc)).toMatchObject({ ok: true, sent: 0, failed: 0, nextDue: '2031-06-10T12:00:00.000Z' })
    expect(status.code, status.stderr).toBe(0)
    const st = expectJson(status, statusDoc)
    expect(st.counts.planned).toBe(9)
    expect(st.nextDue).toBe('2031-06-10T12:00:00.000Z')
    expect(st.bySlug[embargoed]?.planned).toBe(9)
  })
})

describe('with --json, failures still print one JSON document', () => {
  test('usage error, unknown release, missing office, locked-out content', async () => {
    const broken = await copySampleOffice()
    const file = path.join(broken, 'releases', embargoed, 'en.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^date: .*$/m, 'date: 2031-13-45'))
    const [usage, unknown, missing, content, contentBuild, contentCheck] = await Promise.all([
      press(['status', '--json', '--bogus', '-C', office]),
      press(['send', 'no-such-release', '--dry-run', '--json', '-C', office]),
      press(['status', '--json', '-C', '/nonexistent']),
      press(['translate', 'status', '--json', '-C', broken]),
      press(['build', '--no-pdf', '--json', '-C', broken]),
      press(['check', '--json', '-C', broken]),
    ])
    expect(usage.code).toBe(2)
    expect(expectJson(usage, errorDoc).error).toEqual({ code: 'PRESS_USAGE', message: "unknown option '--bogus'" })
    expect(unknown.code).toBe(1)
    expect(expectJson(unknown, errorDoc).error.code).toBe('PRESS_RELEASE_NOT_FOUND')
    expect(missing.code).toBe(1)
    expect(expectJson(missing, errorDoc).error.code).toBe('PRESS_NO_OFFICE')
    for (const run of [content, contentBuild]) {
      expect(run.code).toBe(1)
      const doc = expectJson(run, contentErrorDoc)
      expect(doc.diagnostics).toContainEqual(expect.objectContaining({ file: `releases/${embargoed}/en.md`, severity: 'error' }))
      // The human message goes to stderr.
      expect(run.stderr).toMatch(/^error: 1 error found;/m)
    }
    expect(contentCheck.code).toBe(1)
    expect(expectJson(contentCheck, checkDoc)).toMatchObject({ ok: false, errors: 1 })
  })
})
