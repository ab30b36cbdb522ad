import nodemailer from 'nodemailer'
import { SMTPServer } from 'smtp-server'
const server = new SMTPServer({ logger: false, disabledCommands: ['STARTTLS','AUTH'], authOptional: true,
  onData(stream, s, cb) { stream.on('data', () => {}); stream.on('end', () => cb(null, 'ok')) } })
await new Promise(r => server.listen(0, '127.0.0.1', r))
const port = server.server.address().port
const t0 = performance.now()
const logger = { level(){}, trace(){}, debug(o, m, ...a){ if (o && o.tnx !== 'network') console.log(Math.round(performance.now()-t0), o.tnx, String(m).slice(0,40), a.join(' ').slice(0,60)) }, info(){}, warn(){}, error(){}, fatal(){} }
const t = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: 1, maxMessages: Infinity, logger, debug: true })
const raw = Buffer.from('From: a@b.c\r\nTo: x@y.z\r\nSubject: hi\r\nMessage-ID: <1@b.c>\r\n\r\n' + 'x'.repeat(3000) + '\r\n')
await Promise.all(Array.from({ length: 3 }, (_, i) => t.sendMail({ envelope: { from: 'a@b.c', to: [`r${i}@y.z`] }, raw })))
t.close(); server.close()
