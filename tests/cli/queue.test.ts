/**
 * `--queue redis://…` / PRESS_QUEUE through the CLI: the plan lands in the
 * shared Redis queue (a real redis-server on loopback), nothing in the
 * embedded SQLite queue, and status reads it back.
 */
import { access } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { copySampleOffice, removeOffices } from '../helpers/office.js'
import { useRedisServer } from '../helpers/redis-server.js'
import { press } from './run.js'

const redis = useRedisServer()
afterAll(removeOffices)

describe('press with a Redis queue', () => {
  test('send plans into Redis; status (via PRESS_QUEUE) shows the same counts; no SQLite queue is created', async () => {
    const office = await copySampleOffice()
    const url = `${redis().url}/0?prefix=t${Date.now()}`
    const sent = await press([
      'send',
      '2031-06-10-annual-report-2030',
      '-C',
      office,
      '--queue',
      url,
      '--now',
      '2031-06-10T12:00:00Z',
      '--json',
    ])
    expect(sent.code, sent.stderr).toBe(0)
    const report = JSON.parse(sent.stdout) as { run: { sent: number }; plan: { counts: { jobs: number; later: number } } }
    expect(report.plan.counts.jobs).toBe(9)
    expect(report.run.sent).toBe(report.plan.counts.jobs - report.plan.counts.later)

    const status = await press(['status', '-C', office, '--json', '--now', '2031-06-10T12:00:00Z'], { env: { PRESS_QUEUE: url } })
    expect(status.code, status.stderr).toBe(0)
    const counts = (JSON.parse(status.stdout) as { counts: Record<string, number> }).counts
    expect(counts['sent']).toBe(report.run.sent)
    expect(counts['planned']).toBe(report.plan.counts.later)
    await expect(access(path.join(office, '.press', 'queue.db'))).rejects.toThrow()

    const after = await press(['dispatch', '-C', office, '--queue', url, '--now', '2031-06-10T13:00:00Z', '--json'])
    expect(after.code, after.stderr).toBe(0)
    expect((JSON.parse(after.stdout) as { sent: number }).sent).toBe(report.plan.counts.later)
  })

  test('a queue URL that is not Redis is a usage error (exit 2)', async () => {
    const office = await copySampleOffice()
    const run = await press(['status', '-C', office, '--queue', 'postgres://127.0.0.1/x'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('give a Redis URL')
  })
})
