import { test } from 'vitest'
import { planDistribution } from '../../../src/distribute/commands.js'
import { startSmtpSink } from '../../helpers/smtp-sink.js'
import { crowd, LIFT, makeContext, makeOffice, makeRelease } from '../fixtures/office.js'
test('prof', async () => {
  const sink = await startSmtpSink()
  const ctx = makeContext(makeOffice(), [makeRelease({ embargo: false })], crowd(Number(process.env.N ?? 100)), sink.url, { clock: { t: LIFT } })
  let last = performance.now()
  const t0 = last
  const r = await planDistribution(ctx, '2031-03-14-water-report', { onProgress: (e) => { if (e.type === 'sent' && Math.random() < 0.0) { console.log(e.type, Math.round(performance.now() - t0)) } } })
  console.log('total', performance.now() - t0, r.run.sent, sink.connections)
  await sink.close()
}, 60000)
