/**
 * `deploy:` in pressroom.yaml: a command run after every build that changed
 * dist/, with the changed and removed files listed for it. Tested with a
 * command that copies the changed files into another folder (and deletes
 * the removed ones): after each build that folder equals dist/. A failing
 * deploy is reported (exit 1, its output shown), recorded for `press
 * status`, and its changes are deployed by the next build; the worker
 * deploys at a lift and retries a failure with backoff.
 */
import { spawn } from 'node:child_process'
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { copySampleOffice, hashTree, pressBin, removeOffices } from '../helpers/office.js'
import { cleanEnv, expectJson, press } from './run.js'
import { buildDoc, statusDoc } from './schemas.js'

/** The site's files in dist/, without Pressroom's own build marker (bookkeeping, never deployed). */
async function siteTree(dir: string): Promise<Record<string, string>> {
  const tree = await hashTree(dir)
  delete tree['.pressroom-build']
  return tree
}

afterAll(removeOffices)

const slug = '2031-06-10-annual-report-2030'

/** An office whose deploy mirrors dist/ into `mirror/` and fails while `fail-deploy` exists. */
async function officeWithDeploy(): Promise<{ dir: string; mirror: string; flag: string }> {
  const dir = await copySampleOffice()
  const mirror = path.join(dir, 'mirror')
  const flag = path.join(dir, 'fail-deploy')
  const script = [
    `if [ -e "${flag}" ]; then echo "upload refused by the test server" >&2; exit 3; fi`,
    `while IFS= read -r f; do mkdir -p "${mirror}/$(dirname "$f")" && cp "$PRESS_DIST/$f" "${mirror}/$f" || exit 1; done < "$PRESS_DEPLOY_CHANGED"`,
    `while IFS= read -r f; do rm -f "${mirror}/$f"; done < "$PRESS_DEPLOY_REMOVED"`,
    'echo "copied $(wc -l < "$PRESS_DEPLOY_CHANGED") files"',
  ].join('\n')
  await writeFile(path.join(dir, 'deploy.sh'), `${script}\n`)
  await appendFile(path.join(dir, 'pressroom.yaml'), '\ndeploy: sh ./deploy.sh\n')
  return { dir, mirror, flag }
}

describe('deploy: after press build', () => {
  test('runs after a build that changed dist/, with the changed files; not after one that changed nothing; a failure is reported, shown by status, and made good by the next build', async () => {
    const { dir, mirror, flag } = await officeWithDeploy()
    const first = await press(['build', '--no-pdf', '--json', '--now', '2031-06-01T00:00:00Z', '-C', dir])
    const doc = expectJson(first, buildDoc)
    expect(doc.ok).toBe(true)
    expect(doc.deploy).toMatchObject({ ok: true, code: 0, failures: 0 })
    expect(doc.deploy!.changed).toBe(doc.changed)
    expect(doc.deploy!.output).toMatch(/^copied \d+ files/)
    expect(await hashTree(mirror)).toEqual(await siteTree(path.join(dir, 'dist')))

    const again = expectJson(await press(['build', '--no-pdf', '--json', '--now', '2031-06-01T00:00:00Z', '-C', dir]), buildDoc)
    expect(again).toMatchObject({ changed: 0, removed: 0, deploy: null })

    // An edit while the server refuses: exit 1, the output shown, the changes kept.
    await appendFile(path.join(dir, 'releases', '2026-05-12-river-sampling', 'en.md'), '\nA paragraph added later.\n')
    await writeFile(flag, '')
    const failed = await press(['build', '--no-pdf', '--now', '2031-06-01T00:00:00Z', '-C', dir])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain('error: the deploy command exited 3')
    expect(failed.stderr).toContain('| upload refused by the test server')
    expect(failed.stderr).not.toMatch(/\n\s+at /)
    expect(await readFile(path.join(mirror, 'en', '2026-05-12-river-sampling', 'index.html'), 'utf8')).not.toContain(
      'A paragraph added later.',
    )
    const status = await press(['status', '-C', dir])
    expect(status.stdout).toMatch(
      /^deploy: FAILED at .* \(exit 3, 1 attempt in a row\); \d+ changed and 0 removed files pending; .*upload refused by the test server$/m,
    )
    const record = expectJson(await press(['status', '--json', '-C', dir]), statusDoc).deploy as unknown as {
      last: object
      pending: { changed: string[] }
    }
    expect(record.last).toMatchObject({ ok: false, code: 3, failures: 1 })
    expect(record.pending.changed).toContain('en/2026-05-12-river-sampling/index.html')

    // The next build changes nothing, but deploys what is pending.
    await rm(flag)
    const retried = expectJson(await press(['build', '--no-pdf', '--json', '--now', '2031-06-01T00:00:00Z', '-C', dir]), buildDoc)
    expect(retried).toMatchObject({ ok: true, changed: 0, deploy: { ok: true, changed: record.pending.changed.length } })
    expect(await hashTree(mirror)).toEqual(await siteTree(path.join(dir, 'dist')))
    expect((await press(['status', '-C', dir])).stdout).toMatch(/^deploy: ok at .* \(\d+ changed, 0 removed, /m)

    // A release taken back to draft: its files are removed from the mirror too.
    const en = path.join(dir, 'releases', '2026-05-12-river-sampling', 'en.md')
    await writeFile(en, (await readFile(en, 'utf8')).replace(/^status: ready$/m, 'status: draft'))
    const removed = expectJson(await press(['build', '--no-pdf', '--json', '--now', '2031-06-01T00:00:00Z', '-C', dir]), buildDoc)
    expect(removed.removed).toBeGreaterThan(0)
    expect(await hashTree(mirror)).toEqual(await siteTree(path.join(dir, 'dist')))
  }, 120_000)
})

describe('deploy: in the worker', () => {
  test('at the lift the site is deployed; a failed deploy is retried until it works', { timeout: 120_000 }, async () => {
    const { dir, mirror, flag } = await officeWithDeploy()
    const built = await press(['build', '--now', '2031-06-10T12:00:00Z', '-C', dir])
    expect(built.code, built.stderr).toBe(0)
    await writeFile(flag, '')
    const child = spawn(process.execPath, [pressBin, 'worker', '--now', '2031-06-10T12:59:57Z', '-C', dir], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    const until = async (what: () => boolean): Promise<void> => {
      const deadline = Date.now() + 60_000
      while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      expect(what(), `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(true)
    }
    try {
      await until(() => stderr.includes('next try in 5 s'))
      expect(stderr).toContain('| upload refused by the test server')
      expect(stdout).toContain(`embargo of ${slug} lifted`)
      await rm(flag)
      await until(() => /deployed in .* s \(\d+ changed, \d+ removed\)/.test(stdout))
    } finally {
      child.kill('SIGINT')
    }
    expect(await closed).toBe(0)
    const mirrored = await hashTree(mirror)
    expect(mirrored).toEqual(await siteTree(path.join(dir, 'dist')))
    expect(Object.keys(mirrored)).toContain(`ru/${slug}/${slug}.ru.pdf`)
  })
})
