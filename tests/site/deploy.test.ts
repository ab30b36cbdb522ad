/**
 * The deploy command's bookkeeping (src/site/deploy.ts) and its config key:
 * pending changes merged with a later build's, the worker's retry delays,
 * `deploy:` as a string or `{command, timeout}`, and a located error for
 * anything else.
 */
import { describe, expect, test } from 'vitest'
import { resolveConfig } from '../../src/config.js'
import { formatDiagnostic } from '../../src/diagnostics.js'
import { deployRetryDelay, mergeChanges } from '../../src/site/deploy.js'

describe('mergeChanges', () => {
  test('what a failed deploy left, plus a later build: written again is copied, removed since is removed', () => {
    const pending = { changed: ['a.html', 'b.html'], removed: ['old.html', 'c.html'] }
    const later = { changed: ['c.html', 'd.html'], removed: ['b.html'] }
    expect(mergeChanges(pending, later)).toEqual({ changed: ['a.html', 'c.html', 'd.html'], removed: ['b.html', 'old.html'] })
    expect(mergeChanges(undefined, later)).toEqual(later)
  })
})

describe('deployRetryDelay', () => {
  test('5 s, doubling, at most 5 minutes', () => {
    expect([1, 2, 3, 4, 7, 20].map(deployRetryDelay)).toEqual([5_000, 10_000, 20_000, 40_000, 300_000, 300_000])
  })
})

describe('deploy: in pressroom.yaml', () => {
  test('a command, or {command, timeout}; the default time limit is 10 minutes', () => {
    expect(resolveConfig('/office', 'deploy: ./upload.sh\n', {}).config?.deploy).toEqual({ command: './upload.sh', timeout: 600_000 })
    expect(resolveConfig('/office', 'deploy: { command: ./upload.sh, timeout: 5000 }\n', {}).config?.deploy).toEqual({
      command: './upload.sh',
      timeout: 5000,
    })
    expect(resolveConfig('/office', 'locales: [en]\n', {}).config?.deploy).toBeUndefined()
  })

  test('anything else: an error at the value', () => {
    const { config, messages } = resolveConfig('/office', 'locales: [en]\ndeploy: [rsync, -a]\n', {})
    expect(config).toBeUndefined()
    expect(messages.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^pressroom\.yaml:2:9: error: .*should be a shell command, or `\{command, timeout\}`/),
    ])
  })
})
