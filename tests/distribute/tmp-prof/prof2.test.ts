import { test } from 'vitest'
import { openSqliteLedger } from '../../../src/distribute/queue/sqlite-ledger.js'
import { composeBase, composeMessage } from '../../../src/distribute/compose.js'
import { createMailer } from '../../../src/distribute/mailer.js'
import { startSmtpSink } from '../../helpers/smtp-sink.js'
import { fakeContent, makeOffice } from '../fixtures/office.js'
test('prof2', async () => {
  const office = makeOffice()
  const l = openSqliteLedger(office.statePath + '/q.db')
  const jobs = Array.from({ length: 2000 }, (_, i) => ({ key: `s/${i}`, slug: 's', email: `r${i}@x.com`, name: 'n', lng: 'en', wanted: 'en', vetted: true, sendAt: 0, messageId: `<${i}@x>` }))
  let t0 = performance.now()
  await l.enqueue('s', jobs, 0)
  console.log('enqueue 2000', performance.now() - t0)
  const lock = await l.lock({ now: 0 })
  t0 = performance.now()
  for (const j of jobs) { await l.claim(j.key, lock, 1); await l.markSent(j.key, { response: '250 ok' }, 2) }
  console.log('claim+sent 2000', performance.now() - t0)
  const content = await fakeContent(office.files)('s', 'en', { embargoed: false, test: false })
  const base = await composeBase('s', 'en', { embargoed: false, test: false }, content, 'a@b.c', { from: 'P <p@x.org>', unsubscribe: { mailto: 'u@x.org', url: 'https://x/u' } })
  t0 = performance.now()
  const msgs = jobs.map((j) => composeMessage(base, { key: j.key, email: j.email, name: 'Иван Петров', messageId: j.messageId }, 0))
  console.log('compose 2000', performance.now() - t0, msgs[0]!.raw.length)
  const sink = await startSmtpSink()
  const m = createMailer(sink.url, { statePath: office.statePath, maxConnections: 3 })
  t0 = performance.now()
  await Promise.all(msgs.slice(0, 600).map((msg) => m.send(msg)))
  console.log('send 600', performance.now() - t0)
  await m.close(); await sink.close(); await l.close()
}, 60000)
