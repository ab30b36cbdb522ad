import nodemailer from 'nodemailer'
import net from 'node:net'
import { SMTPServer } from 'smtp-server'
const server = new SMTPServer({ logger: false, disabledCommands: ['STARTTLS','AUTH'], authOptional: true,
  onData(stream, s, cb) { stream.on('data', () => {}); stream.on('end', () => cb(null, 'ok')) } })
await new Promise(r => server.listen(0, '127.0.0.1', r))
const port = server.server.address().port
const t = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: 3, maxMessages: Infinity, logger: false,
  getSocket(o, cb) { const s = net.connect({ host: o.host, port: o.port, noDelay: true }); s.once('connect', () => cb(null, { connection: s })); s.once('error', cb) } })
const raw = Buffer.from('From: a@b.c\r\nTo: x@y.z\r\nSubject: hi\r\nMessage-ID: <1@b.c>\r\n\r\n' + 'x'.repeat(Number(process.argv[2]||60000)) + '\r\n')
const t0 = performance.now()
await Promise.all(Array.from({ length: 500 }, (_, i) => t.sendMail({ envelope: { from: 'a@b.c', to: [`r${i}@y.z`] }, raw })))
console.log('nodelay pool 500:', Math.round(performance.now() - t0), 'ms')
t.close(); server.close()
