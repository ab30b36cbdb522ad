import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { loadOffice } from '../../src/office.js'
import { NoInboxError, readOfficeInbox } from '../../src/recipients/office-inbox.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

test('an office without mail.inbox is a coded error for library callers too (not a bare Error)', async () => {
  const { office } = await loadOffice(repoRoot, { env: {} })
  expect(office?.config.mail.inbox).toBeUndefined()
  const reading = readOfficeInbox(office!, () => Date.parse('2031-06-01T00:00:00Z'))
  await expect(reading).rejects.toBeInstanceOf(NoInboxError)
  await expect(reading).rejects.toMatchObject({ code: 'PRESS_NO_INBOX', message: expect.stringContaining('set `mail.inbox:') })
})
