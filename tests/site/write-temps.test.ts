/**
 * A build cleans up the temp folders a crashed build left beside dist/, but
 * never those of a build that is still running (e.g. the worker's rebuild).
 */
import { spawn } from 'node:child_process'
import { mkdir, readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { copySampleOffice, removeOffices, runPress } from '../helpers/office.js'

afterAll(removeOffices)

test('stale temp folders of dead builds go; a live build keeps its own', async () => {
  const office = await copySampleOffice()
  const live = spawn('sleep', ['30'])
  try {
    const livePid = live.pid!
    await mkdir(path.join(office, `.dist.tmp-${livePid}-aaaa`))
    await mkdir(path.join(office, '.dist.tmp-999999999-bbbb'))
    await mkdir(path.join(office, '.dist.old-999999999-cccc'))
    const run = await runPress(['build', '-C', office, '--no-pdf'])
    expect(run.code, run.stderr).toBe(0)
    const left = (await readdir(office)).filter((name) => name.startsWith('.dist.'))
    expect(left).toEqual([`.dist.tmp-${livePid}-aaaa`])
  } finally {
    live.kill()
  }
})
