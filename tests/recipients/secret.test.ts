import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { SecretFileError, loadSecrets } from '../../src/recipients/secret.js'

describe('the unsubscribe secret', () => {
  test('is made once in the state folder and read back', async () => {
    const state = await mkdtemp(path.join(os.tmpdir(), 'pressroom-secret-'))
    const first = loadSecrets(state, {})
    expect(first).toHaveLength(1)
    expect(first[0]!.length).toBeGreaterThanOrEqual(32)
    expect(loadSecrets(state, {})).toEqual(first)
    expect((await readFile(path.join(state, 'secret'), 'utf8')).trim()).toBe(first[0])
  })

  test('PRESS_SECRET (and the previous one during a rotation) wins over the file', async () => {
    const state = await mkdtemp(path.join(os.tmpdir(), 'pressroom-secret-'))
    expect(loadSecrets(state, { PRESS_SECRET: 'new-secret', PRESS_SECRET_PREVIOUS: 'old-secret' })).toEqual(['new-secret', 'old-secret'])
  })

  test('an empty secret file is a coded error that says what to do, not a bare Error', async () => {
    const state = await mkdtemp(path.join(os.tmpdir(), 'pressroom-secret-'))
    await writeFile(path.join(state, 'secret'), '\n# nothing here\n')
    let caught: unknown
    try {
      loadSecrets(state, {})
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(SecretFileError)
    expect((caught as SecretFileError).code).toBe('PRESS_SECRET')
    expect((caught as Error).message).toMatch(/is empty; delete it so a new secret is made, or set PRESS_SECRET/)
  })
})
