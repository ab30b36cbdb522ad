import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { composeBase, composeMessage } from '../../src/distribute/compose.js'
import { createMailer, safeFileName } from '../../src/distribute/mailer.js'
import { TransportConfigError } from '../../src/distribute/errors.js'
import { fakeContent, makeOffice } from './fixtures/office.js'

async function message(office: ReturnType<typeof makeOffice>, email: string, name = 'N') {
  const content = await fakeContent(office.files)('s-1', 'en', { embargoed: false, test: false })
  const base = await composeBase('s-1', 'en', { embargoed: false, test: false }, content, undefined, {
    from: 'P <p@example.org>',
    unsubscribe: {},
  })
  return composeMessage(base, { key: `s-1/${email}`, email, name, messageId: '<m@example.org>' }, 0)
}

describe('mailer', () => {
  test('outbox writes <state>/outbox/<slug>/<safe-email>.eml by rename, overwriting a resend', async () => {
    const office = makeOffice()
    const mailer = createMailer('outbox', { statePath: office.statePath })
    const msg = await message(office, "o'brien+press@example.com")
    const receipt = await mailer.send(msg)
    const dir = join(office.statePath, 'outbox', 's-1')
    const file = `${safeFileName("o'brien+press@example.com")}.eml`
    expect(file).toMatch(/^o_brien\+press@example\.com-[0-9a-f]{8}\.eml$/)
    expect(readdirSync(dir)).toEqual([file])
    expect(receipt).toEqual({ messageId: '<m@example.org>', response: `outbox ${join(dir, file)}` })
    await mailer.send(await message(office, "o'brien+press@example.com", 'Second'))
    expect(readdirSync(dir)).toEqual([file])
    expect(readFileSync(join(dir, file), 'utf8')).toContain('To: Second <')
    await mailer.send({ ...msg, label: 'test-en-' })
    expect(readdirSync(dir).sort()).toEqual([file, `test-en-${file}`])
    await mailer.close()
  })

  test('json transport, unknown transports, safe file names', async () => {
    const office = makeOffice()
    const json = createMailer('json', { statePath: office.statePath })
    expect((await json.send(await message(office, 'a@example.com'))).response).toBe('json')
    await json.close()
    expect(() => createMailer('sendmail', { statePath: office.statePath })).toThrow(TransportConfigError)
    expect(safeFileName('../../etc/passwd@x')).toMatch(/^__\.\._etc_passwd@x-[0-9a-f]{8}$/)
    expect(safeFileName('Ivan@Пример.рф')).toMatch(/^ivan@______\.__-[0-9a-f]{8}$/)
    expect(safeFileName('Ivan@Пример.рф')).not.toBe(safeFileName('Ivan@Образц.рф'))
    expect(safeFileName('jane.doe+x@example.com')).toBe('jane.doe+x@example.com')
  })
})
